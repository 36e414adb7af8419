/**
 * bench/gateway — the same three requests on the platform as it is deployed in each topology, in one
 * run: all-in-one (one `linggong serve` on the embedded defaults, plain HTTP), split behind nginx
 * with one HTTP process per service, and split with two per service (test/support/topology.ts:
 * per service `serve --services X --no-workers` ×N and one `worker --services X`; search N
 * `serve --services search`, each with its own replica of the index; a MariaDB database per
 * service, one Redis, nginx from deploy/nginx with TLS).
 *
 *   npm run bench:gateway -- --mysql mysql://root@127.0.0.1:3306/test --redis redis://127.0.0.1:6379
 *   npm run bench:gateway -- --topologies all-in-one        # without the servers: all-in-one only
 *
 * For each topology in turn: start it, seed through the API (one employer funded by sandbox
 * top-ups; `--jobs` open jobs of one shift each around one point in Shanghai, each for up to
 * `--workers` people; `--workers` workers who each apply to the first jobs until there are enough
 * applications for the warm-up hires and `--hires`), wait until search finds every job, then
 * measure, each after a warm-up of its own:
 *   read    GET /api/v1/jobs/:id, a random one of the seeded jobs (the public view, cached);
 *   search  GET /api/v1/search/jobs?q=…&lng&lat&coord=wgs84&radius=5000, a random word of five and
 *           a random point within about 2 km;
 *   hire    POST /api/v1/applications/:id/hire, each on an application of its own (escrow held).
 * Read and search run `--duration` seconds on `--connections` keep-alive connections, the hires
 * `--hires` requests on `--hire-connections`. The load generator is autocannon in this process; the
 * split topology is measured through nginx's TLS listener as deployed (autocannon does not check
 * the certificate; the handshake happens once per connection). The app's rate limits are raised
 * by topology.ts, nginx's by `gatewayLimits: 'off'`. Every answer must be 2xx (a hire: 201 and the
 * order `hired`); others are counted and the first few printed.
 *
 * Printed: the machine, the data, per case req/s, latency p50/p99, failures, and the CPU per request
 * of the topology's processes by group (service, nginx), of MariaDB + Redis (every user of them on
 * the host counts) and of this load generator; the CPU the topology's processes use idle (5 s
 * without requests, 10 s after the seeding); the load average before and after each topology; for
 * split, that nginx's access log shows no request sent to a worker's listener.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon, { type RawRequest } from 'autocannon';
import type { Topology, ApiAnswer } from '../../test/support/topology.js';
import { connectServer } from '../../test/support/databases.js';
import { prng } from '../../test/support/prng.js';
import { machine } from '../search/workload.js';
import { cpuByGroup, cpuPerRequest } from './procs.js';

declare module 'autocannon' {
  interface RequestSpec {
    /** Called with every answer (autocannon 8's `onResponse`). */
    onResponse?: (status: number, body: string) => void;
  }
}

const { values: args } = parseArgs({
  options: {
    mysql: { type: 'string' },
    redis: { type: 'string' },
    topologies: { type: 'string', default: 'all-in-one,split-1,split-2' },
    jobs: { type: 'string', default: '200' },
    workers: { type: 'string', default: '20' },
    hires: { type: 'string', default: '300' },
    'warmup-hires': { type: 'string', default: '16' },
    duration: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '5' },
    connections: { type: 'string', default: '32' },
    'hire-connections': { type: 'string', default: '8' },
  },
});
const n = (name: keyof typeof args) => Number(args[name]);
const mysqlUrl = args.mysql ?? (process.env.LINGGONG_BENCH_MYSQL_URL || undefined);
const redisUrl = args.redis ?? (process.env.LINGGONG_BENCH_REDIS_URL || undefined);
// topology.ts reads the servers from the test environment when it is first imported.
if (mysqlUrl) process.env.LINGGONG_TEST_MYSQL_URL = mysqlUrl;
if (redisUrl) process.env.LINGGONG_TEST_REDIS_URL = redisUrl;
const { startAllInOne, startSplit } = await import('../../test/support/topology.js');

