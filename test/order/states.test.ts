import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderDB, OrderState } from '../../src/services/order/order.db.js';
import {
  ORDER_ACTIONS,
  ORDER_STATES,
  TRANSITIONS,
  assertTransition,
} from '../../src/services/order/order.states.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { DIALECT } from '../support/env.js';
import { PNG_1X1 } from '../support/images.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import {
  applyAndHire,
  call,
  expectLedgerClean,
  fund,
  HOUR,
  MINUTE,
  refresh,
  shiftJob,
  SITE,
  wallet,
} from './support.js';

/**
 * The order state machine: the transition table refuses every move it does not list (directly,
 * and through the HTTP API on real orders put in each state), idempotent replays answer the first
 * answer, and disputes freeze the escrow until an admin's split releases it.
 */
describe('the transition table', () => {
  it('allows exactly the listed moves, naming the current state otherwise', () => {
    for (const action of ORDER_ACTIONS) {
      const t = TRANSITIONS[action];
      for (const state of ORDER_STATES) {
        const actor = t.actors[0];
        if ((t.from as readonly OrderState[]).includes(state)) {
          expect(assertTransition(action, state, actor)).toBe(t.to);
        } else {
          expect(() => assertTransition(action, state, actor)).toThrow(
            expect.objectContaining({ code: 'ORDER_STATE_INVALID', status: 409 }),
          );
          expect(() => assertTransition(action, state, actor)).toThrow(new RegExp(`is ${state}:`));
        }
      }
      for (const actor of ['worker', 'employer', 'admin', 'system'] as const) {
        if ((t.actors as readonly string[]).includes(actor)) continue;
        expect(() => assertTransition(action, t.from[0]!, actor)).toThrow(
          expect.objectContaining({ code: 'ORDER_ACTION_FORBIDDEN', status: 403 }),
        );
      }
    }
  });
});

let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_LOG_LEVEL: 'warn' } });
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p?.stop();
});

const orderDb = () => p.services.get('order')!.db as ServiceDatabase<OrderDB>;

/** The HTTP route of each party action, the party that takes it and its body. */
const ROUTES = {
  check_in: { path: 'check-in', by: 'worker', body: SITE },
  check_out: { path: 'check-out', by: 'worker', body: SITE },
  submit: { path: 'submit', by: 'worker', body: {} },
  confirm: { path: 'confirm', by: 'employer', body: {} },
  cancel: { path: 'cancel', by: 'employer', body: {} },
} as const;

describe(`illegal transitions over HTTP on ${DIALECT}`, () => {
  it('answers 409 naming the state for every party action the table refuses from each state', async () => {
    await refresh(p, admin);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 1_000_000);
    const worker = await verifiedUser(p, admin, '周小芳');
    const { job, shiftId, startsAt } = await shiftJob(p, employer, { headcount: 10 });
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    p.clock.set(startsAt - 5 * MINUTE); // inside every window

    let checked = 0;
    for (const state of ORDER_STATES) {
      // The same order put in each state directly: what is tested is the refusal, not the way there.
      await orderDb().db.updateTable('order_orders').set({ state }).where('id', '=', order.id).execute();
      for (const [action, route] of Object.entries(ROUTES)) {
        const from = TRANSITIONS[action as keyof typeof ROUTES].from as readonly OrderState[];
        if (from.includes(state)) continue;
        const user = route.by === 'worker' ? worker : employer;
        const res = await call(p, user, 'POST', `/api/v1/orders/${order.id}/${route.path}`, route.body);
        expect(res.status, `${action} from ${state}: ${JSON.stringify(res.body)}`).toBe(409);
        expect(res.body.code).toBe('ORDER_STATE_INVALID');
        expect(res.body.detail).toContain(state);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(40);
    await orderDb()
      .db.updateTable('order_orders')
      .set({ state: 'hired' })
      .where('id', '=', order.id)
      .execute();
  });

  it('replays the first answer for the same Idempotency-Key, and moves nothing twice', async () => {
    await refresh(p, admin);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 100_000);
    const worker = await verifiedUser(p, admin, '钱小军');
    const { job, shiftId, startsAt } = await shiftJob(p, employer);
    const key = { 'idempotency-key': 'apply-1' };
    const url = `/api/v1/jobs/${job.id}/shifts/${shiftId}/applications`;
    const first = await call(p, worker, 'POST', url, {}, key);
    const again = await call(p, worker, 'POST', url, {}, key);
    expect(first.status).toBe(201);
    expect(again).toMatchObject({
      status: 201,
      body: first.body,
      headers: { 'idempotent-replayed': 'true' },
    });

    const hireUrl = `/api/v1/applications/${first.body.application.id}/hire`;
    const hired = await call(p, employer, 'POST', hireUrl, {}, { 'idempotency-key': 'hire-1' });
    const rehired = await call(p, employer, 'POST', hireUrl, {}, { 'idempotency-key': 'hire-1' });
    expect(hired.status).toBe(201);
    expect(rehired).toMatchObject({
      status: 201,
      body: hired.body,
      headers: { 'idempotent-replayed': 'true' },
    });
    expect(await wallet(p, employer)).toMatchObject({ heldFen: 21_000 });

    p.clock.set(startsAt - 5 * MINUTE);
    const orderUrl = `/api/v1/orders/${hired.body.id}`;
    for (const [path, user] of [
      ['check-in', worker],
      ['check-out', worker],
      ['submit', worker],
      ['confirm', employer],
    ] as const) {
      const headers = { 'idempotency-key': `${path}-1` };
      const body = path.startsWith('check') ? SITE : {};
      if (path === 'check-out') p.clock.advance(8 * HOUR);
      const once = await call(p, user, 'POST', `${orderUrl}/${path}`, body, headers);
      const twice = await call(p, user, 'POST', `${orderUrl}/${path}`, body, headers);
      expect(once.status, JSON.stringify(once.body)).toBe(200);
      expect(twice).toMatchObject({
        status: 200,
        body: once.body,
        headers: { 'idempotent-replayed': 'true' },
      });
    }
    expect(await wallet(p, worker)).toMatchObject({ availableFen: 20_000 });
    await expectLedgerClean(p);
  });
});

