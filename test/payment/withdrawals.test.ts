import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createInstantFormatter } from '../../src/platform/clock.js';
import { createCursorCodec } from '../../src/platform/cursor.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { toSafeInt } from '../../src/platform/money.js';
import { createPiiCipher } from '../../src/platform/pii.js';
import { paymentConfig } from '../../src/services/payment/index.js';
import { createSandboxChannel } from '../../src/services/payment/channels/index.js';
import {
  checkLedger,
  createLedger,
  type AccountRef,
  type Ledger,
} from '../../src/services/payment/ledger/index.js';
import type { PaymentContext } from '../../src/services/payment/payment-context.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createWithdrawals } from '../../src/services/payment/withdrawals.js';
import { DIALECT } from '../support/env.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/**
 * Withdrawals through the HTTP API and the sandbox channel: the money in the ledger at each step,
 * the refusals that move nothing, the admin review, settling exactly once, the poll, and
 * Idempotency-Key replays. Limits of this run: ¥1 to ¥6,000 a withdrawal, ¥10,000 a day, a fee of
 * ¥2, review above ¥5,000.
 */
const FEE = 200;
const LIMITS = {
  LINGGONG_WITHDRAW_MIN_FEN: '100',
  LINGGONG_WITHDRAW_MAX_FEN: '600000',
  LINGGONG_WITHDRAW_DAILY_MAX_FEN: '1000000',
  LINGGONG_WITHDRAW_FEE_FEN: String(FEE),
  LINGGONG_WITHDRAW_REVIEW_ABOVE_FEN: '500000',
};

let p: TestPlatform;
let sdb: ServiceDatabase<PaymentDB>;
let ledger: Ledger;
let admin: LoggedIn;
const ids = createIdGenerator({ now: () => Date.now() });

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_EVENT_BUS: 'inprocess', ...LIMITS } });
  sdb = p.services.get('payment')!.db as ServiceDatabase<PaymentDB>;
  // The test's own ledger on the service's database: it funds wallets and reads balances.
  ledger = createLedger({ sdb, ids });
});
beforeEach(async () => {
  admin = await loginAsAdmin(p);
});
afterEach(async () => {
  expect(await checkLedger(sdb)).toEqual([]);
});
afterAll(async () => {
  await ledger?.close();
  await p?.stop();
});

const wallet = (userId: string): AccountRef<'wallet'> => ({ kind: 'wallet', owner: userId });
const inFlight: AccountRef<'payouts_in_flight'> = { kind: 'payouts_in_flight', owner: 'sandbox' };
const clearing: AccountRef<'channel_clearing'> = { kind: 'channel_clearing', owner: 'sandbox' };
const fees: AccountRef<'fee_revenue'> = { kind: 'fee_revenue', owner: 'platform' };

/** The balances a withdrawal touches, to compare before and after. */
async function balances(userId: string) {
  return {
    wallet: await ledger.balance(wallet(userId)),
    inFlight: await ledger.balance(inFlight),
    clearing: await ledger.balance(clearing),
    fees: await ledger.balance(fees),
  };
}

/** Money in from the sandbox channel, as a top-up would bring it. */
async function fund(userId: string, amountFen: number): Promise<void> {
  await ledger.transfer({
    businessKey: `test.fund:${randomUUID()}`,
    kind: 'test.fund',
    legs: [
      { account: clearing, amountFen: -amountFen },
      { account: wallet(userId), amountFen },
    ],
  });
}

const get = (url: string, user: LoggedIn) => p.app.inject({ method: 'GET', url, headers: user.auth });
const post = (url: string, user: LoggedIn, payload: Record<string, unknown> = {}, headers = {}) =>
  p.app.inject({ method: 'POST', url, headers: { ...user.auth, ...headers }, payload });

/** A worker whose real name an admin approved, through the verification service's HTTP API. */
const verifiedWorker = (name = '王小明', phone?: string): Promise<LoggedIn> =>
  verifiedUser(p, admin, name, phone ? { phone } : {});

const withdraw = (user: LoggedIn, body: Record<string, unknown>, headers = {}) =>
  post(
    '/api/v1/withdrawals',
    user,
    { channel: 'sandbox', account: '13812345678', payeeName: '王小明', ...body },
    headers,
  );

/** The payment service's events of one type about one withdrawal, from its outbox. */
async function events(type: string, withdrawalId: string): Promise<Record<string, unknown>[]> {
  const rows = await sdb
    .untyped()
    .selectFrom('payment_outbox')
    .select(['payload'])
    .where('type', '=', type)
    .execute();
  return rows
    .map((r) => JSON.parse(String(r.payload)) as Record<string, unknown>)
    .filter((e) => e.withdrawalId === withdrawalId);
}

