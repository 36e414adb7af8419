import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OrderDB } from '../../src/services/order/order.db.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { toSafeInt } from '../../src/platform/money.js';
import { DIALECT } from '../support/env.js';
import { idNumber } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { lastSmsCode, loginAsAdmin, newPhone, type LoggedIn } from '../support/users.js';
import { paymentDb } from '../payment/support.js';
import { applyUrl, call, expectLedgerClean, fund, ownerShifts, shiftJob, wallet } from './support.js';

/**
 * Concurrency of the hire: in each round 300 workers apply at once to a shift of 10 places while
 * the employer hires each application as soon as it exists (and, separately, 300 applications race
 * for the 10 places of a job with auto-hire). Every round ends with exactly 10 orders hired, every
 * other hire refused with 409 SHIFT_FULL (never a 5xx), 10 escrow holds and no hold of any other
 * order, the job's hire count 10, no order left hiring, and the ledger check clean.
 * LINGGONG_TEST_ORDER_ROUNDS sets the number of rounds: 3 in the suite, which runs three times in
 * CI; `LINGGONG_TEST_ORDER_ROUNDS=20 npx vitest run test/order/concurrency.test.ts` repeats it 20
 * times (minutes on a 2-core machine: every SQLite commit is fsynced). The per-phase times in ms
 * are printed at the end.
 */
const ROUNDS = Number(process.env.LINGGONG_TEST_ORDER_ROUNDS ?? 3);
const WORKERS = 300;
const PLACES = 10;
const HELD = 21_000; // the day's pay plus the employer's 5 % fee
/** Twice what the places need: more holds than places would show in the wallet. */
const FUNDS = 2 * PLACES * HELD;

let p: TestPlatform;
let admin: LoggedIn;
let workers: LoggedIn[] = [];
const timings: Record<string, number[]> = {};
const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    (timings[what] ??= []).push(Math.round(performance.now() - started));
  }
};

beforeAll(async () => {
  p = await startTestPlatform({
    env: {
      LINGGONG_LOG_LEVEL: 'warn',
      // Each worker keeps an open application from every round it was not hired in.
      LINGGONG_ORDER_MAX_OPEN_APPLICATIONS: '200',
    },
  });
  admin = await loginAsAdmin(p);
  // Verified real names, so that the same workers may be auto-hired (the jobs ask no more than 16).
  workers = await timed('verify workers', async () => {
    const all: LoggedIn[] = [];
    for (let i = 0; i < WORKERS; i++) all.push(await verify(await signIn('worker')));
    return all;
  });
}, 120_000);
afterAll(async () => {
  console.log(`order concurrency (${DIALECT}, ${ROUNDS} rounds) ms:`, JSON.stringify(summary()));
  await p?.stop();
});

function summary() {
  return Object.fromEntries(
    Object.entries(timings).map(([k, v]) => [
      k,
      v.length === 1 ? v[0] : { n: v.length, total: v.reduce((a, b) => a + b, 0), max: Math.max(...v) },
    ]),
  );
}

/** An answer's body, read loosely: the assertions name the fields they care about. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Answer = { status: number; body: Record<string, any> };

const send = async (
  user: LoggedIn,
  method: 'POST' | 'PUT',
  url: string,
  payload?: object,
): Promise<Answer> => {
  const res = await p.app.inject({
    method,
    url,
    headers: user.auth,
    ...(payload === undefined ? {} : { payload }),
  });
  return { status: res.statusCode, body: res.body ? (res.json() as Answer['body']) : {} };
};

let signIns = 0;
/**
 * Signs a new phone in with an SMS code, each from an address of its own (the user service sends
 * one address 30 codes a day), without moving the clock (no phone asks twice).
 */
async function signIn(role: 'worker' | 'employer'): Promise<LoggedIn> {
  const phone = newPhone();
  const n = signIns++;
  const remoteAddress = `10.2.${Math.floor(n / 250)}.${(n % 250) + 1}`;
  const sent = await p.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sms-codes',
    remoteAddress,
    payload: { phone, purpose: 'login' },
  });
  if (sent.statusCode !== 202) throw new Error(`sms-codes answered ${sent.statusCode}: ${sent.body}`);
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login/sms',
    remoteAddress,
    payload: { phone, code: lastSmsCode(p, phone), role },
  });
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
  const body = res.json() as { userId: string; accessToken: string; refreshToken: string };
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

/** The worker's real name, submitted and approved by the admin (as verifiedUser does). */
async function verify(user: LoggedIn): Promise<LoggedIn> {
  const sent = await send(user, 'POST', '/api/v1/verifications/identity', {
    name: '张小明',
    idNumber: idNumber(),
  });
  if (sent.status !== 200) throw new Error(`identity answered ${sent.status}: ${JSON.stringify(sent.body)}`);
  const approved = await send(admin, 'POST', `/api/v1/admin/verifications/${sent.body.request.id}/approve`);
  if (approved.status !== 200)
    throw new Error(`approve answered ${approved.status}: ${JSON.stringify(approved.body)}`);
  return user;
}

