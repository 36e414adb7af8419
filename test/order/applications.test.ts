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
 * Applications and the rules around an order: requirements, limits, invitations, auto-hire, a
 * job whose terms changed, the on-site code, and jobs closed or taken down under live orders
 * (through the job service's events, delivered by the background).
 */
let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({
    env: { LINGGONG_LOG_LEVEL: 'warn', LINGGONG_ORDER_MAX_OPEN_APPLICATIONS: '2' },
  });
  p.startBackground();
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p?.stop();
});

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function employerWith(fen: number) {
  await refresh(p, admin);
  const employer = await loginWithSms(p, newPhone(), 'employer');
  await fund(p, employer, fen);
  return employer;
}

describe(`applications on ${DIALECT}`, () => {
  it("checks the job's requirements, one application per shift, and the cap on open ones", async () => {
    const employer = await employerWith(100_000);
    const { job, shiftId } = await shiftJob(p, employer, {
      overrides: { requirements: { minAge: 18, skills: ['housekeeping.cleaner'] } },
    });
    const unverified = await loginWithSms(p, newPhone(), 'worker');
    const age = await call(p, unverified, 'POST', applyUrl(job.id, shiftId), {});
    expect(age).toMatchObject({ status: 403, body: { code: 'AGE_REQUIREMENT' } });

    const worker = await verifiedUser(p, admin, '吴小燕');
    const skills = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
    expect(skills).toMatchObject({ status: 403, body: { code: 'SKILLS_REQUIRED' } });
    expect(skills.body.detail).toContain('housekeeping.cleaner');
    await call(p, worker, 'PATCH', '/api/v1/users/me', { skills: ['housekeeping.cleaner'] });

    const first = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect((await call(p, worker, 'POST', applyUrl(job.id, shiftId), {})).body.code).toBe('ALREADY_APPLIED');
    expect((await call(p, employer, 'POST', applyUrl(job.id, shiftId), {})).body.code).toBe(
      'WORKER_ROLE_REQUIRED',
    );

    // The cap is 2 here: a third open application is refused; withdrawing one makes room.
    const other = await shiftJob(p, employer, { overrides: { requirements: { minAge: 16 } } });
    const third = await shiftJob(p, employer, { overrides: { requirements: { minAge: 16 } } });
    expect((await call(p, worker, 'POST', applyUrl(other.job.id, other.shiftId), {})).status).toBe(201);
    const capped = await call(p, worker, 'POST', applyUrl(third.job.id, third.shiftId), {});
    expect(capped).toMatchObject({ status: 429, body: { code: 'APPLICATION_LIMIT' } });
    const withdrawn = await call(
      p,
      worker,
      'POST',
      `/api/v1/applications/${first.body.application.id}/withdraw`,
      {},
    );
    expect(withdrawn.body.status).toBe('withdrawn');
    expect((await call(p, worker, 'POST', applyUrl(third.job.id, third.shiftId), {})).status).toBe(201);
    // A withdrawn application cannot be hired; the worker may apply again.
    const hire = await call(
      p,
      employer,
      'POST',
      `/api/v1/applications/${first.body.application.id}/hire`,
      {},
    );
    expect(hire).toMatchObject({ status: 409, body: { code: 'APPLICATION_STATE_INVALID' } });
  });

  it('refuses a hire when the pay changed since the worker applied, and after the shift started', async () => {
    const employer = await employerWith(100_000);
    const worker = await loginWithSms(p, newPhone(), 'worker');
    const { job, shiftId, startsAt } = await shiftJob(p, employer, {
      overrides: { requirements: { minAge: 16 } },
    });
    const applied = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
    const edited = await call(p, employer, 'PATCH', `/api/v1/jobs/${job.id}`, {
      version: job.version,
      pay: { type: 'daily', amountFen: 18_000 },
    });
    expect(edited.status, JSON.stringify(edited.body)).toBe(200);
    const hire = await call(
      p,
      employer,
      'POST',
      `/api/v1/applications/${applied.body.application.id}/hire`,
      {},
    );
    expect(hire).toMatchObject({ status: 409, body: { code: 'TERMS_CHANGED' } });

    const again = await loginWithSms(p, newPhone(), 'worker');
    const second = await call(p, again, 'POST', applyUrl(job.id, shiftId), {});
    p.clock.set(startsAt + MINUTE);
    const late = await call(
      p,
      employer,
      'POST',
      `/api/v1/applications/${second.body.application.id}/hire`,
      {},
    );
    expect(late).toMatchObject({ status: 409, body: { code: 'SHIFT_STARTED' } });
    await p.scheduler.runDue(); // the expiry sweep
    expect(
      (await call(p, again, 'GET', `/api/v1/applications/${second.body.application.id}`)).body.status,
    ).toBe('expired');
    expect(await wallet(p, employer)).toMatchObject({ heldFen: 0 });
  });

  it('hires an applicant again after a hire was refused and undone (a new order; the void one stays)', async () => {
    const employer = await employerWith(10_000); // less than the day's pay and fee (21,000)
    const worker = await loginWithSms(p, newPhone(), 'worker');
    const { job, shiftId } = await shiftJob(p, employer, { overrides: { requirements: { minAge: 16 } } });
    const applied = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
    expect(applied.status, JSON.stringify(applied.body)).toBe(201);
    const hireUrl = `/api/v1/applications/${applied.body.application.id}/hire`;
    const refused = await call(p, employer, 'POST', hireUrl, {});
    expect(refused).toMatchObject({ status: 409, body: { code: 'ESCROW_INSUFFICIENT_FUNDS' } });
    const open = await call(p, employer, 'GET', `/api/v1/applications/${applied.body.application.id}`);
    expect(open.body).toMatchObject({ status: 'pending', reason: 'ESCROW_INSUFFICIENT_FUNDS' });
    const voided = open.body.orderId as string;

    await fund(p, employer, 20_000);
    const hired = await call(p, employer, 'POST', hireUrl, {});
    expect(hired.status, JSON.stringify(hired.body)).toBe(201);
    expect(hired.body).toMatchObject({ state: 'hired', applicationId: applied.body.application.id });
    expect(hired.body.id).not.toBe(voided);
    expect((await call(p, employer, 'GET', `/api/v1/orders/${voided}`)).body.state).toBe('void');
    // One live order: hiring it once more answers the order it has.
    const again = await call(p, employer, 'POST', hireUrl, {});
    expect(again.body.id).toBe(hired.body.id);
    expect(await wallet(p, employer)).toMatchObject({ heldFen: 21_000, availableFen: 9_000 });
    expect((await ownerShifts(p, employer, job.id))[0]).toMatchObject({ hired: 1 });
    await expectLedgerClean(p);
  });

  it('hires an invited worker who accepts, and auto-hires verified applicants first come first served', async () => {
    const employer = await employerWith(100_000);
    const { job, shiftId } = await shiftJob(p, employer, {
      headcount: 1,
      overrides: { requirements: { minAge: 16 } },
    });
    const worker = await loginWithSms(p, newPhone(), 'worker');
    const invited = await call(p, employer, 'POST', `/api/v1/jobs/${job.id}/shifts/${shiftId}/invitations`, {
      workerId: worker.userId,
    });
    expect(invited.body).toMatchObject({ status: 'invited', source: 'invite' });
    const accepted = await call(p, worker, 'POST', `/api/v1/applications/${invited.body.id}/accept`, {});
    expect(accepted).toMatchObject({ status: 201, body: { state: 'hired', workerId: worker.userId } });

    const auto = await shiftJob(p, employer, { headcount: 1, overrides: { requirements: { minAge: 16 } } });
    const settings = await call(p, employer, 'PUT', `/api/v1/jobs/${auto.job.id}/order-settings`, {
      autoHire: true,
      fenceMeters: 300,
    });
    expect(settings.body).toMatchObject({ autoHire: true, fenceMeters: 300 });
    const unverified = await loginWithSms(p, newPhone(), 'worker');
    const waiting = await call(p, unverified, 'POST', applyUrl(auto.job.id, auto.shiftId), {});
    expect(waiting.body).toMatchObject({ application: { status: 'pending' }, order: null });
    await refresh(p, admin);
    const verified = await verifiedUser(p, admin, '郑小龙');
    const grabbed = await call(p, verified, 'POST', applyUrl(auto.job.id, auto.shiftId), {});
    expect(grabbed.body).toMatchObject({
      application: { status: 'hired' },
      order: { state: 'hired', terms: { fenceMeters: 300 } },
    });
    const late = await verifiedUser(p, admin, '冯小雨');
    const full = await call(p, late, 'POST', applyUrl(auto.job.id, auto.shiftId), {});
    expect(full.body).toMatchObject({
      application: { status: 'pending', reason: 'SHIFT_FULL' },
      order: null,
    });
    expect((await ownerShifts(p, employer, auto.job.id))[0]).toMatchObject({ hired: 1 });
    await expectLedgerClean(p);
  });

  it('checks in with the on-site code when the GPS fails', async () => {
    const employer = await employerWith(100_000);
    const worker = await verifiedUser(p, admin, '陈小东');
    const { job, shiftId, startsAt } = await shiftJob(p, employer);
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    expect((await call(p, worker, 'GET', `/api/v1/orders/${order.id}/check-in-code`)).status).toBe(403);
    const code = (await call(p, employer, 'GET', `/api/v1/orders/${order.id}/check-in-code`)).body
      .code as string;
    p.clock.set(startsAt);
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect(
      (await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, { code: wrong })).body.code,
    ).toBe('FALLBACK_CODE_INVALID');
    const ok = await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, { code });
    expect(ok.body).toMatchObject({ state: 'checked_in', attendance: { checkInMeters: null } });
  });
});

