import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { AppError } from '../../src/platform/errors.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { paymentClient, paymentModule, type PaymentClient } from '../../src/services/payment/index.js';
import { checkLedger, createLedger, type Ledger } from '../../src/services/payment/ledger/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { escrowOverHttp } from './support.js';

/**
 * Escrow for orders (src/services/payment/escrow.ts) through the PaymentClient, in-process and over
 * the internal HTTP routes: hold, release with the fee paid by either side, pending settlement,
 * refund, finality, idempotency and concurrent repeats. After each test the ledger is checked,
 * with every order made final there required to have a zero escrow.
 */
let p: TestPlatform;
let sdb: ServiceDatabase<PaymentDB>;
let ledger: Ledger;
const newId = createIdGenerator(systemClock);
const finalOrderIds: string[] = [];
let baseUrl: string;

/** A platform with the fee at 5% (at least ¥1) paid by `payer`. */
async function platform(payer: 'employer' | 'worker'): Promise<TestPlatform> {
  return startTestPlatform({
    env: { LINGGONG_FEE_BPS: '500', LINGGONG_FEE_MIN_FEN: '100', LINGGONG_FEE_PAYER: payer },
  });
}

beforeAll(async () => {
  p = await platform('employer');
  sdb = p.services.get('payment')!.db as ServiceDatabase<PaymentDB>;
  ledger = createLedger({ sdb, ids: newId });
  // The split topology's client (index.ts `remote`) calls these routes over a real socket.
  baseUrl = await p.app.listen({ port: 0, host: '127.0.0.1' });
});
afterEach(async () => {
  expect(await checkLedger(sdb, { finalOrderIds })).toEqual([]);
});
afterAll(async () => {
  await ledger?.close();
  await p?.stop();
});

const wallet = (owner: string) => ({ kind: 'wallet', owner }) as const;
const pendingOf = (owner: string) => ({ kind: 'pending', owner }) as const;
const escrowOf = (orderId: string) => ({ kind: 'escrow', owner: orderId }) as const;
const feeRevenue = { kind: 'fee_revenue', owner: 'platform' } as const;

/** Money into a user's wallet as a top-up would bring it (top-ups are built elsewhere). */
async function fund(userId: string, fen: number): Promise<void> {
  await ledger.transfer({
    businessKey: `test.topup:${newId()}`,
    kind: 'topup',
    description: '钱包充值 / Wallet top-up',
    legs: [
      { account: { kind: 'channel_clearing', owner: 'sandbox' }, amountFen: -fen },
      { account: wallet(userId), amountFen: fen },
    ],
  });
}

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AppError);
  return error as AppError;
}

async function outbox(type: string, orderId: string): Promise<Record<string, unknown>[]> {
  const rows = await sdb
    .untyped()
    .selectFrom('payment_outbox')
    .select('payload')
    .where('type', '=', type)
    .execute();
  return rows
    .map((r) => JSON.parse(r.payload as string) as Record<string, unknown>)
    .filter((e) => e.orderId === orderId);
}

/** The client the order service gets when the payment service is served elsewhere. */
function remoteClient(): PaymentClient {
  const { client } = paymentModule.remote!({
    baseUrl,
    config: p.config,
    clock: p.clock,
    log: p.log,
    cache: p.cache,
  });
  return client!;
}

const ways: [string, () => PaymentClient][] = [
  ['in process', () => p.client(paymentClient)],
  ['through the internal routes', () => escrowOverHttp(p)],
  ['through the remote client', remoteClient],
];

