import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildPlatform } from '../../src/app.js';
import { systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createPiiCipher } from '../../src/platform/pii.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { hashPassword } from '../../src/services/user/passwords.js';
import type { UserDB } from '../../src/services/user/user.db.js';
import { startChild, type ChildServer } from './child.js';
import {
  createBenchDatabase,
  createBenchRedis,
  createBenchSecrets,
  linggongEnv,
  type BenchDialect,
  type BenchRedis,
} from './env.js';
import { runLoad, startProbe, type LoadFigures, type ProbeFigures } from './load.js';
import { prng, seedUsers } from './seed.js';

/**
 * HTTP benchmarks of Linggong against a bare Fastify hello-world measured in the same run
 * (docs/benchmarks.md). The servers run in child processes; this process is the load generator.
 *
 *   npm run bench:http -- --dialect sqlite --users 100000 --duration 10 --connections 50
 *   LINGGONG_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test npm run bench:http -- --dialect mysql
 *
 * Cases: the public profile GET /api/v1/users/:id by random id with the cache off and on, the raw
 * mysql2 baseline (MySQL only), and /healthz latency while password logins (scrypt) run.
 */
const { values: flags } = parseArgs({
  options: {
    dialect: { type: 'string', default: 'sqlite' },
    users: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    warmup: { type: 'string', default: '3' },
    'login-users': { type: 'string', default: '1000' },
    cases: { type: 'string', default: 'hello,off,raw,on,login' },
  },
});
const dialect = flags.dialect as BenchDialect;
if (dialect !== 'sqlite' && dialect !== 'mysql') throw new Error('--dialect must be sqlite or mysql');
const users = Number(flags.users);
const duration = Number(flags.duration);
const connections = Number(flags.connections);
const warmup = Number(flags.warmup);
const loginUsers = Math.min(users, Number(flags['login-users']));
const cases = new Set(flags.cases.split(','));
const PASSWORD = 'Bench-pass-2026';
const redisUrl = process.env.LINGGONG_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

function machine(): Record<string, string> {
  let model = cpus()[0]?.model ?? 'unknown';
  try {
    model = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? model;
  } catch {
    // lscpu is Linux only; os.cpus() is the fallback.
  }
  let nproc = String(availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // idem
  }
  return {
    nproc,
    cpu: model,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    node: process.version,
  };
}

const log = (line: string) => console.log(line);
const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const rand = prng(42);
const pickIndex = (n: number) => Math.floor(rand() * n);

async function measure(
  name: string,
  server: ChildServer,
  next: Parameters<typeof runLoad>[0]['next'],
): Promise<LoadFigures> {
  if (warmup > 0) await runLoad({ name, url: server.url, connections, duration: warmup, next });
  const figures = await runLoad({ name, url: server.url, connections, duration, next });
  log(
    `  ${name.padEnd(34)} ${fmt(figures.rps).padStart(8)} req/s  p50 ${figures.p50} ms  p99 ${figures.p99} ms` +
      (figures.non2xx || figures.errors ? `  (non-2xx ${figures.non2xx}, errors ${figures.errors})` : ''),
  );
  return figures;
}

