import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { toSafeInt } from '../../src/platform/money.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { TEST_MYSQL_URL } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { tallyModule } from '../fixtures/tally-service.js';

/**
 * Redis loses writes when it crashes inside its fsync window. This test runs its own redis-server
 * (another port, AOF with appendfsync everysec — never the shared server), SIGKILLs it in the middle
 * of a burst of 10,000 events and starts it again on the same files. Every event must be handled,
 * none twice in effect (the consumer's plain increment would show a double delivery).
 * Runs with MariaDB (LINGGONG_TEST_MYSQL_URL), as in the distributed topology it guards.
 */
const EVENTS = 10_000;
let redis: ChildProcess | undefined;
let dir: string | undefined;
let p: TestPlatform | undefined;
let database: TestDatabase | undefined;

afterAll(async () => {
  await p?.stop();
  await database?.drop();
  redis?.kill('SIGKILL');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function startRedis(port: number, folder: string): Promise<ChildProcess> {
  const child = spawn('redis-server', [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    folder,
    '--appendonly',
    'yes',
    '--appendfsync',
    'everysec',
    '--save',
    '',
    '--maxmemory-policy',
    'noeviction',
  ]);
  const probe = new Redis({ port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  probe.on('error', () => undefined); // refused connections are expected until it listens
  for (let i = 0; i < 100; i++) {
    try {
      await probe.connect();
      await probe.ping();
      probe.disconnect();
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('redis-server did not start');
}

describe.skipIf(!TEST_MYSQL_URL)('Redis killed in the middle of a burst of events', () => {
  it('handles every event once in effect after Redis restarts from its AOF', async () => {
    dir = mkdtempSync(join(tmpdir(), 'linggong-redis-'));
    const port = await freePort();
    redis = await startRedis(port, dir);
    database = await createTestDatabase();
    p = await startTestPlatform({
      modules: [widgetModule, tallyModule],
      database,
      env: {
        LINGGONG_REDIS_URL: `redis://127.0.0.1:${port}`,
        LINGGONG_REDIS_PREFIX: 'burst:',
        LINGGONG_EVENT_CONCURRENCY: '32',
      },
      clock: new FakeClock(Date.now()),
    });
    const widgetDb = p.services.get('widget')!.db;
    const tallyDb = p.services.get('tally')!.db;
    const widgetId = '01JBURST000000000000000000';

    const handled = async () =>
      toSafeInt(
        (
          await tallyDb
            .untyped()
            .selectFrom('tally_inbox')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    p.startBackground();

    // Kill Redis once the consumers are well under way, while the burst is still being produced.
    let atKill = -1;
    const killer = (async () => {
      while ((await handled()) < 1000) await new Promise((r) => setTimeout(r, 10));
      redis!.kill('SIGKILL');
      await new Promise((r) => redis!.once('exit', r));
      atKill = await handled();
      await new Promise((r) => setTimeout(r, 1000));
      redis = await startRedis(port, dir!);
    })();
    // The burst: 10,000 purchase events committed in transactions of 50.
    let committedAtKill = -1;
    for (let i = 0; i < EVENTS / 50; i++) {
      await widgetDb.transaction(async (tx) => {
        await tx.publishAll(
          Array.from({ length: 50 }, () => ({
            type: 'widget.purchased',
            version: 1,
            payload: { id: widgetId, quantity: 1 },
          })),
        );
      });
      if (atKill >= 0 && committedAtKill < 0) committedAtKill = (i + 1) * 50;
    }
    await killer;

    const deadline = performance.now() + 150_000;
    for (;;) {
      p.clock.set(Date.now());
      const n = await handled();
      const unconfirmed = await widgetDb
        .untyped()
        .selectFrom('widget_outbox')
        .select('id')
        .where('confirmed_at', 'is', null)
        .limit(1)
        .execute();
      if (n === EVENTS && unconfirmed.length === 0) break;
      if (performance.now() > deadline) throw new Error(`stuck at ${n} handled (was ${atKill} at the kill)`);
      await new Promise((r) => setTimeout(r, 200));
    }
    // Redis died mid-burst: some events handled, more still to be produced.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(EVENTS);
    expect(committedAtKill).toBeLessThan(EVENTS);
    const row = await tallyDb
      .untyped()
      .selectFrom('tally_counts')
      .select('purchases')
      .where('widget_id', '=', widgetId)
      .executeTakeFirstOrThrow();
    expect(toSafeInt(row.purchases)).toBe(EVENTS);
    expect(await handled()).toBe(EVENTS);
  }, 240_000);
});
