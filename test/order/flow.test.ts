import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import {
  applyAndHire,
  applyUrl,
  call,
  expectLedgerClean,
  fund,
  HOUR,
  MINUTE,
  ownerShifts,
  refresh,
  shiftJob,
  SITE,
  wallet,
} from './support.js';

/**
 * Orders end to end through the HTTP API: top-up → post → apply → hire (escrow held) → check-in
 * inside the fence → check-out → submit → confirm → pay, with the default fee (5 %, paid by the
 * employer); and the same with auto-confirm, weekly settlement, a late employer cancellation and a
 * no-show. Every wallet is checked to the fen and the ledger is clean after each.
 */
let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_LOG_LEVEL: 'warn' } });
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p?.stop();
});

const FUNDS = 100_000;
const DAILY = 20_000;
const HELD = 21_000; // the day's pay plus the employer's 5 % fee

async function parties() {
  await refresh(p, admin);
  const employer = await loginWithSms(p, newPhone(), 'employer');
  await fund(p, employer, FUNDS);
  const worker = await verifiedUser(p, admin, '李小红'); // the job asks for 18+
  return { employer, worker };
}

/** Checks in at the site 10 minutes before the start and out 5 minutes after the end; submits. */
async function work(worker: LoggedIn, orderId: string, startsAt: number, endsAt: number) {
  p.clock.set(startsAt - 10 * MINUTE);
  const inside = await call(p, worker, 'POST', `/api/v1/orders/${orderId}/check-in`, SITE);
  expect(inside.status, JSON.stringify(inside.body)).toBe(200);
  expect(inside.body).toMatchObject({ state: 'checked_in', attendance: { checkInMeters: 0 } });
  p.clock.set(endsAt + 5 * MINUTE);
  const out = await call(p, worker, 'POST', `/api/v1/orders/${orderId}/check-out`, SITE);
  expect(out.body).toMatchObject({ state: 'checked_out', attendance: { workedMinutes: 480 } });
  const submitted = await call(p, worker, 'POST', `/api/v1/orders/${orderId}/submit`, {});
  expect(submitted.body.state).toBe('submitted');
}

