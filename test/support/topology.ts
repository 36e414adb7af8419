import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tunedGlibcTunables } from '../../bin/malloc.mjs';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from './databases.js';
import { BIN } from './serve.js';

/**
 * The platform as users run it, in either topology, reached only through HTTP and WebSocket:
 * - all-in-one: one `linggong serve` on the embedded defaults (SQLite, in-process bus, local files);
 * - split: per service, `serve --services <name> --no-workers` processes (N each) and one
 *   `worker --services <name>` (search: N `serve --services search` running their own consumer,
 *   each a replica of the index), each service on a MariaDB database of its own, all on one Redis
 *   (BullMQ events), behind nginx with the configuration of deploy/nginx/ (TLS for clients, the
 *   internal listener for the calls between services).
 */
export type TopologyName = 'all-in-one' | 'split';

export const SERVICES = ['user', 'verification', 'payment', 'job', 'order', 'review', 'message', 'search'];
const ROOT = join(import.meta.dirname, '..', '..');

export interface ApiAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  json: any;
  text: string;
}

export interface Topology {
  name: TopologyName;
  /** Where clients call the API: nginx's TLS listener, or the single process. */
  url: string;
  /** The CA to trust for `url` (the test's self-signed certificate), when it is https. */
  ca?: Buffer;
  call(
    method: string,
    path: string,
    options?: { body?: unknown; token?: string; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
  /** Everything the processes wrote so far (stdout and stderr), by process name. */
  output(): string;
  /** Runs `send` (which asks for a code) and answers the code the console provider then logged. */
  smsCode(phone: string, send: () => Promise<void>): Promise<string>;
  /** The split topology's processes by name (`job-1`, `job-worker`, ...); empty all-in-one. */
  processes: Map<string, RunningProcess>;
  /** SIGKILLs a process (split only). */
  kill(name: string): Promise<void>;
  /** Starts a killed process again, as it was started (split only). */
  restart(name: string): Promise<void>;
  /** The environment a `linggong` command needs to act on a service's data (e.g. `ledger check`). */
  commandEnv(service: string): NodeJS.ProcessEnv;
  /** nginx's access log lines (split only). */
  accessLog(): Record<string, unknown>[];
  /** Stops the processes and keeps the data (commands may then run on the embedded database). */
  halt(): Promise<void>;
  /** Stops everything and removes the data. */
  stop(): Promise<void>;
}

export interface RunningProcess {
  name: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  /** The HTTP address it listens on (the API of a serve process, the probes and metrics of a worker). */
  address?: string;
  log: string;
}

/** Ports the OS hands out now; taken by the processes started right after. */
async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function startProcess(
  name: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  timeoutMs = 180_000,
): Promise<RunningProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env, cwd: ROOT });
    const running: RunningProcess = { name, args, env, child, log: '' };
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${name} did not start:\n${running.log.slice(-4000)}`));
    }, timeoutMs);
    let started = false;
    const onData = (d: Buffer): void => {
      running.log += d.toString();
      if (started) return;
      const m = ready.exec(running.log);
      if (m) {
        started = true;
        clearTimeout(timer);
        running.address = m[1];
        resolve(running);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`${name} exited (${code ?? signal}):\n${running.log.slice(-4000)}`));
    });
  });
}

const SERVE_READY = /Docs:\s+(http:\/\/[^/\s]+)\/docs/;
const WORKER_READY = /Linggong worker running for[^\n]*\n\s+Health:\s+(http:\/\/[^/\s]+)\/healthz/;

function stopProcess(p: RunningProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
    p.child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    p.child.kill('SIGTERM');
  });
}

function baseEnv(dataDir: string): NodeJS.ProcessEnv {
  return {
    // The malloc settings set beforehand, as the container image does: `serve` then runs in the
    // process started here (no supervising launcher), so a SIGKILL kills the server itself.
    GLIBC_TUNABLES: tunedGlibcTunables(process.env) ?? process.env.GLIBC_TUNABLES,
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: process.env.TZ,
    LINGGONG_ENV: 'development',
    LINGGONG_DATA_DIR: dataDir,
    LINGGONG_PORT: '0',
    LINGGONG_LOG_LEVEL: 'info',
    // One client (this test) makes every request: the app's per-IP limits stay out of the way;
    // the gateway's are exercised by their own test.
    LINGGONG_RATE_LIMIT_MAX: '100000',
    LINGGONG_AUTH_RATE_LIMIT_MAX: '100000',
  };
}

function makeCaller(url: string, ca?: Buffer): Topology['call'] {
  const agent = ca ? new HttpsAgent({ ca, keepAlive: true }) : new HttpAgent({ keepAlive: true });
  const send = ca ? httpsRequest : httpRequest;
  return (method, path, options = {}) =>
    new Promise((resolve, reject) => {
      const body = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
      const req = send(
        `${url}${path}`,
        {
          method,
          agent,
          headers: {
            accept: 'application/json',
            ...(body ? { 'content-type': 'application/json', 'content-length': body.length } : {}),
            ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
            ...options.headers,
          },
          timeout: 30_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let json: unknown = undefined;
            if (/json/.test(String(res.headers['content-type'] ?? '')) && text) json = JSON.parse(text);
            resolve({ status: res.statusCode ?? 0, headers: res.headers, json, text });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
}

async function smsCodeIn(logs: () => string[], phone: string, send: () => Promise<void>): Promise<string> {
  const since = logs().map((l) => l.length); // each process's log grows on its own
  await send();
  const masked = `${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(7)}`;
  const re = new RegExp(`SMS code for ${masked}: (\\d{6})`, 'g');
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const fresh = logs()
      .map((l, i) => l.slice(since[i] ?? 0))
      .join('\n');
    const found = [...fresh.matchAll(re)].at(-1)?.[1];
    if (found) return found;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no SMS code for ${phone} in the log`);
}