const JOBS = n('jobs');
const WORKERS = n('workers');
const HIRES = n('hires');
const WARMUP_HIRES = n('warmup-hires');
// Jobs each worker applies to: enough applications for every hire (at most 20 open per worker,
// LINGGONG_ORDER_MAX_OPEN_APPLICATIONS' default).
const APPLIED_JOBS = Math.ceil((HIRES + WARMUP_HIRES) / WORKERS);
if (APPLIED_JOBS > 20) throw new Error('more than 20 applications per worker: raise --workers');
if (APPLIED_JOBS > JOBS) throw new Error('--jobs must be at least the jobs each worker applies to');
if (WORKERS + 1 > 30) throw new Error('at most 29 workers: 30 SMS codes per client IP and day');
const DURATION = n('duration');
const WARMUP = n('warmup');
const CONNECTIONS = n('connections');
const HIRE_CONNECTIONS = n('hire-connections');
const SITE = { lng: 121.5272106, lat: 31.1774276 };
const DAILY_FEN = 20_000;
/** A hire holds the day's pay and the platform's 5 % fee. */
const HELD_PER_HIRE_FEN = 21_000;
const TOPUP_MAX_FEN = 5_000_000;

const log = (line: string) => console.log(line);
const fmt = (x: number, digits = 0) =>
  x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

// The jobs: five kinds of work (as the demo data), so a query ranks a mix of matches and others.
const KINDS = [
  {
    title: '商场日常保洁 日结200元',
    category: 'housekeeping.cleaner',
    description: '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
  },
  {
    title: '餐厅传菜员 午晚市',
    category: 'food.waiter',
    description: '中餐厅午市和晚市点单、传菜、翻台，提供工作餐，当天结算。',
  },
  {
    title: '快递分拣 白班',
    category: 'logistics.sorter',
    description: '快递网点分拣：按目的地扫码分拣包裹，多劳多得，当天结算。',
  },
  {
    title: '超市饮品促销员',
    category: 'retail.promoter',
    description: '超市饮品区试饮推广与理货，普通话流利，统一提供工装，当天结算。',
  },
  {
    title: '家庭深度保洁 开荒',
    category: 'housekeeping.deep_clean',
    description: '新房开荒与家庭深度保洁，工具由公司提供，两人一组，当天结算。',
  },
];
const QUERIES = ['保洁', '传菜', '分拣', '促销', '深度保洁'];

interface Account {
  token: string;
  userId: string;
}

function ok(what: string, answer: ApiAnswer, status = 200): ApiAnswer {
  if (answer.status !== status)
    throw new Error(`${what} answered ${answer.status}: ${answer.text.slice(0, 500)}`);
  return answer;
}

