import { principalOf } from '../../platform/http/auth.js';
import { requestLang } from '../../platform/http/problem.js';
import type { App } from '../../platform/http/server.js';
import { IMAGE_TYPES } from '../../platform/images.js';
import { pageOf } from '../../platform/schemas.js';
import { IMAGE_MAX_BYTES, type Conversations } from './conversations.js';
import { MessageErrors as E } from './message.errors.js';
import * as ex from './message.examples.js';
import {
  BlockedSchema,
  BlocksSchema,
  ConversationPage,
  ConversationParams,
  ConversationSchema,
  DeviceBody,
  DeviceParams,
  DeviceSchema,
  PreferencesBody,
  PreferencesSchema,
  ImageParams,
  LinkSchema,
  ListOnly,
  MarkedSchema,
  MessagePage,
  MessageSchema,
  NotificationPage,
  NotificationsQuery,
  ReadBody,
  ReadNotificationsBody,
  TextBody,
  UploadBody,
  UploadParams,
  UploadSchema,
  UnreadSchema,
  UserParams,
} from './message.schemas.js';
import type { Notifications } from './notifications.js';
import { MAX_DEVICES, type Pushes } from './pushes.js';

const tags = ['message'];
const auth = { auth: true } as const;
const FILE_TYPES = Object.keys(IMAGE_TYPES);
const conv = { id: ex.EXAMPLE_CONVERSATION_ID };
const missing = E.CONVERSATION_NOT_FOUND();

