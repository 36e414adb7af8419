import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { widgetModule, type WidgetEventMap } from '../fixtures/widget-service.js';
import { consumerOf } from '../../src/platform/events/types.js';
import { tallyControl, tallyModule, tallyOf } from '../fixtures/tally-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT, TEST_REDIS_URL } from '../support/env.js';
import type { ServiceModule } from '../../src/platform/service.js';
import { userModule } from '../../src/services/user/index.js';
import { loginAsAdmin, type LoggedIn } from '../support/users.js';

/**
 * Events from a producer's outbox to a consumer in another service, on the bus this run uses:
 * in-process (embedded) or BullMQ on Redis (when LINGGONG_TEST_REDIS_URL is set).
 */
const BUS = TEST_REDIS_URL ? 'bullmq' : 'inprocess';

/**
 * Two more consumers of widget.purchased. While `pair.armed`, each waits (up to 3 s) for the other
 * to have started on the same event: consumers run one after the other would leave the first alone.
 */
const pair = { armed: false, started: new Map<string, Set<string>>(), alone: 0, done: [] as string[] };
async function meet(consumer: string, eventId: string): Promise<void> {
  const started = pair.started.get(eventId) ?? new Set<string>();
  pair.started.set(eventId, started.add(consumer));
  for (const deadline = performance.now() + 3000; started.size < 2;) {
    if (performance.now() > deadline) {
      pair.alone++;
      throw new Error(`${consumer} ran alone`);
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  pair.done.push(consumer);
}
const pairFirst = consumerOf<WidgetEventMap>()('pair.first', ['widget.purchased']);
const pairSecond = consumerOf<WidgetEventMap>()('pair.second', ['widget.purchased']);
const pairModule: ServiceModule = {
  name: 'pair',
  migrations: {},
  consumers: [pairFirst, pairSecond],
  create: () => ({
    async routes() {},
    handlers: [
      pairFirst.handle(async (event) => void (pair.armed && (await meet('pair.first', event.id)))),
      pairSecond.handle(async (event) => void (pair.armed && (await meet('pair.second', event.id)))),
    ],
  }),
};
let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [userModule, widgetModule, tallyModule, pairModule] });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
});
afterAll(async () => {
  await p.stop();
});
beforeEach(() => {
  tallyControl.broken = false;
});

const tally = (widgetId: string): Promise<number> => tallyOf(p, widgetId);