/** Runs `fn` over 0..count-1, `width` at a time. */
async function pool(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

let phoneSeq = 0;
function newPhone(): string {
  // 139 + 8 digits, unique within the run and across runs on the same day.
  return `139${String((Date.now() % 1e6) * 100 + phoneSeq++)
    .padStart(8, '0')
    .slice(-8)}`;
}

async function signIn(t: Topology, role: 'worker' | 'employer'): Promise<Account> {
  const phone = newPhone();
  const code = await t.smsCode(phone, async () => {
    ok(
      'sms-codes',
      await t.call('POST', '/api/v1/auth/sms-codes', { body: { phone, purpose: 'login' } }),
      202,
    );
  });
  const login = ok('login', await t.call('POST', '/api/v1/auth/login/sms', { body: { phone, code, role } }));
  return { token: login.json.accessToken as string, userId: login.json.userId as string };
}

interface Seeded {
  jobIds: string[];
  /** Applications to hire, in the order they are hired: consecutive ones on different jobs. */
  applications: string[];
  employer: Account;
  ms: number;
}

/** Seeds one topology through its API (see the header). */
async function seed(t: Topology): Promise<Seeded> {
  const started = Date.now();
  const employer = await signIn(t, 'employer');
  const workers: Account[] = [];
  for (let i = 0; i < WORKERS; i++) workers.push(await signIn(t, 'worker'));

  const needFen = (HIRES + WARMUP_HIRES) * HELD_PER_HIRE_FEN;
  for (let k = 0; k * TOPUP_MAX_FEN < needFen; k++) {
    const amountFen = Math.min(TOPUP_MAX_FEN, needFen - k * TOPUP_MAX_FEN);
    const topup = ok(
      'top-up',
      await t.call('POST', '/api/v1/payments', {
        body: { channel: 'sandbox', amountFen },
        token: employer.token,
        headers: { 'idempotency-key': `bench-topup-${employer.userId}-${k}` },
      }),
      201,
    );
    // The sandbox channel keeps a top-up in the memory of the process that created it: with two
    // payment processes behind nginx, the pay is asked again until it reaches that one.
    let paid: ApiAnswer | undefined;
    for (let attempt = 0; attempt < 8 && paid?.status !== 200; attempt++)
      paid = await t.call('POST', `/api/v1/payments/sandbox/${topup.json.id}/pay`, {
        body: {},
        token: employer.token,
      });
    ok('sandbox pay', paid!);
    if (paid!.json.status !== 'paid') throw new Error(`top-up ${String(paid!.json.status)}`);
  }

  const rand = prng(7);
  const iso = (ms: number) => new Date(ms).toISOString();
  const jobIds = new Array<string>(JOBS);
  const shiftIds = new Array<string>(JOBS);
  await pool(JOBS, 4, async (i) => {
    const kind = KINDS[i % KINDS.length]!;
    const startsAt = Date.now() + (48 + (i % 24)) * 3_600_000;
    const draft = ok(
      'create job',
      await t.call('POST', '/api/v1/jobs', {
        token: employer.token,
        headers: { 'idempotency-key': `bench-job-${employer.userId}-${i}` },
        body: {
          title: `${kind.title} ${i + 1}号`,
          description: kind.description,
          category: kind.category,
          pay: { type: 'daily', amountFen: DAILY_FEN },
          settlement: 'daily',
          shifts: [{ startsAt: iso(startsAt), endsAt: iso(startsAt + 8 * 3_600_000), headcount: WORKERS }],
          // No verified age needed to apply (as bench/orders).
          requirements: { minAge: 16 },
          contact: { name: '王经理', phone: '13912345678' },
          place: {
            address: '上海市浦东新区世纪大道100号',
            city: '上海市',
            location: {
              lng: SITE.lng + (rand() - 0.5) * 0.08,
              lat: SITE.lat + (rand() - 0.5) * 0.06,
              system: 'wgs84',
            },
          },
        },
      }),
      201,
    );
    const open = ok(
      'submit job',
      await t.call('POST', `/api/v1/jobs/${draft.json.id}/submit`, {
        body: { version: draft.json.version },
        token: employer.token,
      }),
    );
    if (open.json.status !== 'open')
      throw new Error(`job ${String(draft.json.id)} is ${String(open.json.status)}`);
    jobIds[i] = draft.json.id as string;
    shiftIds[i] = draft.json.shifts[0].id as string;
  });

  // Application (w, j): worker w on job j; hired in the order j + w × APPLIED_JOBS, so hires running
  // together are on different jobs (and shifts).
  const applications = new Array<string>(WORKERS * APPLIED_JOBS);
  await pool(WORKERS * APPLIED_JOBS, 8, async (i) => {
    const w = Math.floor(i / APPLIED_JOBS);
    const j = i % APPLIED_JOBS;
    const applied = ok(
      'apply',
      await t.call('POST', `/api/v1/jobs/${jobIds[j]!}/shifts/${shiftIds[j]!}/applications`, {
        body: { note: '有相关经验' },
        token: workers[w]!.token,
      }),
      201,
    );
    applications[i] = applied.json.application.id as string;
  });

  // Search learns of jobs through events: wait until it finds all of them, in four answers in a
  // row (nginx spreads them over the replicas of the index). Replicas still short after 120 s are
  // reported, and the run goes on with them.
  const totals: number[] = [];
  for (let found = 0, deadline = Date.now() + 120_000; found < 4;) {
    const page = ok(
      'search',
      await t.call('GET', `/api/v1/search/jobs?lng=${SITE.lng}&lat=${SITE.lat}&coord=wgs84&radius=20000`),
    );
    const total = page.json.total.value as number;
    totals.push(total);
    found = total >= JOBS ? found + 1 : 0;
    if (Date.now() > deadline) {
      log(`    search still short after 120 s: the last answers found ${totals.slice(-8).join(', ')} jobs`);
      break;
    }
    if (found === 0) await new Promise((r) => setTimeout(r, 250));
  }
  return { jobIds, applications, employer, ms: Date.now() - started };
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  failures: number;
  /** CPU µs per request by process group. */
  cpu: Map<string, number>;
}

/** One load run; every answer is checked by `check` (true: as expected). */
async function load(
  t: Topology,
  options: { duration?: number; amount?: number; connections: number; next: () => RawRequest },
  check: (status: number, body: string) => boolean,
  group: (pid: number, comm: string) => string,
): Promise<Figures> {
  let failures = 0;
  const shown: string[] = [];
  const before = cpuByGroup(group);
  const result = await autocannon({
    url: t.url,
    // autocannon refuses more connections than requests.
    connections: options.amount ? Math.min(options.connections, options.amount) : options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration }),
    timeout: 30,
    requests: [
      {
        setupRequest: (req) => ({ ...req, ...options.next() }),
        onResponse: (status, body) => {
          if (check(status, body)) return;
          failures++;
          if (shown.length < 5) shown.push(`${status} ${body.slice(0, 300)}`);
        },
      },
    ],
  });
  const cpu = cpuPerRequest(before, cpuByGroup(group), result.requests.total);
  for (const s of shown) log(`      failed: ${s}`);
  return {
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: failures + result.errors + result.timeouts,
    cpu,
  };
}

