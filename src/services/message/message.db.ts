/** The kinds of notification (系统通知) the message service writes; templates in notification.templates.ts. */
export type NotificationKind =
  | 'order_hired'
  | 'order_cancelled'
  | 'order_no_show'
  | 'order_completed'
  | 'dispute_decided'
  | 'verification_approved'
  | 'verification_rejected'
  | 'review_received'
  | 'shift_reminder'
  | 'check_in_missing'
  | 'topup_succeeded'
  | 'pay_settled'
  | 'withdrawal_succeeded'
  | 'withdrawal_failed';

/** The message service's tables, as Kysely sees them. Only message.repository.ts queries them. */
export interface MessageDB {
  /** One conversation per employer–worker pair and job, opened when the worker applies or is invited. */
  message_conversations: {
    id: string;
    job_id: string;
    worker_id: string;
    employer_id: string;
    created_at: number;
    last_message_id: string | null;
    last_message_at: number | null;
  };
  /** A party's side of a conversation: unread count and the last message read (read receipts). */
  message_participants: {
    conversation_id: string;
    user_id: string;
    other_id: string;
    unread: number;
    last_read_id: string | null;
    /** For the list of my conversations, most recent first. */
    last_message_at: number;
  };
  message_messages: {
    id: string;
    conversation_id: string;
    /** Null for system messages (hired, cancelled …). */
    sender_id: string | null;
    kind: 'text' | 'image' | 'system';
    /** Text; the storage key of an image; or a system message's template code. */
    body: string;
    /** System messages: the template's parameters (JSON). */
    params: string | null;
    /** 1: the filter found contact details or pay-to-work words; delivered with a warning. */
    flagged: number;
    created_at: number;
  };
  /** blocker_id blocks blocked_id: no new messages either way. */
  message_blocks: {
    blocker_id: string;
    blocked_id: string;
    created_at: number;
  };
  /** A user's inbox of notifications, one per event and user (`dedupe_key`). */
  message_notifications: {
    id: string;
    user_id: string;
    kind: NotificationKind;
    /** JSON: the template's parameters (ids and amounts; never personal data). */
    params: string;
    dedupe_key: string;
    read_at: number | null;
    created_at: number;
    /** When to push it (null: nothing to push, or pushed); later than created_at in quiet hours. */
    push_due_at: number | null;
    pushed_at: number | null;
    push_attempts: number;
    /** Critical notifications: when to send the SMS (null: none, or sent). */
    sms_due_at: number | null;
    sms_sent_at: number | null;
    sms_attempts: number;
  };
  /** What a user wants pushed, and when not (absent: everything, any time). */
  message_preferences: {
    user_id: string;
    /** JSON array of kinds not pushed (critical kinds are pushed anyway). */
    muted_kinds: string;
    push: number;
    /** Quiet hours in the business time zone, "HH:MM" (both or neither). */
    quiet_start: string | null;
    quiet_end: string | null;
    updated_at: number;
  };
  /** A hired order's parties and shift start, for its reminders (deadlines by order id). */
  message_reminders: {
    order_id: string;
    job_id: string;
    worker_id: string;
    employer_id: string;
    shift_starts_at: number;
  };
  /** A user's phones registered with the push service (JPush registration ids). */
  message_devices: {
    user_id: string;
    registration_id: string;
    platform: 'android' | 'ios';
    updated_at: number;
  };
}