describe(`disputes on ${DIALECT}`, () => {
  it('freezes the escrow until an admin splits it; evidence is private to the parties', async () => {
    await refresh(p, admin);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 100_000);
    const worker = await verifiedUser(p, admin, '孙丽');
    const { job, shiftId, startsAt } = await shiftJob(p, employer, {
      overrides: { pay: { type: 'hourly', amountFen: 2_500 } },
    });
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    expect(order.terms.wageFen).toBe(20_000); // 8 hours at 25 元
    p.clock.set(startsAt - 5 * MINUTE);
    await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, SITE);
    p.clock.set(startsAt + 8 * HOUR);
    await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-out`, SITE);
    await call(p, worker, 'POST', `/api/v1/orders/${order.id}/submit`, {});

    // The employer cuts the hours; it cannot confirm while the worker may contest.
    const adjusted = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/adjust`, {
      minutes: 360,
      reason: '午休两小时未扣除',
    });
    expect(adjusted.body.attendance).toMatchObject({ workedMinutes: 480, adjustedMinutes: 360 });
    const early = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/confirm`, {});
    expect(early).toMatchObject({ status: 409, body: { code: 'CONTEST_WINDOW_OPEN' } });

    const opened = await call(p, worker, 'POST', `/api/v1/orders/${order.id}/disputes`, {
      reason: '中午只休息了半小时',
    });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const disputeUrl = `/api/v1/orders/${order.id}/disputes/${opened.body.id}`;
    const evidence = await p.app.inject({
      method: 'POST',
      url: `${disputeUrl}/evidence`,
      headers: { ...worker.auth, 'content-type': 'image/png' },
      payload: PNG_1X1,
    });
    expect(evidence.statusCode, evidence.body).toBe(200);
    const stranger = await loginWithSms(p, newPhone());
    expect((await call(p, stranger, 'GET', `${disputeUrl}/evidence/0`)).status).toBe(404);
    const seen = await p.app.inject({
      method: 'GET',
      url: `${disputeUrl}/evidence/0`,
      headers: employer.auth,
    });
    expect(seen.statusCode).toBe(200);
    expect(seen.rawPayload.equals(PNG_1X1)).toBe(true);

    // The employer answers once, within the 48 hours.
    const answered = await call(p, employer, 'POST', `${disputeUrl}/response`, {
      response: '监控显示休息两小时',
    });
    expect(answered.body.response).toBe('监控显示休息两小时');
    const twice = await call(p, employer, 'POST', `${disputeUrl}/response`, { response: '补充说明' });
    expect(twice).toMatchObject({ status: 409, body: { code: 'DISPUTE_CLOSED' } });

    // Frozen: neither confirmation nor the deadline pays it.
    expect((await call(p, employer, 'POST', `/api/v1/orders/${order.id}/confirm`, {})).status).toBe(409);
    p.clock.advance(3 * 24 * HOUR);
    await p.scheduler.runDue();
    expect(await wallet(p, worker)).toMatchObject({ availableFen: 0 });
    const late = await call(p, employer, 'POST', `${disputeUrl}/response`, { response: '补充说明' });
    expect(late).toMatchObject({ status: 409, body: { code: 'RESPONSE_WINDOW_CLOSED' } });
    await refresh(p, admin);
    const queue = await call(p, admin, 'GET', '/api/v1/admin/disputes');
    expect(queue.body.items.map((d: { id: string }) => d.id)).toContain(opened.body.id);
    const tooMuch = await call(
      p,
      admin,
      'POST',
      `/api/v1/admin/orders/${order.id}/disputes/${opened.body.id}/decide`,
      {
        workerFen: 20_001,
        decision: '超出托管金额',
      },
    );
    expect(tooMuch).toMatchObject({ status: 400, body: { code: 'DISPUTE_SPLIT_INVALID' } });
    const decided = await call(
      p,
      admin,
      'POST',
      `/api/v1/admin/orders/${order.id}/disputes/${opened.body.id}/decide`,
      {
        workerFen: 17_500,
        decision: '按七小时支付',
      },
    );
    expect(decided.body).toMatchObject({ status: 'decided', workerFen: 17_500 });
    const resolved = await call(p, worker, 'GET', `/api/v1/orders/${order.id}`);
    expect(resolved.body).toMatchObject({ state: 'resolved', payFen: 17_500 });
    expect(await wallet(p, worker)).toMatchObject({ availableFen: 17_500 });
    // The employer gets the rest of the wage and of the fee back: 20,000 + 1,000 held, 17,500 + 875 paid.
    expect(await wallet(p, employer)).toMatchObject({ availableFen: 100_000 - 17_500 - 875, heldFen: 0 });
    await expectLedgerClean(p);
  });
});