async function transferKinds(withdrawalId: string): Promise<string[]> {
  return (await ledger.transfersOf({ withdrawalId })).map((t) => t.kind);
}

async function auditActions(withdrawalId: string): Promise<string[]> {
  const rows = await sdb
    .untyped()
    .selectFrom('payment_audit')
    .select(['action'])
    .where('target_id', '=', withdrawalId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action as string);
}

async function rowCount(userId: string): Promise<number> {
  const row = await sdb.db
    .selectFrom('payment_withdrawals')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .executeTakeFirstOrThrow();
  return toSafeInt(row.n);
}

describe(`withdrawals on ${DIALECT}`, () => {
  it('pays through the sandbox: amount and fee leave the wallet, the amount reaches clearing', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 10_000);
    const before = await balances(worker.userId);

    const res = await withdraw(worker, { amountFen: 5_000 });
    expect(res.statusCode).toBe(201);
    const w = res.json() as Record<string, unknown>;
    expect(w).toMatchObject({
      channel: 'sandbox',
      account: '138****5678',
      amountFen: 5_000,
      feeFen: FEE,
      status: 'succeeded',
      reason: null,
      userConfirmation: null,
    });
    expect(w.channelTransactionId).toMatch(/^sandbox-transfer-/);
    expect(w.finishedAt).toMatch(/\+08:00$/);
    expect(res.body).not.toContain('13812345678');

    const after = await balances(worker.userId);
    expect(after.wallet).toBe(before.wallet - 5_000 - FEE);
    expect(after.inFlight).toBe(before.inFlight);
    expect(after.clearing).toBe(before.clearing + 5_000);
    expect(after.fees).toBe(before.fees + FEE);
    expect(await transferKinds(w.id as string)).toEqual(['withdrawal', 'withdrawal.done']);
    const [hold] = await ledger.transfersOf({ withdrawalId: w.id as string });
    expect(hold!.legs.map((l) => [l.kind, l.amountFen])).toEqual([
      ['wallet', -5_200],
      ['payouts_in_flight', 5_000],
      ['fee_revenue', FEE],
    ]);
    expect(await events('payment.withdrawal_succeeded', w.id as string)).toEqual([
      { withdrawalId: w.id, userId: worker.userId, amountFen: 5_000 },
    ]);

    // Stored encrypted: neither the account nor the name in clear.
    const row = await sdb.db
      .selectFrom('payment_withdrawals')
      .selectAll()
      .where('id', '=', w.id as string)
      .executeTakeFirstOrThrow();
    expect(row.account_cipher).not.toContain('13812345678');
    expect(row.payee_name_cipher).not.toContain('王小明');

    // Mine to read, one by one and as a list, newest first; another user's answers 404.
    const one = await get(`/api/v1/withdrawals/${w.id as string}`, worker);
    expect(one.statusCode).toBe(200);
    expect(one.json()).toEqual(w);
    const second = await withdraw(worker, { amountFen: 100, account: 'wang.xm@example.com' });
    expect(second.json()).toMatchObject({ status: 'succeeded', account: 'wan************.com' });
    const first = await get('/api/v1/withdrawals?limit=1', worker);
    const page = first.json() as { items: { id: string }[]; nextCursor: string };
    expect(page.items.map((i) => i.id)).toEqual([second.json().id]);
    const rest = await get(`/api/v1/withdrawals?limit=1&cursor=${page.nextCursor}`, worker);
    expect(rest.json()).toEqual({ items: [w], nextCursor: null });

    const stranger = await loginWithSms(p, newPhone(), 'worker');
    const theirs = await get(`/api/v1/withdrawals/${w.id as string}`, stranger);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.json().code).toBe('WITHDRAWAL_NOT_FOUND');
    expect((await get('/api/v1/withdrawals', stranger)).json()).toEqual({ items: [], nextCursor: null });
    const badCursor = await get(`/api/v1/withdrawals?cursor=${page.nextCursor}`, stranger);
    expect(badCursor.statusCode).toBe(400);
  });

  it('puts amount and fee back exactly when the channel refuses the account', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 3_000);
    const before = await balances(worker.userId);

    const res = await withdraw(worker, { amountFen: 2_500, account: 'fail-account-01' });
    expect(res.statusCode).toBe(201);
    const w = res.json() as { id: string };
    expect(w).toMatchObject({
      status: 'failed',
      reason: 'SANDBOX_REFUSED_ACCOUNT',
      account: 'fai********t-01',
    });
    expect(await balances(worker.userId)).toEqual(before);
    expect(await transferKinds(w.id)).toEqual(['withdrawal', 'withdrawal.failed']);
    expect(await events('payment.withdrawal_failed', w.id)).toEqual([
      { withdrawalId: w.id, userId: worker.userId, amountFen: 2_500, reason: 'SANDBOX_REFUSED_ACCOUNT' },
    ]);
  });

  it('refuses without moving money: no real name, another name, bad amounts, a closed channel, too little money', async () => {
    const unverified = await loginWithSms(p, newPhone(), 'worker');
    await fund(unverified.userId, 10_000);
    const noName = await withdraw(unverified, { amountFen: 1_000 });
    expect(noName.statusCode).toBe(403);
    expect(noName.json().code).toBe('REAL_NAME_REQUIRED');
    expect(await ledger.balance(wallet(unverified.userId))).toBe(10_000);

    const worker = await verifiedWorker('李小红');
    await fund(worker.userId, 1_000);
    const before = await balances(worker.userId);
    const refusals: [Record<string, unknown>, number, string][] = [
      [{ amountFen: 500, payeeName: '王小明' }, 400, 'PAYEE_NAME_MISMATCH'],
      [{ amountFen: 99, payeeName: '李小红' }, 400, 'WITHDRAWAL_AMOUNT_INVALID'],
      [{ amountFen: 600_001, payeeName: '李小红' }, 400, 'WITHDRAWAL_AMOUNT_INVALID'],
      [{ amountFen: 500, payeeName: '李小红', channel: 'alipay' }, 400, 'PAYMENT_CHANNEL_UNAVAILABLE'],
      [{ amountFen: 900, payeeName: '李小红' }, 409, 'WALLET_INSUFFICIENT_FUNDS'],
    ];
    for (const [body, status, code] of refusals) {
      const res = await withdraw(worker, body);
      expect([res.statusCode, res.json().code]).toEqual([status, code]);
    }
    const bounds = await withdraw(worker, { amountFen: 99, payeeName: '李小红' });
    expect(bounds.json().detail).toContain('¥1.00');
    expect(bounds.json().detail).toContain('¥6000.00');
    expect(await balances(worker.userId)).toEqual(before);
    expect(await rowCount(worker.userId)).toBe(0);

    // The name as verified, after NFC and trimming, is accepted: 800 + 200 fee is all there is.
    const exact = await withdraw(worker, { amountFen: 800, payeeName: ' 李小红 ' });
    expect(exact.json()).toMatchObject({ status: 'succeeded' });
    expect(await ledger.balance(wallet(worker.userId))).toBe(0);
  });

  it('keeps to the daily limit, counting neither failed nor rejected withdrawals', async () => {
    const phone = newPhone();
    let worker = await verifiedWorker('王小明', phone);
    await fund(worker.userId, 3_000_000);
    expect((await withdraw(worker, { amountFen: 500_000, account: 'fail-00001' })).json().status).toBe(
      'failed',
    );
    expect((await withdraw(worker, { amountFen: 500_000 })).json().status).toBe('succeeded');
    expect((await withdraw(worker, { amountFen: 500_000 })).json().status).toBe('succeeded');
    const before = await balances(worker.userId);
    const over = await withdraw(worker, { amountFen: 100 });
    expect(over.statusCode).toBe(429);
    expect(over.json().code).toBe('WITHDRAWAL_DAILY_LIMIT');
    expect(await balances(worker.userId)).toEqual(before);
    expect(await rowCount(worker.userId)).toBe(3);

    // The next business day (Asia/Shanghai midnight) starts afresh.
    p.clock.advance(24 * 3_600_000);
    worker = await loginWithSms(p, phone);
    expect((await withdraw(worker, { amountFen: 100 })).json().status).toBe('succeeded');
  });

  it('holds a withdrawal above the threshold for review; an admin approves it and it is paid', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 600_000);
    const before = await balances(worker.userId);

    const res = await withdraw(worker, { amountFen: 550_000 });
    expect(res.statusCode).toBe(201);
    const w = res.json() as { id: string };
    expect(w).toMatchObject({ status: 'review', channelTransactionId: null, finishedAt: null });
    const held = await balances(worker.userId);
    expect(held.wallet).toBe(before.wallet - 550_000 - FEE);
    expect(held.inFlight).toBe(before.inFlight + 550_000);

    const queue = await get('/api/v1/admin/withdrawals?status=review&limit=100', admin);
    expect(queue.statusCode).toBe(200);
    const queued = (queue.json() as { items: { id: string }[] }).items.find((i) => i.id === w.id);
    expect(queued).toMatchObject({ userId: worker.userId, account: '138****5678', reviewedBy: null });
    expect((await get('/api/v1/admin/withdrawals', worker)).statusCode).toBe(403);

    const approved = await post(`/api/v1/admin/withdrawals/${w.id}/approve`, admin);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'succeeded', reviewedBy: admin.userId });
    const after = await balances(worker.userId);
    expect(after.inFlight).toBe(before.inFlight);
    expect(after.clearing).toBe(before.clearing + 550_000);
    expect(await auditActions(w.id)).toEqual(['withdrawal.approved']);
    expect(await events('payment.withdrawal_succeeded', w.id)).toHaveLength(1);

    const twice = await post(`/api/v1/admin/withdrawals/${w.id}/approve`, admin);
    expect([twice.statusCode, twice.json().code]).toEqual([409, 'WITHDRAWAL_STATE_INVALID']);
    const late = await post(`/api/v1/admin/withdrawals/${w.id}/reject`, admin, { reason: '重复提交' });
    expect([late.statusCode, late.json().code]).toEqual([409, 'WITHDRAWAL_STATE_INVALID']);
    expect(await balances(worker.userId)).toEqual(after);
  });

  it('gives the money back exactly when an admin rejects a withdrawal in review', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 600_000);
    const before = await balances(worker.userId);
    const w = (await withdraw(worker, { amountFen: 510_000 })).json() as { id: string };
    expect(w).toMatchObject({ status: 'review' });

    const reason = '收款账户信息与历史记录不符';
    const rejected = await post(`/api/v1/admin/withdrawals/${w.id}/reject`, admin, { reason });
    expect(rejected.statusCode).toBe(200);
    expect(rejected.json()).toMatchObject({ status: 'rejected', reason, reviewedBy: admin.userId });
    expect(await balances(worker.userId)).toEqual(before);
    expect(await transferKinds(w.id)).toEqual(['withdrawal', 'withdrawal.failed']);
    expect(await auditActions(w.id)).toEqual(['withdrawal.rejected']);
    expect(await events('payment.withdrawal_failed', w.id)).toEqual([
      { withdrawalId: w.id, userId: worker.userId, amountFen: 510_000, reason },
    ]);
    expect((await get(`/api/v1/withdrawals/${w.id}`, worker)).json()).toMatchObject({
      status: 'rejected',
      reason,
    });

    const again = await post(`/api/v1/admin/withdrawals/${w.id}/reject`, admin, { reason });
    expect(again.statusCode).toBe(409);
    expect(await balances(worker.userId)).toEqual(before);
  });

  it('settles once however often and in whatever order the channel answers', async () => {
    // A feature of its own over the service's database, with a sandbox the test holds.
    const sandbox = createSandboxChannel({ publicUrl: 'http://localhost', secret: 'x', clock: p.clock });
    const ctx: PaymentContext = {
      sdb,
      ledger,
      channels: new Map([['sandbox', sandbox]]),
      settings: paymentConfig.of(p.config),
      config: p.config,
      pii: createPiiCipher(p.config.piiKeys, `pii-lookup:${p.config.secret}`),
      cursors: createCursorCodec(p.config.secret),
      notifyUrl: (channel) => `http://127.0.0.1/api/v1/payments/notify/${channel}`,
      clock: p.clock,
      ids,
      log: p.log,
      at: createInstantFormatter(p.config.businessTimeZone),
      clients: { get: (key) => p.client(key) },
    };
    const withdrawals = createWithdrawals(ctx);
    const phone = newPhone();
    let worker = await verifiedWorker('王小明', phone);
    await fund(worker.userId, 600_000);
    const before = await balances(worker.userId);
    // In review, then processing as if approved by a process that stopped before sending it.
    const w = (await withdraw(worker, { amountFen: 520_000 })).json() as { id: string };
    await sdb.db
      .updateTable('payment_withdrawals')
      .set({ status: 'processing' })
      .where('id', '=', w.id)
      .execute();

    const succeeded = {
      status: 'succeeded',
      transactionId: 'sandbox-transfer-1',
      finishedAt: p.clock.now(),
    } as const;
    const failed = { status: 'failed', reason: 'LATE' } as const;
    // Only the channel it was sent through speaks for a withdrawal.
    await withdrawals.applyTransferState(w.id, failed, 'alipay');
    expect((await get(`/api/v1/withdrawals/${w.id}`, worker)).json()).toMatchObject({ status: 'processing' });
    expect(await transferKinds(w.id)).toHaveLength(1);
    await Promise.all([
      withdrawals.applyTransferState(w.id, succeeded, 'sandbox'),
      withdrawals.applyTransferState(w.id, succeeded, 'sandbox'),
      withdrawals.applyTransferState(w.id, failed, 'sandbox'),
    ]);
    const settled = (await get(`/api/v1/withdrawals/${w.id}`, worker)).json() as { status: string };
    expect(['succeeded', 'failed']).toContain(settled.status);
    const kinds = await transferKinds(w.id);
    expect(kinds).toHaveLength(2);
    const after = await balances(worker.userId);
    expect(after.inFlight).toBe(before.inFlight);

    // Afterwards, either word again changes nothing.
    await withdrawals.applyTransferState(w.id, succeeded, 'sandbox');
    await withdrawals.applyTransferState(w.id, failed, 'sandbox');
    await withdrawals.applyTransferState(w.id, { status: 'processing' }, 'sandbox');
    expect(await balances(worker.userId)).toEqual(after);
    expect(await transferKinds(w.id)).toEqual(kinds);
    expect((await get(`/api/v1/withdrawals/${w.id}`, worker)).json()).toEqual(settled);
    const published =
      (await events('payment.withdrawal_succeeded', w.id)).length +
      (await events('payment.withdrawal_failed', w.id)).length;
    expect(published).toBe(1);

    // A withdrawal never sent (in review) is left alone; an unknown id is ignored. (Tomorrow: the
    // daily limit would refuse a second one today.)
    p.clock.advance(24 * 3_600_000);
    worker = await loginWithSms(p, phone);
    await fund(worker.userId, 600_000);
    const inReview = (await withdraw(worker, { amountFen: 510_000 })).json() as { id: string };
    expect(inReview).toMatchObject({ status: 'review' });
    const reviewing = await balances(worker.userId);
    await withdrawals.applyTransferState(inReview.id, succeeded, 'sandbox');
    await withdrawals.applyTransferState(inReview.id, failed, 'sandbox');
    await withdrawals.applyTransferState('01ARZ3NDEKTSV4RRFFQ69G5FAV', succeeded, 'sandbox');
    expect((await get(`/api/v1/withdrawals/${inReview.id}`, worker)).json()).toMatchObject({
      status: 'review',
    });
    expect(await transferKinds(inReview.id)).toEqual(['withdrawal']);
    expect(await balances(worker.userId)).toEqual(reviewing);
  });

  it('asks the channel about a withdrawal left processing, and sends one it never received', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 600_000);
    const before = await balances(worker.userId);
    const w = (await withdraw(worker, { amountFen: 530_000 })).json() as { id: string };
    await sdb.db
      .updateTable('payment_withdrawals')
      .set({ status: 'processing' })
      .where('id', '=', w.id)
      .execute();

    // Not yet: the channel is asked once it has been quiet for a minute.
    await p.scheduler.runDue();
    expect((await get(`/api/v1/withdrawals/${w.id}`, worker)).json()).toMatchObject({ status: 'processing' });
    p.clock.advance(2 * 60_000);
    await p.scheduler.runDue();
    const paid = (await get(`/api/v1/withdrawals/${w.id}`, worker)).json() as Record<string, unknown>;
    expect(paid).toMatchObject({ status: 'succeeded' });
    expect(paid.channelTransactionId).toMatch(/^sandbox-transfer-/);
    expect(await transferKinds(w.id)).toEqual(['withdrawal', 'withdrawal.done']);
    const after = await balances(worker.userId);
    expect(after.inFlight).toBe(before.inFlight);
    expect(after.clearing).toBe(before.clearing + 530_000);
  });

  it('replays an Idempotency-Key without withdrawing twice', async () => {
    const worker = await verifiedWorker();
    await fund(worker.userId, 10_000);
    const key = { 'idempotency-key': randomUUID() };
    const first = await withdraw(worker, { amountFen: 1_000 }, key);
    expect(first.statusCode).toBe(201);
    const replay = await withdraw(worker, { amountFen: 1_000 }, key);
    expect(replay.statusCode).toBe(201);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.json()).toEqual(first.json());
    expect(await ledger.balance(wallet(worker.userId))).toBe(10_000 - 1_000 - FEE);
    expect(await rowCount(worker.userId)).toBe(1);

    const other = await withdraw(worker, { amountFen: 2_000 }, key);
    expect([other.statusCode, other.json().code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await rowCount(worker.userId)).toBe(1);
  });
});
