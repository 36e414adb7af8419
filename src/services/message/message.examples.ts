import type { Static } from 'typebox';
import type {
  ConversationPage,
  ConversationSchema,
  MessagePage,
  MessageSchema,
  NotificationPage,
} from './message.schemas.js';

/**
 * Example requests and answers of the message routes, for the API description (route-docs.ts);
 * each is checked against its route's schema (test/http/openapi.test.ts).
 */
export const EXAMPLE_CONVERSATION_ID = '01JEXAMP1EC0NVERSAT10N0001';
export const EXAMPLE_MESSAGE_ID = '01JEXAMP1EMESSAGE000000001';
export const EXAMPLE_JOB_ID = '01JEXAMP1EJ0B0000000000001';
export const EXAMPLE_WORKER_ID = '01JEXAMP1EW0RKER0000000001';
export const EXAMPLE_EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';

export const messageExample: Static<typeof MessageSchema> = {
  id: EXAMPLE_MESSAGE_ID,
  conversationId: EXAMPLE_CONVERSATION_ID,
  senderId: EXAMPLE_EMPLOYER_ID,
  kind: 'text',
  body: '明天早上八点到店，穿黑色裤子',
  params: null,
  warning: null,
  createdAt: '2026-12-07T18:30:00+08:00',
};

export const conversationExample: Static<typeof ConversationSchema> = {
  id: EXAMPLE_CONVERSATION_ID,
  jobId: EXAMPLE_JOB_ID,
  workerId: EXAMPLE_WORKER_ID,
  employerId: EXAMPLE_EMPLOYER_ID,
  otherId: EXAMPLE_EMPLOYER_ID,
  unread: 1,
  lastReadId: null,
  lastMessageId: EXAMPLE_MESSAGE_ID,
  lastMessageAt: '2026-12-07T18:30:00+08:00',
  createdAt: '2026-12-07T18:00:00+08:00',
};

export const conversationPageExample: Static<typeof ConversationPage> = {
  items: [conversationExample],
  nextCursor: null,
};
export const messagePageExample: Static<typeof MessagePage> = { items: [messageExample], nextCursor: null };

export const notificationPageExample: Static<typeof NotificationPage> = {
  items: [
    {
      id: '01JEXAMP1EN0T1F1CAT10N0001',
      kind: 'order_hired',
      title: '录用成功',
      body: '你已被录用，请按时到岗并在现场签到。',
      params: { orderId: '01JEXAMP1E0RDER0000000001A', jobId: EXAMPLE_JOB_ID },
      read: false,
      createdAt: '2026-12-07T18:40:00+08:00',
    },
  ],
  nextCursor: null,
};