/** One `linggong serve` on the embedded defaults, in a fresh data folder. */
export async function startAllInOne(): Promise<Topology> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-e2e-'));
  const env = baseEnv(dataDir);
  const p = await startProcess('all-in-one', ['serve'], env, SERVE_READY);
  const url = p.address!;
  return {
    name: 'all-in-one',
    url,
    call: makeCaller(url),
    output: () => p.log,
    smsCode: (phone, send) => smsCodeIn(() => [p.log], phone, send),
    processes: new Map(),
    kill: () => Promise.reject(new Error('all-in-one has no process to kill')),
    restart: () => Promise.reject(new Error('all-in-one has no process to restart')),
    // The embedded database belongs to one process: run commands after stop().
    commandEnv: () => ({ ...env, LINGGONG_LOG_LEVEL: 'warn' }),
    accessLog: () => [],
    halt: () => stopProcess(p),
    async stop() {
      await stopProcess(p);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface SplitOptions {
  /** HTTP processes per service (each search process holds a whole replica of the embedded index). */
  replicas?: number;
  /** Extra environment for every process (e.g. the tracing endpoint). */
  env?: Record<string, string>;
  /** nginx's rate limits as in deploy/nginx (default), or raised out of the way (benchmarks). */
  gatewayLimits?: 'as-deployed' | 'off';
}

/** Whether nginx can run here (CI installs it; see .ci/run). */
export function hasNginx(): boolean {
  return spawnSync('nginx', ['-v']).status === 0;
}

/** The split topology on MariaDB + Redis behind nginx (needs LINGGONG_TEST_MYSQL_URL/REDIS_URL). */
export async function startSplit(options: SplitOptions = {}): Promise<Topology> {
  const replicas = options.replicas ?? 1;
  const root = mkdtempSync(join(tmpdir(), 'linggong-split-'));
  const databases = new Map<string, TestDatabase>();
  let redis: TestRedis | undefined;
  const processes = new Map<string, RunningProcess>();
  let nginx: ChildProcess | undefined;
  const gatewayDir = join(root, 'nginx');

  const cleanup = async (): Promise<void> => {
    await Promise.all([...processes.values()].map(stopProcess));
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    await Promise.all([...databases.values()].map((d) => d.drop()));
    await redis?.cleanup();
    rmSync(root, { recursive: true, force: true });
  };

  try {
    redis = await createTestRedis();
    if (!redis) throw new Error('the split topology needs LINGGONG_TEST_REDIS_URL');
    for (const s of SERVICES) databases.set(s, await createTestDatabase());
    const [publicPort, internalPort] = await freePorts(2);
    const internal = `http://127.0.0.1:${internalPort}`;
    const filesDir = join(root, 'files');
    mkdirSync(filesDir);
    const envOf = (service: string, processName = service): NodeJS.ProcessEnv => {
      // A data folder per process: an embedded search index belongs to one.
      const dataDir = join(root, processName);
      mkdirSync(dataDir, { recursive: true });
      const env: NodeJS.ProcessEnv = {
        ...baseEnv(dataDir),
        LINGGONG_DATABASE_URL: databases.get(service)!.url,
        LINGGONG_REDIS_URL: redis!.url,
        LINGGONG_REDIS_PREFIX: redis!.prefix,
        LINGGONG_TRUST_PROXY: 'true',
        LINGGONG_PUBLIC_URL: `https://localhost:${publicPort}`,
        // Local files in one folder all processes share (a bucket in production).
        LINGGONG_STORAGE_DIR: filesDir,
        LINGGONG_LOG_LEVEL: service === 'user' ? 'info' : 'warn',
        ...options.env,
      };
      for (const other of SERVICES)
        if (other !== service) env[`LINGGONG_${other.toUpperCase()}_URL`] = internal;
      return env;
    };
    const serve = (service: string, i: number): Promise<RunningProcess> => {
      const args = ['serve', '--services', service, ...(service === 'search' ? [] : ['--no-workers'])];
      return startProcess(`${service}-${i}`, args, envOf(service, `${service}-${i}`), SERVE_READY).then(
        (p) => {
          // A restart listens where nginx's pool expects this process.
          p.env = { ...p.env, LINGGONG_PORT: new URL(p.address!).port };
          processes.set(p.name, p);
          return p;
        },
      );
    };
    // The first process of each service migrates its database; the others start on it after.
    await Promise.all(SERVICES.map((s) => serve(s, 1)));
    const more: Promise<unknown>[] = [];
    for (const s of SERVICES) {
      for (let i = 2; i <= replicas; i++) more.push(serve(s, i));
      // Search processes run their own consumer: each replica of the index gets every job event.
      if (s === 'search') continue;
      more.push(
        startProcess(`${s}-worker`, ['worker', '--services', s], envOf(s), WORKER_READY).then((p) =>
          processes.set(p.name, p),
        ),
      );
    }
    await Promise.all(more);

    // The gateway: deploy/nginx as deployed, with this run's ports, upstreams and certificate.
    mkdirSync(join(gatewayDir, 'logs'), { recursive: true });
    mkdirSync(join(gatewayDir, 'tls'));
    mkdirSync(join(gatewayDir, 'tmp'));
    chmodSync(join(gatewayDir, 'tmp'), 0o777); // nginx's workers may run as another user
    cpSync(join(ROOT, 'deploy', 'nginx'), gatewayDir, {
      recursive: true,
      filter: (src) => !src.includes(`${join('nginx', 'upstreams')}`),
    });
    const conf = join(gatewayDir, 'linggong.conf');
    let text = readFileSync(conf, 'utf8')
      .replace(/listen 8443 /, `listen 127.0.0.1:${publicPort} `)
      .replace(/listen 8080;/, `listen 127.0.0.1:${internalPort};`);
    if (options.gatewayLimits === 'off') text = text.replace(/rate=\d+r\/s/g, 'rate=100000r/s');
    writeFileSync(conf, text);
    const upstreams = SERVICES.map((s) => {
      const servers = [...processes.values()]
        .filter((p) => p.name.startsWith(`${s}-`) && p.args[0] === 'serve')
        .map((p) => `  server ${p.address!.replace('http://', '')} max_fails=1 fail_timeout=2s;`);
      return `upstream linggong_${s} {\n${servers.join('\n')}\n  keepalive 32;\n}`;
    });
    writeFileSync(join(gatewayDir, 'linggong.upstreams.conf'), `${upstreams.join('\n')}\n`);
    const openssl = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=DNS:localhost,IP:127.0.0.1',
        '-keyout',
        join(gatewayDir, 'tls', 'tls.key'),
        '-out',
        join(gatewayDir, 'tls', 'tls.crt'),
      ],
      { encoding: 'utf8' },
    );
    if (openssl.status !== 0) throw new Error(`openssl: ${openssl.stderr}`);
    let nginxLog = '';
    nginx = spawn('nginx', ['-p', `${gatewayDir}/`, '-c', 'nginx.conf', '-g', 'daemon off;']);
    nginx.stderr!.on('data', (d: Buffer) => (nginxLog += d.toString()));
    const ca = readFileSync(join(gatewayDir, 'tls', 'tls.crt'));
    const url = `https://localhost:${publicPort}`;
    const call = makeCaller(url, ca);
    for (const deadline = Date.now() + 60_000; ;) {
      const health = await call('GET', '/api/v1/categories').catch((e: Error) => e);
      if (!(health instanceof Error) && health.status === 200) break;
      if (Date.now() > deadline || nginx.exitCode !== null) {
        const last = health instanceof Error ? health.message : `${health.status} ${health.text}`;
        throw new Error(`the gateway did not answer (${last}):\n${nginxLog}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }

    const output = (): string =>
      [...processes.values()].map((p) => `--- ${p.name}\n${p.log}`).join('\n') + `--- nginx\n${nginxLog}`;
    return {
      name: 'split',
      url,
      ca,
      call,
      output,
      // Codes are logged by the user service's processes only.
      smsCode: (phone, since) =>
        smsCodeIn(
          () => [...processes.values()].filter((p) => p.name.startsWith('user-')).map((p) => p.log),
          phone,
          since,
        ),
      processes,
      async kill(name) {
        const p = processes.get(name);
        if (!p) throw new Error(`no process ${name}`);
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGKILL');
        await exited;
      },
      async restart(name) {
        const p = processes.get(name)!;
        const again = await startProcess(
          name,
          p.args,
          p.env,
          p.args[0] === 'worker' ? WORKER_READY : SERVE_READY,
        );
        processes.set(name, { ...again, log: p.log + again.log });
      },
      commandEnv: (service) => ({ ...envOf(service), LINGGONG_LOG_LEVEL: 'warn' }),
      accessLog: () =>
        readFileSync(join(gatewayDir, 'logs', 'access.json'), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      halt: () => Promise.all([...processes.values()].map(stopProcess)).then(() => undefined),
      stop: cleanup,
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}
