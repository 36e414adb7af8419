import type { Clock } from '../clock.js';
import { insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { errorText, maxAttemptsOf, runConsumer, type BoundConsumer } from './consumers.js';
import type { DeadLetterStore } from './dead-letters.js';
import type { EventMetrics } from './metrics.js';
import { toEnvelope, type Outbox, type OutboxRow } from './outbox.js';
import { backoffMs, type Subscription } from './types.js';

/**
 * The embedded bus: the relay hands each due event straight to its consumers in this process.
 * An event leaves the outbox (published + confirmed) only once every consumer has handled it or
 * dead-lettered it, so a crash at any point means redelivery, never loss; the inbox makes the
 * redelivery harmless. Failures are retried per consumer with exponential backoff and jitter,
 * tracked in `<svc>_outbox_deliveries`.
 */
export interface InProcessBusDeps {
  clock: Clock;
  log: Logger;
  metrics: EventMetrics;
  subscriptionsOf(type: string): Subscription[];
  consumer(name: string): BoundConsumer | undefined;
  deadLetters(service: string): DeadLetterStore | undefined;
}

interface DeliveryRow {
  event_id: string;
  consumer: string;
  attempts: number;
  state: 'pending' | 'done' | 'dead';
  next_attempt_at: number;
}

export function createInProcessDispatcher(deps: InProcessBusDeps) {
  return async function dispatch(
    producer: ServiceDatabase<unknown>,
    outbox: Outbox,
    rows: OutboxRow[],
  ): Promise<void> {
    const table = producer.table('outbox_deliveries');
    const q = () => producer.untyped();
    const deliveries = new Map<string, DeliveryRow>();
    const ids = rows.map((r) => r.id);
    if (rows.some((r) => r.attempts > 0)) {
      for (const d of (await q()
        .selectFrom(table)
        .selectAll()
        .where('event_id', 'in', ids)
        .execute()) as DeliveryRow[]) {
        deliveries.set(`${d.event_id}|${d.consumer}`, d);
      }
    }
    const done: string[] = [];
    for (const row of rows) {
      const event = toEnvelope(producer.service, row);
      let nextAt: number | null = null;
      for (const sub of deps.subscriptionsOf(event.type)) {
        const d = deliveries.get(`${event.id}|${sub.consumer}`);
        if (d && d.state !== 'pending') continue;
        const now = deps.clock.now();
        if (d && d.next_attempt_at > now) {
          nextAt = Math.min(nextAt ?? Infinity, d.next_attempt_at);
          continue;
        }
        const consumer = deps.consumer(sub.consumer);
        try {
          if (!consumer) throw new Error(`consumer ${sub.consumer} is not served by this process`);
          await runConsumer(consumer, event, deps);
          if (d)
            await q()
              .updateTable(table)
              .set({ state: 'done' })
              .where('event_id', '=', event.id)
              .where('consumer', '=', sub.consumer)
              .execute();
        } catch (e) {
          const attempts = (d?.attempts ?? 0) + 1;
          const dead = attempts >= maxAttemptsOf(sub);
          const next = now + backoffMs(attempts);
          if (dead && consumer) {
            await deps
              .deadLetters(consumer.service)
              ?.record(sub.consumer, event, attempts, errorText(e), now);
            deps.metrics.deadLettered(sub.consumer);
            deps.log.error({ consumer: sub.consumer, eventId: event.id, attempts }, 'event dead-lettered');
          } else {
            nextAt = Math.min(nextAt ?? Infinity, next);
          }
          const values = {
            event_id: event.id,
            consumer: sub.consumer,
            attempts,
            state: dead && consumer ? 'dead' : 'pending',
            next_attempt_at: next,
            last_error: errorText(e),
          };
          if (!(await insertIgnore(q(), producer.dialect, table, values, ['event_id', 'consumer']))) {
            await q()
              .updateTable(table)
              .set(values)
              .where('event_id', '=', event.id)
              .where('consumer', '=', sub.consumer)
              .execute();
          }
        }
      }
      if (nextAt === null) done.push(event.id);
      else await outbox.postpone(event.id, nextAt);
    }
    await outbox.markPublished(done, deps.clock.now(), true);
  };
}
