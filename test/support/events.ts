import { TEST_REDIS_URL } from './env.js';
import type { TestPlatform } from './platform.js';

/** The bus this run's events travel on: in-process (embedded) or BullMQ (with a test Redis). */
export const BUS = TEST_REDIS_URL ? 'bullmq' : 'inprocess';

/**
 * Waits until `until` holds, driving delivery: the in-process bus by relaying now, BullMQ by giving
 * its workers time (call p.startBackground() first on that bus).
 */
export async function settle(
  p: TestPlatform,
  until: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const start = performance.now();
  for (;;) {
    await p.events.flush();
    if (await until()) return;
    if (performance.now() - start > timeoutMs) throw new Error('events did not settle in time');
    if (BUS === 'bullmq') p.clock.advance(2_500); // confirmation waits 2 s after publishing
    // A real pause: network reads (a WebSocket client's frames, BullMQ's workers) need the event loop.
    await new Promise((r) => setTimeout(r, BUS === 'bullmq' ? 50 : 5));
  }
}
