import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { currentContext } from '../../src/platform/context.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { currentTransaction } from '../../src/platform/db/tx-context.js';
import {
  createScheduler,
  parseScheduleOverrides,
  type Scheduler,
  type ScheduleSpec,
} from '../../src/platform/jobs/scheduler.js';
import { recordedTicks, recordTick, scheduleFixture, scheduleRuns } from '../fixtures/schedule-fixture.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

let p: TestPlatform;
let db: ServiceDatabase<unknown>;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [scheduleFixture] });
  db = p.services.get('sched')!.db;
});
afterAll(async () => {
  await p.stop();
});

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** 2026-01-05T01:00:00Z, a whole minute. */
const T0 = Date.UTC(2026, 0, 5, 1, 0, 0);

/** A schedule whose handler records (schedule, tick, owner); a second run of a tick would throw. */
function recording(
  name: string,
  owner: string,
  cadence: Partial<ScheduleSpec> = { every: '1s' },
): ScheduleSpec {
  return {
    name,
    ...cadence,
    run: ({ tickAt }) => recordTick(db, name, tickAt, owner),
  };
}

function scheduler(
  owner: string,
  clock: FakeClock,
  specs: ScheduleSpec[],
  extra: { overrides?: Record<string, string>; pollMs?: number } = {},
): Scheduler {
  return createScheduler({
    entries: specs.map((spec) => ({ db, spec })),
    clock,
    log: p.log,
    owner,
    businessTimeZone: 'Asia/Shanghai',
    ...extra,
  });
}

