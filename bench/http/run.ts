import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { RawRequest } from 'autocannon';
import {
  SERVER_GLIBC_TUNABLES,
  SERVER_NODE,
  prepareDatabase,
  startChild,
  type ChildServer,
} from './child.js';
import {
  createBenchDatabase,
  createBenchRedis,
  createBenchSecrets,
  linggongEnv,
  type BenchDialect,
  type BenchRedis,
} from './env.js';
import {
  combineSlices,
  median,
  runLoad,
  startProbe,
  waitForIdle,
  type LoadFigures,
  type ProbeFigures,
} from './load.js';
import { prng } from '../../test/support/prng.js';

/**
 * HTTP benchmarks of Linggong against a bare Fastify hello-world measured in the same run
 * (method and figures: docs/benchmarks.md, "HTTP: public profile, cache, login"). The servers run in child processes, all started up front and loaded one at
 * a time; this process is the load generator. Every case is measured in `--rounds` rounds; within a
 * round the cases take turns in `--slices` short runs each, so a case and the baseline it is
 * compared with share the same stretch of time (a burst of other work on the machine slows both),
 * and each ratio is that round's pair. The median round is reported, every round listed.
 *
 *   npm run bench:http -- --dialect sqlite --users 100000 --duration 10 --connections 50
 *   LINGGONG_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench:http -- --dialect mysql
 *
 * Cases (`--cases`, comma-separated): hello (bare Fastify), off (GET /api/v1/users/:id by random
 * id, cache off), floor (GET /healthz: Linggong's per-request cost without database or rate
 * limit), raw (MySQL only: bare Fastify doing the same reads with raw mysql2 `execute`), on (the
 * profile with the default cache), same (bare Fastify answering with the bytes of one recorded
 * cache-on response: what Linggong's code costs, apart from the size of its answer), login
 * (/healthz latency while password logins run).
 */
const { values: flags } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    users: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    slices: { type: 'string', default: '5' },
    'idle-wait': { type: 'string', default: '180' },
    'login-users': { type: 'string', default: '1000' },
    cases: { type: 'string', default: 'hello,off,floor,raw,on,same,login' },
  },
});
const dialect = flags.dialect as BenchDialect;
if (dialect !== 'sqlite' && dialect !== 'mysql') throw new Error('--dialect must be sqlite or mysql');
const users = Number(flags.users);
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const warmup = Number(flags.warmup);
const rounds = Math.max(1, Number(flags.rounds));
const slices = Math.max(1, Number(flags.slices));
// Before each run, wait up to this long for the machine to be idle (0: do not wait).
const idleWaitMs = Number(flags['idle-wait']) * 1000;
const loginUsers = Math.min(users, Number(flags['login-users']));
const cases = new Set(flags.cases.split(','));
if (dialect !== 'mysql') cases.delete('raw');
const PASSWORD = 'Bench-pass-2026';
const redisUrl = process.env.LINGGONG_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
// Extra Node flags for the Linggong servers only, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
const serverNodeArgs = (process.env.LINGGONG_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);

const log = (line: string) => console.log(line);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

