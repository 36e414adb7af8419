import { expect, vi } from 'vitest';
import { createInstantFormatter, FakeClock } from '../../src/platform/clock.js';
import { AppError } from '../../src/platform/errors.js';
import { loadConfig } from '../../src/platform/config.js';
import { createCursorCodec } from '../../src/platform/cursor.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import { createPiiCipher } from '../../src/platform/pii.js';
import {
  ChannelError,
  createSandboxChannel,
  type ChannelName,
  type ChannelPaymentState,
  type PaymentChannel,
  type SandboxNotification,
  type TransferState,
} from '../../src/services/payment/channels/index.js';
import {
  paymentConfig,
  paymentModule,
  type EscrowState,
  type PaymentClient,
} from '../../src/services/payment/index.js';
import { checkLedger, createLedger } from '../../src/services/payment/ledger/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentContext } from '../../src/services/payment/payment-context.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createTopupService } from '../../src/services/payment/topup.service.js';
import { createTestDatabase } from '../support/databases.js';
import type { TestPlatform } from '../support/platform.js';
import type { LoggedIn } from '../support/users.js';

/** The payment service's database of a test platform. */
export function paymentDb(p: TestPlatform): ServiceDatabase<PaymentDB> {
  const entry = p.services.get('payment');
  if (!entry) throw new Error('the payment service is not served here');
  return entry.db as ServiceDatabase<PaymentDB>;
}

/** A ledger account's balance in fen, read from its table (0 when it was never used). */
export async function balanceOf(p: TestPlatform, kind: string, owner: string): Promise<number> {
  const row = await paymentDb(p)
    .db.selectFrom('payment_ledger_accounts')
    .select('balance')
    .where('kind', '=', kind)
    .where('owner', '=', owner)
    .executeTakeFirst();
  return row ? toSafeInt(row.balance) : 0;
}

export const walletOf = (p: TestPlatform, userId: string) => balanceOf(p, 'wallet', userId);

export interface TopupAnswer {
  id: string;
  channel: string;
  amountFen: number;
  status: 'pending' | 'paid' | 'closed' | 'held';
  pay: { kind: 'redirect'; url: string } | { kind: 'qr_code'; content: string } | null;
  expiresAt: string;
  paidAt: string | null;
}

/** Asks for a sandbox top-up through the API; throws unless it answers 201. */
export async function createTopup(p: TestPlatform, user: LoggedIn, amountFen: number): Promise<TopupAnswer> {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/payments',
    headers: user.auth,
    payload: { channel: 'sandbox', amountFen },
  });
  if (res.statusCode !== 201) throw new Error(`top-up answered ${res.statusCode}: ${res.body}`);
  return res.json() as TopupAnswer;
}

/**
 * The payer's side of the sandbox: a sandbox channel holding the service's signing secret, so the
 * notifications it signs are ones the service accepts, and the test can post them as it likes.
 */
export function sandboxPayer(p: TestPlatform) {
  const channel = createSandboxChannel({
    publicUrl: 'http://localhost',
    secret: `payment-sandbox:${p.config.secret}`,
    clock: p.clock,
  });
  return {
    /** A signed "paid" notification of the top-up, with the amount the payer paid. */
    async paid(topup: TopupAnswer, paidFen = topup.amountFen): Promise<SandboxNotification> {
      await channel.createPayment({
        paymentId: topup.id,
        amountFen: topup.amountFen,
        subject: 'test',
        expiresAt: p.clock.now() + 3_600_000,
        notifyUrl: 'http://localhost/api/v1/payments/notify/sandbox',
      });
      return channel.simulatePaid(topup.id, paidFen);
    },
  };
}

/** Posts a notification to the sandbox notify route as the channel would. */
export function notify(p: TestPlatform, n: { headers: Record<string, string>; body: Buffer | string }) {
  return p.app.inject({
    method: 'POST',
    url: '/api/v1/payments/notify/sandbox',
    headers: n.headers,
    payload: n.body,
  });
}

/** What the scripted channel does; each test sets what it needs. */
export interface ChannelScript {
  createFails: boolean;
  states: Map<string, ChannelPaymentState>;
  queryFails: Set<string>;
  closed: string[];
}

/**
 * The top-up service alone on a database of its own, with a scripted channel (what the sandbox
 * cannot be made to do: fail, lose a notification) and a recording `onTransferState`.
 */