describe.each(ways)(`escrow %s (${DIALECT})`, (_way, clientOf) => {
  let escrow: PaymentClient;
  /** A fresh order with a funded employer and a worker. */
  async function order(fundFen = 100_000) {
    escrow = clientOf();
    const ids = { orderId: newId(), employerId: newId(), workerId: newId() };
    if (fundFen > 0) await fund(ids.employerId, fundFen);
    return ids;
  }

  it('refuses a hold the wallet cannot cover, moving nothing', async () => {
    const { orderId, employerId } = await order(10_000);
    const e = await refusal(escrow.hold({ orderId, employerId, wageFen: 10_000 }));
    expect(e.code).toBe('ESCROW_INSUFFICIENT_FUNDS');
    expect(e.status).toBe(409);
    // 10,000 + a 500 fee: short by 500 fen (the remote client carries the zh-CN detail).
    expect(e.messages.en).toMatch(/short by 500 fen|还差 ¥5\.00（500 分）/);
    expect(await ledger.balance(wallet(employerId))).toBe(10_000);
    expect(await ledger.getAccount(escrowOf(orderId))).toBeUndefined();
    expect(await ledger.transfersOf({ orderId })).toEqual([]);
    expect((await escrow.escrow(orderId)).status).toBe('none');
  });

  it('holds the wage and the employer-paid fee, once however often asked', async () => {
    const { orderId, employerId } = await order();
    const held = await escrow.hold({ orderId, employerId, wageFen: 20_000 });
    expect(held).toEqual({
      orderId,
      status: 'held',
      balanceFen: 21_000,
      heldFen: 21_000,
      wageFen: 20_000,
      feePayer: 'employer',
      payFen: 0,
      feeFen: 0,
      refundFen: 0,
      pendingSettlement: false,
    });
    expect(await escrow.hold({ orderId, employerId, wageFen: 20_000 })).toEqual(held);
    expect(await escrow.escrow(orderId)).toEqual(held);
    expect(await ledger.balance(wallet(employerId))).toBe(79_000);
    const transfers = await ledger.transfersOf({ orderId });
    expect(transfers).toHaveLength(1);
    expect(transfers[0]).toMatchObject({
      kind: 'escrow.hold',
      businessKey: `escrow.hold:${orderId}`,
      orderId,
    });
    expect(transfers[0]!.description).toMatch(/^订单押金托管.* \/ Wage held in escrow/);
    expect(await outbox('payment.escrow_held', orderId)).toEqual([
      { orderId, employerId, amountFen: 21_000 },
    ]);
    // Another wage or employer for the same order is not a repeat.
    expect((await refusal(escrow.hold({ orderId, employerId, wageFen: 20_001 }))).code).toBe(
      'ESCROW_CONFLICT',
    );
    expect((await refusal(escrow.hold({ orderId, employerId: newId(), wageFen: 20_000 }))).code).toBe(
      'ESCROW_CONFLICT',
    );
    finalOrderIds.push(orderId);
    await escrow.refund({ orderId, employerId });
  });

  it('releases the full wage: pay to the worker, fee to the platform, escrow zero', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 20_000 });
    const feesBefore = await ledger.balance(feeRevenue);
    const released = await escrow.release({ orderId, workerId, employerId, payFen: 20_000, pending: false });
    finalOrderIds.push(orderId);
    expect(released).toMatchObject({
      status: 'released',
      balanceFen: 0,
      payFen: 20_000,
      feeFen: 1000,
      refundFen: 0,
      pendingSettlement: false,
    });
    expect(await ledger.balance(wallet(workerId))).toBe(20_000);
    expect(await ledger.balance(feeRevenue)).toBe(feesBefore + 1000);
    expect(await ledger.balance(wallet(employerId))).toBe(79_000);
    expect(await ledger.balance(escrowOf(orderId))).toBe(0);
    expect(await outbox('payment.escrow_released', orderId)).toEqual([
      { orderId, workerId, employerId, payFen: 20_000, feeFen: 1000, refundFen: 0, pending: false },
    ]);
    // A repeat answers the same and moves nothing; another amount is refused.
    expect(await escrow.release({ orderId, workerId, employerId, payFen: 20_000, pending: false })).toEqual(
      released,
    );
    expect(
      (await refusal(escrow.release({ orderId, workerId, employerId, payFen: 10_000, pending: false }))).code,
    ).toBe('ESCROW_ALREADY_FINAL');
    expect(await ledger.transfersOf({ orderId })).toHaveLength(2);
  });

  it('releases part of the wage: the fee on the pay, the rest back to the employer', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 20_000 }); // 21,000 held
    const feesBefore = await ledger.balance(feeRevenue);
    const released = await escrow.release({ orderId, workerId, employerId, payFen: 12_345, pending: false });
    finalOrderIds.push(orderId);
    // 5% of 12,345 is 617.25 → 617; the employer gets 21,000 − 12,345 − 617.
    expect(released).toMatchObject({ status: 'released', payFen: 12_345, feeFen: 617, refundFen: 8038 });
    expect(await ledger.balance(wallet(workerId))).toBe(12_345);
    expect(await ledger.balance(feeRevenue)).toBe(feesBefore + 617);
    expect(await ledger.balance(wallet(employerId))).toBe(79_000 + 8038);
    expect(await ledger.balance(escrowOf(orderId))).toBe(0);
  });

  it('refuses a pay above the wage held, and a release of nothing held', async () => {
    const { orderId, employerId, workerId } = await order();
    expect(
      (await refusal(escrow.release({ orderId, workerId, employerId, payFen: 1, pending: false }))).code,
    ).toBe('ESCROW_NOT_HELD');
    await escrow.hold({ orderId, employerId, wageFen: 20_000 });
    const e = await refusal(
      escrow.release({ orderId, workerId, employerId, payFen: 20_001, pending: false }),
    );
    expect([e.code, e.status]).toEqual(['ESCROW_AMOUNT_INVALID', 409]);
    expect((await escrow.escrow(orderId)).status).toBe('held');
    finalOrderIds.push(orderId);
    await escrow.refund({ orderId, employerId });
  });

  it('releases into pending settlement, then settles it to the wallet', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 20_000 });
    const released = await escrow.release({ orderId, workerId, employerId, payFen: 15_000, pending: true });
    finalOrderIds.push(orderId);
    expect(released).toMatchObject({ payFen: 15_000, feeFen: 750, refundFen: 5250, pendingSettlement: true });
    expect(await ledger.balance(pendingOf(workerId))).toBe(15_000);
    expect(await ledger.balance(wallet(workerId))).toBe(0);
    expect((await refusal(escrow.settle({ orderId, workerId: newId() }))).code).toBe('ESCROW_NOT_PENDING');
    const settled = await escrow.settle({ orderId, workerId });
    expect(settled).toEqual({ ...released, pendingSettlement: false });
    expect(await escrow.settle({ orderId, workerId })).toEqual(settled);
    expect(await ledger.balance(pendingOf(workerId))).toBe(0);
    expect(await ledger.balance(wallet(workerId))).toBe(15_000);
    expect(await outbox('payment.settled', orderId)).toEqual([{ orderId, workerId, amountFen: 15_000 }]);
    const kinds = (await ledger.transfersOf({ orderId })).map((t) => t.kind);
    expect(kinds).toEqual(['escrow.hold', 'escrow.release', 'escrow.settle']);
  });

  it('refunds the whole escrow; a release after it is refused as final', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 20_000 });
    const refunded = await escrow.refund({ orderId, employerId });
    finalOrderIds.push(orderId);
    expect(refunded).toMatchObject({ status: 'refunded', balanceFen: 0, refundFen: 21_000, payFen: 0 });
    expect(await ledger.balance(wallet(employerId))).toBe(100_000);
    expect(await escrow.refund({ orderId, employerId })).toEqual(refunded);
    const e = await refusal(escrow.release({ orderId, workerId, employerId, payFen: 100, pending: false }));
    expect([e.code, e.status]).toEqual(['ESCROW_ALREADY_FINAL', 409]);
    expect(await ledger.balance(wallet(workerId))).toBe(0);
    expect(await outbox('payment.escrow_refunded', orderId)).toEqual([
      { orderId, employerId, amountFen: 21_000 },
    ]);
    expect((await refusal(escrow.settle({ orderId, workerId }))).code).toBe('ESCROW_NOT_PENDING');
  });

  it('refuses a refund after a release', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 5000 });
    await escrow.release({ orderId, workerId, employerId, payFen: 5000, pending: false });
    finalOrderIds.push(orderId);
    expect((await refusal(escrow.refund({ orderId, employerId }))).code).toBe('ESCROW_ALREADY_FINAL');
  });

  it('moves the money once for 20 concurrent holds of one order', async () => {
    const { orderId, employerId } = await order();
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => escrow.hold({ orderId, employerId, wageFen: 30_000 })),
    );
    for (const a of answers) expect(a).toMatchObject({ status: 'held', heldFen: 31_500, balanceFen: 31_500 });
    expect(await ledger.balance(wallet(employerId))).toBe(68_500);
    expect(await ledger.transfersOf({ orderId })).toHaveLength(1);
    expect(await outbox('payment.escrow_held', orderId)).toHaveLength(1);
    finalOrderIds.push(orderId);
    await escrow.refund({ orderId, employerId });
  });

  it('lets only one of a concurrent release and refund apply', async () => {
    const { orderId, employerId, workerId } = await order();
    await escrow.hold({ orderId, employerId, wageFen: 10_000 });
    const outcomes = await Promise.allSettled([
      escrow.release({ orderId, workerId, employerId, payFen: 10_000, pending: false }),
      escrow.refund({ orderId, employerId }),
    ]);
    finalOrderIds.push(orderId);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const rejected = outcomes.find((o) => o.status === 'rejected');
    expect((rejected?.reason as AppError).code).toBe('ESCROW_ALREADY_FINAL');
    expect(await ledger.transfersOf({ orderId })).toHaveLength(2);
  });
});