describe(`jobs ending under live orders on ${DIALECT}`, () => {
  it("an employer's close cancels hired orders by the employer's rule; work under way goes on", async () => {
    const employer = await employerWith(200_000);
    const { job, shiftId } = await shiftJob(p, employer, { startsInHours: 2 });
    const hired = await applyAndHire(p, employer, await verifiedUser(p, admin, '韩梅'), job.id, shiftId);
    const closed = await call(p, employer, 'POST', `/api/v1/jobs/${job.id}/close`, {
      version: (await call(p, employer, 'GET', `/api/v1/jobs/${job.id}/manage`)).body.version,
      reason: '活动取消',
    });
    expect(closed.status, JSON.stringify(closed.body)).toBe(200);
    await until(
      async () => (await call(p, employer, 'GET', `/api/v1/orders/${hired.id}`)).body.state === 'cancelled',
    );
    const order = (await call(p, employer, 'GET', `/api/v1/orders/${hired.id}`)).body;
    // Closed 2 hours before the start: late, so two hours of the day are paid (50 元).
    expect(order).toMatchObject({ reason: 'JOB_CLOSED', payFen: 5_000 });
    await until(
      async () => (await call(p, employer, 'GET', `/api/v1/orders/${hired.id}`)).body.escrow.movedAt !== null,
    );
    await expectLedgerClean(p);
  });

  it('a take-down refunds hired orders and pays work under way for the hours worked', async () => {
    const employer = await employerWith(200_000);
    const { job, shiftId, startsAt } = await shiftJob(p, employer, {
      overrides: { pay: { type: 'hourly', amountFen: 3_000 } },
    });
    const working = await verifiedUser(p, admin, '杨小华');
    const waiting = await verifiedUser(p, admin, '朱大明');
    const busy = await applyAndHire(p, employer, working, job.id, shiftId);
    const idle = await applyAndHire(p, employer, waiting, job.id, shiftId);
    p.clock.set(startsAt);
    expect((await call(p, working, 'POST', `/api/v1/orders/${busy.id}/check-in`, SITE)).status).toBe(200);
    p.clock.advance(3 * HOUR);
    await refresh(p, admin);
    const down = await call(p, admin, 'POST', `/api/v1/admin/jobs/${job.id}/take-down`, {
      reason: '涉嫌虚假招聘',
    });
    expect(down.status, JSON.stringify(down.body)).toBe(200);
    const stateOf = async (id: string) => (await call(p, employer, 'GET', `/api/v1/orders/${id}`)).body;
    await until(
      async () =>
        (await stateOf(busy.id)).escrow.movedAt !== null && (await stateOf(idle.id)).escrow.movedAt !== null,
    );
    expect(await stateOf(idle.id)).toMatchObject({ state: 'cancelled', reason: 'JOB_TAKEN_DOWN', payFen: 0 });
    // Three hours at 30 元.
    expect(await stateOf(busy.id)).toMatchObject({
      state: 'cancelled',
      reason: 'JOB_TAKEN_DOWN',
      payFen: 9_000,
    });
    expect(await wallet(p, working)).toMatchObject({ availableFen: 9_000 });
    expect(await wallet(p, waiting)).toMatchObject({ availableFen: 0 });
    expect(await wallet(p, employer)).toMatchObject({ heldFen: 0, availableFen: 200_000 - 9_000 - 450 });
    await expectLedgerClean(p);
  });
});