export async function startScriptedTopups() {
  const database = await createTestDatabase();
  const clock = new FakeClock();
  const ids = createIdGenerator(clock);
  const log = createLogger({ level: 'silent' });
  const sdb = new ServiceDatabase<PaymentDB>(
    'payment',
    openConnection(database.url),
    { clock, ids, log },
    paymentMigrations,
  );
  const migrated = await sdb.migrator().up();
  if (migrated.error) throw migrated.error as Error;
  const ledger = createLedger({ sdb, ids });
  const config = loadConfig({
    services: [paymentModule],
    env: { LINGGONG_ENV: 'test', LINGGONG_DATABASE_URL: database.url },
  });
  const script: ChannelScript = { createFails: false, states: new Map(), queryFails: new Set(), closed: [] };
  const sandbox = createSandboxChannel({ publicUrl: 'http://localhost', secret: 'scripted', clock });
  const scripted: PaymentChannel = {
    ...sandbox,
    async createPayment(req) {
      if (script.createFails) throw new ChannelError('sandbox', 'transport', 'ECONNRESET');
      return sandbox.createPayment(req);
    },
    async queryPayment(paymentId) {
      if (script.queryFails.has(paymentId)) throw new ChannelError('sandbox', 'server', 'SYSTEM_ERROR');
      return script.states.get(paymentId) ?? { status: 'pending' };
    },
    async closePayment(paymentId) {
      script.closed.push(paymentId);
    },
  };
  const onTransferState =
    vi.fn<(channel: ChannelName, withdrawalId: string, state: TransferState) => Promise<void>>();
  const ctx: PaymentContext = {
    sdb,
    ledger,
    channels: new Map([['sandbox', scripted]]),
    settings: paymentConfig.of(config),
    config,
    pii: createPiiCipher(config.piiKeys, 'test'),
    cursors: createCursorCodec('test'),
    notifyUrl: (channel) => `http://127.0.0.1/api/v1/payments/notify/${channel}`,
    clock,
    ids,
    log,
    at: createInstantFormatter('Asia/Shanghai'),
    clients: {} as PaymentContext['clients'],
  };
  return {
    topups: createTopupService(ctx, { onTransferState }),
    sdb,
    ledger,
    clock,
    ids,
    script,
    sandbox,
    onTransferState,
    /** A top-up row as stored. */
    row: (id: string) =>
      sdb.db.selectFrom('payment_topups').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
    async stop() {
      await ledger.close();
      await sdb.connection.close();
      await database.drop();
    },
  };
}

/** The escrow's internal HTTP routes, as a split order service calls them; refusals as AppErrors. */
export function escrowOverHttp(p: TestPlatform): PaymentClient {
  const call = async (path: string, body?: object): Promise<EscrowState> => {
    const res = await p.app.inject({
      method: body ? 'POST' : 'GET',
      url: `/internal/v1/escrow/${path}`,
      headers: { 'x-service-token': p.config.serviceToken, 'accept-language': 'en' },
      ...(body ? { payload: body } : {}),
    });
    if (res.statusCode !== 200) {
      const problem = res.json() as { code: string; detail: string };
      throw new AppError(problem.code, res.statusCode, { 'zh-CN': problem.detail, en: problem.detail });
    }
    return res.json();
  };
  return {
    hold: (r) => call(`${r.orderId}/hold`, r),
    release: (r) => call(`${r.orderId}/release`, r),
    refund: (r) => call(`${r.orderId}/refund`, r),
    settle: (r) => call(`${r.orderId}/settle`, r),
    escrow: (orderId) => call(orderId),
  };
}

/**
 * What every randomized payment test ends with: no business key applied twice, as many transfers of
 * each kind as the test's model counted, and the ledger's invariants over the whole database.
 */
export async function expectLedgerAsModelled(
  sdb: ServiceDatabase<PaymentDB>,
  kinds: Iterable<[string, number]>,
  finalOrderIds: Iterable<string>,
): Promise<void> {
  const twice = await sdb.db
    .selectFrom('payment_ledger_transfers')
    .select(['business_key', (eb) => eb.fn.countAll().as('n')])
    .groupBy('business_key')
    .having((eb) => eb.fn.countAll(), '>', 1)
    .execute();
  expect(twice).toEqual([]);
  const byKind = await sdb.db
    .selectFrom('payment_ledger_transfers')
    .select(['kind', (eb) => eb.fn.countAll().as('n')])
    .groupBy('kind')
    .execute();
  expect(Object.fromEntries(byKind.map((r) => [r.kind, Number(r.n)]))).toEqual(Object.fromEntries(kinds));
  expect(await checkLedger(sdb, { finalOrderIds })).toEqual([]);
}
