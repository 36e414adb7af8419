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

export const WithdrawalStatusSchema = Type.Union(
  [
    Type.Literal('review'),
    Type.Literal('processing'),
    Type.Literal('succeeded'),
    Type.Literal('failed'),
    Type.Literal('rejected'),
  ],
  {
    description:
      'review (waits for an admin) → processing (sent to the channel) → succeeded | failed; ' +
      'review → rejected. Failed and rejected withdrawals are back in the wallet, fee included.',
  },
);

const WithdrawalFields = {
  id: Ulid,
  channel: ChannelSchema,
  account: Type.String({ description: 'The payee account, masked (138****5678)' }),
  amountFen: AmountFen({ description: 'What the payee receives, in fen' }),
  feeFen: AmountFen({ description: 'The fee taken from the wallet on top of the amount, in fen' }),
  status: WithdrawalStatusSchema,
  reason: Nullable(Type.String({ description: 'Why it failed or was rejected' })),
  channelTransactionId: Nullable(Type.String({ description: "The channel's id of the transfer" })),
  userConfirmation: Nullable(
    Type.String({
      description:
        'WeChat Pay: the package_info to pass to wx.requestMerchantTransfer, with which the payee ' +
        'confirms the transfer in WeChat; null for other channels and once finished',
    }),
  ),
  createdAt: AnswerInstant(),
  finishedAt: Nullable(AnswerInstant('When it succeeded, failed or was rejected')),
};

export const WithdrawalViewSchema = Type.Object(WithdrawalFields);
export type WithdrawalView = Static<typeof WithdrawalViewSchema>;

export const AdminWithdrawalSchema = Type.Object({
  ...WithdrawalFields,
  userId: Ulid,
  reviewedBy: Nullable(Type.String({ description: 'The admin who approved or rejected it' })),
  updatedAt: AnswerInstant(),
});
export type AdminWithdrawal = Static<typeof AdminWithdrawalSchema>;

export const CreateWithdrawalBody = Type.Object(
  {
    channel: ChannelSchema,
    account: Type.String({
      pattern: '^[\\x21-\\x7e]{6,100}$',
      description:
        'Alipay: the user id (2088…) or logon id (phone or email); WeChat: the payee openid. ' +
        'Stored encrypted, answered masked.',
    }),
    payeeName: Text({
      minLength: 2,
      maxLength: 30,
      description: 'The payee account holder: must be my verified real name (the channel checks it too)',
    }),
    amountFen: AmountFen({ minimum: 1, description: 'What the payee receives, in fen' }),
  },
  { additionalProperties: false },
);
export type CreateWithdrawalBody = Static<typeof CreateWithdrawalBody>;

export const WithdrawalListQuery = Type.Object(listQueryFields(), { additionalProperties: false });
export const WithdrawalPage = ListAnswer(WithdrawalViewSchema);

export const AdminWithdrawalQuery = Type.Object(
  {
    status: Type.Optional(WithdrawalStatusSchema),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export const AdminWithdrawalPage = ListAnswer(AdminWithdrawalSchema);

export const RejectWithdrawalBody = Type.Object(
  { reason: Text({ minLength: 2, maxLength: 200, description: 'Shown to the user' }) },
  { additionalProperties: false },
);