/** Drives delivery: the in-process bus by relaying now; BullMQ by waiting for its workers. */
async function settle(until: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const start = performance.now();
  for (;;) {
    await p.events.flush();
    if (await until()) return;
    if (performance.now() - start > timeoutMs) throw new Error('events did not settle in time');
    if (BUS === 'inprocess') {
      p.clock.advance(60_000); // due retries
    } else {
      p.clock.advance(2_500); // confirmation waits 2 s after publishing
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

async function widgetWithPurchases(n: number, headers: Record<string, string> = {}): Promise<string> {
  const w = (
    await p.app.inject({
      method: 'POST',
      url: '/api/v1/widgets',
      payload: { name: 'w', stock: 1000, priceFen: 1 },
    })
  ).json();
  for (let i = 0; i < n; i++) {
    const r = await p.app.inject({
      method: 'POST',
      url: `/api/v1/widgets/${w.id}/purchases`,
      headers,
      payload: { quantity: 1 },
    });
    expect(r.statusCode).toBe(200);
  }
  return w.id as string;
}

describe(`events on the ${BUS} bus`, () => {
  it('delivers every event to the consumer in another service, once', async () => {
    const id = await widgetWithPurchases(25);
    await settle(async () => (await tally(id)) === 25);
    const inbox = await p.services.get('tally')!.db.untyped().selectFrom('tally_inbox').selectAll().execute();
    expect(inbox.length).toBeGreaterThanOrEqual(25);
    await settle(async () => {
      const pending = await p.services
        .get('widget')!
        .db.untyped()
        .selectFrom('widget_outbox')
        .select('id')
        .where('confirmed_at', 'is', null)
        .where('type', '=', 'widget.purchased')
        .execute();
      return pending.length === 0;
    });
  });

  it('a redelivered event changes nothing (inbox)', async () => {
    const id = await widgetWithPurchases(5);
    await settle(async () => (await tally(id)) === 5);
    // Forget that the events were ever published: the relay sends all of them again.
    await p.services
      .get('widget')!
      .db.untyped()
      .updateTable('widget_outbox')
      .set({ published_at: null, confirmed_at: null })
      .execute();
    await settle(async () => {
      const left = await p.services
        .get('widget')!
        .db.untyped()
        .selectFrom('widget_outbox')
        .select('id')
        .where('confirmed_at', 'is', null)
        .execute();
      return left.length === 0;
    });
    expect(await tally(id)).toBe(5);
  });

  it('carries the producer’s trace id into the consumer’s logs', async () => {
    const traceId = 'aa8e1c2d3b4f5a6978695a4b3c2d1e0f';
    const id = await widgetWithPurchases(1, { traceparent: `00-${traceId}-1111111111111111-01` });
    await settle(async () => (await tally(id)) === 1);
    const line = p.logLines().find((l) => l.msg === 'counting a purchase' && l.trace_id === traceId);
    expect(line).toBeDefined();
  });

  it('dead-letters a consumer that always throws, and replays it after the fix', async () => {
    tallyControl.broken = true;
    const id = await widgetWithPurchases(1);
    const list = async () =>
      (
        await p.app.inject({
          url: '/api/v1/admin/dead-letters?service=tally&state=open',
          headers: admin.auth,
        })
      ).json() as {
        items: { id: string; attempts: number; error: string; event: { payload: { id: string } } }[];
      };
    await settle(async () => (await list()).items.some((d) => d.event.payload.id === id));
    const dead = (await list()).items.find((d) => d.event.payload.id === id)!;
    expect(dead.attempts).toBe(3);
    expect(dead.error).toContain('tally is broken');
    expect(await tally(id)).toBe(0);

    const failedReplay = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/dead-letters/tally/${dead.id}/replay`,
      headers: admin.auth,
    });
    expect(failedReplay.statusCode).toBe(409);
    expect(failedReplay.json().code).toBe('DEAD_LETTER_REPLAY_FAILED');

    tallyControl.broken = false; // the fix ships
    const replay = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/dead-letters/tally/${dead.id}/replay`,
      headers: admin.auth,
    });
    expect(replay.statusCode).toBe(200);
    expect(replay.json().state).toBe('replayed');
    expect(await tally(id)).toBe(1);
    const again = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/dead-letters/tally/${dead.id}/replay`,
      headers: admin.auth,
    });
    expect(again.json().code).toBe('DEAD_LETTER_RESOLVED');
  });

  // On SQLite every transaction takes its turn on the one connection, so consumers cannot overlap.
  it.skipIf(DIALECT === 'sqlite')('runs the consumers of one event side by side', async () => {
    pair.armed = true;
    try {
      await widgetWithPurchases(1);
      await settle(async () => pair.done.length === 2);
      expect(pair.done.sort()).toEqual(['pair.first', 'pair.second']);
      expect(pair.alone).toBe(0);
    } finally {
      pair.armed = false;
    }
  });

  it('exposes outbox lag, dead letters and handler metrics', async () => {
    const metrics = (await p.app.inject('/metrics')).body;
    expect(metrics).toMatch(/linggong_outbox_lag_seconds\{service="widget"\} [\d.]+/);
    expect(metrics).toMatch(/linggong_dead_letters_open\{service="tally"\} \d+/);
    expect(metrics).toMatch(
      /linggong_event_handler_duration_seconds_count\{consumer="tally.count-purchase"\} \d+/,
    );
    expect(metrics).toMatch(/linggong_event_handler_failures_total\{consumer="tally.count-purchase"\} \d+/);
    // Queues are named as BullMQ knows them (ev.<consumer>), on the BullMQ bus only.
    if (BUS === 'bullmq')
      expect(metrics).toMatch(/linggong_queue_depth\{queue="ev.tally.count-purchase"\} \d+/);
    expect(metrics).not.toContain('queue="ev.ev.');
  });
});
