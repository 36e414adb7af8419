import Type from 'typebox';
import { AmountFen, Nullable, Ulid } from '../../platform/schemas.js';

/** `{ orderId }` path parameters of the internal escrow routes. */
export const EscrowParams = Type.Object({ orderId: Ulid }, { additionalProperties: false });

export const EscrowStateSchema = Type.Object({
  orderId: Ulid,
  status: Type.Union(
    [Type.Literal('none'), Type.Literal('held'), Type.Literal('released'), Type.Literal('refunded')],
    { description: 'none: never held; held: money in escrow; released / refunded: final, escrow zero' },
  ),
  balanceFen: AmountFen({ description: 'What the escrow holds now, in fen' }),
  heldFen: AmountFen({
    description: "Taken from the employer's wallet: the wage, plus the fee when the employer pays it",
  }),
  wageFen: AmountFen({ description: 'The wage part of heldFen: the most a release may pay' }),
  feePayer: Nullable(
    Type.Union([Type.Literal('employer'), Type.Literal('worker')], {
      description: 'Who pays the fee, fixed when the escrow was held (null: never held)',
    }),
  ),
  payFen: AmountFen({ description: 'Earned by the worker at release (before a worker-paid fee)' }),
  feeFen: AmountFen({ description: 'The platform fee taken at release' }),
  refundFen: AmountFen({ description: 'Back to the employer (a refund, or the rest of a release)' }),
  pendingSettlement: Type.Boolean({
    description: "The worker's pay waits in pending settlement until it is settled",
  }),
});

const body = <P extends Type.TProperties>(properties: P) =>
  Type.Object({ orderId: Ulid, ...properties }, { additionalProperties: false });

export const HoldBody = body({
  employerId: Ulid,
  wageFen: AmountFen({ minimum: 1, description: 'The wage to hold, in fen' }),
});
export const ReleaseBody = body({
  workerId: Ulid,
  employerId: Ulid,
  payFen: AmountFen({ description: "The worker's pay, in fen: at most the wage held" }),
  pending: Type.Boolean({ description: 'true: the pay goes to pending settlement, not the wallet' }),
});
export const RefundBody = body({ employerId: Ulid });
export const SettleBody = body({ workerId: Ulid });
