import Type from 'typebox';
import {
  AmountFen,
  AnswerInstant,
  ListAnswer,
  Nullable,
  Ulid,
  listQueryFields,
} from '../../platform/schemas.js';

export const WalletSchema = Type.Object({
  availableFen: AmountFen({
    description: 'Available (可用余额): may be spent, held for an order or withdrawn',
  }),
  pendingFen: AmountFen({ description: 'Earned pay waiting for settlement (待结算), not yet withdrawable' }),
  heldFen: AmountFen({ description: 'Held in escrow for my orders as an employer (托管中)' }),
  withdrawingFen: AmountFen({ description: 'My withdrawals waiting for review or being paid out (提现中)' }),
});

const LinkId = (what: string) => Nullable(Type.String({ description: `The ${what} this entry belongs to` }));

export const WalletEntrySchema = Type.Object({
  seq: Type.Integer({ minimum: 1, description: "The entry's position in my wallet's history (1 = first)" }),
  transferId: Ulid,
  amountFen: Type.Integer({ description: 'Signed fen: positive into my wallet, negative out of it' }),
  balanceAfterFen: AmountFen({ description: 'My available balance after this entry' }),
  kind: Type.String({
    description: 'What moved the money, as a code: topup, escrow.hold, escrow.release, …',
  }),
  description: Type.Object(
    { zh: Type.String(), en: Type.String() },
    { description: 'What moved the money, in Chinese and English (the app shows one)' },
  ),
  orderId: LinkId('order'),
  paymentId: LinkId('top-up payment'),
  withdrawalId: LinkId('withdrawal'),
  at: AnswerInstant('When it happened: ISO 8601 in the business time zone'),
});

export const WalletEntriesQuery = Type.Object(listQueryFields(), { additionalProperties: false });
export const WalletEntriesPage = ListAnswer(WalletEntrySchema);
