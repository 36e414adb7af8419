import Type, { type Static } from 'typebox';
import {
  AmountFen,
  AnswerInstant,
  ListAnswer,
  Nullable,
  Text,
  Ulid,
  listQueryFields,
} from '../../platform/schemas.js';
import { ChannelSchema } from './payment.schemas.js';

export const TopupStatusSchema = Type.Union(
  [
    Type.Literal('pending'),
    Type.Literal('paid'),
    Type.Literal('closed'),
    Type.Literal('held'),
    Type.Literal('refunded'),
  ],
  {
    description:
      'pending → paid | closed (not paid in time); held: paid with another amount, waiting for an admin',
  },
);

const PayStart = Type.Union(
  [
    Type.Object({
      kind: Type.Literal('qr_code'),
      content: Type.String({ description: 'Show as a QR code for the payer to scan' }),
    }),
    Type.Object({
      kind: Type.Literal('redirect'),
      url: Type.String({ description: 'Open this page to pay' }),
    }),
  ],
  { description: 'How the payer pays; null when the channel was not reached' },
);

const TopupFields = {
  id: Ulid,
  channel: ChannelSchema,
  amountFen: AmountFen({ description: 'Amount asked, in fen (分)' }),
  status: TopupStatusSchema,
  pay: Nullable(PayStart),
  expiresAt: AnswerInstant('Not paid by then, the top-up is closed'),
  paidAt: Nullable(AnswerInstant()),
};

export const TopupViewSchema = Type.Object(TopupFields);
export type TopupView = Static<typeof TopupViewSchema>;

export const AdminTopupSchema = Type.Object({
  ...TopupFields,
  userId: Ulid,
  paidAmountFen: Nullable(AmountFen({ description: 'What the channel says was paid, in fen' })),
  channelTransactionId: Nullable(Type.String({ description: "The channel's transaction id" })),
  note: Nullable(Type.String({ description: 'Why it is held, or how it was resolved' })),
  createdAt: AnswerInstant(),
  updatedAt: AnswerInstant(),
});
export type AdminTopup = Static<typeof AdminTopupSchema>;

export const TopupPage = ListAnswer(TopupViewSchema);
export const AdminTopupPage = ListAnswer(AdminTopupSchema);

export const CreateTopupBody = Type.Object(
  {
    channel: ChannelSchema,
    amountFen: AmountFen({ minimum: 1, description: 'Amount to add to the wallet, in fen (分)' }),
  },
  { additionalProperties: false },
);

export const SandboxPayBody = Type.Object(
  {
    amountFen: Type.Optional(
      AmountFen({
        minimum: 1,
        description: 'Pay another amount than asked (to try a held top-up); default the amount',
      }),
    ),
  },
  { additionalProperties: false },
);

export const NotifyParams = Type.Object({ channel: ChannelSchema });

export const AdminTopupQuery = Type.Object(
  { status: Type.Optional(TopupStatusSchema), ...listQueryFields() },
  { additionalProperties: false },
);

export const ResolveBody = Type.Object(
  {
    action: Type.Union([Type.Literal('credit'), Type.Literal('refund_offline')], {
      description:
        'credit: add what was paid to the wallet; refund_offline: close it (refund through the channel console)',
    }),
    reason: Text({ minLength: 2, maxLength: 150, description: 'Why; kept with the top-up and audited' }),
  },
  { additionalProperties: false },
);
