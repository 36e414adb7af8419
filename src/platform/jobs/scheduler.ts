import parser from 'cron-parser';
import type { Clock } from '../clock.js';
import { newContext, runWithContext } from '../context.js';
import { affectedRows, insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import { runOutsideTransaction } from '../db/tx-context.js';
import type { Logger } from '../log.js';
import { toSafeInt } from '../money.js';

/**
 * A schedule declared in code: a name, a cadence (exactly one of `every` or `cron`) and a handler.
 *
 * Handlers must be idempotent. A tick runs once across all processes while processes stay alive,
 * but a process that dies in the middle of a run leaves its claim behind; once the claim's lease
 * has expired another process takes the tick over and runs it again from the start.
 */
export interface ScheduleSpec {
  /** Unique across the platform, `entity.verb`-ish: `user.purge-expired`. At most 100 characters. */
  name: string;
  /**
   * Fixed interval: `'1s' | '30s' | '5m' | '1h' | '1d'` (any positive whole number of s, m, h or d).
   * Ticks fall on multiples of the interval since the epoch (UTC), so every process agrees on them.
   */
  every?: string;
  /**
   * Standard 5-field cron expression (minute hour day-of-month month day-of-week), evaluated in the
   * business time zone: `'0 3 * * *'` is 03:00 Asia/Shanghai (19:00 UTC the day before).
   */
  cron?: string;
  /**
   * How long a run may take before another process may take the tick over (its owner is then
   * presumed dead). Default 5 minutes. A handler that runs longer than this may run twice at once.
   */
  leaseMs?: number;
  /**
   * The work of one tick. `tickAt` is the tick's instant, `now` when the run started; a handler for
   * which lateness matters (a 09:00 reminder) compares the two itself. Never runs in a transaction.
   */
  run(tick: { tickAt: number; now: number }): Promise<void>;
}

/** A schedule and the database of the service that owns it (its `<prefix>schedule_runs` table). */
export interface ScheduleEntry {
  db: ServiceDatabase<unknown>;
  spec: ScheduleSpec;
}

export interface SchedulerOptions {
  entries: ScheduleEntry[];
  clock: Clock;
  log: Logger;
  /** Who claims ticks, e.g. `hostname:pid`; at most 64 characters. */
  owner: string;
  /**
   * How often the scheduler looks for due ticks (default 250 ms): passes are spaced by a random
   * delay between half this and this, so a tick starts at most about pollMs late.
   */
  pollMs?: number;
  /** Operator overrides by schedule name: `'off'`, `'every 10m'` or `'cron 0 3 * * *'`. */
  overrides?: Record<string, string>;
  /** IANA zone in which cron expressions are evaluated (config.businessTimeZone). */
  businessTimeZone: string;
}

export interface Scheduler {
  /** Starts polling (a timer that does not keep the process alive). */
  start(): void;
  /** Stops polling and waits for the handlers this process is running. */
  stop(): Promise<void>;
  /** One polling pass, waiting for the handlers it started (tests drive it with a FakeClock). */
  runDue(): Promise<void>;
}

const DEFAULT_LEASE_MS = 5 * 60_000;
const DEFAULT_POLL_MS = 250;
const MAX_NAME_LENGTH = 100;
const MAX_OWNER_LENGTH = 64;
const MAX_ERROR_LENGTH = 2000;
const NAME_RE = /^[a-z][a-z0-9_-]*(\.[a-z][a-z0-9_-]*)+$/;
const EVERY_RE = /^([1-9]\d{0,8})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

type Cadence = { kind: 'every'; ms: number; text: string } | { kind: 'cron'; expr: string; text: string };

/** A due window: `tick` is the most recent tick at or before now, `next` the one after it. */
interface TickWindow {
  tick: number;
  next: number;
}

interface ActiveSchedule {
  name: string;
  db: ServiceDatabase<unknown>;
  spec: ScheduleSpec;
  cadence: Cadence;
  leaseMs: number;
  /** Cached window, recomputed when now leaves it. */
  window: TickWindow | undefined;
  /** A tick found finished (done or failed): nothing more to do for it in this process. */
  settled: number | undefined;
  /** A tick whose row is known to exist (running elsewhere): only a takeover can be tried. */
  claimedElsewhere: number | undefined;
}

interface RunRow {
  state: string;
  owner: string;
  lease_until: number | string | bigint;
}

/**
 * Parses the schedule overrides an operator configures (a JSON object, schedule name → `'off'`,
 * `'every <n><s|m|h|d>'` or `'cron <5 fields>'`). Throws an Error naming every problem.
 */
export function parseScheduleOverrides(json: string): Record<string, string> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (e) {
    throw new Error(`schedule overrides: not valid JSON (${(e as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(
      'schedule overrides: expected a JSON object of schedule name → "off" | "every 10m" | "cron 0 3 * * *"',
    );
  }
  const problems: string[] = [];
  const out: Record<string, string> = {};
  for (const [name, raw] of Object.entries(value)) {
    if (!NAME_RE.test(name) || name.length > MAX_NAME_LENGTH) {
      problems.push(`"${name}": not a schedule name (entity.verb, lower case)`);
      continue;
    }
    if (typeof raw !== 'string') {
      problems.push(`"${name}": expected a string, got ${raw === null ? 'null' : typeof raw}`);
      continue;
    }
    try {
      const normalized = raw.trim().replace(/\s+/g, ' ');
      parseOverride(normalized, `override of "${name}"`);
      out[name] = normalized;
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  if (problems.length) throw new Error(`schedule overrides: ${problems.join('; ')}`);
  return out;
}

/**
 * The Beat: runs schedules declared in code so that each tick runs once across every process that
 * runs the same schedules (embedded: in this one process).
 *
 * **Claiming.** Before running tick T of schedule S a process inserts the row (S, T) into the
 * owning service's `<prefix>schedule_runs` with state `running`, its owner and
 * `lease_until = now + leaseMs`. The primary key decides the winner; no Redis is involved, so losing
 * Redis loses no ticks and runs none twice. After the handler the row becomes `done` (with
 * `finished_at`) or `failed` (with the error text); a failed tick is not retried. A row still
 * `running` whose lease has expired belongs to a dead process: it is taken over by a conditional
 * update (same owner and lease as read) and the tick runs again, so handlers must be idempotent.
 * Leases compare instants written by different hosts, so their clocks must agree (NTP) to well
 * within `leaseMs`.
 *
 * **Missed ticks: coalesce.** A tick is due from its instant until the schedule's next tick: each
 * pass considers only the most recent tick at or before now (for `every`, `floor(now / interval) *
 * interval`; for cron, its latest occurrence). Earlier ticks that never ran — the processes were
 * down, stopped, or the schedule was `off` — are skipped and never run, so after any gap the
 * schedule runs once, for the latest tick, as soon as a process polls. This includes a schedule's
 * first start: its latest tick runs at once if no process has run it. A claimed tick whose process
 * died is taken over only while it is still the latest tick.
 *
 * A process never runs two ticks of the same schedule at once (a tick that falls due while the
 * previous run is still going is left to other processes, or skipped). Handlers run outside any
 * transaction, each in a fresh request context with its own trace id.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { clock, log, owner, businessTimeZone } = options;
  const pollMs = options.pollMs ?? DEFAULT_POLL_MS;
  if (!Number.isInteger(pollMs) || pollMs < 1)
    throw new Error(`scheduler: pollMs must be ≥ 1, got ${pollMs}`);
  if (!owner || owner.length > MAX_OWNER_LENGTH) {
    throw new Error(`scheduler: owner must be 1–${MAX_OWNER_LENGTH} characters, got "${owner}"`);
  }
  const overrides = options.overrides ?? {};
  const schedules = buildSchedules(options.entries, overrides, businessTimeZone, clock.now());
  const active = schedules.filter((s): s is ActiveSchedule => s.cadence !== undefined);
  const known = new Set(schedules.map((s) => s.name));
  for (const name of Object.keys(overrides)) {
    // Processes may run different services, so an override can name a schedule run elsewhere.
    if (!known.has(name)) log.info({ schedule: name }, 'schedule override names a schedule not run here');
  }

  /** Schedules this process is running a tick of right now. */
  const busy = new Set<string>();
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let polling = false;
  let currentPass: Promise<void> | undefined;

  function windowOf(s: ActiveSchedule, now: number): TickWindow {
    if (s.window && now >= s.window.tick && now < s.window.next) return s.window;
    s.window = computeWindow(s.cadence, now, businessTimeZone);
    return s.window;
  }

  /** Claims the schedule's latest tick if nobody has; returns the lease it holds, or undefined. */
  async function claim(s: ActiveSchedule, tick: number, now: number): Promise<number | undefined> {
    const q = s.db.untyped();
    const table = s.db.table('schedule_runs');
    const leaseUntil = now + s.leaseMs;
    if (s.claimedElsewhere !== tick) {
      const inserted = await insertIgnore(
        q,
        s.db.dialect,
        table,
        {
          schedule: s.name,
          tick_at: tick,
          state: 'running',
          owner,
          lease_until: leaseUntil,
          started_at: now,
          finished_at: null,
          error: null,
        },
        ['schedule', 'tick_at'],
      );
      if (inserted) return leaseUntil;
    }
    const row = (await q
      .selectFrom(table)
      .select(['state', 'owner', 'lease_until'])
      .where('schedule', '=', s.name)
      .where('tick_at', '=', tick)
      .executeTakeFirst()) as RunRow | undefined;
    // Deleted between our insert and this read (by an operator): the next pass inserts it afresh.
    if (!row) {
      s.claimedElsewhere = undefined;
      return undefined;
    }
    if (row.state !== 'running') {
      s.settled = tick;
      return undefined;
    }
    s.claimedElsewhere = tick;
    const previousLease = toSafeInt(row.lease_until);
    if (previousLease > now) return undefined;
    // Its owner is presumed dead. Only one process can move the lease on from the value all read.
    const result = await q
      .updateTable(table)
      .set({ owner, lease_until: leaseUntil, started_at: now })
      .where('schedule', '=', s.name)
      .where('tick_at', '=', tick)
      .where('state', '=', 'running')
      .where('owner', '=', row.owner)
      .where('lease_until', '=', previousLease)
      .executeTakeFirst();
    if (affectedRows(result) !== 1) return undefined;
    log.warn(
      { schedule: s.name, tickAt: tick, tick: new Date(tick).toISOString(), previousOwner: row.owner },
      'taking over a schedule run whose lease expired',
    );
    return leaseUntil;
  }

  /** Runs the handler of a claimed tick in a fresh context and records the outcome. Never rejects. */
  async function execute(s: ActiveSchedule, tick: number, leaseUntil: number): Promise<void> {
    const ctx = newContext(`schedule:${s.name}:${tick}`, 'zh-CN');
    // runDue() may be called from anywhere; whatever the caller holds, a handler never joins its
    // transaction (its writes would commit or roll back with someone else's).
    await runOutsideTransaction(() =>
      runWithContext(ctx, async () => {
        const fields = { schedule: s.name, tickAt: tick, tick: new Date(tick).toISOString(), owner };
        const started = clock.now();
        let failure: string | undefined;
        try {
          await s.spec.run({ tickAt: tick, now: started });
        } catch (e) {
          failure = errorText(e);
          log.error({ ...fields, err: e }, 'schedule run failed');
        }
        const finished = clock.now();
        try {
          const result = await s.db
            .untyped()
            .updateTable(s.db.table('schedule_runs'))
            .set({
              state: failure === undefined ? 'done' : 'failed',
              finished_at: finished,
              error: failure ?? null,
            })
            .where('schedule', '=', s.name)
            .where('tick_at', '=', tick)
            .where('state', '=', 'running')
            .where('owner', '=', owner)
            .where('lease_until', '=', leaseUntil)
            .executeTakeFirst();
          if (affectedRows(result) !== 1) {
            log.warn(
              { ...fields, leaseMs: s.leaseMs, durationMs: finished - started },
              'schedule run outlived its lease; another process took the tick over',
            );
          }
        } catch (e) {
          log.error({ ...fields, err: e }, 'could not record the outcome of a schedule run');
        }
        if (failure === undefined)
          log.debug({ ...fields, durationMs: finished - started }, 'schedule run done');
      }),
    );
  }

  /** Looks at one schedule; returns the run it started, if it claimed a tick. */
  async function consider(s: ActiveSchedule): Promise<Promise<void> | undefined> {
    if (busy.has(s.name)) return undefined;
    const now = clock.now();
    const { tick } = windowOf(s, now);
    if (s.settled === tick) return undefined;
    // Marked before the first await, so overlapping passes of this process never claim twice.
    busy.add(s.name);
    let leaseUntil: number | undefined;
    try {
      leaseUntil = await claim(s, tick, now);
    } finally {
      if (leaseUntil === undefined) busy.delete(s.name);
    }
    if (leaseUntil === undefined) return undefined;
    s.settled = tick;
    const run = execute(s, tick, leaseUntil).finally(() => {
      busy.delete(s.name);
      inFlight.delete(run);
    });
    inFlight.add(run);
    return run;
  }

  /**
   * Claims every due tick and starts its handler without waiting for it (the runs are tracked in
   * `inFlight` and never reject); `started` receives each run. Never rejects.
   */
  async function pass(started?: (run: Promise<void>) => void): Promise<void> {
    for (const s of active) {
      try {
        const run = await consider(s);
        if (run) started?.(run);
      } catch (e) {
        // One schedule's database being unreachable must not stop the others.
        log.error({ err: e, schedule: s.name }, 'schedule pass failed');
      }
    }
  }

  function arm(delay: number): void {
    timer = setTimeout(() => {
      timer = undefined;
      currentPass = (async () => {
        try {
          await pass();
        } catch (e) {
          log.error({ err: e }, 'scheduler pass failed');
        }
        currentPass = undefined;
        // A random spacing in [pollMs/2, pollMs): processes polling in lockstep would let the same
        // one win every tick, and spreading passes spreads their load on the database.
        if (polling) arm(Math.floor(pollMs / 2 + (Math.random() * pollMs) / 2));
      })();
    }, delay);
    // Polling alone must not keep a process alive that has nothing else to do.
    timer.unref();
  }

  return {
    start() {
      if (polling) return;
      polling = true;
      log.info(
        {
          owner,
          schedules: schedules.map((s) => ({ name: s.name, cadence: s.cadence?.text ?? 'off' })),
        },
        'scheduler started',
      );
      if (!timer && !currentPass) arm(0);
    },
    async stop() {
      polling = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await currentPass;
      await Promise.allSettled([...inFlight]);
    },
    async runDue() {
      const runs: Promise<void>[] = [];
      await pass((run) => runs.push(run));
      await Promise.all(runs);
    },
  };
}

function buildSchedules(
  entries: ScheduleEntry[],
  overrides: Record<string, string>,
  timeZone: string,
  now: number,
): (Omit<ActiveSchedule, 'cadence'> & { cadence: Cadence | undefined })[] {
  const names = new Set<string>();
  return entries.map(({ db, spec }) => {
    const where = `schedule "${spec.name}"`;
    if (!NAME_RE.test(spec.name) || spec.name.length > MAX_NAME_LENGTH) {
      throw new Error(`${where}: the name must be entity.verb-ish, lower case, at most 100 characters`);
    }
    if (names.has(spec.name)) throw new Error(`${where} is declared twice`);
    names.add(spec.name);
    if ((spec.every === undefined) === (spec.cron === undefined)) {
      throw new Error(`${where}: give exactly one of every or cron`);
    }
    const leaseMs = spec.leaseMs ?? DEFAULT_LEASE_MS;
    if (!Number.isInteger(leaseMs) || leaseMs < 1)
      throw new Error(`${where}: leaseMs must be ≥ 1, got ${leaseMs}`);
    const declared =
      spec.every !== undefined ? parseEvery(spec.every, where) : parseCron(spec.cron ?? '', where);
    const override = overrides[spec.name];
    const cadence =
      override === undefined ? declared : parseOverride(override.trim(), `override of ${where}`);
    // Fail at start, not at the first tick, on expressions that never fire (30 February).
    if (cadence) computeWindow(cadence, now, timeZone);
    return {
      name: spec.name,
      db,
      spec,
      cadence,
      leaseMs,
      window: undefined,
      settled: undefined,
      claimedElsewhere: undefined,
    };
  });
}

/** `'off'` → undefined (the schedule does not run), `'every 10m'`, `'cron 0 3 * * *'`. */
function parseOverride(text: string, where: string): Cadence | undefined {
  if (text === 'off') return undefined;
  const m = /^(every|cron)\s+(.+)$/.exec(text);
  if (!m) throw new Error(`${where}: "${text}" is not "off", "every <n><s|m|h|d>" or "cron <5 fields>"`);
  return m[1] === 'every' ? parseEvery(m[2]!, where) : parseCron(m[2]!, where);
}

function parseEvery(text: string, where: string): Cadence {
  const m = EVERY_RE.exec(text.trim());
  if (!m) throw new Error(`${where}: every "${text}" is not a whole number of s, m, h or d (e.g. 30s, 5m)`);
  return { kind: 'every', ms: Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS], text: `every ${m[0]}` };
}

function parseCron(text: string, where: string): Cadence {
  const expr = text.trim().replace(/\s+/g, ' ');
  // cron-parser also accepts a seconds field; Linggong's ticks are whole minutes for cron.
  if (expr.split(' ').length !== 5) {
    throw new Error(`${where}: cron "${text}" must have 5 fields (minute hour day month weekday)`);
  }
  try {
    parser.parseExpression(expr, { utc: true });
  } catch (e) {
    throw new Error(`${where}: cron "${text}" is invalid: ${(e as Error).message}`);
  }
  return { kind: 'cron', expr, text: `cron ${expr}` };
}

/** The most recent tick at or before `now` and the tick after it. */
function computeWindow(cadence: Cadence, now: number, timeZone: string): TickWindow {
  if (cadence.kind === 'every') {
    const tick = Math.floor(now / cadence.ms) * cadence.ms;
    return { tick, next: tick + cadence.ms };
  }
  // cron-parser's prev() and next() are strictly before and after currentDate.
  const tick = parser
    .parseExpression(cadence.expr, { currentDate: now + 1, tz: timeZone })
    .prev()
    .getTime();
  const next = parser.parseExpression(cadence.expr, { currentDate: tick, tz: timeZone }).next().getTime();
  return { tick, next };
}

function errorText(e: unknown): string {
  const text = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return text.slice(0, MAX_ERROR_LENGTH);
}