describe(`escrow with the fee paid by the worker (${DIALECT})`, () => {
  let q: TestPlatform;
  let qdb: ServiceDatabase<PaymentDB>;
  let qledger: Ledger;
  const finals: string[] = [];
  beforeAll(async () => {
    q = await platform('worker');
    qdb = q.services.get('payment')!.db as ServiceDatabase<PaymentDB>;
    qledger = createLedger({ sdb: qdb, ids: newId });
  });
  afterAll(async () => {
    expect(await checkLedger(qdb, { finalOrderIds: finals })).toEqual([]);
    await qledger?.close();
    await q?.stop();
  });

  it('holds the wage alone and takes the fee out of the pay', async () => {
    const escrow = q.client(paymentClient);
    const orderId = newId();
    const employerId = newId();
    const workerId = newId();
    await qledger.transfer({
      businessKey: `test.topup:${newId()}`,
      kind: 'topup',
      legs: [
        { account: { kind: 'channel_clearing', owner: 'sandbox' }, amountFen: -20_000 },
        { account: wallet(employerId), amountFen: 20_000 },
      ],
    });
    // Exactly the wage is enough: the employer pays no fee.
    expect(await escrow.hold({ orderId, employerId, wageFen: 20_000 })).toMatchObject({
      heldFen: 20_000,
      wageFen: 20_000,
      feePayer: 'worker',
    });
    const released = await escrow.release({ orderId, workerId, employerId, payFen: 16_000, pending: false });
    finals.push(orderId);
    expect(released).toMatchObject({ status: 'released', payFen: 16_000, feeFen: 800, refundFen: 4000 });
    expect(await qledger.balance(wallet(workerId))).toBe(15_200);
    expect(await qledger.balance(feeRevenue)).toBe(800);
    expect(await qledger.balance(wallet(employerId))).toBe(4000);

    // A pay below the minimum fee goes to the fee entirely, and the worker gets nothing.
    const small = newId();
    await escrow.hold({ orderId: small, employerId, wageFen: 1000 });
    const tiny = await escrow.release({ orderId: small, workerId, employerId, payFen: 50, pending: true });
    finals.push(small);
    expect(tiny).toMatchObject({ payFen: 50, feeFen: 50, refundFen: 950, pendingSettlement: false });
    expect(await qledger.balance(pendingOf(workerId))).toBe(0);
    expect(await escrow.release({ orderId: small, workerId, employerId, payFen: 50, pending: true })).toEqual(
      tiny,
    );
  });
});