/** A fresh employer, funded, with a fresh job of one shift of 10 places (16+: no verified age). */
async function freshJob() {
  const employer = await signIn('employer');
  await fund(p, employer, FUNDS);
  const { job, shiftId } = await shiftJob(p, employer, {
    headcount: PLACES,
    overrides: { requirements: { minAge: 16 } },
  });
  return { employer, jobId: job.id, shiftId };
}

const orderDb = () => p.services.get('order')!.db as ServiceDatabase<OrderDB>;

/** What every round must end with, whichever way its hires raced. */
async function expectTenHired(employer: LoggedIn, jobId: string, hiredIds: string[]) {
  const hired = await call(p, employer, 'GET', '/api/v1/orders?as=employer&state=hired&limit=100');
  const ids = (hired.body.items as { id: string }[]).map((o) => o.id).sort();
  expect(ids).toEqual([...hiredIds].sort());
  expect(ids).toHaveLength(PLACES);
  const hiring = await call(p, employer, 'GET', '/api/v1/orders?as=employer&state=hiring&limit=100');
  expect(hiring.body.items).toEqual([]);
  expect(await wallet(p, employer)).toMatchObject({
    heldFen: PLACES * HELD,
    availableFen: FUNDS - PLACES * HELD,
  });
  expect((await ownerShifts(p, employer, jobId))[0]).toMatchObject({ hired: PLACES, headcount: PLACES });
  // The order service's own count and no order of the job hiring either.
  const orders = await orderDb()
    .db.selectFrom('order_orders')
    .select(['id', 'state', 'place_reserved'])
    .where('job_id', '=', jobId)
    .execute();
  expect(orders.filter((o) => o.state === 'hiring')).toEqual([]);
  expect(
    orders
      .filter((o) => Number(o.place_reserved) === 1)
      .map((o) => o.id)
      .sort(),
  ).toEqual(ids);
  // Each hired order's escrow holds its wage and fee; no other order of this employer holds any.
  const escrows = await paymentDb(p)
    .db.selectFrom('payment_ledger_accounts')
    .select(['owner', 'balance'])
    .where('kind', '=', 'escrow')
    .where(
      'owner',
      'in',
      orders.map((o) => o.id),
    )
    .execute();
  const held = escrows.filter((e) => toSafeInt(e.balance) !== 0);
  expect(held.map((e) => e.owner).sort()).toEqual(ids);
  expect(held.every((e) => toSafeInt(e.balance) === HELD)).toBe(true);
}

describe(`hires racing for 10 places (${DIALECT}, ${ROUNDS} rounds of ${WORKERS} workers)`, () => {
  it(
    'the employer hires every application as it comes: exactly 10 hired, the rest 409 SHIFT_FULL',
    { timeout: 1_200_000 },
    async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const { employer, jobId, shiftId } = await timed('setup', freshJob);
        const hires: Promise<Answer>[] = [];
        const applied = await timed('apply+hire', async () => {
          const answers = await Promise.all(
            workers.map(async (w) => {
              const a = await send(w, 'POST', applyUrl(jobId, shiftId), {});
              if (a.status === 201)
                hires.push(send(employer, 'POST', `/api/v1/applications/${a.body.application.id}/hire`, {}));
              return a;
            }),
          );
          await Promise.all(hires);
          return answers;
        });
        expect(applied.filter((a) => a.status !== 201).map((a) => a.body)).toEqual([]);
        const answers = await Promise.all(hires);
        const won = answers.filter((a) => a.status === 201);
        const refused = answers.filter((a) => a.status !== 201);
        expect(won.map((a) => a.body.state)).toEqual(Array(PLACES).fill('hired'));
        expect(
          refused.filter((a) => !(a.status === 409 && a.body.code === 'SHIFT_FULL')).map((a) => a.body),
        ).toEqual([]);
        await timed('check', async () => {
          await expectTenHired(
            employer,
            jobId,
            won.map((a) => a.body.id as string),
          );
          await expectLedgerClean(p);
        });
      }
    },
  );

  it(
    'auto-hire: 300 applications at once, exactly 10 hired, the rest stay applications',
    { timeout: 1_200_000 },
    async () => {
      for (let round = 1; round <= ROUNDS; round++) {
        const { employer, jobId, shiftId } = await timed('setup', freshJob);
        const set = await send(employer, 'PUT', `/api/v1/jobs/${jobId}/order-settings`, { autoHire: true });
        expect(set.status, JSON.stringify(set.body)).toBe(200);
        const applied = await timed('auto-hire', () =>
          Promise.all(workers.map((w) => send(w, 'POST', applyUrl(jobId, shiftId), {}))),
        );
        expect(applied.filter((a) => a.status !== 201).map((a) => a.body)).toEqual([]);
        const won = applied.filter((a) => a.body.order !== null);
        expect(won.map((a) => a.body.order.state)).toEqual(Array(PLACES).fill('hired'));
        expect(won.map((a) => a.body.application.status)).toEqual(Array(PLACES).fill('hired'));
        expect(applied.filter((a) => a.body.order === null).map((a) => a.body.application.status)).toEqual(
          Array(WORKERS - PLACES).fill('pending'),
        );
        await timed('check', async () => {
          await expectTenHired(
            employer,
            jobId,
            won.map((a) => a.body.order.id as string),
          );
          await expectLedgerClean(p);
        });
      }
    },
  );
});
