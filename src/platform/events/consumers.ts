import type { Clock } from '../clock.js';
import { contextInSpan, newContext, parseTraceparent, runWithContext } from '../context.js';
import { insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { inConsumerSpan } from '../tracing.js';
import type { EventEnvelope, EventHandler, ReplicaHooks, Subscription } from './types.js';
import { DEFAULT_MAX_ATTEMPTS } from './types.js';
import type { EventMetrics } from './metrics.js';

/** A consumer ready to run: its subscription, its service's database and its handler. */
export interface BoundConsumer {
  service: string;
  subscription: Subscription;
  db: ServiceDatabase<unknown>;
  handler: EventHandler;
  /** This process keeps a replica of the consumer's state (a broadcast consumer). */
  replica?: ReplicaHooks;
  /**
   * false: no inbox rows. A replica's own queue (BullMQ bus) runs so: its effect is local to the
   * process and idempotent by itself (versions), and the shared inbox would make every replica but
   * the first skip the event.
   */
  inbox?: false;
}

export function maxAttemptsOf(s: Subscription): number {
  return s.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
}

/**
 * Runs a consumer on one event, effectively once: the inbox row (consumer, event id) is inserted in
 * the same transaction as the handler's effect, so a redelivered event finds it and changes nothing.
 * The handler runs in the producer's trace, so its logs carry the producer's trace id.
 * Returns false when the event had already been handled.
 */
export async function runConsumer(
  c: BoundConsumer,
  event: EventEnvelope,
  deps: { log: Logger; metrics: EventMetrics; clock: Clock },
): Promise<boolean> {
  return inEventContext(c, event, async () => {
    const started = performance.now();
    try {
      const handled = await c.db.transaction(async (tx) => {
        const fresh =
          c.inbox === false ||
          (await insertIgnore(
            c.db.untyped(tx.db),
            c.db.dialect,
            c.db.table('inbox'),
            { consumer: c.subscription.consumer, event_id: event.id, processed_at: tx.now },
            ['consumer', 'event_id'],
          ));
        if (!fresh) return false;
        await c.handler(event, tx);
        return true;
      });
      deps.metrics.handled(c.subscription.consumer, (performance.now() - started) / 1000, handled);
      if (handled)
        deps.metrics.lag(c.subscription.consumer, Math.max(0, deps.clock.now() - event.createdAt) / 1000);
      return handled;
    } catch (e) {
      deps.metrics.failed(c.subscription.consumer);
      deps.log.warn(
        { err: e, consumer: c.subscription.consumer, eventId: event.id, type: event.type },
        'event handler failed',
      );
      throw e;
    }
  });
}

/**
 * Runs a consumer on several events in one transaction (one commit, one fsync, instead of one per
 * event), each with its inbox row and in its own trace. If the batch fails, each event is retried
 * alone, so one poisoned event cannot hold back the others. Returns the events that failed alone.
 * Handlers must tolerate being run again (their transaction rolled back): effects outside the
 * database need to be idempotent, as they must be under at-least-once delivery anyway.
 */
export async function runConsumerBatch(
  c: BoundConsumer,
  events: EventEnvelope[],
  deps: { log: Logger; metrics: EventMetrics; clock: Clock },
): Promise<{ event: EventEnvelope; error: unknown }[]> {
  if (events.length === 1) {
    try {
      await runConsumer(c, events[0]!, deps);
      return [];
    } catch (error) {
      return [{ event: events[0]!, error }];
    }
  }
  const started = performance.now();
  try {
    const fresh = await c.db.transaction(async (tx) => {
      // Two statements for the whole batch: which events are new, then their inbox rows. A
      // concurrent duplicate makes the insert fail, and the batch falls back to one event at a time.
      const inbox = c.db.table('inbox');
      if (c.inbox === false) {
        for (const event of events) await inEventContext(c, event, () => c.handler(event, tx));
        return events;
      }
      const seen = new Set(
        (
          await c.db
            .untyped(tx.db)
            .selectFrom(inbox)
            .select('event_id')
            .where('consumer', '=', c.subscription.consumer)
            .where(
              'event_id',
              'in',
              events.map((e) => e.id),
            )
            .execute()
        ).map((r) => r.event_id as string),
      );
      const handled = events.filter((e) => !seen.has(e.id));
      if (handled.length) {
        await c.db
          .untyped(tx.db)
          .insertInto(inbox)
          .values(
            handled.map((e) => ({ consumer: c.subscription.consumer, event_id: e.id, processed_at: tx.now })),
          )
          .execute();
      }
      for (const event of handled) {
        await inEventContext(c, event, () => c.handler(event, tx));
      }
      return handled;
    });
    const seconds = (performance.now() - started) / 1000 / events.length;
    const now = deps.clock.now();
    for (const event of events) {
      const isFresh = fresh.includes(event);
      deps.metrics.handled(c.subscription.consumer, seconds, isFresh);
      if (isFresh) deps.metrics.lag(c.subscription.consumer, Math.max(0, now - event.createdAt) / 1000);
    }
    return [];
  } catch {
    const failed: { event: EventEnvelope; error: unknown }[] = [];
    for (const event of events) {
      try {
        await runConsumer(c, event, deps);
      } catch (error) {
        failed.push({ event, error });
      }
    }
    return failed;
  }
}

/**
 * Runs `fn` in the context of handling `event`: the producer's trace (from the event), a span of
 * its own (with tracing, the consumer span, child of the producer's), the event id as request id.
 */
function inEventContext<T>(c: BoundConsumer, event: EventEnvelope, fn: () => Promise<T>): Promise<T> {
  return inConsumerSpan(c.subscription.consumer, event, (span) =>
    runWithContext(
      span
        ? contextInSpan(event.id, 'zh-CN', span)
        : newContext(event.id, 'zh-CN', parseTraceparent(event.traceparent)?.traceId),
      fn,
    ),
  );
}

export function errorText(e: unknown): string {
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`.slice(0, 2000);
}
