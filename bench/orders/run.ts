/**
 * bench/orders — apply + hire through the HTTP API, all services in one process.
 *
 *   npm run bench:orders -- [--duration 20] [--warmup 3] [--clients 50] [--workers 1000]
 *   npm run bench:orders -- --mysql mysql://root@127.0.0.1:3306/test      (or LINGGONG_BENCH_MYSQL_URL)
 *
 * One Linggong process with every service (as `linggong serve` embeds them) on a fresh database: a
 * SQLite file in a temporary directory (WAL, synchronous=FULL, as Linggong opens it), or with
 * `--mysql` a MariaDB/MySQL database of its own, created and dropped afterwards (`--dialect both`
 * runs both, one after the other). Redis only with `--redis URL` (or LINGGONG_BENCH_REDIS_URL), for
 * the cache and rate limits; events stay in process. Background work (event relay and consumers,
 * schedules, workflow sweeps) runs as in a server.
 *
 * Setup, through the API: `--workers` workers and `--employers` employers sign in with SMS codes;
 * each employer is funded by a sandbox top-up and opens `--jobs-per-employer` jobs (daily pay
 * 200 元, minAge 16, so workers need no verified age) of `--shifts` shifts of `--headcount` places.
 * Then `--clients` loops each apply (a worker of their own, POST /api/v1/jobs/:jobId/shifts/:shiftId
 * /applications) and hire (the job's employer, POST /api/v1/applications/:id/hire: the hire workflow
 * open → reserve → record → hold → confirm), one request at a time, for `--warmup` + `--duration`
 * seconds. Requests go to a listening server over keep-alive sockets (node:http), or with
 * `--transport inject` through Fastify's inject. Each client works through the shifts one after
 * another, starting at its own, so clients seldom hire on the same shift at once.
 *
 * Reported: hires/s in the measured window, apply and hire latency, CPU per apply + hire, and, per
 * hire, the commits and SQL statements (counted at the drivers) and the cross-service calls (counted
 * at the in-process clients), see instrument.ts.
 * Options: --transport http|inject, --idempotency-keys (send an Idempotency-Key on every POST),
 * --log-level (default warn), --statements (list the SQL an application and a hire run),
 * --profile FILE (a CPU profile of the main thread over the measured window only),
 * --employers, --jobs-per-employer, --shifts, --headcount, --dialect sqlite|mysql|both.
 * The profile is `development`: the sandbox channel that funds the employers is refused elsewhere.
 * Experiment only: --sqlite-synchronous normal runs SQLite without an fsync per commit (Linggong
 * keeps FULL), to see how much of the time the fsyncs are.
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { sql, type Kysely } from 'kysely';
import { buildPlatform, type Platform } from '../../src/app.js';
import { systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { createBenchDatabase, createBenchRedis, type BenchDialect } from '../http/env.js';
import { percentile } from '../ledger/workload.js';
import { httpSender, injectSender, type Send } from './http.js';
import {
  commitsOf,
  counts,
  countClientCalls,
  installDriverCounters,
  KINDS,
  options as countOptions,
  resetCounts,
  type KindCounts,
} from './instrument.js';
import {
  benchLogDestination,
  fund,
  openJob,
  pool,
  setupRetries,
  signUp,
  type Party,
  type Slot,
} from './setup.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '3' },
    clients: { type: 'string', default: '50' },
    workers: { type: 'string', default: '1000' },
    employers: { type: 'string', default: '10' },
    'jobs-per-employer': { type: 'string', default: '2' },
    shifts: { type: 'string', default: '5' },
    headcount: { type: 'string', default: '1000' },
    dialect: { type: 'string' },
    mysql: { type: 'string' },
    redis: { type: 'string' },
    transport: { type: 'string', default: 'http' },
    'idempotency-keys': { type: 'boolean', default: false },
    'log-level': { type: 'string', default: 'warn' },
    profile: { type: 'string' },
    statements: { type: 'boolean', default: false },
    'sqlite-synchronous': { type: 'string' },
  },
});
const mysqlUrl = args.mysql ?? (process.env.LINGGONG_BENCH_MYSQL_URL || undefined);
const redisUrl = args.redis ?? (process.env.LINGGONG_BENCH_REDIS_URL || undefined);
const dialects: BenchDialect[] =
  args.dialect === 'both'
    ? ['sqlite', 'mysql']
    : args.dialect
      ? [args.dialect as BenchDialect]
      : args.mysql
        ? ['mysql']
        : ['sqlite'];
const transport = args.transport === 'inject' ? 'inject' : 'http';
const n = (name: keyof typeof args) => Number(args[name]);
const clients = n('clients');
const seconds = n('duration');
const warmupSeconds = n('warmup');
/** What one hire holds: the day's pay and the employer's 5 % fee. */
const HELD_FEN = 21_000;

