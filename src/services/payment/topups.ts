import { createIdempotencyHooks } from '../../platform/http/idempotency.js';
import type { ChannelName, TransferState } from './channels/index.js';
import type { PaymentContext, PaymentFeature } from './payment-context.js';
import { registerTopupRoutes } from './topup.routes.js';
import { createTopupService } from './topup.service.js';

/**
 * Top-ups through the channels, and the channels' notifications (payments and transfers alike):
 * create, notify, sandbox pay, the admin's resolution of held top-ups, and the sweep that asks the
 * channels about pending top-ups and closes expired ones.
 */
export function createTopups(
  ctx: PaymentContext,
  deps: {
    onTransferState: (channel: ChannelName, withdrawalId: string, state: TransferState) => Promise<void>;
  },
): PaymentFeature {
  const topups = createTopupService(ctx, deps);
  return {
    routes: (app) =>
      registerTopupRoutes(
        app,
        topups,
        createIdempotencyHooks(ctx.sdb, ctx.clock, ctx.log, { successStatus: 201 }),
      ),
    schedules: [{ name: 'payment.reconcile-topups', every: '1m', run: () => topups.reconcile() }],
  };
}