async function main(): Promise<void> {
  const m = machine();
  const db = await createBenchDatabase(dialect, process.env.LINGGONG_BENCH_MYSQL_URL);
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-bench-data-'));
  const secrets = createBenchSecrets();
  const redis: BenchRedis | undefined = dialect === 'mysql' ? createBenchRedis(redisUrl) : undefined;
  const children: ChildServer[] = [];
  const results: Record<string, LoadFigures> = {};
  let probes: { idle?: ProbeFigures; login?: ProbeFigures } = {};
  log(
    `Linggong HTTP benchmark — ${db.version}, ${fmt(users)} users, ${connections} connections, ${duration} s`,
  );
  log(`  machine: ${m.nproc} cores (${m.cpu}), ${m.memory}, Node ${m.node}`);
  try {
    // Migrate and seed through the service's own tables, then close: the server opens the database.
    const baseEnv = linggongEnv({ databaseUrl: db.url, dataDir, secrets });
    const config = loadConfig({ knownServices: ALL_SERVICES.map((s) => s.name), env: baseEnv });
    const platform = await buildPlatform({ config });
    let ids: string[];
    let loginPhones: string[];
    try {
      await platform.migrate('up');
      const sdb = platform.services.get('user')!.db as ServiceDatabase<UserDB>;
      // The same key ring and lookup-hash secret as the user service (src/services/user/index.ts).
      const pii = createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`);
      const seeded = await seedUsers({
        sdb,
        pii,
        users,
        loginUsers,
        passwordHash: await hashPassword(PASSWORD),
        now: systemClock.now(),
      });
      ({ ids, loginPhones } = seeded);
      log(
        `  seeded ${fmt(users)} accounts and ${fmt(seeded.skillRows)} skills in ${fmt(seeded.ms / 1000, 1)} s`,
      );
    } finally {
      await platform.close();
    }
    const profile = () => ({ method: 'GET', path: `/api/v1/users/${ids[pickIndex(ids.length)]!}` });

    if (cases.has('hello')) {
      const hello = await startChild('hello', 'hello.ts');
      children.push(hello);
      results.hello = await measure('hello-world (bare Fastify)', hello, profile);
      await hello.stop();
    }

    if (cases.has('off')) {
      const server = await startChild('linggong', 'server.ts', baseEnv, ['--cache', 'off']);
      children.push(server);
      await checkProfile(server, ids[0]!);
      results.off = await measure('GET /api/v1/users/:id cache off', server, profile);
      await server.stop();
    }

    if (cases.has('raw') && dialect === 'mysql') {
      for (const shape of ['two', 'join'] as const) {
        const raw = await startChild('raw-mysql', 'raw-mysql.ts', { BENCH_MYSQL_URL: db.url }, [
          '--shape',
          shape,
        ]);
        children.push(raw);
        await checkProfile(raw, ids[0]!);
        results[`raw-${shape}`] = await measure(`raw mysql2 execute (${shape})`, raw, profile);
        await raw.stop();
      }
    }

    if (cases.has('on') || cases.has('login')) {
      const env = redis ? linggongEnv({ databaseUrl: db.url, dataDir, secrets, redis }) : baseEnv;
      const server = await startChild('linggong', 'server.ts', env);
      children.push(server);
      await checkProfile(server, ids[0]!);
      if (cases.has('on')) results.on = await measure('GET /api/v1/users/:id cache on', server, profile);
      if (cases.has('login')) {
        const login = () => ({
          method: 'POST',
          path: '/api/v1/auth/login/password',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ phone: loginPhones[pickIndex(loginPhones.length)]!, password: PASSWORD }),
        });
        const idle = startProbe(`${server.url}/healthz`);
        await new Promise((r) => setTimeout(r, duration * 1000));
        probes.idle = await idle.stop();
        const probe = startProbe(`${server.url}/healthz`);
        results.login = await runLoad({ name: 'login', url: server.url, connections, duration, next: login });
        probes.login = await probe.stop();
        const l = results.login;
        log(
          `  ${'POST /api/v1/auth/login/password'.padEnd(34)} ${fmt(l.rps, 1).padStart(8)} req/s  p50 ${l.p50} ms  p99 ${l.p99} ms` +
            (l.non2xx || l.errors ? `  (non-2xx ${l.non2xx}, errors ${l.errors})` : ''),
        );
        for (const [when, p] of Object.entries(probes))
          log(
            `  /healthz (100/s) ${when.padEnd(17)} p50 ${fmt(p.p50, 2)} ms  p99 ${fmt(p.p99, 2)} ms  max ${fmt(p.max, 2)} ms  (${p.samples} samples, ${p.failures} failed)`,
          );
      }
      await server.stop();
    }

    log('');
    log('Ratios');
    const ratio = (a?: LoadFigures, b?: LoadFigures) =>
      a && b ? `${fmt((100 * a.rps) / b.rps, 1)} %` : 'n/a';
    log(`  cache off / hello-world:         ${ratio(results.off, results.hello)}`);
    if (dialect === 'mysql') {
      log(`  cache off / raw mysql2 (two):    ${ratio(results.off, results['raw-two'])}`);
      log(`  cache off / raw mysql2 (join):   ${ratio(results.off, results['raw-join'])}`);
    }
    log(`  cache on / hello-world:          ${ratio(results.on, results.hello)}`);
    if (probes.login) log(`  /healthz p99 during logins:      ${fmt(probes.login.p99, 2)} ms`);
    probes = {};
  } finally {
    await Promise.allSettled(children.map((c) => c.stop()));
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
    if (redis) await redis.cleanup();
  }
}

/** Fails fast if the server does not answer the profile of a seeded user. */
async function checkProfile(server: ChildServer, id: string): Promise<void> {
  const res = await fetch(`${server.url}/api/v1/users/${id}`);
  const body = (await res.json()) as { id?: string };
  if (res.status !== 200 || body.id !== id)
    throw new Error(`${server.name}: GET /api/v1/users/${id} answered ${res.status} ${JSON.stringify(body)}`);
}

await main();
