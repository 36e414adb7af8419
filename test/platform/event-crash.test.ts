import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureArgs } from '../support/serve.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';
import { DIALECT, TEST_REDIS_URL } from '../support/env.js';
import { startTestPlatform } from '../support/platform.js';
import { FakeClock } from '../../src/platform/clock.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { tallyModule, tallyOf } from '../fixtures/tally-service.js';

/**
 * A process is SIGKILLed after committing changes whose events it never got to publish. A
 * restarted process (the same database, the same bus) delivers each event, and each changes the
 * consumer exactly once.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

function runProducer(env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, fixtureArgs('test/fixtures/event-producer-process.ts'), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`producer did not commit:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /COMMITTED (\w+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        child.kill('SIGKILL'); // after the commit, before any relay pass
        child.on('exit', () => resolve(m[1]!));
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
  });
}

describe(`crash between commit and publish (${DIALECT}, ${TEST_REDIS_URL ? 'bullmq' : 'inprocess'} bus)`, () => {
  it('delivers the committed events after a restart, once in effect', async () => {
    const database: TestDatabase = await createTestDatabase();
    const redis: TestRedis | undefined = await createTestRedis();
    cleanups.push(async () => {
      await database.drop();
      await redis?.cleanup();
    });
    const widgetId = await runProducer({
      LINGGONG_DATABASE_URL: database.url,
      PURCHASES: '20',
      ...(redis ? { LINGGONG_REDIS_URL: redis.url, LINGGONG_REDIS_PREFIX: redis.prefix } : {}),
    });

    // The restarted process: same database (on SQLite it takes over the dead process's lock).
    const p = await startTestPlatform({
      modules: [widgetModule, tallyModule],
      database,
      redis,
      clock: new FakeClock(Date.now() + 1000), // the producer ran on the system clock
    });
    cleanups.unshift(() => p.stop());
    const outbox = p.services.get('widget')!.db.untyped();
    const unpublished = await outbox
      .selectFrom('widget_outbox')
      .select('id')
      .where('published_at', 'is', null)
      .execute();
    expect(unpublished.length).toBe(21); // widget.created + 20 purchases, none published before the crash

    p.startBackground();
    const tally = () => tallyOf(p, widgetId);
    const deadline = performance.now() + 20_000;
    while ((await tally()) < 20 && performance.now() < deadline) {
      await p.events.flush();
      await new Promise((r) => setTimeout(r, 50));
    }
    // Deliver everything a second time, as a relay that crashed after sending would: no change.
    await outbox.updateTable('widget_outbox').set({ published_at: null, confirmed_at: null }).execute();
    await p.events.flush();
    await new Promise((r) => setTimeout(r, TEST_REDIS_URL ? 1000 : 0));
    expect(await tally()).toBe(20);
    const inbox = await p.services
      .get('tally')!
      .db.untyped()
      .selectFrom('tally_inbox')
      .select('event_id')
      .execute();
    expect(inbox.length).toBe(20);
  });
});