function machine(): { nproc: string; cpu: string; memory: string; node: string } {
  let cpu = cpus()[0]?.model ?? 'unknown';
  let nproc = String(availableParallelism());
  try {
    cpu = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? cpu;
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // lscpu and nproc are Linux tools; os.cpus() is the fallback.
  }
  return { nproc, cpu, memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`, node: process.version };
}

function serverNodeVersion(): string {
  if (SERVER_NODE === process.execPath) return process.version;
  return execFileSync(SERVER_NODE, ['--version'], { encoding: 'utf8' }).trim();
}

/** One measured target: a server and the request it is sent. */
interface Target {
  key: string;
  label: string;
  server: ChildServer;
  next: () => RawRequest;
  /** Runs before each round's warm-up (e.g. refilling a cache whose entries expired meanwhile). */
  prepare?: () => Promise<void>;
}

async function main(): Promise<void> {
  const m = machine();
  const db = await createBenchDatabase(dialect, process.env.LINGGONG_BENCH_MYSQL_URL);
  const work = mkdtempSync(join(tmpdir(), 'linggong-bench-data-'));
  const secrets = createBenchSecrets();
  const redis: BenchRedis | undefined = dialect === 'mysql' ? createBenchRedis(redisUrl) : undefined;
  const children: ChildServer[] = [];
  try {
    // Migrate and seed through the service's own tables, in a child on the servers' Node (it can
    // open the database there, whichever Node this is); then the servers open it.
    const offEnv = linggongEnv({ databaseUrl: db.url, dataDir: join(work, 'off'), secrets });
    const seeded = await prepareDatabase({
      ...offEnv,
      BENCH_USERS: String(users),
      BENCH_LOGIN_USERS: String(loginUsers),
      BENCH_PASSWORD: PASSWORD,
    });
    const { ids, loginPhones } = seeded;
    log(
      `Linggong HTTP benchmark: ${seeded.version}, ${fmt(users)} users, ${connections} connections, ` +
        `${duration} s per case and round in ${slices} turns (after ${warmup} s warm-up), ${rounds} rounds`,
    );
    log(`  machine: ${m.nproc} cores (${m.cpu}), ${m.memory} RAM, Node ${m.node}`);
    log(`  servers' GLIBC_TUNABLES: ${SERVER_GLIBC_TUNABLES ?? 'none'}`);
    const serverNode = serverNodeVersion();
    if (SERVER_NODE !== process.execPath) log(`  servers' Node: ${serverNode} (${SERVER_NODE})`);
    if (Number(/^v(\d+)/.exec(serverNode)?.[1]) < 24)
      log(
        `  (servers on Node ${serverNode}: production runs Node 24, which carries request contexts without ` +
          `an async hook; README, "Node.js in production", and docs/benchmarks.md compare the two)`,
      );
    log(`  seeded ${fmt(users)} accounts, ${fmt(seeded.skillCount)} skills in ${fmt(seeded.ms / 1000, 1)} s`);
    // The cache-on server gets its own database: on SQLite a copy of the file, since one SQLite
    // database serves one process; on MySQL the same database, plus Redis for cache and limits.
    let onDatabaseUrl = db.url;
    if (dialect === 'sqlite') {
      mkdirSync(join(work, 'on'));
      onDatabaseUrl = `sqlite:${join(work, 'on', 'bench.db')}`;
      copyFileSync(db.url.slice('sqlite:'.length), onDatabaseUrl.slice('sqlite:'.length));
    }
    const onEnv = linggongEnv({
      databaseUrl: onDatabaseUrl,
      dataDir: join(work, 'on'),
      secrets,
      redis,
      cacheMaxEntries: Math.max(50_000, users),
    });

    const rand = prng(42);
    const randomProfile = (): RawRequest => ({
      method: 'GET',
      path: `/api/v1/users/${ids[Math.floor(rand() * ids.length)]!}`,
    });
    const start = async (
      name: string,
      script: string,
      env: Record<string, string> = {},
      args: string[] = [],
    ) => {
      const linggong = script === 'server.ts';
      const child = await startChild(name, script, env, args, linggong ? serverNodeArgs : []);
      children.push(child);
      return child;
    };

    const targets: Target[] = [];
    if (cases.has('hello')) {
      const hello = await start('hello', 'hello.ts');
      targets.push({ key: 'hello', label: 'hello-world (bare Fastify)', server: hello, next: randomProfile });
    }
    if (cases.has('off') || cases.has('floor')) {
      const off = await start('linggong-cache-off', 'server.ts', offEnv, ['--cache', 'off']);
      await checkProfile(off, ids[0]!);
      if (cases.has('off'))
        targets.push({
          key: 'off',
          label: 'GET /api/v1/users/:id cache off',
          server: off,
          next: randomProfile,
        });
      if (cases.has('floor'))
        targets.push({
          key: 'floor',
          label: 'GET /healthz (platform floor)',
          server: off,
          next: () => ({ method: 'GET', path: '/healthz' }),
        });
    }
    if (cases.has('raw')) {
      const raw = await start('raw-mysql', 'raw-mysql.ts', { BENCH_MYSQL_URL: db.url });
      await checkProfile(raw, ids[0]!);
      targets.push({
        key: 'raw',
        label: 'raw mysql2 execute, same statement',
        server: raw,
        next: randomProfile,
      });
    }
    let on: ChildServer | undefined;
    const startOn = async () => {
      on = await start('linggong', 'server.ts', onEnv);
      await checkProfile(on, ids[0]!);
      return on;
    };
    if (cases.has('on') || cases.has('login') || cases.has('same')) await startOn();
    if (on && cases.has('on')) {
      // Steady state, not a cold start: read every profile before each round (the in-memory cache
      // is sized to hold them all, LINGGONG_CACHE_MAX_ENTRIES). The first read of a profile fills
      // the cache from the database; with Redis a second read fills the process's near cache (a
      // process does not keep what it wrote itself: docs/architecture.md, "Cache").
      // Profiles are cached for 5 minutes and a read does not extend that, so profiles filled in
      // one round would all expire in the middle of a later one, which would then measure database
      // reads. So from the second round on the fill starts from an empty cache: a new server
      // process, and with Redis the previous fill's keys deleted.
      const target: Target = {
        key: 'on',
        label: 'GET /api/v1/users/:id cache on',
        server: on,
        next: randomProfile,
      };
      const fillReads = redis ? 2 : 1;
      let filled = false;
      target.prepare = async () => {
        if (filled) {
          await target.server.stop();
          if (redis) await redis.cleanup();
          target.server = await startOn();
        }
        filled = true;
        let i = 0;
        const started = performance.now();
        await runLoad({
          name: 'cache fill',
          url: target.server.url,
          connections,
          amount: ids.length * fillReads,
          next: () => ({ method: 'GET', path: `/api/v1/users/${ids[i++ % ids.length]!}` }),
        });
        log(
          `    (cache filled with ${fmt(ids.length)} profiles in ${fmt((performance.now() - started) / 1000, 1)} s)`,
        );
      };
      targets.push(target);
    }

    if (on && cases.has('same')) {
      const same = await start('same-bytes', 'replay.ts', { BENCH_REPLAY: await recordProfile(on, ids[0]!) });
      await checkProfile(same, ids[0]!);
      targets.push({
        key: 'same',
        label: 'bare Fastify, same bytes as cache on',
        server: same,
        next: randomProfile,
      });
    }

    /** Waits for an idle machine; says so when it is still busy (other work skews that run). */
    const idle = async () => {
      if (idleWaitMs <= 0) return;
      const w = await waitForIdle(idleWaitMs);
      if (!w.idle)
        log(`    (machine still busy after ${fmt(w.waitedMs / 1000)} s: the next run shares the cores)`);
    };

    // Rounds: fill what needs filling, wait for an idle machine, warm every target up, then let the
    // targets take turns in short slices (same stretch of time for every case and its baseline).
    const runs = new Map<string, LoadFigures[]>();
    for (let round = 1; round <= rounds; round++) {
      log(`  round ${round}`);
      for (const t of targets) await t.prepare?.();
      await idle();
      if (warmup > 0)
        for (const t of targets)
          await runLoad({ name: t.label, url: t.server.url, connections, duration: warmup, next: t.next });
      const sliced = new Map<string, LoadFigures[]>();
      for (let slice = 0; slice < slices; slice++) {
        for (const t of targets) {
          const f = await runLoad({
            name: t.label,
            url: t.server.url,
            connections,
            duration: duration / slices,
            next: t.next,
            pid: t.server.pid,
          });
          sliced.set(t.key, [...(sliced.get(t.key) ?? []), f]);
        }
      }
      for (const t of targets) {
        const f = combineSlices(sliced.get(t.key)!);
        runs.set(t.key, [...(runs.get(t.key) ?? []), f]);
        const turns = sliced.get(t.key)!.map((s) => fmt(s.rps));
        log(`    ${line(t.label, f)}   turns: ${turns.join(' / ')}`);
      }
    }

    const probes: { idle: ProbeFigures; login: ProbeFigures; load: LoadFigures }[] = [];
    if (on && cases.has('login')) {
      const login = (): RawRequest => ({
        method: 'POST',
        path: '/api/v1/auth/login/password',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          phone: loginPhones[Math.floor(rand() * loginPhones.length)]!,
          password: PASSWORD,
        }),
      });
      // One login first: the first token creates the signing key (steady state, not a cold start).
      const first = login();
      const res = await fetch(`${on.url}${first.path!}`, {
        method: 'POST',
        headers: first.headers,
        body: first.body as string,
      });
      if (res.status !== 200) throw new Error(`login answered ${res.status}: ${await res.text()}`);
      // Warmed up like every other case (the login path compiled, its tables and WAL grown); each
      // round then waits for the machine to be idle, so the logins still queued behind the warm-up
      // are done before the idle probe starts.
      if (warmup > 0)
        await runLoad({ name: 'login', url: on.url, connections, duration: warmup, next: login });
      for (let round = 1; round <= rounds; round++) {
        await idle();
        const idleProbe = startProbe(`${on.url}/healthz`);
        await new Promise((r) => setTimeout(r, duration * 1000));
        const quiet = await idleProbe.stop();
        const probe = startProbe(`${on.url}/healthz`);
        const load = await runLoad({ name: 'login', url: on.url, connections, duration, next: login });
        probes.push({ idle: quiet, login: await probe.stop(), load });
        const p = probes.at(-1)!;
        log(`  login round ${round}: ${line('POST /api/v1/auth/login/password', load, 1)}`);
        log(`    /healthz at 100/s, idle:         ${probeLine(p.idle)}`);
        log(`    /healthz at 100/s, during login: ${probeLine(p.login)}`);
      }
    }

    // Summary: the median round of each target; each ratio is the median of its rounds' pairs.
    const medianRound = (key: string): LoadFigures | undefined => {
      const all = runs.get(key);
      return all ? median(all, (f) => f.rps) : undefined;
    };
    log('');
    log(`Summary (median of ${rounds} rounds; req/s, latency p50/p99 in ms)`);
    for (const t of targets) {
      const all = runs.get(t.key)!.map((f) => fmt(f.rps));
      log(`  ${line(t.label, medianRound(t.key)!)}   rounds: ${all.join(' / ')}`);
    }
    /** A over B in each round (the same stretch of time), the median round first, then all. */
    const ratio = (a: string, b: string, target: string): string => {
      const x = runs.get(a);
      const y = runs.get(b);
      if (!x || !y) return 'n/a';
      const pairs = x.map((f, i) => (100 * f.rps) / y[i]!.rps);
      const mid = median(pairs, (r) => r);
      return `${fmt(mid, 1)} %   (${target})   rounds: ${pairs.map((r) => fmt(r, 1)).join(' / ')} %`;
    };
    log('Ratios (median round)');
    log(`  cache off / hello-world:                ${ratio('off', 'hello', 'target >= 45 % on SQLite')}`);
    if (dialect === 'mysql') {
      log(
        `  cache off / raw mysql2:                 ${ratio('off', 'raw', 'the same statement; target >= 80 %')}`,
      );
    }
    log(`  cache on / hello-world:                 ${ratio('on', 'hello', 'target >= 70 %')}`);
    log(`  cache on / same bytes:                  ${ratio('on', 'same', 'no target')}`);
    log(`  same bytes / hello-world:               ${ratio('same', 'hello', 'the size of the answer')}`);
    log(`  /healthz / hello-world:                 ${ratio('floor', 'hello', 'no target')}`);
    if (probes.length) {
      // The median round (of an even count, the slower middle one), like the ratios; every round is
      // listed, so a stall of the host shows.
      const mid = median(probes, (p) => -p.login.p99);
      log(
        `  /healthz p99 during logins:             ${fmt(mid.login.p99, 2)} ms   (target < 10 ms)   ` +
          `rounds: ${probes.map((p) => fmt(p.login.p99, 1)).join(' / ')} ms`,
      );
    }
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    await db.drop();
    rmSync(work, { recursive: true, force: true });
    if (redis) await redis.cleanup();
  }
}

