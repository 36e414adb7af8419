import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureArgs } from '../support/serve.js';
import { systemClock } from '../../src/platform/clock.js';
import { openConnection, type Connection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import {
  PROCESS_SCHEDULE,
  recordedTicks,
  scheduleFixture,
  scheduleRuns,
} from '../fixtures/schedule-fixture.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { TEST_MYSQL_URL } from '../support/env.js';

/**
 * Two real scheduler processes on one MariaDB database, one SIGKILLed halfway. The embedded SQLite
 * topology is one process by design (a second process refuses to open the file), so this runs only
 * when LINGGONG_TEST_MYSQL_URL is set.
 */

const SECOND = 1000;
/** From both processes being ready: A is killed at 15 s (once caught holding a claim), B stopped at 31 s. */
const KILL_AFTER_MS = 15 * SECOND;
const KILL_LATEST_MS = 24 * SECOND;
const STOP_AFTER_MS = 36 * SECOND;

interface Child {
  owner: string;
  process: ChildProcess;
  output: () => string;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

let database: TestDatabase | undefined;
let connection: Connection | undefined;
let db: ServiceDatabase<unknown>;
const children: Child[] = [];

function spawnScheduler(owner: string, url: string): Child {
  const child = spawn(process.execPath, fixtureArgs('test/fixtures/scheduler-process.ts'), {
    cwd: process.cwd(),
    env: { ...process.env, SCHED_DATABASE_URL: url, SCHED_OWNER: owner },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  let onReady: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  const collect = (chunk: Buffer) => {
    text += chunk.toString('utf8');
    if (text.includes('"msg":"ready"')) onReady();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = once(child, 'exit').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  const c: Child = { owner, process: child, output: () => text, ready, exited };
  children.push(c);
  return c;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

describe.skipIf(!TEST_MYSQL_URL)('scheduler across processes (MariaDB)', () => {
  beforeAll(async () => {
    database = await createTestDatabase();
    connection = openConnection(database.url, { poolSize: 2 });
    db = new ServiceDatabase<unknown>(
      scheduleFixture.name,
      connection,
      { clock: systemClock, ids: createIdGenerator(systemClock), log: createLogger({ level: 'silent' }) },
      scheduleFixture.migrations,
    );
    const result = await db.migrator().up();
    if (result.error)
      throw result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
  });

  afterAll(async () => {
    for (const c of children) {
      if (c.process.exitCode === null && c.process.signalCode === null) c.process.kill('SIGKILL');
    }
    await Promise.allSettled(children.map((c) => withTimeout(c.exited, 5000, `${c.owner} exit`)));
    await connection?.close();
    await database?.drop();
  });

  it('30 one-second ticks, two processes, one SIGKILLed halfway: each tick runs exactly once, no gaps', async () => {
    const a = spawnScheduler('A', database!.url);
    const b = spawnScheduler('B', database!.url);
    await withTimeout(Promise.all([a.ready, b.ready]), 15 * SECOND, 'both scheduler processes ready');
    const t0 = Date.now();

    // Halfway, kill A at a moment it holds a claim (its handler is mid-run), the case that needs a
    // takeover; if it is never caught doing so, kill it anyway.
    await sleep(KILL_AFTER_MS);
    let killedTick: number | undefined;
    while (Date.now() < t0 + KILL_LATEST_MS) {
      const row = await db
        .untyped()
        .selectFrom(db.table('schedule_runs'))
        .select('tick_at')
        .where('schedule', '=', PROCESS_SCHEDULE.name)
        .where('state', '=', 'running')
        .where('owner', '=', 'A')
        .executeTakeFirst();
      if (row) {
        a.process.kill('SIGKILL');
        killedTick = toSafeInt(row.tick_at);
        break;
      }
      await sleep(10);
    }
    if (killedTick === undefined) a.process.kill('SIGKILL');
    const killedAt = Date.now();
    expect(await withTimeout(a.exited, 5 * SECOND, 'A killed')).toEqual({ code: null, signal: 'SIGKILL' });

    await sleep(t0 + STOP_AFTER_MS - Date.now());
    b.process.kill('SIGTERM');
    const stoppedAt = Date.now();
    expect(await withTimeout(b.exited, 5 * SECOND, 'B stopped')).toEqual({ code: 0, signal: null });

    const ticks = await recordedTicks(db, PROCESS_SCHEDULE.name);
    const runs = await scheduleRuns(db, PROCESS_SCHEDULE.name);
    const distinct = await db
      .untyped()
      .selectFrom('sched_ticks')
      .select((eb) => [eb.fn.count('tick_at').distinct().as('distinct'), eb.fn.countAll().as('all')])
      .where('schedule', '=', PROCESS_SCHEDULE.name)
      .executeTakeFirstOrThrow();
    const summary = {
      killedTick,
      killedAt,
      ticks: ticks.map((t) => `${new Date(t.tickAt).toISOString().slice(11, 19)} ${t.owner}`),
    };

    // Recorded once per tick (the primary key would have refused a second run's insert).
    expect(toSafeInt(distinct.distinct)).toBe(toSafeInt(distinct.all));
    // Every tick of the window, consecutive whole seconds, no gap — not even at the kill.
    expect(ticks.length, JSON.stringify(summary)).toBeGreaterThanOrEqual(30);
    expect(ticks[0]!.tickAt).toBeLessThanOrEqual(t0);
    expect(ticks.at(-1)!.tickAt).toBeGreaterThanOrEqual(stoppedAt - 2 * SECOND);
    for (const [i, t] of ticks.entries()) {
      expect(t.tickAt % SECOND).toBe(0);
      if (i > 0) expect(t.tickAt - ticks[i - 1]!.tickAt, JSON.stringify(summary)).toBe(SECOND);
    }
    // The scheduler's own record agrees: one run per tick, each done by the process that recorded
    // it; none failed (a tick run twice would have failed on the primary key).
    expect(runs.map((r) => [r.tickAt, r.state, r.owner])).toEqual(
      ticks.map((t) => [t.tickAt, 'done', t.owner]),
    );

    // Both processes won ticks before the kill, only the survivor after it.
    const before = ticks.filter((t) => t.tickAt < killedAt);
    expect(new Set(before.map((t) => t.owner)), JSON.stringify(summary)).toEqual(new Set(['A', 'B']));
    expect(ticks.filter((t) => t.owner === 'A').every((t) => t.tickAt < killedAt)).toBe(true);
    expect(ticks.filter((t) => t.tickAt >= killedAt).length).toBeGreaterThanOrEqual(10);

    // The tick A was killed in the middle of was taken over by B once A's lease expired, within
    // its own second (after that, coalescing would have skipped it).
    expect(killedTick, 'A was caught holding a claim').toBeDefined();
    expect(ticks.find((t) => t.tickAt === killedTick)).toEqual({ tickAt: killedTick, owner: 'B' });
    expect(b.output()).toContain('taking over a schedule run whose lease expired');
    expect(a.output()).not.toContain('"level":"error"');
    expect(b.output()).not.toContain('"level":"error"');
  }, 70_000);
});
