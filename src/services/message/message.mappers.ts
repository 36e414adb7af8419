import type { ConversationRow, MessageRow, NotificationRow } from './message.repository.js';

type FormatInstant = (instant: number) => string;

export interface MessageView {
  id: string;
  conversationId: string;
  senderId: string | null;
  kind: 'text' | 'image' | 'system';
  /** Text; for an image the path to fetch it; for a system message its template code. */
  body: string;
  params: Record<string, unknown> | null;
  /** Set when the filter found contact details or pay-to-work words: shown to the recipient as a warning. */
  warning: string | null;
  createdAt: string;
}

const WARNING = '该消息可能包含联系方式或收费信息，请勿脱离平台交易，谨防诈骗';

export function toMessageView(row: MessageRow, at: FormatInstant): MessageView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    senderId: row.sender_id,
    kind: row.kind,
    body: row.kind === 'image' ? `/api/v1/conversations/${row.conversation_id}/images/${row.id}` : row.body,
    params: row.params === null ? null : (JSON.parse(row.params) as Record<string, unknown>),
    warning: row.flagged ? WARNING : null,
    createdAt: at(row.created_at),
  };
}

export interface ConversationView {
  id: string;
  jobId: string;
  workerId: string;
  employerId: string;
  otherId: string;
  unread: number;
  lastReadId: string | null;
  lastMessageId: string | null;
  lastMessageAt: string | null;
  createdAt: string;
}

export function toConversationView(
  row: ConversationRow & { unread: number; last_read_id: string | null; other_id: string },
  at: FormatInstant,
): ConversationView {
  return {
    id: row.id,
    jobId: row.job_id,
    workerId: row.worker_id,
    employerId: row.employer_id,
    otherId: row.other_id,
    unread: Number(row.unread),
    lastReadId: row.last_read_id,
    lastMessageId: row.last_message_id,
    lastMessageAt: row.last_message_at === null ? null : at(Number(row.last_message_at)),
    createdAt: at(Number(row.created_at)),
  };
}

export interface NotificationView {
  id: string;
  kind: string;
  title: string;
  body: string;
  params: Record<string, unknown>;
  read: boolean;
  createdAt: string;
}

export function toNotificationView(
  row: NotificationRow,
  render: (kind: string, params: Record<string, unknown>) => { title: string; body: string },
  at: FormatInstant,
): NotificationView {
  const params = JSON.parse(row.params) as Record<string, unknown>;
  return {
    id: row.id,
    kind: row.kind,
    ...render(row.kind, params),
    params,
    read: row.read_at !== null,
    createdAt: at(Number(row.created_at)),
  };
}
