import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import type { OrderDB } from '../../src/services/order/order.db.js';
import { paymentClient } from '../../src/services/payment/index.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';
import { DIALECT } from '../support/env.js';
import { runUntilKilled } from '../support/processes.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone } from '../support/users.js';
import { applyUrl, call, expectLedgerClean, fund, ownerShifts, shiftJob, wallet } from './support.js';

/**
 * A whole platform process hiring one applicant is SIGKILLed right after each point of the
 * `order.hire` workflow in turn — a step's effect committed, its outcome not yet stored — and a
 * process started after it on the same databases, with a clock past the dead one's lease, finishes
 * the hire with its workflow sweep. With the employer's wallet funded the order ends hired: one
 * place in the order service's count, the job's hire count 1, the wage and fee held in escrow once.
 * With the wallet short (the hold refused) it ends void: the place free, the job's count 0, nothing
 * held. Either way the application agrees with the order and the ledger check is clean.
 */
const FUNDS = 100_000;
const SHORT = 10_000;
const HELD = 21_000; // the day's pay (200 元) plus the employer's 5 % fee
/** The restarted process's clock is this much later: past the dead process's lease (30 s). */
const RESTART_LEAP_MS = 120_000;

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Shared {
  database: TestDatabase;
  userDatabase: TestDatabase;
  redis: TestRedis | undefined;
  dataDir: string;
}

/** A platform process in this test on the shared databases (the user service's one included). */
const platformOn = (shared: Shared, clock: FakeClock) =>
  startTestPlatform({
    database: shared.database,
    redis: shared.redis,
    clock,
    env: { LINGGONG_USER_DATABASE_URL: shared.userDatabase.url, LINGGONG_LOG_LEVEL: 'warn' },
  });

/** Runs the hire in the fixture process and SIGKILLs it once it hangs at `HANG_AT`. */
const hireUntilKilled = (env: Record<string, string>) =>
  runUntilKilled('test/fixtures/order-process.ts', env, `HUNG ${env.HANG_AT}`);

const orderDb = (p: TestPlatform) => p.services.get('order')!.db as ServiceDatabase<OrderDB>;

/** The order, its shift's count and its hire workflow, as the order service's tables hold them. */
async function orderState(p: TestPlatform, applicationId: string) {
  const db = orderDb(p).db;
  const application = await db
    .selectFrom('order_applications')
    .selectAll()
    .where('id', '=', applicationId)
    .executeTakeFirstOrThrow();
  const orders = await db
    .selectFrom('order_orders')
    .select(['id', 'state', 'place_reserved'])
    .where('application_id', '=', applicationId)
    .execute();
  const shift = await db
    .selectFrom('order_shifts')
    .select(['reserved', 'dirty'])
    .where('shift_id', '=', application.shift_id)
    .executeTakeFirst();
  const { runner } = p.workflows.get('order')!;
  const instances = (await runner.list({ limit: 10 })).items;
  return {
    application,
    orders,
    reserved: Number(shift?.reserved ?? 0),
    dirty: Number(shift?.dirty ?? 0),
    instances,
  };
}

interface Case {
  hangAt: string;
  short: boolean;
  /** What the dead process left (its effect committed), checked before the restart finishes it. */
  left: {
    state: 'running' | 'compensating';
    reserved: number;
    jobHired: number;
    heldFen: number;
    order: string;
  };
}

const hired = (hangAt: string, left: Omit<Case['left'], 'state' | 'order'>, state = 'running'): Case => ({
  hangAt,
  short: false,
  left: {
    ...left,
    state: state as Case['left']['state'],
    order: hangAt === 'action:confirm' ? 'hired' : 'hiring',
  },
});
const refused = (hangAt: string, left: Omit<Case['left'], 'heldFen'>): Case => ({
  hangAt,
  short: true,
  left: { ...left, heldFen: 0 },
});

const cases: Case[] = [
  hired('action:reserve', { reserved: 1, jobHired: 0, heldFen: 0 }),
  hired('action:record', { reserved: 1, jobHired: 1, heldFen: 0 }),
  hired('action:hold', { reserved: 1, jobHired: 1, heldFen: HELD }),
  hired('action:confirm', { reserved: 1, jobHired: 1, heldFen: HELD }),
  // The wallet short: the hold is refused, and the steps before it are compensated in reverse
  // (record has nothing to undo; the compensation of reserve frees the place and voids the order).
  refused('action:record', { state: 'running', reserved: 1, jobHired: 1, order: 'hiring' }),
  refused('refused:hold', { state: 'running', reserved: 1, jobHired: 1, order: 'hiring' }),
  refused('compensate:reserve', { state: 'compensating', reserved: 0, jobHired: 0, order: 'void' }),
];

