/**
 * bench/events — event delivery throughput and latency, from the producing commit to the consumer's
 * inbox commit.
 *
 *   npm run bench:events -- --mode distributed   # MariaDB outbox/inbox, BullMQ on Redis, consumer in another process
 *   npm run bench:events -- --mode embedded      # SQLite, in-process bus, one process
 *
 * For each rate in --rates (default 5000,1000 events/s) the producer commits a steady stream (one
 * transaction every 10 ms) for --duration seconds; reported: events handled per second during the
 * window, how long the backlog took to drain after it, and p50/p95/p99/max lag = inbox.processed_at −
 * outbox.created_at (created_at is the producing transaction's start, so the figure slightly
 * over-states the lag).
 * Env: LINGGONG_BENCH_MYSQL_URL (default mysql://root@127.0.0.1:3306/test), LINGGONG_BENCH_REDIS_URL
 * (default redis://127.0.0.1:6379).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus, totalmem, tmpdir } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'mysql2/promise';
import { buildPlatform, type Platform } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { toSafeInt } from '../../src/platform/money.js';
import { benchConsumer, benchProducer } from './modules.js';

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i += 2)
  args.set(process.argv[i]!.replace(/^--/, ''), process.argv[i + 1] ?? '');
const mode = args.get('mode') ?? 'distributed';
const duration = Number(args.get('duration') ?? 60);
const rate = Number(args.get('rate') ?? 1000);
const mysqlUrl = process.env.LINGGONG_BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const redisUrl = process.env.LINGGONG_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  console.log(`bench/events mode=${mode} duration=${duration}s rate=${rate}/s`);
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  const cleanup: (() => Promise<void>)[] = [];
  let consumer: ChildProcess | undefined;
  let producer: Platform;
  try {
    if (mode === 'distributed') {
      const name = `lg_bench_${randomBytes(4).toString('hex')}`;
      const admin = await createConnection(mysqlUrl);
      await admin.query(`create database ${name} character set utf8mb4 collate utf8mb4_unicode_ci`);
      cleanup.push(async () => {
        await admin.query(`drop database if exists ${name}`);
        await admin.end();
      });
      const dbUrl = new URL(mysqlUrl);
      dbUrl.pathname = `/${name}`;
      const env = {
        LINGGONG_DATABASE_URL: dbUrl.toString(),
        LINGGONG_REDIS_URL: redisUrl,
        LINGGONG_REDIS_PREFIX: `${name}:`,
        LINGGONG_EVENT_CONCURRENCY: args.get('concurrency') ?? '64',
      };
      producer = await buildPlatform({
        config: loadConfig({
          services: [{ name: 'benchp' }, { name: 'benchc' }],
          env: { ...env, LINGGONG_ENV: 'test', LINGGONG_LOG_LEVEL: 'warn', LINGGONG_SERVICES: 'benchp' },
        }),
        modules: [benchProducer],
        remoteModules: [benchConsumer],
      });
      await producer.migrate('up');
      consumer = spawn(process.execPath, ['bin/run-ts.mjs', 'bench/events/consumer.ts'], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve, reject) => {
        consumer!.stdout!.on('data', (d: Buffer) => d.toString().includes('READY') && resolve());
        consumer!.on('exit', (code) => reject(new Error(`consumer exited ${code}`)));
      });
    } else {
      const dir = mkdtempSync(join(tmpdir(), 'lg-bench-events-'));
      cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
      producer = await buildPlatform({
        config: loadConfig({
          services: [{ name: 'benchp' }, { name: 'benchc' }],
          env: { LINGGONG_ENV: 'test', LINGGONG_LOG_LEVEL: 'warn', LINGGONG_DATA_DIR: dir },
        }),
        modules: [benchProducer, benchConsumer],
      });
      await producer.migrate('up');
    }
    producer.startBackground();
    const pdb = producer.services.get('benchp')!.db;
    const q = pdb.untyped();
    const handled = async () =>
      toSafeInt(
        (
          await q
            .selectFrom('benchc_inbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const publish = (n: number) =>
      pdb.transaction((tx) =>
        tx.publishAll(
          Array.from({ length: n }, () => ({ type: 'bench.happened', version: 1, payload: { n } })),
        ),
      );

    /** Offers `perSecond` events (every 10 ms) for the duration; reports what the consumer did. */
    async function steady(perSecond: number): Promise<void> {
      const fromId = String(
        (
          await q
            .selectFrom('benchp_outbox')
            .select((eb) => eb.fn.max('id').as('id'))
            .executeTakeFirstOrThrow()
        ).id ?? '',
      );
      const startHandled = await handled();
      const perTick = Math.max(1, Math.round(perSecond / 100));
      let sent = 0;
      const t0 = performance.now();
      for (let tick = 0; performance.now() - t0 < duration * 1000; tick++) {
        await publish(perTick);
        sent += perTick;
        const wait = t0 + (tick + 1) * 10 - performance.now();
        if (wait > 0) await sleep(wait);
      }
      const window = (performance.now() - t0) / 1000;
      const handledInWindow = (await handled()) - startHandled;
      const drainStart = performance.now();
      while ((await handled()) < startHandled + sent) await sleep(100);
      const drain = (performance.now() - drainStart) / 1000;
      const lags = (
        await q
          .selectFrom('benchp_outbox as o')
          .innerJoin('benchc_inbox as i', 'i.event_id', 'o.id')
          .select((eb) => eb('i.processed_at', '-', eb.ref('o.created_at')).as('lag'))
          .where('o.id', '>', fromId)
          .execute()
      )
        .map((r) => Number(r.lag))
        .sort((a, b) => a - b);
      const pct = (p: number) => lags[Math.min(lags.length - 1, Math.floor((p / 100) * lags.length))];
      console.log(
        `offered ${Math.round(sent / window)} events/s for ${Math.round(window)} s: handled ${Math.round(handledInWindow / window)} events/s in the window, ` +
          `backlog drained ${drain.toFixed(1)} s after; lag p50 ${pct(50)} ms, p95 ${pct(95)} ms, p99 ${pct(99)} ms, max ${lags.at(-1)} ms (${lags.length} events)`,
      );
    }
    for (const r of (args.get('rates') ?? `${rate * 5},${rate}`).split(',').map(Number)) await steady(r);
    await producer.close();
  } finally {
    consumer?.kill('SIGTERM');
    for (const c of cleanup.reverse()) await c();
  }
}

await main();
process.exit(0);
