import Type, { type Static } from 'typebox';
import { AnswerInstant, Nullable, Text, Ulid, listQueryFields } from '../../platform/schemas.js';
import { ChannelSchema } from './payment.schemas.js';

export const ItemSchema = Type.Object({
  id: Ulid,
  channel: Type.String(),
  day: Type.String({ description: 'Business day, YYYY-MM-DD' }),
  kind: Type.Union(
    [Type.Literal('missing_in_ledger'), Type.Literal('missing_in_statement'), Type.Literal('amount_differs')],
    {
      description:
        'missing_in_ledger: the channel took the money, the wallet was not credited; ' +
        'missing_in_statement: credited, not on the statement; amount_differs: both, different amounts',
    },
  ),
  reference: Type.String({ description: 'Our top-up id' }),
  channelTransactionId: Nullable(Type.String()),
  statementFen: Nullable(Type.Integer()),
  ledgerFen: Nullable(Type.Integer()),
  status: Type.Union([Type.Literal('open'), Type.Literal('resolved')]),
  resolution: Nullable(Type.String()),
  resolvedBy: Nullable(Type.String()),
  createdAt: AnswerInstant(),
  resolvedAt: Nullable(AnswerInstant()),
});
export type ItemView = Static<typeof ItemSchema>;
export const RunSchema = Type.Object({
  channel: Type.String(),
  day: Type.String(),
  status: Type.Union([Type.Literal('matched'), Type.Literal('differences'), Type.Literal('unavailable')]),
  statementLines: Type.Integer(),
  differences: Type.Integer(),
  note: Nullable(Type.String()),
  ranAt: AnswerInstant(),
});
export type RunView = Static<typeof RunSchema>;
export const ItemQuery = Type.Object(
  {
    status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('resolved')])),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export const RunBody = Type.Object(
  {
    channel: ChannelSchema,
    day: Type.String({ maxLength: 10, description: 'A past business day, YYYY-MM-DD' }),
  },
  { additionalProperties: false },
);
export const ResolveBody = Type.Object(
  { resolution: Text({ minLength: 2, maxLength: 200, description: 'How it was settled' }) },
  { additionalProperties: false },
);
export const itemExample: ItemView = {
  id: '01JEXAMP1EREC0N00000000001',
  channel: 'alipay',
  day: '2026-12-06',
  kind: 'missing_in_ledger',
  reference: '01JEXAMP1ET0PVP00000000001',
  channelTransactionId: '2026120622001400000000000001',
  statementFen: 20000,
  ledgerFen: null,
  status: 'open',
  resolution: null,
  resolvedBy: null,
  createdAt: '2026-12-07T09:30:02+08:00',
  resolvedAt: null,
};
export const runExample: RunView = {
  channel: 'alipay',
  day: '2026-12-06',
  status: 'differences',
  statementLines: 412,
  differences: 1,
  note: null,
  ranAt: '2026-12-07T09:30:02+08:00',
};
