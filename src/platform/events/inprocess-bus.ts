import type { Clock } from '../clock.js';
import { insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { errorText, maxAttemptsOf, runConsumerBatch, type BoundConsumer } from './consumers.js';
import type { DeadLetterStore } from './dead-letters.js';
import type { EventMetrics } from './metrics.js';
import { toEnvelope, type Outbox, type OutboxRow } from './outbox.js';
import { backoffMs, type EventEnvelope, type Subscription } from './types.js';

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
    if (rows.some((r) => r.attempts > 0)) {
      const ids = rows.map((r) => r.id);
      for (const d of (await q()
        .selectFrom(table)
        .selectAll()
        .where('event_id', 'in', ids)
        .execute()) as DeliveryRow[]) {
        deliveries.set(`${d.event_id}|${d.consumer}`, d);
      }
    }
    const events = rows.map((r) => toEnvelope(producer.service, r));
    const retryAt = new Map<string, number>(); // event id → when it must be looked at again
    const later = (id: string, at: number) => retryAt.set(id, Math.min(retryAt.get(id) ?? Infinity, at));

    // What each consumer must handle now, in outbox order.
    const work = new Map<string, EventEnvelope[]>();
    const now = deps.clock.now();
    for (const event of events) {
      for (const sub of deps.subscriptionsOf(event.type)) {
        const d = deliveries.get(`${event.id}|${sub.consumer}`);
        if (d && d.state !== 'pending') continue;
        if (d && d.next_attempt_at > now) {
          later(event.id, d.next_attempt_at);
          continue;
        }
        work.set(sub.consumer, [...(work.get(sub.consumer) ?? []), event]);
      }
    }

    // Consumers are independent (each has its own transaction and inbox): they run side by side,
    // so a pass takes as long as its slowest consumer, not the sum of them. A pass that fails (its
    // delivery records could not be written) ends only once every consumer has: the next pass
    // never overlaps this one.
    const settled = await Promise.allSettled(
      [...work].map(async ([name, list]) => {
        const consumer = deps.consumer(name);
        const failures = consumer
          ? await runConsumerBatch(consumer, list, deps)
          : list.map((event) => ({
              event,
              error: new Error(`consumer ${name} is not served by this process`),
            }));
        const failed = new Set(failures.map((f) => f.event.id));
        for (const event of list) {
          if (!failed.has(event.id) && deliveries.has(`${event.id}|${name}`)) {
            await q()
              .updateTable(table)
              .set({ state: 'done' })
              .where('event_id', '=', event.id)
              .where('consumer', '=', name)
              .execute();
          }
        }
        for (const { event, error } of failures) {
          const sub = deps.subscriptionsOf(event.type).find((s) => s.consumer === name)!;
          const d = deliveries.get(`${event.id}|${name}`);
          const at = deps.clock.now();
          const attempts = (d?.attempts ?? 0) + 1;
          const dead = attempts >= maxAttemptsOf(sub) && consumer !== undefined;
          const next = at + backoffMs(attempts);
          if (dead) {
            await deps.deadLetters(consumer.service)?.record(name, event, attempts, errorText(error), at);
            deps.metrics.deadLettered(name);
            deps.log.error({ consumer: name, eventId: event.id, attempts }, 'event dead-lettered');
          } else {
            later(event.id, next);
          }
          const values = {
            event_id: event.id,
            consumer: name,
            attempts,
            state: dead ? 'dead' : 'pending',
            next_attempt_at: next,
            last_error: errorText(error),
          };
          if (!(await insertIgnore(q(), producer.dialect, table, values, ['event_id', 'consumer']))) {
            await q()
              .updateTable(table)
              .set(values)
              .where('event_id', '=', event.id)
              .where('consumer', '=', name)
              .execute();
          }
        }
      }),
    );
    const failedPass = settled.find((s) => s.status === 'rejected');
    if (failedPass) throw failedPass.reason;
    for (const [id, at] of retryAt) await outbox.postpone(id, at);
    await outbox.markPublished(
      events.filter((e) => !retryAt.has(e.id)).map((e) => e.id),
      deps.clock.now(),
      true,
    );
  };
}
