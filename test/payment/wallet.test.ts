import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { paymentClient } from '../../src/services/payment/index.js';
import { checkLedger, createLedger, type Ledger } from '../../src/services/payment/ledger/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { describeEntry } from '../../src/services/payment/wallet.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/**
 * The wallet API (GET /api/v1/wallet, GET /api/v1/wallet/entries) through HTTP: balances exact to
 * the fen across top-ups, holds, releases into the wallet and into pending settlement, and
 * withdrawals in progress; entries newest first, paged; each user sees their own wallet only.
 */
let p: TestPlatform;
let sdb: ServiceDatabase<PaymentDB>;
let ledger: Ledger;
const newId = createIdGenerator(systemClock);

beforeAll(async () => {
  p = await startTestPlatform({
    env: { LINGGONG_FEE_BPS: '500', LINGGONG_FEE_MIN_FEN: '0', LINGGONG_FEE_PAYER: 'employer' },
  });
  sdb = p.services.get('payment')!.db as ServiceDatabase<PaymentDB>;
  ledger = createLedger({ sdb, ids: newId });
});
afterAll(async () => {
  await ledger?.close();
  await p?.stop();
});

async function topUp(userId: string, fen: number): Promise<void> {
  await ledger.transfer({
    businessKey: `test.topup:${newId()}`,
    kind: 'topup',
    description: '钱包充值 / Wallet top-up',
    paymentId: newId(),
    legs: [
      { account: { kind: 'channel_clearing', owner: 'sandbox' }, amountFen: -fen },
      { account: { kind: 'wallet', owner: userId }, amountFen: fen },
    ],
  });
}

/**
 * A withdrawal row as the withdrawal flow writes it (the wallet only reads them). Written directly:
 * the withdrawal flow is built elsewhere; its columns follow withdrawal.db.ts.
 */
async function withdrawal(userId: string, amountFen: number, status: 'review' | 'processing' | 'succeeded') {
  const now = p.clock.now();
  await sdb.db
    .insertInto('payment_withdrawals')
    .values({
      id: newId(),
      user_id: userId,
      channel: 'sandbox',
      account_cipher: 'x',
      payee_name_cipher: 'x',
      amount_fen: amountFen,
      fee_fen: 0,
      status,
      channel_transaction_id: null,
      user_confirmation: null,
      reason: null,
      reviewed_by: null,
      created_at: now,
      updated_at: now,
      checked_at: now,
      finished_at: null,
    })
    .execute();
}

interface Entry {
  seq: number;
  amountFen: number;
  balanceAfterFen: number;
  kind: string;
  description: { zh: string; en: string };
  orderId: string | null;
  paymentId: string | null;
  withdrawalId: string | null;
  at: string;
}

const walletOf = async (user: LoggedIn) => {
  const res = await p.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: user.auth });
  expect(res.statusCode).toBe(200);
  return res.json<Record<string, number>>();
};
const entriesOf = async (user: LoggedIn, query: Record<string, string> = {}) => {
  const res = await p.app.inject({ method: 'GET', url: '/api/v1/wallet/entries', query, headers: user.auth });
  expect(res.statusCode).toBe(200);
  return res.json<{ items: Entry[]; nextCursor: string | null }>();
};