describe(`an order from top-up to pay on ${DIALECT}`, () => {
  it('pays the worker the day less nothing and takes the pay and fee from the employer', async () => {
    const { employer, worker } = await parties();
    const { job, shiftId, startsAt, endsAt } = await shiftJob(p, employer);

    const applied = await call(p, worker, 'POST', applyUrl(job.id, shiftId), { note: '有保洁经验' });
    expect(applied.status).toBe(201);
    expect(applied.body).toMatchObject({
      application: { status: 'pending', note: '有保洁经验' },
      order: null,
    });
    const applicants = await call(p, employer, 'GET', `${applyUrl(job.id, shiftId)}?status=pending`);
    expect(applicants.body.items).toEqual([
      expect.objectContaining({
        workerId: worker.userId,
        worker: expect.objectContaining({ realNameVerified: true }),
      }),
    ]);

    const hired = await call(
      p,
      employer,
      'POST',
      `/api/v1/applications/${applied.body.application.id}/hire`,
      {},
    );
    expect(hired.status, JSON.stringify(hired.body)).toBe(201);
    const order = hired.body;
    expect(order).toMatchObject({
      state: 'hired',
      terms: { payType: 'daily', wageFen: DAILY, fenceMeters: 500 },
    });
    expect(await wallet(p, employer)).toMatchObject({ availableFen: FUNDS - HELD, heldFen: HELD });
    expect((await ownerShifts(p, employer, job.id))[0]).toMatchObject({ hired: 1, headcount: 3 });

    // The agreement both parties can download, and its hash.
    const agreement = await call(p, worker, 'GET', `/api/v1/orders/${order.id}/agreement`);
    expect(agreement.body).toMatchObject({ sha256: order.terms.agreementSha256 });
    expect(agreement.body.agreement).toMatchObject({
      workerId: worker.userId,
      employerId: employer.userId,
      wageFen: DAILY,
    });

    // Too early, then too far: each refusal names the time or the distance.
    p.clock.set(startsAt - 2 * HOUR);
    const early = await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, SITE);
    expect(early).toMatchObject({ status: 422, body: { code: 'OUTSIDE_CHECK_IN_WINDOW' } });
    p.clock.set(startsAt - 10 * MINUTE);
    const far = await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, {
      lng: 121.54,
      lat: 31.1774276,
    });
    expect(far).toMatchObject({ status: 422, body: { code: 'OUTSIDE_GEOFENCE' } });
    expect(far.body.detail).toMatch(/距工作地点 1\d{3} 米/);

    await work(worker, order.id, startsAt, endsAt);
    const confirmed = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/confirm`, {});
    expect(confirmed.body).toMatchObject({
      state: 'completed',
      payFen: DAILY,
      escrow: { action: 'release' },
    });
    expect(confirmed.body.escrow.movedAt).not.toBeNull();
    expect(await wallet(p, worker)).toMatchObject({ availableFen: DAILY, pendingFen: 0 });
    expect(await wallet(p, employer)).toMatchObject({ availableFen: FUNDS - HELD, heldFen: 0 });

    const detail = await call(p, worker, 'GET', `/api/v1/orders/${order.id}`);
    expect(detail.body.transitions.map((t: { to: string }) => t.to)).toEqual([
      'hired',
      'checked_in',
      'checked_out',
      'submitted',
      'completed',
    ]);
    // Nobody else reads it.
    const stranger = await loginWithSms(p, newPhone());
    expect((await call(p, stranger, 'GET', `/api/v1/orders/${order.id}`)).status).toBe(404);
    await expectLedgerClean(p);
  });

  it('confirms itself after 24 hours without an answer', async () => {
    const { employer, worker } = await parties();
    const { job, shiftId, startsAt, endsAt } = await shiftJob(p, employer);
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    await work(worker, order.id, startsAt, endsAt);
    p.clock.advance(24 * HOUR + MINUTE);
    await p.scheduler.runDue();
    const after = await call(p, worker, 'GET', `/api/v1/orders/${order.id}`);
    expect(after.body).toMatchObject({ state: 'completed', payFen: DAILY });
    expect(after.body.transitions.at(-1)).toMatchObject({ actor: 'system', reason: 'AUTO_CONFIRM' });
    expect(await wallet(p, worker)).toMatchObject({ availableFen: DAILY });
    await expectLedgerClean(p);
  });

  it('keeps weekly pay pending until the weekly settlement run', async () => {
    const { employer, worker } = await parties();
    const { job, shiftId, startsAt, endsAt } = await shiftJob(p, employer, {
      overrides: { settlement: 'weekly' },
    });
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    await work(worker, order.id, startsAt, endsAt);
    const confirmed = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/confirm`, {});
    expect(confirmed.body.escrow).toMatchObject({ action: 'release', pendingSettlement: true });
    expect(await wallet(p, worker)).toMatchObject({ availableFen: 0, pendingFen: DAILY });
    p.clock.advance(8 * 24 * HOUR); // past the next Monday 10:00
    await p.scheduler.runDue();
    expect(await wallet(p, worker)).toMatchObject({ availableFen: DAILY, pendingFen: 0 });
    const settled = await call(p, worker, 'GET', `/api/v1/orders/${order.id}`);
    expect(settled.body.escrow).toMatchObject({ pendingSettlement: false });
    expect(settled.body.escrow.settledAt).not.toBeNull();
    await expectLedgerClean(p);
  });

  it('pays two hours of the shift when the employer cancels late', async () => {
    const { employer, worker } = await parties();
    const { job, shiftId, startsAt } = await shiftJob(p, employer);
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    p.clock.set(startsAt - 2 * HOUR);
    const cancelled = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/cancel`, {
      reason: '活动取消',
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    // Two of the shift's eight hours of a 200 元 day: 50 元, its 5 % fee (2.50 元) to the platform.
    expect(cancelled.body).toMatchObject({ state: 'cancelled', cancelledBy: 'employer', payFen: 5_000 });
    expect(await wallet(p, worker)).toMatchObject({ availableFen: 5_000 });
    expect(await wallet(p, employer)).toMatchObject({ availableFen: FUNDS - 5_000 - 250, heldFen: 0 });
    expect((await ownerShifts(p, employer, job.id))[0]).toMatchObject({ hired: 0 });
    await expectLedgerClean(p);
  });

  it('cancels free a day ahead, and refunds a no-show an hour after the start', async () => {
    const { employer, worker } = await parties();
    const { job, shiftId, startsAt } = await shiftJob(p, employer, { startsInHours: 48 });
    const early = await applyAndHire(p, employer, worker, job.id, shiftId);
    const free = await call(p, employer, 'POST', `/api/v1/orders/${early.id}/cancel`, {});
    expect(free.body).toMatchObject({ state: 'cancelled', payFen: 0, escrow: { action: 'refund' } });
    expect(await wallet(p, employer)).toMatchObject({ availableFen: FUNDS, heldFen: 0 });

    const other = await verifiedUser(p, admin, '赵大勇');
    const order = await applyAndHire(p, employer, other, job.id, shiftId);
    p.clock.set(startsAt + 61 * MINUTE);
    await p.scheduler.runDue();
    const missed = await call(p, employer, 'GET', `/api/v1/orders/${order.id}`);
    expect(missed.body).toMatchObject({ state: 'no_show', escrow: { action: 'refund' } });
    expect(await wallet(p, employer)).toMatchObject({ availableFen: FUNDS, heldFen: 0 });
    expect(await wallet(p, other)).toMatchObject({ availableFen: 0 });
    await expectLedgerClean(p);
  });
});