describe(`scheduler on ${DIALECT}`, () => {
  it('runs each tick exactly once between two processes', async () => {
    const name = 'sched.once';
    const clock = new FakeClock(T0 + 100);
    const a = scheduler('A', clock, [recording(name, 'A')]);
    const b = scheduler('B', clock, [recording(name, 'B')]);
    // 40 steps of 250 ms: each tick is looked at four times by each process, in varying order and
    // at the same time; the primary key of sched_ticks would refuse a second run.
    for (let i = 0; i < 40; i++) {
      if (i % 3 === 0) await Promise.all([a.runDue(), b.runDue()]);
      else if (i % 3 === 1) await b.runDue().then(() => a.runDue());
      else await a.runDue().then(() => b.runDue());
      clock.advance(250);
    }
    const ticks = await recordedTicks(db, name);
    expect(ticks.map((t) => t.tickAt)).toEqual(Array.from({ length: 10 }, (_, i) => T0 + i * SECOND));
    expect(new Set(ticks.map((t) => t.owner))).toEqual(new Set(['A', 'B']));
    const runs = await scheduleRuns(db, name);
    expect(runs.map((r) => [r.tickAt, r.state, r.owner])).toEqual(
      ticks.map((t) => [t.tickAt, 'done', t.owner]),
    );
  });

  it('coalesces missed ticks: after a gap only the latest tick runs', async () => {
    const name = 'sched.coalesce';
    const clock = new FakeClock(T0 + 3 * SECOND);
    const a = scheduler('A', clock, [recording(name, 'A', { every: '5s' })]);
    await a.runDue();
    // Down for ten intervals: the ticks at +5 s … +50 s fall due while nobody polls.
    clock.advance(10 * 5 * SECOND);
    await a.runDue();
    await a.runDue();
    expect((await recordedTicks(db, name)).map((t) => t.tickAt)).toEqual([T0, T0 + 50 * SECOND]);
    expect((await scheduleRuns(db, name)).map((r) => r.tickAt)).toEqual([T0, T0 + 50 * SECOND]);
    // Another process starting in the last millisecond of that tick finds it done; the next tick is its.
    clock.set(T0 + 55 * SECOND - 1);
    const b = scheduler('B', clock, [recording(name, 'B', { every: '5s' })]);
    await b.runDue();
    expect((await recordedTicks(db, name)).map((t) => t.tickAt)).toEqual([T0, T0 + 50 * SECOND]);
    clock.advance(1);
    await b.runDue();
    expect((await recordedTicks(db, name)).at(-1)).toEqual({ tickAt: T0 + 55 * SECOND, owner: 'B' });
  });

  it('takes over a running tick whose lease has expired, and only then', async () => {
    const name = 'sched.takeover';
    const clock = new FakeClock(T0 + 10 * SECOND);
    const spec = (owner: string) => ({ ...recording(name, owner, { every: '1m' }), leaseMs: 30 * SECOND });
    const a = scheduler('A', clock, [spec('A')]);
    const b = scheduler('B', clock, [spec('B')]);
    // Process X claimed the tick at T0 and died; its lease runs until T0 + 20 s.
    await db
      .untyped()
      .insertInto(db.table('schedule_runs'))
      .values({
        schedule: name,
        tick_at: T0,
        state: 'running',
        owner: 'X',
        lease_until: T0 + 20 * SECOND,
        started_at: T0 - 10 * SECOND,
      })
      .execute();
    await a.runDue();
    await b.runDue();
    expect(await recordedTicks(db, name)).toEqual([]);
    clock.set(T0 + 20 * SECOND);
    await Promise.all([b.runDue(), a.runDue()]);
    await Promise.all([a.runDue(), b.runDue()]);
    const ticks = await recordedTicks(db, name);
    expect(ticks).toHaveLength(1);
    expect(ticks[0]!.tickAt).toBe(T0);
    const [run] = await scheduleRuns(db, name);
    expect(run).toMatchObject({ tickAt: T0, state: 'done', owner: ticks[0]!.owner });
    expect(
      p
        .logLines()
        .some((l) => l.msg === 'taking over a schedule run whose lease expired' && l.schedule === name),
    ).toBe(true);
  });

  it('does not take over a dead claim once a newer tick is due (coalesce)', async () => {
    const name = 'sched.stale-claim';
    const clock = new FakeClock(T0 + 90 * SECOND);
    await db
      .untyped()
      .insertInto(db.table('schedule_runs'))
      .values({
        schedule: name,
        tick_at: T0,
        state: 'running',
        owner: 'X',
        lease_until: T0 + SECOND,
        started_at: T0,
      })
      .execute();
    await scheduler('A', clock, [recording(name, 'A', { every: '1m' })]).runDue();
    expect(await recordedTicks(db, name)).toEqual([{ tickAt: T0 + MINUTE, owner: 'A' }]);
    expect((await scheduleRuns(db, name)).map((r) => [r.tickAt, r.state, r.owner])).toEqual([
      [T0, 'running', 'X'],
      [T0 + MINUTE, 'done', 'A'],
    ]);
  });

  it("obeys overrides: 'off' stops a schedule, 'every 2s' changes its interval", async () => {
    const clock = new FakeClock(T0);
    const overrides = parseScheduleOverrides('{"sched.paused": "off", "sched.slower": " every  2s "}');
    expect(overrides).toEqual({ 'sched.paused': 'off', 'sched.slower': 'every 2s' });
    const s = scheduler('A', clock, [recording('sched.paused', 'A'), recording('sched.slower', 'A')], {
      overrides,
    });
    for (let i = 0; i < 6; i++) {
      await s.runDue();
      clock.advance(SECOND);
    }
    expect(await recordedTicks(db, 'sched.paused')).toEqual([]);
    expect(await scheduleRuns(db, 'sched.paused')).toEqual([]);
    expect((await recordedTicks(db, 'sched.slower')).map((t) => t.tickAt)).toEqual([
      T0,
      T0 + 2 * SECOND,
      T0 + 4 * SECOND,
    ]);
    // An override can also turn an interval into a cron schedule.
    const cron = scheduler(
      'A',
      new FakeClock(Date.UTC(2026, 0, 5, 2, 30, 10)),
      [recording('sched.recron', 'A')],
      {
        overrides: parseScheduleOverrides('{"sched.recron": "cron */15 * * * *"}'),
      },
    );
    await cron.runDue();
    expect(await recordedTicks(db, 'sched.recron')).toEqual([
      { tickAt: Date.UTC(2026, 0, 5, 2, 30), owner: 'A' },
    ]);
  });

  it('refuses bad overrides with a clear message', () => {
    expect(() => parseScheduleOverrides('{nope')).toThrow(/not valid JSON/);
    expect(() => parseScheduleOverrides('["off"]')).toThrow(/expected a JSON object/);
    expect(() => parseScheduleOverrides('{"sched.x": 5}')).toThrow(
      /"sched.x": expected a string, got number/,
    );
    expect(() => parseScheduleOverrides('{"sched.x": "sometimes"}')).toThrow(/"sometimes" is not "off"/);
    expect(() => parseScheduleOverrides('{"sched.x": "every 0s"}')).toThrow(/every "0s"/);
    expect(() => parseScheduleOverrides('{"sched.x": "every 5 minutes"}')).toThrow(/every "5 minutes"/);
    expect(() => parseScheduleOverrides('{"sched.x": "cron 0 3 * *"}')).toThrow(/must have 5 fields/);
    expect(() => parseScheduleOverrides('{"sched.x": "cron 0 25 * * *"}')).toThrow(/is invalid/);
    expect(() => parseScheduleOverrides('{"Not A Name": "off"}')).toThrow(/not a schedule name/);
    // Every problem is listed at once.
    expect(() => parseScheduleOverrides('{"sched.x": "bad", "sched.y": "every 1x"}')).toThrow(
      /sched\.x.*; .*sched\.y/,
    );
  });

  it('refuses bad schedule declarations when created', () => {
    const clock = new FakeClock(T0);
    const run = async () => {};
    const make =
      (spec: ScheduleSpec, owner = 'A') =>
      () =>
        scheduler(owner, clock, [spec]);
    expect(make({ name: 'sched.both', every: '1s', cron: '* * * * *', run })).toThrow(
      /exactly one of every or cron/,
    );
    expect(make({ name: 'sched.neither', run })).toThrow(/exactly one of every or cron/);
    expect(make({ name: 'sched.bad-every', every: '1.5s', run })).toThrow(/not a whole number/);
    expect(make({ name: 'sched.seconds', cron: '*/5 * * * * *', run })).toThrow(/must have 5 fields/);
    expect(make({ name: 'sched.feb30', cron: '0 0 30 2 *', run })).toThrow(/is invalid/);
    expect(make({ name: 'NoDots', every: '1s', run })).toThrow(/entity\.verb/);
    expect(make({ name: 'sched.lease', every: '1s', leaseMs: 0, run })).toThrow(/leaseMs/);
    expect(make({ name: 'sched.owner', every: '1s', run }, 'x'.repeat(65))).toThrow(/owner/);
    expect(() =>
      scheduler('A', clock, [
        { name: 'sched.twice', every: '1s', run },
        { name: 'sched.twice', every: '1m', run },
      ]),
    ).toThrow(/declared twice/);
  });

  it("evaluates cron in the business time zone: '0 3 * * *' runs at 19:00 UTC the day before", async () => {
    const name = 'sched.nightly';
    const clock = new FakeClock(Date.UTC(2026, 0, 4, 19, 0, 0, 200));
    const s = scheduler('A', clock, [recording(name, 'A', { cron: '0 3 * * *' })]);
    await s.runDue();
    clock.set(Date.UTC(2026, 0, 5, 18, 59, 59, 999));
    await s.runDue();
    clock.set(Date.UTC(2026, 0, 5, 19, 0, 0));
    await s.runDue();
    expect((await recordedTicks(db, name)).map((t) => new Date(t.tickAt).toISOString())).toEqual([
      '2026-01-04T19:00:00.000Z',
      '2026-01-05T19:00:00.000Z',
    ]);
    // A process first polling at 10:00 local time runs that day's 03:00 tick (the latest due tick)
    // if nobody ran it, and nothing earlier.
    const late = 'sched.nightly-late';
    const lateClock = new FakeClock(Date.UTC(2026, 0, 6, 2, 0, 0));
    await scheduler('A', lateClock, [recording(late, 'A', { cron: '0 3 * * *' })]).runDue();
    expect(await recordedTicks(db, late)).toEqual([{ tickAt: Date.UTC(2026, 0, 5, 19), owner: 'A' }]);
  });

  it('records a failing handler as failed, does not retry the tick, and runs the other schedules', async () => {
    const clock = new FakeClock(T0);
    let attempts = 0;
    const failing: ScheduleSpec = {
      name: 'sched.failing',
      every: '1s',
      run: async () => {
        attempts++;
        throw new Error('boom: the partner API is down');
      },
    };
    const s = scheduler('A', clock, [failing, recording('sched.healthy', 'A')]);
    await s.runDue();
    await s.runDue();
    expect(attempts).toBe(1);
    expect(await scheduleRuns(db, 'sched.failing')).toEqual([
      {
        tickAt: T0,
        state: 'failed',
        owner: 'A',
        leaseUntil: T0 + 5 * MINUTE,
        error: 'Error: boom: the partner API is down',
      },
    ]);
    expect(await recordedTicks(db, 'sched.healthy')).toEqual([{ tickAt: T0, owner: 'A' }]);
    // The next tick runs again.
    clock.advance(SECOND);
    await s.runDue();
    expect(attempts).toBe(2);
    const line = p.logLines().find((l) => l.msg === 'schedule run failed' && l.schedule === 'sched.failing');
    expect(line).toMatchObject({ level: 'error', tickAt: T0, owner: 'A' });
    expect((line!.err as { message: string }).message).toContain('boom');
    expect(line!.trace_id).toMatch(/^[0-9a-f]{32}$/);
  });

  it('runs each handler in a fresh context with its own trace id, outside any transaction', async () => {
    const clock = new FakeClock(T0);
    const seen: { traceId: string | undefined; tx: boolean }[] = [];
    const spec = (name: string): ScheduleSpec => ({
      name,
      every: '1s',
      run: async () => {
        seen.push({ traceId: currentContext()?.traceId, tx: currentTransaction() !== undefined });
      },
    });
    await scheduler('A', clock, [spec('sched.ctx-one'), spec('sched.ctx-two')]).runDue();
    expect(seen).toHaveLength(2);
    expect(seen.every((s) => /^[0-9a-f]{32}$/.test(s.traceId ?? '') && !s.tx)).toBe(true);
    expect(seen[0]!.traceId).not.toBe(seen[1]!.traceId);
  });

  it('polls by itself once started, and stop() waits for the running handler', async () => {
    const name = 'sched.polled';
    const clock = new FakeClock(T0);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let started = 0;
    let finished = 0;
    const s = scheduler(
      'A',
      clock,
      [
        {
          name,
          every: '1s',
          run: async ({ tickAt }) => {
            started++;
            await gate;
            await recordTick(db, name, tickAt, 'A');
            finished++;
          },
        },
      ],
      { pollMs: 5 },
    );
    s.start();
    const deadline = performance.now() + 5000;
    while (started === 0 && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    expect(started).toBe(1);
    // The tick moves on while the handler runs: this process does not start a second run of it.
    clock.advance(SECOND);
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toBe(1);
    let stopped = false;
    const stopping = s.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(finished).toBe(1);
    expect(await scheduleRuns(db, name)).toMatchObject([{ tickAt: T0, state: 'done', owner: 'A' }]);
    // Stopped means stopped: no more passes.
    clock.advance(SECOND);
    await new Promise((r) => setTimeout(r, 50));
    expect(started).toBe(1);
  });
});