describe(`the wallet API (${DIALECT})`, () => {
  it('answers an untouched wallet with zeros and no entries', async () => {
    const user = await loginWithSms(p, newPhone());
    expect(await walletOf(user)).toEqual({ availableFen: 0, pendingFen: 0, heldFen: 0, withdrawingFen: 0 });
    expect(await entriesOf(user)).toEqual({ items: [], nextCursor: null });
  });

  it('shows available, held, pending and withdrawing money exactly, each user their own', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const worker = await loginWithSms(p, newPhone(), 'worker');
    const escrow = p.client(paymentClient);
    const [first, second, third] = [newId(), newId(), newId()];
    const parties = { employerId: employer.userId };

    await topUp(employer.userId, 100_001);
    await escrow.hold({ orderId: first, ...parties, wageFen: 20_000 }); // 21,000
    await escrow.hold({ orderId: second, ...parties, wageFen: 10_001 }); // 10,001 + 500 (500.05)
    await escrow.hold({ orderId: third, ...parties, wageFen: 3333 }); // 3333 + 167 (166.65)
    expect(await walletOf(employer)).toEqual({
      availableFen: 100_001 - 21_000 - 10_501 - 3500,
      pendingFen: 0,
      heldFen: 21_000 + 10_501 + 3500,
      withdrawingFen: 0,
    });

    // First: paid in full to the wallet. Second: 7,000 into pending settlement (fee 350, 3,151
    // back). Third: refunded.
    await escrow.release({
      orderId: first,
      workerId: worker.userId,
      ...parties,
      payFen: 20_000,
      pending: false,
    });
    await escrow.release({
      orderId: second,
      workerId: worker.userId,
      ...parties,
      payFen: 7000,
      pending: true,
    });
    await escrow.refund({ orderId: third, ...parties });
    await withdrawal(employer.userId, 3000, 'review');
    await withdrawal(employer.userId, 2000, 'processing');
    await withdrawal(employer.userId, 1000, 'succeeded');
    expect(await walletOf(employer)).toEqual({
      availableFen: 100_001 - 21_000 - 10_501 + 3151,
      pendingFen: 0,
      heldFen: 0,
      withdrawingFen: 5000,
    });
    expect(await walletOf(worker)).toEqual({
      availableFen: 20_000,
      pendingFen: 7000,
      heldFen: 0,
      withdrawingFen: 0,
    });
    await escrow.settle({ orderId: second, workerId: worker.userId });
    expect(await walletOf(worker)).toMatchObject({ availableFen: 27_000, pendingFen: 0 });

    // The worker's entries are the worker's: the release to the wallet, then the settlement.
    const workerEntries = await entriesOf(worker);
    expect(
      workerEntries.items.map((e) => [e.seq, e.kind, e.amountFen, e.balanceAfterFen, e.orderId]),
    ).toEqual([
      [2, 'escrow.settle', 7000, 27_000, second],
      [1, 'escrow.release', 20_000, 20_000, first],
    ]);
    expect(workerEntries.items[0]!.description).toEqual({
      zh: '待结算报酬转入钱包',
      en: 'Pending pay settled to the wallet',
    });
    expect(workerEntries.items[0]!.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$/);

    // The employer's, newest first, a page of two at a time.
    const page1 = await entriesOf(employer, { limit: '2' });
    expect(page1.items.map((e) => [e.kind, e.amountFen])).toEqual([
      ['escrow.refund', 3500],
      ['escrow.release', 3151],
    ]);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await entriesOf(employer, { limit: '2', cursor: page1.nextCursor! });
    const page3 = await entriesOf(employer, { limit: '2', cursor: page2.nextCursor! });
    expect(page3.nextCursor).toBeNull();
    const all = [...page1.items, ...page2.items, ...page3.items];
    expect(all.map((e) => e.seq)).toEqual([6, 5, 4, 3, 2, 1]);
    expect(all.map((e) => e.amountFen)).toEqual([3500, 3151, -3500, -10_501, -21_000, 100_001]);
    expect(all.at(-1)).toMatchObject({
      kind: 'topup',
      description: { zh: '钱包充值', en: 'Wallet top-up' },
      orderId: null,
      withdrawalId: null,
    });
    expect(all.at(-1)!.paymentId).toMatch(/^[0-7][0-9A-HJKMNP-TV-Z]{25}$/);
    expect(all[3]!.description.en).toBe(
      'Wage held in escrow (wage 10001 fen; fee 500 fen, paid by the employer)',
    );
    // Every entry's balance after is the running sum.
    let running = 0;
    for (const e of [...all].reverse()) {
      running += e.amountFen;
      expect(e.balanceAfterFen).toBe(running);
    }
    expect(await walletOf(employer)).toMatchObject({ availableFen: running });
    expect(await checkLedger(sdb, { finalOrderIds: [first, second, third] })).toEqual([]);
  });

  it('needs a signed-in user', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/api/v1/wallet' });
    expect(res.statusCode).toBe(401);
  });
});

describe('describeEntry', () => {
  it('splits "中文 / English", and shows anything else as it is', () => {
    expect(describeEntry('订单押金退回 / Escrow refunded', 'escrow.refund')).toEqual({
      zh: '订单押金退回',
      en: 'Escrow refunded',
    });
    expect(describeEntry('提现', 'withdrawal')).toEqual({ zh: '提现', en: '提现' });
    expect(describeEntry(null, 'topup')).toEqual({ zh: 'topup', en: 'topup' });
  });
});