interface Figures {
  applies: number;
  hires: number;
  applyMs: number[];
  hireMs: number[];
  /** Hires answered in the measured window. */
  windowHires: number;
  failures: Map<string, number>;
  cpuMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
}

async function bench(dialect: BenchDialect): Promise<void> {
  const database = await createBenchDatabase(dialect, mysqlUrl);
  const redis = redisUrl ? createBenchRedis(redisUrl) : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-bench-orders-'));
  const logs = benchLogDestination();
  let platform: Platform | undefined;
  let closeSender = () => undefined as void;
  try {
    const config = loadConfig({
      services: ALL_SERVICES,
      env: {
        // development: the sandbox payment channel (refused in staging and production) funds the employers.
        LINGGONG_ENV: 'development',
        LINGGONG_SEED_DEMO: 'false',
        LINGGONG_DATABASE_URL: database.url,
        LINGGONG_DATA_DIR: dataDir,
        LINGGONG_LOG_LEVEL: args['log-level'],
        LINGGONG_RATE_LIMIT_MAX: '1000000',
        LINGGONG_RATE_LIMIT_WINDOW_MS: '1000',
        LINGGONG_AUTH_RATE_LIMIT_MAX: '1000000',
        LINGGONG_EVENT_BUS: 'inprocess',
        // One top-up per employer funds every hire it may make.
        LINGGONG_TOPUP_MAX_FEN: '10000000000',
        ...(redis ? { LINGGONG_REDIS_URL: redis.url, LINGGONG_REDIS_PREFIX: redis.prefix } : {}),
      },
    });
    installDriverCounters();
    countOptions.keepStatements = args.statements;
    const log = createLogger({ level: config.logLevel, destination: logs.destination });
    platform = await buildPlatform({ config, log });
    await platform.migrate('up');
    const synchronous = args['sqlite-synchronous'];
    if (dialect === 'sqlite' && synchronous) {
      if (!/^(off|normal|full|extra)$/i.test(synchronous))
        throw new Error('--sqlite-synchronous off|normal|full|extra');
      await sql.raw(`pragma synchronous = ${synchronous}`).execute(orderDb(platform));
    }
    countClientCalls(platform);
    platform.startBackground();
    const app = platform.app;

    // Setup.
    const setupStart = performance.now();
    const workerCount = n('workers');
    const employerCount = n('employers');
    const employers = await pool(employerCount, 8, (i) =>
      signUp(app, logs.codes, `138${String(i).padStart(8, '0')}`, 'employer', 100_000 + i),
    );
    const workers = await pool(workerCount, 16, (i) =>
      signUp(app, logs.codes, `139${String(i).padStart(8, '0')}`, 'worker', i),
    );
    const places = employerCount * n('jobs-per-employer') * n('shifts') * n('headcount');
    const perEmployerFen = Math.ceil(places / employerCount) * HELD_FEN;
    await pool(employerCount, 8, (i) => fund(app, employers[i]!, perEmployerFen));
    const now = systemClock.now();
    const slots = (
      await pool(employerCount * n('jobs-per-employer'), 8, (j) =>
        openJob(app, employers[j % employerCount]!, now, n('shifts'), n('headcount'), j),
      )
    ).flat();
    const setupSeconds = (performance.now() - setupStart) / 1000;

    let baseUrl = '';
    if (transport === 'http') baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const sender = transport === 'http' ? httpSender(baseUrl, clients) : injectSender(app);
    closeSender = () => sender.close();

    const startLoad = loadavg()[0]!;
    resetCounts();
    const figures = await runClients(sender.send, workers, slots);
    // Events the run published are relayed and consumed in the background: let them finish.
    await new Promise((r) => setTimeout(r, 1000));
    const after = snapshot();
    const endLoad = loadavg()[0]!;

    const version =
      dialect === 'sqlite'
        ? `SQLite ${(await sql<{ v: string }>`select sqlite_version() as v`.execute(orderDb(platform))).rows[0]!.v} (WAL, synchronous=${(args['sqlite-synchronous'] ?? 'full').toUpperCase()})`
        : await mysqlVersion(orderDb(platform));
    const windowSeconds = seconds;
    console.log(
      `\n${version}${redis ? ' + Redis' : ''}; ${transport === 'http' ? 'listening server, node:http keep-alive clients' : 'Fastify inject'}` +
        `${args['idempotency-keys'] ? ', Idempotency-Key on every POST' : ''}; ${clients} clients, ${warmupSeconds} s warm-up + ${seconds} s`,
    );
    console.log(
      `  setup ${setupSeconds.toFixed(1)} s: ${workerCount} workers, ${employerCount} employers (funded), ` +
        `${slots.length / n('shifts')} jobs × ${n('shifts')} shifts × ${n('headcount')} places` +
        (setupRetries.count
          ? `; ${setupRetries.count} SMS-code requests answered 500 (deadlock) and sent again`
          : ''),
    );
    console.log(
      `  ${Math.round(figures.windowHires / windowSeconds)} hires/s (${figures.windowHires} in the window; ` +
        `${figures.hires} hires and ${figures.applies} applications in all)`,
    );
    const ms = (sorted: number[], p: number) => percentile(sorted, p).toFixed(1);
    console.log(
      `  apply p50 ${ms(figures.applyMs, 50)} ms, p99 ${ms(figures.applyMs, 99)} ms, max ${ms(figures.applyMs, 100)} ms; ` +
        `hire p50 ${ms(figures.hireMs, 50)} ms, p99 ${ms(figures.hireMs, 99)} ms, max ${ms(figures.hireMs, 100)} ms`,
    );
    console.log(
      `  process CPU ${(figures.cpuMs / Math.max(1, figures.windowHires)).toFixed(2)} ms per apply + hire ` +
        `(${Math.round((100 * figures.cpuMs) / (windowSeconds * 1000))} % of one core); event-loop delay p99 ` +
        `${figures.loopP99Ms.toFixed(1)} ms, max ${figures.loopMaxMs.toFixed(1)} ms; load average ${startLoad.toFixed(1)} → ${endLoad.toFixed(1)}`,
    );
    if (figures.failures.size > 0)
      console.log(`  failures: ${[...figures.failures].map(([k, v]) => `${k} ×${v}`).join(', ')}`);
    printCosts(after, figures);
    console.log(`  data: ${await dataSize(platform, dialect, database.url)}`);
    if (args.statements) {
      for (const kind of ['apply', 'hire', 'ledger'] as const) {
        const by = kind === 'apply' ? figures.applies : figures.hires;
        console.log(`  SQL per ${kind === 'ledger' ? 'hire, in the ledger batches' : kind}:`);
        for (const [text, count] of [...after[kind].sql].sort((a, b) => b[1] - a[1]))
          console.log(`    ${(count / by).toFixed(2).padStart(6)}  ${text}`);
      }
    }
    if (logs.state.otherLines > 0) console.log(`  log: ${logs.state.otherLines} warning/error lines`);
  } finally {
    closeSender();
    await platform?.close();
    await database.drop();
    await redis?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * `clients` loops: apply as one of the client's own workers to its current shift, then hire that
 * application as the job's employer. A worker applies to each shift once; a client's workers take
 * a shift in turn, then the next one (clients start `stride` shifts apart).
 */
async function runClients(send: Send, workers: Party[], slots: Slot[]): Promise<Figures> {
  const figures: Figures = {
    applies: 0,
    hires: 0,
    applyMs: [],
    hireMs: [],
    windowHires: 0,
    failures: new Map(),
    cpuMs: 0,
    loopP99Ms: 0,
    loopMaxMs: 0,
  };
  const start = performance.now();
  const measureFrom = start + warmupSeconds * 1000;
  const end = measureFrom + seconds * 1000;
  const stride = Math.max(1, Math.floor(slots.length / clients));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  let cpuAtStart: NodeJS.CpuUsage | undefined;
  const profiler = args.profile ? new Session() : undefined;
  let profiling: Promise<unknown> = Promise.resolve();
  const windowStart = setTimeout(() => {
    cpuAtStart = process.cpuUsage();
    loop.enable();
    if (profiler) {
      profiler.connect();
      profiling = profiler.post('Profiler.enable').then(() => profiler.post('Profiler.start'));
    }
  }, warmupSeconds * 1000);
  let cpuAtEnd: NodeJS.CpuUsage | undefined;
  const windowEnd = setTimeout(
    () => {
      cpuAtEnd = process.cpuUsage(cpuAtStart);
      loop.disable();
      if (profiler)
        profiling = profiling
          .then(() => profiler.post('Profiler.stop'))
          .then(({ profile }) => writeFileSync(args.profile!, JSON.stringify(profile)));
    },
    (warmupSeconds + seconds) * 1000,
  );
  const fail = (what: string) => {
    figures.failures.set(what, (figures.failures.get(what) ?? 0) + 1);
    const total = [...figures.failures.values()].reduce((a, b) => a + b, 0);
    if (total > 1000 && figures.hires === 0) throw new Error(`nothing succeeds: ${what}`);
  };
  const key = (): Record<string, string> =>
    args['idempotency-keys'] ? { 'idempotency-key': randomUUID() } : {};

  async function client(c: number): Promise<void> {
    const mine = workers.filter((_, i) => i % clients === c);
    for (let k = 0; performance.now() < end; k++) {
      const round = Math.floor(k / mine.length);
      if (round >= slots.length) return; // every worker of this client applied to every shift
      const worker = mine[k % mine.length]!;
      const slot = slots[(c * stride + round) % slots.length]!;
      const t0 = performance.now();
      const applied = await send(
        'POST',
        `/api/v1/jobs/${slot.jobId}/shifts/${slot.shiftId}/applications`,
        { ...worker.auth, 'x-request-id': `bench-a-${c}-${k}`, ...key() },
        {},
      );
      const t1 = performance.now();
      figures.applies++;
      if (applied.status !== 201) {
        fail(`apply ${applied.status} ${String(applied.body.code)}`);
        continue;
      }
      const hired = await send(
        'POST',
        `/api/v1/applications/${applied.body.application.id}/hire`,
        { ...slot.employer.auth, 'x-request-id': `bench-h-${c}-${k}`, ...key() },
        {},
      );
      const t2 = performance.now();
      if (hired.status !== 201 || hired.body.state !== 'hired') {
        fail(`hire ${hired.status} ${String(hired.body.code ?? hired.body.state)}`);
        continue;
      }
      figures.hires++;
      if (t0 >= measureFrom && t2 <= end) {
        figures.applyMs.push(t1 - t0);
        figures.hireMs.push(t2 - t1);
      }
      if (t2 >= measureFrom && t2 <= end) figures.windowHires++;
    }
  }

  try {
    await Promise.all(Array.from({ length: clients }, (_, c) => client(c)));
  } finally {
    clearTimeout(windowStart);
    clearTimeout(windowEnd);
  }
  cpuAtEnd ??= process.cpuUsage(cpuAtStart);
  await profiling;
  profiler?.disconnect();
  figures.cpuMs = (cpuAtEnd.user + cpuAtEnd.system) / 1000;
  figures.loopP99Ms = loop.percentile(99) / 1e6;
  figures.loopMaxMs = loop.max / 1e6;
  figures.applyMs.sort((a, b) => a - b);
  figures.hireMs.sort((a, b) => a - b);
  return figures;
}

function snapshot(): Record<(typeof KINDS)[number], KindCounts> {
  return { ...counts };
}

/** Commits, statements and calls per application and per hire; the ledger's batches shared by hires. */
function printCosts(c: Record<(typeof KINDS)[number], KindCounts>, f: Figures): void {
  const per = (x: number, by: number) => (by > 0 ? (x / by).toFixed(2) : '-');
  const services = (k: KindCounts) =>
    [...k.commitsByService]
      .sort((a, b) => b[1] - a[1])
      .map(([s, v]) => `${s} ${per(v, k === c.apply ? f.applies : f.hires)}`)
      .join(', ');
  const calls = (k: KindCounts, by: number) =>
    [...k.calls]
      .sort((a, b) => b[1] - a[1])
      .map(([s, v]) => `${s} ${per(v, by)}`)
      .join(', ') || 'none';
  const sum = (k: KindCounts) => [...k.calls.values()].reduce((a, b) => a + b, 0);
  const hireCommits = commitsOf(c.hire) + commitsOf(c.ledger);
  console.log(
    `  per application: ${per(commitsOf(c.apply), f.applies)} commits (${services(c.apply)}), ` +
      `${per(c.apply.statements, f.applies)} SQL statements, ${per(sum(c.apply), f.applies)} cross-service calls (${calls(c.apply, f.applies)})`,
  );
  console.log(
    `  per hire: ${per(hireCommits, f.hires)} commits = ${per(c.hire.txCommits, f.hires)} transactions + ` +
      `${per(c.hire.autocommits, f.hires)} autocommit writes (${services(c.hire)}) + ${per(commitsOf(c.ledger), f.hires)} ledger batch ` +
      `(${commitsOf(c.ledger)} batches, ${per(f.hires, commitsOf(c.ledger))} holds each); ` +
      `${per(c.hire.statements + c.ledger.statements, f.hires)} SQL statements; ` +
      `${per(sum(c.hire), f.hires)} cross-service calls (${calls(c.hire, f.hires)})`,
  );
  const waits = (k: KindCounts, by: number) =>
    `${per(k.dbMs, by)} ms in SQL` +
    (k.poolWaits
      ? `, ${per(k.poolWaitMs, by)} ms waiting for a pool connection (${per(k.poolWaits, by)} waits)`
      : '');
  console.log(
    `  time summed per request: application ${waits(c.apply, f.applies)}; hire ${waits(c.hire, f.hires)}; ` +
      `ledger batches ${waits(c.ledger, f.hires)} per hire`,
  );
  console.log(
    `  per apply + hire, in the background (events, schedules): ${per(commitsOf(c.other), f.hires)} commits, ` +
      `${per(c.other.statements, f.hires)} statements, calls: ${calls(c.other, f.hires)}; ` +
      `read-only COMMITs ${KINDS.map((k) => c[k].emptyCommits).reduce((a, b) => a + b, 0)}, rollbacks ${KINDS.map((k) => c[k].rollbacks).reduce((a, b) => a + b, 0)}`,
  );
}

function orderDb(platform: Platform): Kysely<unknown> {
  return platform.services.get('order')!.db.db;
}

async function mysqlVersion(db: Kysely<unknown>): Promise<string> {
  const row = (
    await sql<{
      v: string;
      flush: unknown;
    }>`select version() as v, @@innodb_flush_log_at_trx_commit as flush`.execute(db)
  ).rows[0]!;
  return `${/mariadb/i.test(row.v) ? 'MariaDB' : 'MySQL'} ${row.v} (innodb_flush_log_at_trx_commit=${String(row.flush)})`;
}

async function dataSize(platform: Platform, dialect: BenchDialect, url: string): Promise<string> {
  const db = orderDb(platform);
  const count = async (table: string) =>
    toSafeInt(
      (await sql<{ n: unknown }>`select count(*) as n from ${sql.table(table)}`.execute(db)).rows[0]!.n,
    );
  const rows = [
    ['accounts', 'user_accounts'],
    ['jobs', 'job_jobs'],
    ['applications', 'order_applications'],
    ['orders', 'order_orders'],
    ['hired', ''],
    ['workflows', 'order_workflows'],
    ['ledger transfers', 'payment_ledger_transfers'],
  ] as const;
  const parts: string[] = [];
  for (const [label, table] of rows) {
    if (label === 'hired') {
      const hired = toSafeInt(
        (await sql<{ n: unknown }>`select count(*) as n from order_orders where state = 'hired'`.execute(db))
          .rows[0]!.n,
      );
      parts.push(`${hired} hired`);
    } else parts.push(`${await count(table)} ${label}`);
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (dialect === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return `${parts.join(', ')}; database file ${mib(size(file))}, WAL ${mib(size(`${file}-wal`))}`;
  }
  const { rows: sizes } = await sql<{ data: unknown; idx: unknown }>`
    select sum(data_length) as data, sum(index_length) as idx from information_schema.tables
    where table_schema = database()`.execute(db);
  return `${parts.join(', ')}; InnoDB data ${mib(toSafeInt(sizes[0]!.data ?? 0))}, indexes ${mib(toSafeInt(sizes[0]!.idx ?? 0))} (InnoDB's estimates, not analyzed)`;
}

console.log(
  `bench/orders: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
for (const dialect of dialects) await bench(dialect);
process.exit(0);