type Case = 'read' | 'search' | 'hire';
const CASES: Record<Case, string> = {
  read: 'GET /api/v1/jobs/:id (cached)',
  search: 'GET /api/v1/search/jobs',
  hire: 'POST /api/v1/applications/:id/hire',
};

/** CPU µs per request of the topology's own processes (services, nginx). */
function topologyUs(f: Figures): number {
  let us = 0;
  for (const [k, v] of f.cpu) if (k !== 'client' && k !== 'mariadb+redis') us += v;
  return us;
}

const IDLE_MS = 5_000;

async function measure(
  t: Topology,
  data: Seeded,
): Promise<{ cases: Map<Case, Figures>; idleMsPerS: number }> {
  // Process groups for the CPU figures: a service's HTTP processes, its worker, nginx.
  const names = new Map<number, string>();
  for (const p of t.processes.values())
    if (p.child.pid)
      names.set(
        p.child.pid,
        p.name.endsWith('-worker') ? p.name.replace('-', ' ') : p.name.replace(/-\d+$/, ''),
      );
  const group = (pid: number, comm: string) => names.get(pid) ?? (comm === 'nginx' ? 'nginx' : 'linggong');

  const rand = prng(11);
  const pick = <T>(items: readonly T[]) => items[Math.floor(rand() * items.length)]!;
  const read = (): RawRequest => ({ method: 'GET', path: `/api/v1/jobs/${pick(data.jobIds)}` });
  const search = (): RawRequest => {
    const lng = (SITE.lng + (rand() - 0.5) * 0.04).toFixed(5);
    const lat = (SITE.lat + (rand() - 0.5) * 0.03).toFixed(5);
    const q = encodeURIComponent(pick(QUERIES));
    return {
      method: 'GET',
      path: `/api/v1/search/jobs?q=${q}&lng=${lng}&lat=${lat}&coord=wgs84&radius=5000`,
    };
  };
  let hired = 0;
  const hire = (): RawRequest => {
    const id = data.applications[hired++];
    if (!id) throw new Error('out of applications to hire');
    return {
      method: 'POST',
      path: `/api/v1/applications/${id}/hire`,
      headers: {
        authorization: `Bearer ${data.employer.token}`,
        'content-type': 'application/json',
        'idempotency-key': `bench-hire-${id}`,
      },
      body: '{}',
    };
  };
  const is2xx = (status: number) => status >= 200 && status < 300;
  const isHired = (status: number, body: string) => {
    try {
      return status === 201 && (JSON.parse(body) as { state?: string }).state === 'hired';
    } catch {
      return false; // not JSON
    }
  };

  const out = new Map<Case, Figures>();
  const report = (c: Case, f: Figures) => {
    out.set(c, f);
    // The topology's groups (service processes, nginx) by CPU; the smallest lumped together.
    const own = [...f.cpu]
      .filter(([k]) => k !== 'client' && k !== 'mariadb+redis')
      .sort((a, b) => b[1] - a[1]);
    const shown = own.filter(([, us]) => us >= 0.05 * topologyUs(f));
    const rest = own.slice(shown.length);
    const parts = shown.map(([k, us]) => `${k} ${fmt(us)}`);
    if (rest.length) parts.push(`${rest.length} others ${fmt(rest.reduce((a, [, us]) => a + us, 0))}`);
    log(
      `    ${CASES[c].padEnd(36)} ${fmt(f.rps, 1).padStart(8)} req/s  p50 ${f.p50} ms  p99 ${f.p99} ms  ` +
        `(${fmt(f.requests)} requests, ${f.failures} failed)`,
    );
    log(
      `      CPU µs/request: topology ${fmt(topologyUs(f))} (${parts.join(', ')}); ` +
        `mariadb+redis ${fmt(f.cpu.get('mariadb+redis') ?? 0)}; client ${fmt(f.cpu.get('client') ?? 0)}`,
    );
  };
  // What the processes use with no request: polling queues, relays, schedules.
  const idleBefore = cpuByGroup(group);
  await new Promise((r) => setTimeout(r, IDLE_MS));
  const idle = cpuPerRequest(idleBefore, cpuByGroup(group), 1);
  idle.delete('client');
  idle.delete('mariadb+redis');
  const idleMsPerS = [...idle.values()].reduce((a, us) => a + us, 0) / IDLE_MS;
  log(`    idle: the topology's processes use ${fmt(idleMsPerS)} ms of CPU a second`);
  await load(t, { duration: WARMUP, connections: CONNECTIONS, next: read }, is2xx, group);
  report('read', await load(t, { duration: DURATION, connections: CONNECTIONS, next: read }, is2xx, group));
  await load(t, { duration: WARMUP, connections: CONNECTIONS, next: search }, is2xx, group);
  report(
    'search',
    await load(t, { duration: DURATION, connections: CONNECTIONS, next: search }, is2xx, group),
  );
  await load(t, { amount: WARMUP_HIRES, connections: HIRE_CONNECTIONS, next: hire }, isHired, group);
  report('hire', await load(t, { amount: HIRES, connections: HIRE_CONNECTIONS, next: hire }, isHired, group));
  return { cases: out, idleMsPerS };
}

