import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyModule, tallyOf } from '../fixtures/tally-service.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { TEST_REDIS_URL } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';

/**
 * Two relays of one outbox (two processes of the producing service) on the BullMQ bus. A relay
 * reads the due rows, adds their batch to the queues, then marks the rows published; another relay
 * may read the same first rows before that mark and one more row committed meanwhile. Its batch
 * must still reach the consumer: a batch id derived from the rows (the first row's) would name the
 * same job as the first relay's, and BullMQ would keep that one and drop the event only it carried.
 *
 * The producer process relays by hand (`events.flush()`), the consumer process runs its workers; the
 * second relay's stale read is made by clearing the first relay's marks before a new row commits.
 */
describe.skipIf(!TEST_REDIS_URL)('two relays of one outbox (BullMQ)', () => {
  let database: TestDatabase;
  let redis: TestRedis | undefined;
  let producer: TestPlatform;
  let consumer: TestPlatform;

  beforeAll(async () => {
    database = await createTestDatabase();
    redis = await createTestRedis();
    producer = await startTestPlatform({
      modules: [widgetModule],
      remoteModules: [tallyModule],
      database,
      redis,
    });
    consumer = await startTestPlatform({
      modules: [tallyModule],
      remoteModules: [widgetModule],
      database,
      redis,
    });
    consumer.startBackground();
  });
  afterAll(async () => {
    await consumer?.stop();
    await producer?.stop();
    await redis?.cleanup();
    await database?.drop();
  });

  const purchase = async (widgetId: string): Promise<void> => {
    const r = await producer.app.inject({
      method: 'POST',
      url: `/api/v1/widgets/${widgetId}/purchases`,
      payload: { quantity: 1 },
    });
    expect(r.statusCode).toBe(200);
  };
  const settled = async (widgetId: string, purchases: number): Promise<number> => {
    for (const deadline = performance.now() + 20_000; performance.now() < deadline;) {
      await producer.events.flush();
      if ((await tallyOf(consumer, widgetId)) === purchases) break;
      producer.clock.advance(2_500); // confirmation waits 2 s after publishing
      await new Promise((r) => setTimeout(r, 100));
    }
    return tallyOf(consumer, widgetId);
  };

  it('delivers an event that a relay read along with rows another relay had just published', async () => {
    const created = await producer.app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      payload: { name: 'raced', stock: 100, priceFen: 1 },
    });
    expect(created.statusCode).toBe(201);
    const widgetId = created.json().id as string;
    await purchase(widgetId);
    await purchase(widgetId);
    expect(await settled(widgetId, 2)).toBe(2);

    // The second relay read the rows before the first one marked them; then a third purchase commits.
    const outbox = producer.services.get('widget')!.db;
    await outbox
      .untyped()
      .updateTable(outbox.table('outbox'))
      .set({ published_at: null, confirmed_at: null, batch_id: null })
      .execute();
    await purchase(widgetId);

    expect(await settled(widgetId, 3)).toBe(3);
  });
});