function line(label: string, f: LoadFigures, digits = 0): string {
  const extra = f.non2xx || f.errors ? `  (non-2xx ${f.non2xx}, errors ${f.errors})` : '';
  const cpu = Number.isNaN(f.serverCpuUs)
    ? ''
    : `  server ${fmt(f.serverCpuUs)} µs/req, load ${fmt(f.loadCpuUs)} µs/req`;
  return `${label.padEnd(40)} ${fmt(f.rps, digits).padStart(7)} req/s  p50 ${f.p50}  p99 ${f.p99}${cpu}${extra}`;
}

function probeLine(p: ProbeFigures): string {
  return (
    `p50 ${fmt(p.p50, 2)} ms  p99 ${fmt(p.p99, 2)} ms  max ${fmt(p.max, 2)} ms ` +
    `(${p.samples} requests${p.failures ? `, ${p.failures} failed` : ''})`
  );
}

/** Fails fast if a server does not answer the profile of a seeded user. */
async function checkProfile(server: ChildServer, id: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/users/${id}`);
  const body = (await res.json()) as { id?: string };
  if (res.status !== 200 || body.id !== id)
    throw new Error(`${server.name}: GET /api/v1/users/${id} answered ${res.status} ${JSON.stringify(body)}`);
}

/** Headers Node's HTTP server writes itself: replay.ts does not set them. */
const NODE_WRITES = new Set(['date', 'connection', 'keep-alive', 'content-length', 'transfer-encoding']);

/**
 * One cache-on profile response as `BENCH_REPLAY` for replay.ts: its headers (but NODE_WRITES) and
 * body. The profile is read once first, so the recorded answer is a cache hit like the measured ones.
 */
async function recordProfile(server: ChildServer, id: string): Promise<string> {
  const url = `${server.url}/api/v1/users/${id}`;
  await (await fetch(url)).text();
  const res = await fetch(url);
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => {
    if (!NODE_WRITES.has(name)) headers[name] = value;
  });
  return JSON.stringify({ headers, body: await res.text() });
}

await main();
