import { createInstantFormatter } from '../../platform/clock.js';
import { createServiceHttpClient } from '../../platform/http-client.js';
import { createPiiCipher } from '../../platform/pii.js';
import { clientOf, commandsOf, type ServiceModule } from '../../platform/service.js';
import { verificationClient } from '../verification/index.js';
import { createChannels } from './channels-setup.js';
import { createEscrow } from './escrow.js';
import { ledgerCheckSchedule } from './ledger-check.js';
import { checkLedger, createLedger, type LedgerProblem } from './ledger/index.js';
import { paymentMigrations } from './migrations/index.js';
import { paymentConfig } from './payment.config.js';
import { registerPaymentMetrics } from './payment.metrics.js';
import { createReconciliation } from './reconciliation.js';
import type { PaymentContext } from './payment-context.js';
import type { EscrowState, PaymentClient } from './payment.client.js';
import type { PaymentDB } from './payment.db.js';
import { createTopups } from './topups.js';
import { createWallet } from './wallet.js';
import { createWithdrawals } from './withdrawals.js';

export type { PaymentEventMap } from './payment.events.js';
export type { EscrowState, PaymentClient } from './payment.client.js';
/** The escrow's refusals, which a hire passes on to its caller. */
export { EscrowErrors } from './escrow.errors.js';
export { paymentConfig, type PaymentConfig } from './payment.config.js';

/** What the CLI runs in-process (`linggong ledger check`). */
export interface PaymentCommands {
  /**
   * Every invariant of the ledger over the whole database; empty when clean. Given the ids of the
   * orders that have ended (the order service's), it also checks that each one's escrow is empty.
   */
  checkLedger(options?: { finalOrderIds?: AsyncIterable<string> }): Promise<LedgerProblem[]>;
}

export const paymentClient = clientOf<PaymentClient>('payment');
export const paymentCommands = commandsOf<PaymentCommands>('payment');

/**
 * The payment service (支付服务): the double-entry ledger, wallets, top-ups and withdrawals through
 * Alipay, WeChat Pay or the sandbox, escrow for orders with the platform fee.
 */
export const paymentModule: ServiceModule<PaymentDB, PaymentClient, PaymentCommands> = {
  name: 'payment',
  migrations: paymentMigrations,
  config: paymentConfig,
  client: paymentClient,
  uses: [verificationClient],
  async create(ctx) {
    const { db: sdb, config, clock, ids, log } = ctx;
    const settings = paymentConfig.of(config);
    const ledger = createLedger({ sdb, ids, log });
    const publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
    const payment: PaymentContext = {
      sdb,
      ledger,
      channels: await createChannels(settings, config, publicUrl, clock),
      settings,
      config,
      pii: createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`),
      cursors: ctx.cursors,
      clock,
      ids,
      log,
      at: createInstantFormatter(config.businessTimeZone),
      notifyUrl: (channel) => `${publicUrl}/api/v1/payments/notify/${channel}`,
      clients: ctx.clients,
    };
    const withdrawals = createWithdrawals(payment);
    const escrow = createEscrow(payment);
    const features = [
      createTopups(payment, {
        onTransferState: (channel, id, state) => withdrawals.applyTransferState(id, state, channel),
      }),
      escrow,
      createWallet(payment),
      withdrawals,
      createReconciliation(payment),
    ];
    registerPaymentMetrics(ctx.metrics, sdb);
    return {
      client: escrow.client,
      commands: { checkLedger: (options = {}) => checkLedger(sdb, options) },
      schedules: [
        ...features.flatMap((f) => f.schedules ?? []),
        ledgerCheckSchedule({ sdb, clock, ids, log }),
      ],
      handlers: features.flatMap((f) => f.handlers ?? []),
      async routes(app) {
        for (const feature of features) await feature.routes?.(app);
      },
      close: () => ledger.close(),
    };
  },
  remote({ baseUrl, config, clock, log }) {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    const call = async (path: string, body?: unknown): Promise<EscrowState> =>
      (await http.request<EscrowState>(body === undefined ? 'GET' : 'POST', path, body)).body;
    const base = (orderId: string) => `/internal/v1/escrow/${encodeURIComponent(orderId)}`;
    const client: PaymentClient = {
      hold: (r) => call(`${base(r.orderId)}/hold`, r),
      release: (r) => call(`${base(r.orderId)}/release`, r),
      refund: (r) => call(`${base(r.orderId)}/refund`, r),
      settle: (r) => call(`${base(r.orderId)}/settle`, r),
      escrow: (orderId) => call(base(orderId)),
    };
    return { client };
  },
};
