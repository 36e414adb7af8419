/**
 * bench/ws — 5,000 concurrent WebSockets on the message service, messages fanned out to them.
 *
 *   npm run bench:ws -- [--workers 1000] [--employers 20] [--worker-sockets 4] [--employer-sockets 50]
 *                       [--messages 4000] [--rate 100]
 *   npm run bench:ws -- --mysql mysql://root@127.0.0.1:3306/test --redis redis://127.0.0.1:6379
 *
 * Two processes. The server (server.ts, forked) is one Linggong process with every service, as
 * `linggong serve` embeds them, on a fresh database: a SQLite file in a temporary directory, or with
 * `--mysql` (or LINGGONG_BENCH_MYSQL_URL) a MariaDB/MySQL database of its own, created and dropped
 * afterwards. With `--redis` (or LINGGONG_BENCH_REDIS_URL) the message service delivers every frame
 * through Redis pub/sub (published, then received by the process's own subscriber), as it does across
 * processes; without it, in process. Events stay in process. The server makes the data through the
 * API before it listens (see server.ts): `--employers` employers and `--workers` workers sign in with
 * SMS codes, each employer opens a job, each worker applies to one, and the message service opens one
 * conversation per worker. This process is the load generator: it opens `--worker-sockets` sockets
 * per worker and `--employer-sockets` per employer (5,000 in all by default) on GET /ws, token in the
 * upgrade's Authorization header, at most `--connect-concurrency` handshakes at a time, a socket
 * counted once the server answers `ready`. LINGGONG_MESSAGE_WS_MAX_PER_USER is raised to the larger
 * of the two (default 5 allows 5 per user). Then it sends `--messages` text messages at `--rate` a
 * second (open loop: on schedule, whatever is in flight) through POST /api/v1/conversations/:id/
 * messages over keep-alive HTTP, message i by the worker of conversation i mod workers, so each
 * frame goes to the worker's and the employer's sockets (4 + 50 = 54 by default). The delivery
 * latency of a frame at a socket runs from just before its HTTP request is written to the frame's
 * arrival at that socket (both clocks in this process); frames are matched to their message by the
 * text (which the request sends before its id is known) and checked against the id the HTTP answer
 * gives. After the last answer the run waits up to `--drain` seconds for frames still expected.
 *
 * Reported: connect time and rate, the server's RSS before and after the sockets, delivery latency
 * p50/p99/max, frames delivered per second, HTTP send latency, frames missing, duplicated or not
 * matching, the server's and this process's CPU over the sends. The server's heartbeat (every 30 s
 * a ping to every socket and each token verified again; 40 s of sends hold at least one) is seen
 * by the pings arriving, and the frames of messages sent near one are reported apart. Each worker
 * sends messages / workers messages: keep it under LINGGONG_MESSAGE_SEND_PER_MINUTE (30). The profile is `development` (the
 * SMS console provider the setup reads codes from); the log level `warn`.
 * LINGGONG_BENCH_SERVER_NODE_ARGS passes Node flags to the server (e.g. `--cpu-prof --cpu-prof-dir DIR`).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import WebSocket from 'ws';
import { SERVER_GLIBC_TUNABLES } from '../http/child.js';
import { createBenchDatabase, createBenchRedis, type BenchDialect } from '../http/env.js';
import { cpuMsOf, rssOf } from '../http/proc.js';
import { percentile } from '../ledger/workload.js';
import { httpSender } from '../orders/http.js';
import type { CountsMessage, ReadyMessage } from './server.js';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '1000' },
    employers: { type: 'string', default: '20' },
    'worker-sockets': { type: 'string', default: '4' },
    'employer-sockets': { type: 'string', default: '50' },
    messages: { type: 'string', default: '4000' },
    rate: { type: 'string', default: '100' },
    'connect-concurrency': { type: 'string', default: '100' },
    'http-connections': { type: 'string', default: '64' },
    drain: { type: 'string', default: '10' },
    mysql: { type: 'string' },
    redis: { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
  },
});
const n = (name: keyof typeof args) => Number(args[name]);
const mysqlUrl = args.mysql ?? (process.env.LINGGONG_BENCH_MYSQL_URL || undefined);
const redisUrl = args.redis ?? (process.env.LINGGONG_BENCH_REDIS_URL || undefined);
const dialect: BenchDialect = mysqlUrl ? 'mysql' : 'sqlite';
const workerSockets = n('worker-sockets');
const employerSockets = n('employer-sockets');
const maxPerUser = Math.max(5, workerSockets, employerSockets);
if (maxPerUser > 50) throw new Error('at most 50 sockets per user (LINGGONG_MESSAGE_WS_MAX_PER_USER)');

/** One client socket: whose, and the messages (by sequence number) it received. */
interface Client {
  ws: WebSocket;
  /** The id each message's frame carried, by sequence number. */
  seen: Map<number, string>;
  closed: boolean;
}