describe(`the hire workflow SIGKILLed after each step, then restarted (${DIALECT})`, () => {
  it.each(cases)(
    'killed at $hangAt (wallet short: $short) → finished by the restarted process',
    { timeout: 120_000 },
    async ({ hangAt, short, left }) => {
      const shared: Shared = {
        database: await createTestDatabase(),
        userDatabase: await createTestDatabase(),
        redis: await createTestRedis(),
        dataDir: mkdtempSync(join(tmpdir(), 'linggong-data-')),
      };
      cleanups.push(async () => {
        await shared.database.drop();
        await shared.userDatabase.drop();
        await shared.redis?.cleanup();
        rmSync(shared.dataDir, { recursive: true, force: true });
      });

      // ---- Before: an employer's job, funded (or not enough), and one worker's application. ----
      const before = await platformOn(shared, new FakeClock());
      const employer = await loginWithSms(before, newPhone(), 'employer');
      const worker = await loginWithSms(before, newPhone(), 'worker');
      await fund(before, employer, short ? SHORT : FUNDS);
      const { job, shiftId } = await shiftJob(before, employer, {
        headcount: 3,
        overrides: { requirements: { minAge: 16 } },
      });
      const applied = await call(before, worker, 'POST', applyUrl(job.id, shiftId), {});
      expect(applied.status, JSON.stringify(applied.body)).toBe(201);
      const applicationId = applied.body.application.id as string;
      const clockMs = before.clock.now();
      await before.stop();

      // ---- The process that hires, killed at the point. ----
      await hireUntilKilled({
        LINGGONG_DATABASE_URL: shared.database.url,
        LINGGONG_USER_DATABASE_URL: shared.userDatabase.url,
        LINGGONG_DATA_DIR: shared.dataDir,
        ...(shared.redis
          ? { LINGGONG_REDIS_URL: shared.redis.url, LINGGONG_REDIS_PREFIX: shared.redis.prefix }
          : {}),
        CLOCK_MS: String(clockMs),
        HANG_AT: hangAt,
        APPLICATION_ID: applicationId,
        EMPLOYER_TOKEN: employer.accessToken,
      });

      // ---- The restarted process: first what the dead one left, then its sweep finishes it. ----
      const p = await platformOn(shared, new FakeClock(clockMs + RESTART_LEAP_MS));
      cleanups.push(() => p.stop());
      const found = await orderState(p, applicationId);
      expect(found.orders).toHaveLength(1);
      const orderId = found.orders[0]!.id;
      expect({
        workflow: found.instances.map((i) => i.state),
        order: found.orders[0]!.state,
        reserved: found.reserved,
        jobHired: (await ownerShifts(p, employer, job.id))[0]!.hired,
        heldFen: (await wallet(p, employer)).heldFen,
      }).toEqual({
        workflow: [left.state],
        order: left.order,
        reserved: left.reserved,
        jobHired: left.jobHired,
        heldFen: left.heldFen,
      });

      await p.scheduler.runDue();
      const [instance] = found.instances;
      const ended = await p.workflows.get('order')!.runner.wait(instance!.id, 10_000);
      expect(ended.state).toBe(short ? 'compensated' : 'completed');
      // A count the hire's own report did not deliver is reported by the next run of the schedule.
      p.clock.advance(10_000);
      await p.scheduler.runDue();

      const end = await orderState(p, applicationId);
      const done = !short;
      expect({
        order: end.orders.map((o) => [o.state, Number(o.place_reserved)]),
        application: end.application.status,
        reserved: end.reserved,
        dirty: end.dirty,
        jobHired: (await ownerShifts(p, employer, job.id))[0]!.hired,
        wallet: await wallet(p, employer),
        escrow: (await p.client(paymentClient).escrow(orderId)).status,
      }).toEqual({
        order: [[done ? 'hired' : 'void', done ? 1 : 0]],
        application: done ? 'hired' : 'pending',
        reserved: done ? 1 : 0,
        dirty: 0,
        jobHired: done ? 1 : 0,
        wallet: expect.objectContaining({
          availableFen: done ? FUNDS - HELD : SHORT,
          heldFen: done ? HELD : 0,
        }),
        escrow: done ? 'held' : 'none',
      });
      // The order as its employer reads it, and the ledger: each transfer once, every invariant.
      const read = await call(p, employer, 'GET', `/api/v1/orders/${orderId}`);
      expect(read.body.state).toBe(done ? 'hired' : 'void');
      expect(read.body.transitions.at(-1)).toMatchObject(
        done
          ? { to: 'hired', actor: 'system' }
          : { to: 'void', actor: 'system', reason: 'ESCROW_INSUFFICIENT_FUNDS' },
      );
      await expectLedgerClean(p);
    },
  );
});
