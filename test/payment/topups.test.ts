import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { toSafeInt } from '../../src/platform/money.js';
import { checkLedger } from '../../src/services/payment/ledger/index.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import {
  balanceOf,
  createTopup,
  notify,
  paymentDb,
  sandboxPayer,
  startScriptedTopups,
  walletOf,
  type TopupAnswer,
} from './support.js';

/**
 * Top-ups end to end through HTTP (src/services/payment/topups.ts): the sandbox channel plays the
 * payer; every scenario leaves a sound ledger.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p.stop();
});
afterEach(async () => {
  const sdb = paymentDb(p);
  expect(await checkLedger(sdb)).toEqual([]);
  // Only top-ups move money here: what the wallets hold is what the sandbox took in.
  const wallets = await sdb.db
    .selectFrom('payment_ledger_accounts')
    .select('balance')
    .where('kind', '=', 'wallet')
    .execute();
  const total = wallets.reduce((sum, w) => sum + toSafeInt(w.balance), 0);
  expect(await balanceOf(p, 'channel_clearing', 'sandbox')).toBe(-total);
});

const call = (method: 'GET' | 'POST', url: string, user: LoggedIn, payload?: object) =>
  p.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });

const sandboxPay = (user: LoggedIn, id: string, payload: object = {}) =>
  call('POST', `/api/v1/payments/sandbox/${id}/pay`, user, payload);

async function outboxOf(paymentId: string) {
  const rows = (await paymentDb(p)
    .untyped()
    .selectFrom('payment_outbox')
    .select(['type', 'payload'])
    .execute()) as { type: string; payload: string }[];
  return rows
    .map((r) => ({ type: r.type, payload: JSON.parse(r.payload) as { paymentId?: string } }))
    .filter((e) => e.payload.paymentId === paymentId);
}

async function transfersOf(paymentId: string): Promise<number> {
  const rows = await paymentDb(p)
    .db.selectFrom('payment_ledger_transfers')
    .select('id')
    .where('payment_id', '=', paymentId)
    .execute();
  return rows.length;
}

describe(`top-ups (${DIALECT})`, () => {
  it('tops up through the sandbox: the wallet is credited exactly once', async () => {
    const user = await loginWithSms(p);
    const created = await createTopup(p, user, 12_345);
    expect(created).toMatchObject({ channel: 'sandbox', amountFen: 12_345, status: 'pending', paidAt: null });
    expect(created.pay).toEqual({
      kind: 'redirect',
      url: expect.stringContaining(`/api/v1/payments/sandbox/${created.id}/pay`) as string,
    });
    expect(created.expiresAt).toMatch(/\+08:00$/);

    const paid = await sandboxPay(user, created.id);
    expect(paid.statusCode).toBe(200);
    expect(paid.json()).toMatchObject({
      id: created.id,
      status: 'paid',
      paidAt: expect.any(String) as string,
    });
    expect(await walletOf(p, user.userId)).toBe(12_345);

    // Paying again changes nothing.
    expect((await sandboxPay(user, created.id)).json()).toMatchObject({ status: 'paid' });
    expect(await walletOf(p, user.userId)).toBe(12_345);
    expect(await transfersOf(created.id)).toBe(1);
    expect(await outboxOf(created.id)).toEqual([
      {
        type: 'payment.topped_up',
        payload: { userId: user.userId, paymentId: created.id, amountFen: 12_345 },
      },
    ]);

    const read = await call('GET', `/api/v1/payments/${created.id}`, user);
    expect(read.json()).toMatchObject({ status: 'paid', amountFen: 12_345 });
  });

  it('lists my top-ups newest first, page by page', async () => {
    const user = await loginWithSms(p);
    const ids: string[] = [];
    for (const amount of [100, 200, 300]) ids.push((await createTopup(p, user, amount)).id);
    const first = await call('GET', '/api/v1/payments?limit=2', user);
    const page1 = first.json() as { items: TopupAnswer[]; nextCursor: string | null };
    expect(page1.items.map((t) => t.id)).toEqual([ids[2], ids[1]]);
    const second = await call('GET', `/api/v1/payments?limit=2&cursor=${page1.nextCursor}`, user);
    const page2 = second.json() as { items: TopupAnswer[]; nextCursor: string | null };
    expect(page2).toEqual({ items: [expect.objectContaining({ id: ids[0] })], nextCursor: null });
    // Another user's cursor does not reach my list.
    const other = await loginWithSms(p);
    const foreign = await call('GET', `/api/v1/payments?cursor=${page1.nextCursor}`, other);
    expect(foreign.statusCode).toBe(400);
  });

  it('does not let another user read or pay my top-up', async () => {
    const me = await loginWithSms(p);
    const other = await loginWithSms(p);
    const mine = await createTopup(p, me, 500);
    const read = await call('GET', `/api/v1/payments/${mine.id}`, other);
    expect(read.statusCode).toBe(404);
    expect(read.json()).toMatchObject({ code: 'TOPUP_NOT_FOUND' });
    expect((await sandboxPay(other, mine.id)).statusCode).toBe(404);
    expect((await call('GET', '/api/v1/payments', other)).json()).toEqual({ items: [], nextCursor: null });
    expect(await walletOf(p, other.userId)).toBe(0);
  });

  it('refuses a channel that is not configured and amounts out of range', async () => {
    const user = await loginWithSms(p);
    const post = (payload: object) => call('POST', '/api/v1/payments', user, payload);
    const alipay = await post({ channel: 'alipay', amountFen: 1000 });
    expect(alipay.statusCode).toBe(400);
    expect(alipay.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_UNAVAILABLE' });
    for (const amountFen of [99, 5_000_001]) {
      const res = await post({ channel: 'sandbox', amountFen });
      expect(res.json()).toMatchObject({ code: 'TOPUP_AMOUNT_OUT_OF_RANGE' });
    }
    expect((await call('GET', '/api/v1/payments', user)).json()).toEqual({ items: [], nextCursor: null });
  });

  it('replays the first answer for the same Idempotency-Key', async () => {
    const user = await loginWithSms(p);
    const request = {
      method: 'POST' as const,
      url: '/api/v1/payments',
      headers: { ...user.auth, 'idempotency-key': `topup-${newPhone()}` },
      payload: { channel: 'sandbox', amountFen: 800 },
    };
    const first = await p.app.inject(request);
    const again = await p.app.inject(request);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    const list = (await call('GET', '/api/v1/payments', user)).json() as { items: TopupAnswer[] };
    expect(list.items).toHaveLength(1);
    const reused = await p.app.inject({ ...request, payload: { channel: 'sandbox', amountFen: 900 } });
    expect(reused.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
  });

  it('credits once when the same notification arrives ten times', async () => {
    const user = await loginWithSms(p);
    const topup = await createTopup(p, user, 2_000);
    const notification = await sandboxPayer(p).paid(topup);
    for (let i = 0; i < 10; i++) {
      const res = await notify(p, notification);
      expect(res.statusCode).toBe(204);
    }
    expect(await walletOf(p, user.userId)).toBe(2_000);
    expect(await balanceOf(p, 'channel_clearing', 'sandbox')).toBeLessThanOrEqual(-2_000);
    expect(await transfersOf(topup.id)).toBe(1);
    expect(await outboxOf(topup.id)).toHaveLength(1);
    expect((await call('GET', `/api/v1/payments/${topup.id}`, user)).json()).toMatchObject({
      status: 'paid',
    });
  });

  it('refuses tampered, wrongly signed, malformed and stale notifications, crediting nothing', async () => {
    const user = await loginWithSms(p);
    const topup = await createTopup(p, user, 3_000);
    const payer = sandboxPayer(p);
    const n = await payer.paid(topup);

    const tampered = Buffer.from(n.body.toString('utf8').replace('"amountFen":3000', '"amountFen":30000'));
    expect(tampered.equals(n.body)).toBe(false);
    const refusedForGood: { headers: Record<string, string>; body: Buffer | string }[] = [
      { headers: n.headers, body: tampered },
      { headers: { ...n.headers, 'x-sandbox-signature': 'ab'.repeat(32) }, body: n.body },
      { headers: { 'content-type': 'application/json' }, body: n.body },
      { headers: n.headers, body: 'not json' },
    ];
    for (const bad of refusedForGood) {
      // Refused for good: answered as handled, so the channel stops sending it.
      const res = await notify(p, bad);
      expect(res.statusCode).toBe(204);
    }
    p.clock.advance(6 * 60_000);
    const stale = await notify(p, n);
    // Stale may pass later (clock skew): the sandbox's retry answer.
    expect(stale.statusCode).toBe(500);
    expect(stale.json()).toEqual({ code: 'FAIL', message: 'stale' });

    expect(await walletOf(p, user.userId)).toBe(0);
    expect(await transfersOf(topup.id)).toBe(0);
    const logText = p.logText();
    expect(logText).toContain('notification refused');
    expect(logText).not.toContain(n.body.toString('utf8'));
  });

  it('holds a payment of another amount until an admin credits what was paid', async () => {
    const user = await loginWithSms(p);
    const admin = await loginAsAdmin(p);
    const topup = await createTopup(p, user, 10_000);
    const paid = await sandboxPay(user, topup.id, { amountFen: 1_000 });
    expect(paid.json()).toMatchObject({ status: 'held', paidAt: expect.any(String) as string });
    expect(await walletOf(p, user.userId)).toBe(0);

    const held = await call('GET', '/api/v1/admin/payments?status=held&limit=100', admin);
    expect(held.statusCode).toBe(200);
    const items = (held.json() as { items: { id: string }[] }).items;
    expect(items).toContainEqual(
      expect.objectContaining({
        id: topup.id,
        userId: user.userId,
        paidAmountFen: 1_000,
        note: 'paid 1000 fen, asked 10000 fen',
      }),
    );
    expect((await call('GET', '/api/v1/admin/payments', user)).statusCode).toBe(403);

    const resolve = (payload: object) =>
      call('POST', `/api/v1/admin/payments/${topup.id}/resolve`, admin, payload);
    const credited = await resolve({ action: 'credit', reason: '按实付金额入账' });
    expect(credited.statusCode).toBe(200);
    expect(credited.json()).toMatchObject({
      status: 'paid',
      paidAmountFen: 1_000,
      note: 'credit: 按实付金额入账',
    });
    expect(await walletOf(p, user.userId)).toBe(1_000);

    const twice = await resolve({ action: 'credit', reason: '按实付金额入账' });
    expect(twice.statusCode).toBe(409);
    expect(twice.json()).toMatchObject({ code: 'TOPUP_NOT_HELD' });
    // The channel's notification again: already settled.
    expect((await sandboxPay(user, topup.id)).json()).toMatchObject({ status: 'paid' });
    expect(await walletOf(p, user.userId)).toBe(1_000);
    expect(await transfersOf(topup.id)).toBe(1);
    expect(await outboxOf(topup.id)).toEqual([
      { type: 'payment.topped_up', payload: { userId: user.userId, paymentId: topup.id, amountFen: 1_000 } },
    ]);

    const audit = (await paymentDb(p)
      .untyped()
      .selectFrom('payment_audit')
      .select(['actor_id', 'action', 'target_id'])
      .where('target_id', '=', topup.id)
      .execute()) as { actor_id: string; action: string; target_id: string }[];
    expect(audit).toEqual([{ actor_id: admin.userId, action: 'topup.credited', target_id: topup.id }]);
  });

  it('ends a held top-up refunded offline for good, crediting nothing', async () => {
    const user = await loginWithSms(p);
    const admin = await loginAsAdmin(p);
    const topup = await createTopup(p, user, 5_000);
    const n = await sandboxPayer(p).paid(topup, 4_999);
    expect((await notify(p, n)).statusCode).toBe(204);
    const res = await call('POST', `/api/v1/admin/payments/${topup.id}/resolve`, admin, {
      action: 'refund_offline',
      reason: '已在支付宝后台原路退款',
    });
    expect(res.json()).toMatchObject({ status: 'refunded', paidAmountFen: 4_999 });
    expect(await walletOf(p, user.userId)).toBe(0);
    // A replay of the notification does not bring it back to the held queue, where it could be credited.
    expect((await notify(p, n)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/payments/${topup.id}`, user)).json()).toMatchObject({
      status: 'refunded',
    });
    expect(await walletOf(p, user.userId)).toBe(0);
    expect(await transfersOf(topup.id)).toBe(0);
  });

  it('closes an expired top-up by the schedule, and still credits a late payment of it', async () => {
    const phone = newPhone();
    const user = await loginWithSms(p, phone);
    const topup = await createTopup(p, user, 700);
    const young = await createTopup(p, user, 900);
    await p.scheduler.runDue();
    p.clock.advance(31 * 60_000);
    await p.scheduler.runDue();
    const again = await loginWithSms(p, phone);
    expect((await call('GET', `/api/v1/payments/${topup.id}`, again)).json()).toMatchObject({
      status: 'closed',
    });
    expect((await call('GET', `/api/v1/payments/${young.id}`, again)).json()).toMatchObject({
      status: 'closed',
    });
    const pay = await sandboxPay(again, topup.id);
    expect(pay.statusCode).toBe(409);
    expect(pay.json()).toMatchObject({ code: 'TOPUP_NOT_PAYABLE' });

    // The channel took the money after all (a late notification): money received is credited.
    const late = await sandboxPayer(p).paid(topup);
    expect((await notify(p, late)).statusCode).toBe(204);
    expect((await call('GET', `/api/v1/payments/${topup.id}`, again)).json()).toMatchObject({
      status: 'paid',
    });
    expect(await walletOf(p, user.userId)).toBe(700);
  });

  it('refuses notifications of a channel that is not configured', async () => {
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/payments/notify/alipay',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'trade_status=TRADE_SUCCESS',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'PAYMENT_CHANNEL_UNAVAILABLE' });
  });
});

describe(`the top-up service with a scripted channel (${DIALECT})`, () => {
  let s: Awaited<ReturnType<typeof startScriptedTopups>>;
  beforeAll(async () => {
    s = await startScriptedTopups();
  });
  afterAll(async () => {
    await s.stop();
  });
  afterEach(async () => {
    expect(await checkLedger(s.sdb)).toEqual([]);
  });

  it('closes the top-up and answers 503 when the channel fails', async () => {
    s.script.createFails = true;
    try {
      const userId = s.ids();
      await expect(s.topups.create(userId, { channel: 'sandbox', amountFen: 1_000 })).rejects.toMatchObject({
        code: 'PAYMENT_CHANNEL_ERROR',
        status: 503,
      });
      const [only] = (await s.topups.list(userId, { limit: 10 })).items;
      expect(only).toMatchObject({ status: 'closed', pay: null });
      expect((await s.row(only!.id)).note).toBe('channel error: ECONNRESET');
      expect(s.script.closed).toContain(only!.id);
    } finally {
      s.script.createFails = false;
    }
  });

  it('asks the channel about a pending top-up once it is 2 minutes old, and credits it', async () => {
    const userId = s.ids();
    const topup = await s.topups.create(userId, { channel: 'sandbox', amountFen: 4_321 });
    s.script.states.set(topup.id, {
      status: 'paid',
      transactionId: `tx-${topup.id}`,
      amountFen: 4_321,
      appId: 'sandbox',
      merchantId: 'sandbox',
      paidAt: s.clock.now(),
    });
    s.clock.advance(60_000);
    await s.topups.reconcile();
    expect((await s.row(topup.id)).status).toBe('pending'); // the notification may still come
    s.clock.advance(60_000);
    await s.topups.reconcile();
    expect(await s.row(topup.id)).toMatchObject({ status: 'paid', channel_transaction_id: `tx-${topup.id}` });
    expect(await s.ledger.balance({ kind: 'wallet', owner: userId })).toBe(4_321);
    await s.topups.reconcile();
    expect(await s.ledger.balance({ kind: 'wallet', owner: userId })).toBe(4_321);
  });

  it('closes expired top-ups at the channel, and goes on past one the channel cannot answer', async () => {
    const userId = s.ids();
    const failing = await s.topups.create(userId, { channel: 'sandbox', amountFen: 100 });
    const expiring = await s.topups.create(userId, { channel: 'sandbox', amountFen: 200 });
    const closedThere = await s.topups.create(userId, { channel: 'sandbox', amountFen: 300 });
    s.script.queryFails.add(failing.id);
    s.script.states.set(closedThere.id, { status: 'closed' });
    s.clock.advance(3 * 60_000);
    await s.topups.reconcile();
    expect((await s.row(closedThere.id)).status).toBe('closed');
    expect((await s.row(expiring.id)).status).toBe('pending');
    s.clock.advance(30 * 60_000);
    await s.topups.reconcile();
    expect((await s.row(expiring.id)).status).toBe('closed');
    expect(s.script.closed).toContain(expiring.id);
    expect((await s.row(failing.id)).status).toBe('pending');
    s.script.queryFails.delete(failing.id);
    await s.topups.reconcile();
    expect((await s.row(failing.id)).status).toBe('closed');
  });

  it('hands transfer notifications to the withdrawals, asking for a retry when that fails', async () => {
    const withdrawalId = s.ids();
    await s.sandbox.transfer({
      withdrawalId,
      amountFen: 500,
      account: 'ok',
      realName: '王小明',
      remark: 'r',
    });
    const n = s.sandbox.transferNotification(withdrawalId);
    s.onTransferState.mockResolvedValueOnce(undefined);
    expect(await s.topups.receiveNotification('sandbox', n.headers, n.body)).toMatchObject({ status: 204 });
    expect(s.onTransferState).toHaveBeenLastCalledWith(
      'sandbox',
      withdrawalId,
      expect.objectContaining({ status: 'succeeded' }),
    );
    s.onTransferState.mockRejectedValueOnce(new Error('database down'));
    expect(await s.topups.receiveNotification('sandbox', n.headers, n.body)).toMatchObject({ status: 500 });
  });
});