export async function registerMessageRoutes(
  app: App,
  parts: {
    conversations: Conversations;
    notifications: Notifications;
    pushes: Pushes;
    assertUser: (id: string) => Promise<void>;
  },
): Promise<void> {
  const { conversations, notifications } = parts;

  app.get(
    '/api/v1/conversations',
    {
      schema: {
        tags,
        summary: 'My conversations, most recent first',
        description: 'One per employer–worker pair and job, opened when the worker applies or is invited.',
        querystring: ListOnly,
        response: { 200: ConversationPage },
        responseDescription: 'A page of conversations',
        example: { query: {}, response: ex.conversationPageExample },
      },
      config: auth,
    },
    async (req) => conversations.list(principalOf(req), pageOf(req.query)),
  );
  app.get(
    '/api/v1/conversations/blocks',
    {
      schema: {
        tags,
        summary: 'Users I have blocked',
        description: 'Neither side can send the other a message while a block stands.',
        response: { 200: BlocksSchema },
        responseDescription: 'My blocks, newest first',
        example: {
          response: { items: [{ userId: ex.EXAMPLE_WORKER_ID, since: '2026-12-07T18:00:00+08:00' }] },
        },
      },
      config: auth,
    },
    async (req) => conversations.blocks(principalOf(req)),
  );
  app.put(
    '/api/v1/conversations/blocks/:userId',
    {
      schema: {
        tags,
        summary: 'Block a user',
        description: 'No new messages either way in any conversation with them, until unblocked.',
        params: UserParams,
        response: { 200: BlockedSchema },
        responseDescription: 'Blocked (again: no change)',
        errors: [E.BLOCK_SELF(), E.USER_NOT_FOUND()],
        example: { params: { userId: ex.EXAMPLE_WORKER_ID }, response: { blockedId: ex.EXAMPLE_WORKER_ID } },
      },
      config: auth,
    },
    async (req) => {
      const me = principalOf(req);
      if (req.params.userId !== me.userId) await parts.assertUser(req.params.userId);
      return conversations.block(me, req.params.userId);
    },
  );
  app.delete(
    '/api/v1/conversations/blocks/:userId',
    {
      schema: {
        tags,
        summary: 'Unblock a user',
        description: 'Messages may flow again (unless the other side blocked me too).',
        params: UserParams,
        response: { 204: { type: 'null', description: 'Unblocked (or was not blocked)' } },
        responseDescription: 'Unblocked',
        example: { params: { userId: ex.EXAMPLE_WORKER_ID } },
      },
      config: auth,
    },
    async (req, reply) => {
      await conversations.unblock(principalOf(req), req.params.userId);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags,
        summary: 'One of my conversations',
        description: 'Its parties, my unread count and the last message I read (404 to anyone else).',
        params: ConversationParams,
        response: { 200: ConversationSchema },
        responseDescription: 'The conversation with my unread count',
        errors: [missing],
        example: { params: conv, response: ex.conversationExample },
      },
      config: auth,
    },
    async (req) => conversations.get(principalOf(req), req.params.id),
  );
  app.get(
    '/api/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: "A conversation's messages, newest first",
        description: 'Paged backwards in time with the cursor; the two parties only.',
        params: ConversationParams,
        querystring: ListOnly,
        response: { 200: MessagePage },
        responseDescription: 'A page of messages',
        errors: [missing],
        example: { params: conv, query: {}, response: ex.messagePageExample },
      },
      config: auth,
    },
    async (req) => conversations.history(principalOf(req), req.params.id, pageOf(req.query)),
  );
  app.post(
    '/api/v1/conversations/:id/messages',
    {
      schema: {
        tags,
        summary: 'Send a text message',
        description:
          'Both parties get it at once over /ws. Refused when either has blocked the other, past the ' +
          'per-sender limit (LINGGONG_MESSAGE_SEND_PER_MINUTE), or with prohibited words; contact details ' +
          '(phone, WeChat, QQ) and pay-to-work words are delivered with a warning to the recipient.',
        params: ConversationParams,
        body: TextBody,
        response: { 201: MessageSchema },
        responseDescription: 'The message',
        errors: [
          missing,
          E.MESSAGE_BLOCKED(),
          E.MESSAGE_RATE_LIMITED({ limit: 30 }),
          E.MESSAGE_TEXT_REFUSED({ terms: '刷单' }),
        ],
        example: { params: conv, body: { text: ex.messageExample.body }, response: ex.messageExample },
      },
      config: auth,
    },
    async (req, reply) =>
      reply.code(201).send(await conversations.sendText(principalOf(req), req.params.id, req.body.text)),
  );
  await app.register(async (plain) => {
    const scope = plain as App;
    scope.addContentTypeParser(
      FILE_TYPES,
      { parseAs: 'buffer', bodyLimit: IMAGE_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/api/v1/conversations/:id/images',
      {
        schema: {
          tags,
          summary: 'Send an image (raw image body)',
          description:
            'image/png, image/jpeg or image/webp, at most 5 MB; private: only the two parties read it.',
          params: ConversationParams,
          consumes: FILE_TYPES,
          response: { 201: MessageSchema },
          responseDescription: 'The message',
          errors: [missing, E.IMAGE_INVALID(), E.MESSAGE_BLOCKED(), E.MESSAGE_RATE_LIMITED({ limit: 30 })],
          example: {
            params: conv,
            response: {
              ...ex.messageExample,
              kind: 'image',
              body: `/api/v1/conversations/${conv.id}/images/${ex.EXAMPLE_MESSAGE_ID}`,
            },
          },
        },
        config: auth,
      },
      async (req, reply) => {
        if (!Buffer.isBuffer(req.body)) throw E.IMAGE_INVALID();
        const type = String(req.headers['content-type']).split(';')[0]!.trim();
        return reply
          .code(201)
          .send(await conversations.sendImage(principalOf(req), req.params.id, type, req.body));
      },
    );
  });
  app.post(
    '/api/v1/conversations/:id/image-uploads',
    {
      schema: {
        tags,
        summary: 'Upload an image straight to the bucket (S3): where to PUT it',
        description:
          'A presigned PUT for 15 minutes, with the content type it must be sent with; then complete it ' +
          '(POST …/image-uploads/{upload}/complete), which checks the file and sends the message. On ' +
          'local storage 409 DIRECT_UPLOAD_UNAVAILABLE: upload through POST …/images.',
        params: ConversationParams,
        body: UploadBody,
        response: { 201: UploadSchema },
        responseDescription: 'Where and how to upload',
        errors: [missing, E.IMAGE_INVALID(), E.DIRECT_UPLOAD_UNAVAILABLE(), E.MESSAGE_BLOCKED()],
        example: {
          params: conv,
          body: { contentType: 'image/jpeg' },
          response: {
            upload: '01JEXAMP1EF11E000000000001.jpg',
            method: 'PUT',
            url: 'https://linggong.oss-cn-shanghai.aliyuncs.com/message/uploads/…?X-Amz-Signature=…',
            headers: { 'content-type': 'image/jpeg' },
            expiresAt: '2026-12-07T18:45:00+08:00',
          },
        },
      },
      config: auth,
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await conversations.imageUpload(principalOf(req), req.params.id, req.body.contentType)),
  );
  app.post(
    '/api/v1/conversations/:id/image-uploads/:upload/complete',
    {
      schema: {
        tags,
        summary: 'Complete a direct upload: the image message',
        description:
          'The uploaded file is checked as an image (type, size up to 5 MB, dimensions); anything else ' +
          'is deleted and refused. Once per upload.',
        params: UploadParams,
        response: { 201: MessageSchema },
        responseDescription: 'The image message',
        errors: [missing, E.UPLOAD_NOT_FOUND(), E.IMAGE_INVALID(), E.UPLOAD_USED(), E.MESSAGE_BLOCKED()],
        example: {
          params: { ...conv, upload: '01JEXAMP1EF11E000000000001.jpg' },
          response: {
            ...ex.messageExample,
            kind: 'image',
            body: `/api/v1/conversations/${conv.id}/images/${ex.EXAMPLE_MESSAGE_ID}`,
          },
        },
      },
      config: auth,
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(await conversations.completeImageUpload(principalOf(req), req.params.id, req.params.upload)),
  );
  app.get(
    '/api/v1/conversations/:id/images/:messageId',
    {
      schema: {
        tags,
        summary: "An image message's file",
        description: 'Never cached; the two parties only.',
        params: ImageParams,
        produces: FILE_TYPES,
        responseDescription: 'The image',
        errors: [missing, E.MESSAGE_NOT_FOUND()],
        example: { params: { ...conv, messageId: ex.EXAMPLE_MESSAGE_ID } },
      },
      config: auth,
    },
    async (req, reply) => {
      const file = await conversations.image(principalOf(req), req.params.id, req.params.messageId);
      return reply.type(file.contentType).header('cache-control', 'private, no-store').send(file.data);
    },
  );
  app.get(
    '/api/v1/conversations/:id/images/:messageId/link',
    {
      schema: {
        tags,
        summary: "A 10-minute link to an image message's file",
        description:
          'For an <img> source or a download manager: the link needs no token and stops working after ' +
          '10 minutes (a presigned URL of the bucket with S3; a signed /files link otherwise).',
        params: ImageParams,
        response: { 200: LinkSchema },
        responseDescription: 'The link and when it expires',
        errors: [missing, E.MESSAGE_NOT_FOUND()],
        example: {
          params: { ...conv, messageId: ex.EXAMPLE_MESSAGE_ID },
          response: {
            url: `/files/message/images/${conv.id}/01JEXAMP1EF11E000000000001.png?expires=1796700000&signature=${'9f2c'.repeat(16)}`,
            expiresAt: '2026-12-07T18:40:00+08:00',
          },
        },
      },
      config: auth,
    },
    async (req) => conversations.imageLink(principalOf(req), req.params.id, req.params.messageId),
  );
  app.post(
    '/api/v1/conversations/:id/read',
    {
      schema: {
        tags,
        summary: 'Mark read up to a message',
        description: 'Never backwards. The other party gets a read receipt over /ws.',
        params: ConversationParams,
        body: ReadBody,
        response: { 200: ConversationSchema },
        responseDescription: 'The conversation with my unread count',
        errors: [missing, E.MESSAGE_NOT_FOUND()],
        example: {
          params: conv,
          body: { messageId: ex.EXAMPLE_MESSAGE_ID },
          response: { ...ex.conversationExample, unread: 0, lastReadId: ex.EXAMPLE_MESSAGE_ID },
        },
      },
      config: auth,
    },
    async (req) => conversations.read(principalOf(req), req.params.id, req.body.messageId),
  );

  // Notifications.
  app.get(
    '/api/v1/notifications',
    {
      schema: {
        tags,
        summary: 'My notifications, newest first',
        description: 'Titles and bodies in the request language (Accept-Language).',
        querystring: NotificationsQuery,
        response: { 200: NotificationPage },
        responseDescription: 'A page of notifications',
        example: { query: { unread: true }, response: ex.notificationPageExample },
      },
      config: auth,
    },
    async (req) =>
      notifications.list(principalOf(req), pageOf(req.query), req.query.unread ?? false, requestLang(req)),
  );
  app.post(
    '/api/v1/notifications/read',
    {
      schema: {
        tags,
        summary: 'Mark notifications read (some, or all)',
        description: 'The given ids of mine, or every unread one when `ids` is left out.',
        body: ReadNotificationsBody,
        response: { 200: MarkedSchema },
        responseDescription: 'How many were unread',
        example: { body: { ids: ['01JEXAMP1EN0T1F1CAT10N0001'] }, response: { marked: 1 } },
      },
      config: auth,
    },
    async (req) => notifications.read(principalOf(req), req.body.ids),
  );
  app.get(
    '/api/v1/notifications/unread-count',
    {
      schema: {
        tags,
        summary: 'My unread messages and notifications',
        description: 'Unread messages over all my conversations and unread notifications.',
        response: { 200: UnreadSchema },
        responseDescription: 'The counts (the app badge)',
        example: { response: { messages: 3, notifications: 1 } },
      },
      config: auth,
    },
    async (req) => {
      const me = principalOf(req);
      return { ...(await conversations.unread(me)), ...(await notifications.unread(me)) };
    },
  );
  app.get(
    '/api/v1/notifications/preferences',
    {
      schema: {
        tags,
        summary: 'What I want pushed, and when not',
        description:
          'Defaults: every kind pushed, any time. The inbox keeps every notification whatever these say; ' +
          'critical ones (hired, a late cancellation, a dispute decided) are pushed regardless.',
        response: { 200: PreferencesSchema },
        responseDescription: 'My preferences',
        example: {
          response: {
            mutedKinds: ['review_received'],
            push: true,
            quietHours: { start: '22:00', end: '08:00' },
          },
        },
      },
      config: auth,
    },
    async (req) => parts.pushes.preferencesOf(principalOf(req).userId),
  );
  app.put(
    '/api/v1/notifications/preferences',
    {
      schema: {
        tags,
        summary: 'Set what I want pushed, and my quiet hours',
        description:
          'Fields left out keep their value; `quietHours: null` removes them. Quiet hours are in the ' +
          'business time zone and may run over midnight (22:00–08:00): pushes wait for their end.',
        body: PreferencesBody,
        response: { 200: PreferencesSchema },
        responseDescription: 'My preferences',
        example: {
          body: { mutedKinds: ['review_received'], quietHours: { start: '22:00', end: '08:00' } },
          response: {
            mutedKinds: ['review_received'],
            push: true,
            quietHours: { start: '22:00', end: '08:00' },
          },
        },
      },
      config: auth,
    },
    async (req) => {
      const me = principalOf(req);
      const current = await parts.pushes.preferencesOf(me.userId);
      return parts.pushes.savePreferences(me, {
        mutedKinds: req.body.mutedKinds ?? current.mutedKinds,
        push: req.body.push ?? current.push,
        quietHours: req.body.quietHours === undefined ? current.quietHours : req.body.quietHours,
      });
    },
  );
  app.put(
    '/api/v1/notifications/devices/:pushToken',
    {
      schema: {
        tags,
        summary: 'Register this phone for pushes',
        description: `The app's push token (JPush registration id); at most ${MAX_DEVICES} phones per user (the oldest is dropped).`,
        params: DeviceParams,
        body: DeviceBody,
        response: { 200: DeviceSchema },
        responseDescription: 'Registered',
        example: {
          params: { pushToken: '1a0018970aa2b3c4d5e' },
          body: { platform: 'android' },
          response: { pushToken: '1a0018970aa2b3c4d5e', platform: 'android' },
        },
      },
      config: auth,
    },
    async (req) => parts.pushes.addDevice(principalOf(req), req.params.pushToken, req.body.platform),
  );
  app.delete(
    '/api/v1/notifications/devices/:pushToken',
    {
      schema: {
        tags,
        summary: 'Stop pushes to this phone',
        description: 'On sign-out; unknown ids are ignored.',
        params: DeviceParams,
        response: { 204: { type: 'null', description: 'Removed' } },
        responseDescription: 'Removed',
        example: { params: { pushToken: '1a0018970aa2b3c4d5e' } },
      },
      config: auth,
    },
    async (req, reply) => {
      await parts.pushes.removeDevice(principalOf(req), req.params.pushToken);
      return reply.code(204).send(null);
    },
  );
}