async function mariadbVersion(): Promise<string> {
  if (!mysqlUrl) return 'none';
  const conn = await connectServer(mysqlUrl);
  const [rows] = await conn.query('select version() as v');
  await conn.end();
  return (rows as { v: string }[])[0]!.v;
}

const load1 = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

async function main(): Promise<void> {
  const wanted = args.topologies.split(',');
  const split = Boolean(mysqlUrl && redisUrl);
  if (!split && wanted.some((w) => w.startsWith('split')))
    log('(split needs --mysql and --redis: measuring all-in-one only)');
  const topologies = wanted.filter((w) => w === 'all-in-one' || (split && /^split-\d+$/.test(w)));
  // nginx -v writes its version to stderr.
  const nginx = split ? spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr : '';
  log(
    `Linggong gateway benchmark: ${topologies.join(', ')}; ${fmt(JOBS)} jobs, ${WORKERS} workers, ` +
      `${fmt(HIRES)} hires (+${WARMUP_HIRES} warm-up); read and search ${DURATION} s on ${CONNECTIONS} ` +
      `connections after ${WARMUP} s warm-up, hires on ${HIRE_CONNECTIONS}`,
  );
  log(`  machine: ${machine()}; client, nginx, every process and the databases share the cores`);
  log(`  MariaDB ${await mariadbVersion()}; nginx ${nginx.trim() || 'none'}`);

  const results = new Map<string, { cases: Map<Case, Figures>; idleMsPerS: number }>();
  for (const name of topologies) {
    const replicas = name === 'all-in-one' ? 0 : Number(name.slice('split-'.length));
    const label = replicas ? `split ×${replicas}` : 'all-in-one';
    log(`\n  ${label}: load average ${load1()} before`);
    const started = Date.now();
    const t = replicas ? await startSplit({ replicas, gatewayLimits: 'off' }) : await startAllInOne();
    // Interrupted: the topology's processes, databases and files go too.
    const interrupted = () => void t.stop().finally(() => process.exit(130));
    process.once('SIGINT', interrupted);
    try {
      log(
        `    started in ${fmt((Date.now() - started) / 1000, 1)} s: ` +
          (replicas ? `${t.processes.size} processes + nginx at ${t.url}` : `one process at ${t.url}`),
      );
      const data = await seed(t);
      log(
        `    seeded in ${fmt(data.ms / 1000, 1)} s: ${fmt(JOBS)} open jobs, ${WORKERS} workers, ` +
          `${fmt(data.applications.length)} applications`,
      );
      // Let the seeding's events (conversations, notifications, index updates) settle first.
      await new Promise((r) => setTimeout(r, 10_000));
      results.set(label, await measure(t, data));
      if (replicas) {
        // Every request went to a serve process: none to a worker's listener.
        const workers = new Set(
          [...t.processes.values()].filter((p) => p.name.endsWith('-worker')).map((p) => p.address?.slice(7)),
        );
        const entries = t.accessLog();
        const toWorkers = entries.filter((e) => workers.has(String(e.upstream))).length;
        log(`    nginx access log: ${fmt(entries.length)} requests, ${toWorkers} of them to a worker`);
      }
    } catch (e) {
      // What the processes said last, and which of them ended, for the failure's cause.
      for (const p of t.processes.values())
        if (p.child.exitCode !== null || p.child.signalCode !== null)
          log(`    ${p.name} ended (${String(p.child.exitCode ?? p.child.signalCode)})`);
      log(t.output().slice(-6000));
      throw e;
    } finally {
      process.off('SIGINT', interrupted);
      await t.stop();
    }
    log(`    load average ${load1()} after`);
  }

  log("\nSummary: req/s; latency p50 / p99 ms; CPU of the topology's processes per request, µs");
  log('  (failed: not 2xx, or a hire not 201 with the order `hired`)');
  const width = 30;
  log(`  ${''.padEnd(36)}${[...results.keys()].map((k) => k.padStart(width)).join('')}`);
  for (const c of ['read', 'search', 'hire'] as Case[]) {
    const cells = [...results.values()].map(({ cases }) => {
      const f = cases.get(c)!;
      const failed = f.failures ? ` ${f.failures} failed` : '';
      return `${fmt(f.rps, 1)}  ${f.p50} / ${f.p99}  ${fmt(topologyUs(f))}${failed}`.padStart(width);
    });
    log(`  ${CASES[c].padEnd(36)}${cells.join('')}`);
  }
  const idle = [...results.values()].map((r) => `${fmt(r.idleMsPerS)} ms/s`.padStart(width));
  log(`  ${'idle CPU of the processes'.padEnd(36)}${idle.join('')}`);
}

await main();
