import { createIdempotencyHooks } from '../../platform/http/idempotency.js';
import type { ChannelName, TransferState } from './channels/index.js';
import type { PaymentContext, PaymentFeature } from './payment-context.js';
import { createWithdrawalRepository } from './withdrawal.repository.js';
import { createWithdrawalRequests } from './withdrawal.requests.js';
import { createWithdrawalReview } from './withdrawal.review.js';
import { registerWithdrawalRoutes } from './withdrawal.routes.js';
import { createWithdrawalSettlement } from './withdrawal.settlement.js';

/**
 * Withdrawals (提现) from the wallet to the user's own Alipay or WeChat account: asked for by the
 * user (withdrawal.requests.ts), reviewed by an admin above a threshold (withdrawal.review.ts),
 * sent to and settled by the channel (withdrawal.settlement.ts), with the money in the ledger
 * (withdrawal.ledger.ts). The `payment.poll-withdrawals` schedule asks the channel about
 * withdrawals it has not settled within a minute.
 */
export function createWithdrawals(ctx: PaymentContext): PaymentFeature & {
  /** A channel's word on a transfer (notification or query): settles the withdrawal once. */
  applyTransferState(withdrawalId: string, state: TransferState, channel: ChannelName): Promise<void>;
} {
  const repo = createWithdrawalRepository(ctx.sdb);
  const settlement = createWithdrawalSettlement(ctx, repo);
  const requests = createWithdrawalRequests(ctx, repo, settlement);
  const review = createWithdrawalReview(ctx, repo, settlement);
  return {
    applyTransferState: settlement.applyTransferState,
    schedules: [{ name: 'payment.poll-withdrawals', every: '1m', run: ({ now }) => settlement.poll(now) }],
    async routes(app) {
      const idempotency = createIdempotencyHooks(ctx.sdb, ctx.clock, ctx.log, { successStatus: 201 });
      await registerWithdrawalRoutes(app, requests, review, idempotency);
    },
  };
}
