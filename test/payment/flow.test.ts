import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/platform/ids.js';
import { paymentClient } from '../../src/services/payment/index.js';
import { checkLedger } from '../../src/services/payment/ledger/index.js';
import { DIALECT } from '../support/env.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { balanceOf, createTopup, paymentDb } from './support.js';

/**
 * The money of one employer and one worker from top-up to withdrawal, through the HTTP API and the
 * escrow client the order service calls, every balance checked to the fen (default fee: 5 %, paid by
 * the employer).
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.stop();
});

const wallet = async (user: LoggedIn) =>
  (await p.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: user.auth })).json() as Record<
    string,
    number
  >;

describe(`money from top-up to withdrawal on ${DIALECT}`, () => {
  it('tops up, holds, releases part with the fee, refunds, settles and withdraws, exact to the fen', async () => {
    const admin = await loginAsAdmin(p);
    const worker = await verifiedUser(p, admin, '王小明');
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const escrow = p.client(paymentClient);
    const orderIds = createIdGenerator(p.clock);

    // Top-up of 500 元 through the sandbox.
    const topup = await createTopup(p, employer, 50_000);
    const paid = await p.app.inject({
      method: 'POST',
      url: `/api/v1/payments/sandbox/${topup.id}/pay`,
      headers: employer.auth,
      payload: {},
    });
    expect(paid.json().status).toBe('paid');
    expect(await wallet(employer)).toEqual({
      availableFen: 50_000,
      pendingFen: 0,
      heldFen: 0,
      withdrawingFen: 0,
    });

    // Order 1: a wage of 300 元 held with its 15 元 fee; the worker earned 200 元 of it.
    const order1 = orderIds();
    const held = await escrow.hold({ orderId: order1, employerId: employer.userId, wageFen: 30_000 });
    expect(held).toMatchObject({ status: 'held', balanceFen: 31_500, heldFen: 31_500 });
    expect(await wallet(employer)).toMatchObject({ availableFen: 18_500, heldFen: 31_500 });
    const released = await escrow.release({
      orderId: order1,
      workerId: worker.userId,
      employerId: employer.userId,
      payFen: 20_000,
      pending: false,
    });
    expect(released).toMatchObject({
      status: 'released',
      balanceFen: 0,
      payFen: 20_000,
      feeFen: 1_000,
      refundFen: 10_500,
    });

    // Order 2: held, then cancelled in time: all back to the employer.
    const order2 = orderIds();
    await escrow.hold({ orderId: order2, employerId: employer.userId, wageFen: 10_000 });
    expect(await wallet(employer)).toMatchObject({ availableFen: 18_500, heldFen: 10_500 });
    expect(await escrow.refund({ orderId: order2, employerId: employer.userId })).toMatchObject({
      status: 'refunded',
      refundFen: 10_500,
    });

    // Order 3, weekly settlement: 50 元 waits in pending settlement until the settlement run.
    const order3 = orderIds();
    await escrow.hold({ orderId: order3, employerId: employer.userId, wageFen: 5_000 });
    await escrow.release({
      orderId: order3,
      workerId: worker.userId,
      employerId: employer.userId,
      payFen: 5_000,
      pending: true,
    });
    expect(await wallet(worker)).toMatchObject({ availableFen: 20_000, pendingFen: 5_000 });
    await escrow.settle({ orderId: order3, workerId: worker.userId });

    // The employer paid 200 + 50 of wages and 10 + 2.5 of fees.
    expect(await wallet(employer)).toEqual({
      availableFen: 23_750,
      pendingFen: 0,
      heldFen: 0,
      withdrawingFen: 0,
    });
    expect(await wallet(worker)).toEqual({
      availableFen: 25_000,
      pendingFen: 0,
      heldFen: 0,
      withdrawingFen: 0,
    });

    // The worker takes 150 元 out through the sandbox transfer.
    const out = await p.app.inject({
      method: 'POST',
      url: '/api/v1/withdrawals',
      headers: { ...worker.auth, 'idempotency-key': `flow-${worker.userId}` },
      payload: { channel: 'sandbox', account: '13812345678', payeeName: '王小明', amountFen: 15_000 },
    });
    expect(out.statusCode).toBe(201);
    expect(out.json()).toMatchObject({ status: 'succeeded', amountFen: 15_000, account: '138****5678' });
    expect(await wallet(worker)).toMatchObject({ availableFen: 10_000, withdrawingFen: 0 });

    // Every account, and the ledger's invariants.
    expect(await balanceOf(p, 'fee_revenue', 'platform')).toBe(1_250);
    expect(await balanceOf(p, 'channel_clearing', 'sandbox')).toBe(-50_000 + 15_000);
    expect(await balanceOf(p, 'payouts_in_flight', 'sandbox')).toBe(0);
    for (const order of [order1, order2, order3]) expect(await balanceOf(p, 'escrow', order)).toBe(0);
    expect(10_000 + 23_750 + 1_250 + (-50_000 + 15_000)).toBe(0);
    expect(await checkLedger(paymentDb(p), { finalOrderIds: [order1, order2, order3] })).toEqual([]);
  });
});