interface Delivery {
  /** performance.now() just before the request was written. */
  sentAt: number;
  /** The message id the HTTP answer gave (frames are checked against it). */
  id: string | undefined;
  /** Sockets open for the two parties when it was sent: the frames expected. */
  expected: number;
  received: number;
  /** Latency of each frame that arrived, ms. */
  latencies: number[];
  /** Arrival of its first and last frame. */
  firstAt: number;
  lastAt: number;
  status: number;
}

function startServer(env: Record<string, string>): Promise<{ child: ChildProcess; ready: ReadyMessage }> {
  const child = fork(resolve('bin/run-ts.mjs'), [resolve('bench/ws/server.ts')], {
    env: {
      ...process.env,
      ...(SERVER_GLIBC_TUNABLES ? { GLIBC_TUNABLES: SERVER_GLIBC_TUNABLES } : {}),
      ...env,
    },
    // Node flags for the server, e.g. `--cpu-prof` (as bench/http).
    execArgv: (process.env.LINGGONG_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error('the server was not ready within 600 s')), 600_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the server exited with code ${String(code)} before listening`));
    });
    child.on('message', (m: ReadyMessage) => {
      if (m.type !== 'ready') return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolveReady({ child, ready: m });
    });
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

function askCounts(child: ChildProcess): Promise<CountsMessage> {
  return new Promise((resolveCounts) => {
    const on = (m: CountsMessage) => {
      if (m.type !== 'counts') return;
      child.off('message', on);
      resolveCounts(m);
    };
    child.on('message', on);
    child.send({ type: 'count' });
  });
}

/** Runs `fn` over 0..n-1, `width` at a time. */
async function pool(count: number, width: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await fn(next++);
    }),
  );
}

const mib = (bytes: number) => `${Math.round(bytes / 2 ** 20)} MiB`;
const ms = (sorted: number[], p: number) => percentile(sorted, p).toFixed(1);
const TEXT = 'bench ';

async function main(): Promise<void> {
  console.log(
    `bench/ws: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  const database = await createBenchDatabase(dialect, mysqlUrl);
  const redis = redisUrl ? createBenchRedis(redisUrl) : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-bench-ws-'));
  let child: ChildProcess | undefined;
  const clients: Client[] = [];
  let closeHttp = () => undefined as void;
  try {
    const started = await startServer({
      // development: the console SMS provider, whose codes the setup reads from the log.
      LINGGONG_ENV: 'development',
      LINGGONG_SEED_DEMO: 'false',
      LINGGONG_DATABASE_URL: database.url,
      LINGGONG_DATA_DIR: dataDir,
      LINGGONG_LOG_LEVEL: args['log-level'],
      LINGGONG_RATE_LIMIT_MAX: '1000000',
      LINGGONG_RATE_LIMIT_WINDOW_MS: '1000',
      LINGGONG_AUTH_RATE_LIMIT_MAX: '1000000',
      LINGGONG_EVENT_BUS: 'inprocess',
      LINGGONG_MESSAGE_WS_MAX_PER_USER: String(maxPerUser),
      BENCH_WORKERS: args.workers,
      BENCH_EMPLOYERS: args.employers,
      ...(redis ? { LINGGONG_REDIS_URL: redis.url, LINGGONG_REDIS_PREFIX: redis.prefix } : {}),
    });
    child = started.child;
    const ready = started.ready;
    const pid = child.pid!;
    const base = `http://127.0.0.1:${ready.port}`;
    const wsUrl = `ws://127.0.0.1:${ready.port}/ws`;
    console.log(
      `${ready.database}${redis ? ' + Redis (frames through Redis pub/sub)' : ' (frames delivered in process)'}; ` +
        `server in a child process, ${n('workers')} workers × ${workerSockets} sockets + ${n('employers')} employers × ${employerSockets} sockets`,
    );
    console.log(
      `  setup ${ready.setupSeconds.toFixed(1)} s: ${ready.workers.length + ready.employers.length} accounts signed in by SMS code, ` +
        `${ready.employers.length} jobs, ${ready.conversations.length} applications → ${ready.conversations.length} conversations` +
        (ready.setupRetries ? `; ${ready.setupRetries} SMS-code requests answered 500 and sent again` : ''),
    );

    // Sockets: the first of every user's, then the second …, so a user's sockets open spread over the run.
    const owners: { user: 'w' | 'e'; index: number }[] = [];
    for (let k = 0; k < Math.max(workerSockets, employerSockets); k++) {
      if (k < workerSockets)
        for (let w = 0; w < ready.workers.length; w++) owners.push({ user: 'w', index: w });
      if (k < employerSockets)
        for (let e = 0; e < ready.employers.length; e++) owners.push({ user: 'e', index: e });
    }
    const byWorker = ready.workers.map(() => [] as Client[]);
    const byEmployer = ready.employers.map(() => [] as Client[]);
    const deliveries: Delivery[] = [];
    const latencies: number[] = [];
    const problems = { duplicates: 0, idMismatch: 0, unknown: 0, closed: new Map<string, number>() };
    let lastFrameAt = 0;

    const rssBefore = rssOf(pid);
    const connectMs: number[] = [];
    const connectFailures = new Map<string, number>();
    const pings: number[] = [];
    const connectServerCpu0 = cpuMsOf(pid);
    const connectCpu0 = process.cpuUsage();
    const connectStart = performance.now();
    await pool(owners.length, n('connect-concurrency'), async (i) => {
      const owner = owners[i]!;
      const party = owner.user === 'w' ? ready.workers[owner.index]! : ready.employers[owner.index]!;
      const t0 = performance.now();
      const ws = new WebSocket(wsUrl, { headers: party.auth, perMessageDeflate: false });
      const client: Client = { ws, seen: new Map(), closed: false };
      try {
        await new Promise<void>((resolveReady, reject) => {
          ws.once('error', reject);
          ws.once('close', (code, reason) => reject(new Error(`closed ${code} ${String(reason)}`)));
          ws.once('message', (data) => {
            const frame = JSON.parse((data as Buffer).toString('utf8')) as { type?: string };
            if (frame.type === 'ready') resolveReady();
            else reject(new Error(`first frame ${frame.type}`));
          });
        });
      } catch (e) {
        const what = (e as Error).message;
        connectFailures.set(what, (connectFailures.get(what) ?? 0) + 1);
        ws.terminate();
        return;
      }
      connectMs.push(performance.now() - t0);
      ws.removeAllListeners();
      ws.on('error', () => undefined);
      // The server's heartbeat: a ping to every socket, and each token verified again.
      ws.on('ping', () => pings.push(performance.now()));
      ws.on('close', (code, reason) => {
        client.closed = true;
        const what = `${code} ${String(reason)}`;
        problems.closed.set(what, (problems.closed.get(what) ?? 0) + 1);
      });
      ws.on('message', (data) => {
        const at = performance.now();
        const frame = JSON.parse((data as Buffer).toString('utf8')) as {
          type?: string;
          id?: string;
          message?: { body?: string };
        };
        if (frame.type !== 'message' || !frame.message?.body?.startsWith(TEXT)) {
          if (frame.type === 'message') problems.unknown++;
          return;
        }
        const seq = Number(frame.message.body.slice(TEXT.length));
        const d = deliveries[seq];
        if (!d) return void problems.unknown++;
        if (client.seen.has(seq)) return void problems.duplicates++;
        client.seen.set(seq, frame.id ?? '');
        d.received++;
        if (d.received === 1) d.firstAt = at;
        d.lastAt = at;
        latencies.push(at - d.sentAt);
        d.latencies.push(at - d.sentAt);
        lastFrameAt = at;
      });
      clients.push(client);
      (owner.user === 'w' ? byWorker : byEmployer)[owner.index]!.push(client);
    });
    const connectSeconds = (performance.now() - connectStart) / 1000;
    const connectServerCpu = cpuMsOf(pid) - connectServerCpu0;
    const connectCpu = process.cpuUsage(connectCpu0);
    // Let the server settle (the last handshakes' garbage) before reading its memory.
    await new Promise((r) => setTimeout(r, 1000));
    const rssAfter = rssOf(pid);
    connectMs.sort((a, b) => a - b);
    console.log(
      `  connect: ${clients.length} of ${owners.length} sockets open and authenticated in ${connectSeconds.toFixed(1)} s ` +
        `(${Math.round(clients.length / connectSeconds)}/s, ${n('connect-concurrency')} handshakes at a time; ` +
        `each p50 ${ms(connectMs, 50)} ms, p99 ${ms(connectMs, 99)} ms, max ${ms(connectMs, 100)} ms)` +
        (connectFailures.size
          ? `; failed: ${[...connectFailures].map(([k, v]) => `${k} ×${v}`).join(', ')}`
          : ''),
    );
    console.log(
      `  server RSS ${mib(rssBefore)} before the sockets, ${mib(rssAfter)} with them ` +
        `(${((rssAfter - rssBefore) / Math.max(1, clients.length) / 1024).toFixed(1)} KiB per socket); ` +
        `CPU over the connects: server ${connectServerCpu} ms (${((connectServerCpu * 1000) / Math.max(1, clients.length)).toFixed(0)} µs per socket), ` +
        `clients ${Math.round((connectCpu.user + connectCpu.system) / 1000)} ms`,
    );

    // Sends: open loop, message i at start + i / rate.
    const http = httpSender(base, n('http-connections'));
    closeHttp = () => http.close();
    const messages = n('messages');
    const rate = n('rate');
    const sendMs: number[] = [];
    const sendFailures = new Map<string, number>();
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const serverCpu0 = cpuMsOf(pid);
    const cpu0 = process.cpuUsage();
    const load0 = loadavg()[0]!;
    const sendStart = performance.now();
    const sends: Promise<void>[] = [];
    for (let i = 0; i < messages; i++) {
      const due = sendStart + (i * 1000) / rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      const conv = ready.conversations[i % ready.conversations.length]!;
      const open = (list: Client[]) => list.filter((c) => !c.closed).length;
      const d: Delivery = {
        sentAt: 0,
        id: undefined,
        expected: open(byWorker[conv.worker]!) + open(byEmployer[conv.employer]!),
        received: 0,
        latencies: [],
        firstAt: 0,
        lastAt: 0,
        status: 0,
      };
      deliveries[i] = d;
      d.sentAt = performance.now();
      sends.push(
        http
          .send(
            'POST',
            `/api/v1/conversations/${conv.id}/messages`,
            { ...ready.workers[conv.worker]!.auth, 'x-request-id': `bench-ws-${i}` },
            { text: `${TEXT}${i}` },
          )
          .then(
            (res) => {
              d.status = res.status;
              sendMs.push(performance.now() - d.sentAt);
              if (res.status === 201) d.id = String(res.body.id);
              else {
                const what = `${res.status} ${String(res.body.code)}`;
                sendFailures.set(what, (sendFailures.get(what) ?? 0) + 1);
              }
            },
            (e: unknown) => {
              const what = (e as Error).message;
              sendFailures.set(what, (sendFailures.get(what) ?? 0) + 1);
            },
          ),
      );
    }
    const sentBy = performance.now();
    await Promise.all(sends);
    const answeredBy = performance.now();
    // Frames still on their way.
    const sent = deliveries.filter((d) => d.status === 201);
    const expected = sent.reduce((a, d) => a + d.expected, 0);
    const drainUntil = performance.now() + n('drain') * 1000;
    const received = () => sent.reduce((a, d) => a + Math.min(d.received, d.expected), 0);
    while (received() < expected && performance.now() < drainUntil)
      await new Promise((r) => setTimeout(r, 20));
    const serverCpuMs = cpuMsOf(pid) - serverCpu0;
    const cpu = process.cpuUsage(cpu0);
    const load1 = loadavg()[0]!;
    loop.disable();
    // Frames often arrive before the HTTP answer gives the message's id: check the ids now.
    for (const c of clients)
      for (const [seq, id] of c.seen)
        if (deliveries[seq]!.id !== undefined && deliveries[seq]!.id !== id) problems.idMismatch++;

    latencies.sort((a, b) => a - b);
    sendMs.sort((a, b) => a - b);
    const delivered = latencies.length;
    const window = (lastFrameAt - sendStart) / 1000;
    const windowSend = (sentBy - sendStart) / 1000;
    console.log(
      `  sends: ${messages} messages at ${rate}/s (sent in ${windowSend.toFixed(1)} s, answered by ${((answeredBy - sendStart) / 1000).toFixed(1)} s), ` +
        `${sent.length} answered 201; HTTP p50 ${ms(sendMs, 50)} ms, p99 ${ms(sendMs, 99)} ms, max ${ms(sendMs, 100)} ms` +
        (sendFailures.size ? `; failed: ${[...sendFailures].map(([k, v]) => `${k} ×${v}`).join(', ')}` : ''),
    );
    console.log(
      `  delivered ${delivered} of ${expected} frames expected (${(expected / Math.max(1, sent.length)).toFixed(1)} sockets per message), ` +
        `missing ${expected - received()}, duplicated ${problems.duplicates}, id not matching ${problems.idMismatch}, unknown ${problems.unknown}`,
    );
    console.log(
      `  delivery latency (HTTP send → frame at the socket): p50 ${ms(latencies, 50)} ms, p99 ${ms(latencies, 99)} ms, ` +
        `max ${ms(latencies, 100)} ms; ${Math.round(delivered / window)} frames/s (first send to last frame ${window.toFixed(1)} s)`,
    );
    const spread = sent
      .filter((d) => d.received > 0)
      .map((d) => d.lastAt - d.firstAt)
      .sort((a, b) => a - b);
    console.log(
      `  one message's frames, first to last socket: p50 ${ms(spread, 50)} ms, p99 ${ms(spread, 99)} ms, max ${ms(spread, 100)} ms`,
    );
    // The server's heartbeats (every 30 s a ping to every socket, and every token verified again):
    // bursts of pings more than 2 s apart. Messages sent from 1 s before a burst to 10 s after it
    // are set apart from the others.
    const bursts: { from: number; to: number; pings: number }[] = [];
    for (const t of pings.sort((a, b) => a - b)) {
      const last = bursts.at(-1);
      if (last && t - last.to < 2000) {
        last.to = t;
        last.pings++;
      } else bursts.push({ from: t, to: t, pings: 1 });
    }
    const inSends = bursts.filter((b) => b.to >= sendStart - 1000 && b.from <= lastFrameAt);
    if (inSends.length > 0) {
      const near = (d: Delivery) =>
        inSends.some((b) => d.sentAt >= b.from - 1000 && d.sentAt <= b.to + 10_000);
      const of = (list: Delivery[]) => list.flatMap((d) => d.latencies).sort((a, b) => a - b);
      const nearBeat = of(sent.filter(near));
      const away = of(sent.filter((d) => !near(d)));
      console.log(
        `  server heartbeats in the sends at ${inSends.map((b) => `${((b.from - sendStart) / 1000).toFixed(1)} s (${b.pings} pings)`).join(', ')}; ` +
          `frames of messages sent from 1 s before to 10 s after one: ${nearBeat.length}, p50 ${ms(nearBeat, 50)} ms, p99 ${ms(nearBeat, 99)} ms, ` +
          `max ${ms(nearBeat, 100)} ms; the other frames: ${away.length}, p50 ${ms(away, 50)} ms, p99 ${ms(away, 99)} ms, max ${ms(away, 100)} ms`,
      );
    } else console.log('  no server heartbeat fell in the sends');
    console.log(
      `  CPU over the sends: server ${serverCpuMs} ms (${Math.round((100 * serverCpuMs) / (window * 1000))} % of one core, ` +
        `${((serverCpuMs * 1000) / Math.max(1, delivered)).toFixed(0)} µs per frame); clients ${Math.round((cpu.user + cpu.system) / 1000)} ms ` +
        `(${Math.round((cpu.user + cpu.system) / 10 / (window * 1000))} %); client event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, ` +
        `max ${(loop.max / 1e6).toFixed(1)} ms; load average ${load0.toFixed(1)} → ${load1.toFixed(1)}; server RSS ${mib(rssOf(pid))}`,
    );
    if (problems.closed.size)
      console.log(
        `  sockets closed during the run: ${[...problems.closed].map(([k, v]) => `${k} ×${v}`).join(', ')}`,
      );
    const counts = await askCounts(child);
    console.log(
      `  data: ${counts.accounts} accounts, ${counts.conversations} conversations, ${counts.messages} messages, ` +
        `${clients.length} sockets` +
        (counts.logLines ? `; log: ${counts.logLines} warning/error lines` : ''),
    );
  } finally {
    for (const c of clients) c.ws.terminate();
    closeHttp();
    if (child) await stopServer(child);
    await database.drop();
    await redis?.cleanup();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
