import Type from 'typebox';
import {
  AnswerInstant,
  ListAnswer,
  Nullable,
  Text,
  Ulid,
  listQueryFields,
  literals,
} from '../../platform/schemas.js';

export const ConversationParams = Type.Object({ id: Ulid });
export const ImageParams = Type.Object({ id: Ulid, messageId: Ulid });
export const UserParams = Type.Object({ userId: Ulid });

export const MessageSchema = Type.Object({
  id: Ulid,
  conversationId: Ulid,
  senderId: Nullable(Type.String({ description: 'Null for a system message' })),
  kind: literals(['text', 'image', 'system'] as const, 'text | image | system (hired, cancelled …)'),
  body: Type.String({
    description: "The text; an image's path (GET it with the token); a system message's template code",
  }),
  params: Nullable(
    Type.Record(Type.String(), Type.Unknown(), { description: "A system message's parameters" }),
  ),
  warning: Nullable(
    Type.String({ description: 'Set when the message may carry contact details or pay-to-work words' }),
  ),
  createdAt: AnswerInstant(),
});

export const ConversationSchema = Type.Object({
  id: Ulid,
  jobId: Ulid,
  workerId: Ulid,
  employerId: Ulid,
  otherId: Ulid,
  unread: Type.Integer({ description: 'Messages for me I have not read' }),
  lastReadId: Nullable(Ulid),
  lastMessageId: Nullable(Ulid),
  lastMessageAt: Nullable(AnswerInstant()),
  createdAt: AnswerInstant(),
});

export const LinkSchema = Type.Object({
  url: Type.String({ description: 'Downloads the file with no token until expiresAt' }),
  expiresAt: AnswerInstant(),
});

export const UploadBody = Type.Object(
  { contentType: literals(['image/png', 'image/jpeg', 'image/webp'] as const, 'The image type to upload') },
  { additionalProperties: false },
);
export const UploadSchema = Type.Object({
  upload: Type.String({ description: 'Complete the upload with it' }),
  method: Type.Literal('PUT'),
  url: Type.String({ description: 'Presigned: send the file there, with the headers below' }),
  headers: Type.Record(Type.String(), Type.String()),
  expiresAt: AnswerInstant(),
});
export const UploadParams = Type.Object({
  id: Ulid,
  upload: Type.String({ pattern: '^[0-7][0-9A-HJKMNP-TV-Z]{25}\\.(png|jpg|webp)$' }),
});

export const ConversationPage = ListAnswer(ConversationSchema);
export const MessagePage = ListAnswer(MessageSchema);
export const ListOnly = Type.Object(listQueryFields(), { additionalProperties: false });

export const TextBody = Type.Object(
  { text: Text({ maxLength: 1000, multiline: true, description: 'The message' }) },
  { additionalProperties: false },
);
export const ReadBody = Type.Object(
  { messageId: Ulid },
  { additionalProperties: false, description: 'The newest message I have read' },
);

export const BlocksSchema = Type.Object({
  items: Type.Array(Type.Object({ userId: Ulid, since: AnswerInstant() })),
});
export const BlockedSchema = Type.Object({ blockedId: Ulid });

export const NotificationSchema = Type.Object({
  id: Ulid,
  kind: Type.String({ description: 'order_hired | order_cancelled | … (stable codes)' }),
  title: Type.String(),
  body: Type.String(),
  params: Type.Record(Type.String(), Type.Unknown()),
  read: Type.Boolean(),
  createdAt: AnswerInstant(),
});
export const NotificationPage = ListAnswer(NotificationSchema);
export const NotificationsQuery = Type.Object(
  {
    unread: Type.Optional(Type.Boolean({ description: 'Only the unread ones' })),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export const ReadNotificationsBody = Type.Object(
  {
    ids: Type.Optional(
      Type.Array(Ulid, {
        minItems: 1,
        maxItems: 100,
        uniqueItems: true,
        description: 'Omit to mark all read',
      }),
    ),
  },
  { additionalProperties: false },
);
const Kind = literals(
  [
    'order_hired',
    'order_cancelled',
    'order_no_show',
    'order_completed',
    'dispute_decided',
    'verification_approved',
    'verification_rejected',
    'review_received',
    'shift_reminder',
    'check_in_missing',
    'topup_succeeded',
    'pay_settled',
    'withdrawal_succeeded',
    'withdrawal_failed',
  ] as const,
  'A kind of notification',
);
const Clock = Type.String({
  pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$',
  description: 'HH:MM, business time zone',
});
const QuietHours = Nullable(
  Type.Object(
    { start: Clock, end: Clock },
    { additionalProperties: false, description: 'No pushes but critical ones between start and end' },
  ),
);
export const PreferencesSchema = Type.Object({
  mutedKinds: Type.Array(Kind, { description: 'Kinds not pushed (critical ones are pushed anyway)' }),
  push: Type.Boolean({ description: 'Pushes to my phones at all' }),
  quietHours: QuietHours,
});
export const PreferencesBody = Type.Object(
  {
    mutedKinds: Type.Optional(Type.Array(Kind, { maxItems: 8, uniqueItems: true })),
    push: Type.Optional(Type.Boolean()),
    quietHours: Type.Optional(QuietHours),
  },
  { additionalProperties: false },
);
export const DeviceParams = Type.Object({
  pushToken: Type.String({ pattern: '^[A-Za-z0-9_-]{8,64}$', description: 'The JPush registration id' }),
});
export const DeviceBody = Type.Object(
  { platform: literals(['android', 'ios'] as const, 'The phone') },
  { additionalProperties: false },
);
export const DeviceSchema = Type.Object({ pushToken: Type.String(), platform: Type.String() });

export const MarkedSchema = Type.Object({ marked: Type.Integer() });
export const UnreadSchema = Type.Object({
  messages: Type.Integer({ description: 'Unread messages over all my conversations' }),
  notifications: Type.Integer({ description: 'Unread notifications' }),
});
