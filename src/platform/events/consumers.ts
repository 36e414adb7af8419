import type { Clock } from '../clock.js';
import { newSpanId, newTraceId, parseTraceparent, runWithContext } from '../context.js';
import { insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import type { EventEnvelope, EventHandler, Subscription } from './types.js';
import { DEFAULT_MAX_ATTEMPTS } from './types.js';
import type { EventMetrics } from './metrics.js';

/** A consumer ready to run: its subscription, its service's database and its handler. */
export interface BoundConsumer {
  service: string;
  subscription: Subscription;
  db: ServiceDatabase<unknown>;
  handler: EventHandler;
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
  const parent = parseTraceparent(event.traceparent);
  const ctx = {
    traceId: parent?.traceId ?? newTraceId(),
    spanId: newSpanId(),
    requestId: event.id,
    lang: 'zh-CN' as const,
  };
  return runWithContext(ctx, async () => {
    const started = performance.now();
    try {
      const handled = await c.db.transaction(async (tx) => {
        const fresh = await insertIgnore(
          c.db.untyped(tx.db),
          c.db.dialect,
          c.db.table('inbox'),
          { consumer: c.subscription.consumer, event_id: event.id, processed_at: tx.now },
          ['consumer', 'event_id'],
        );
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

export function errorText(e: unknown): string {
  const err = e as Error;
  return `${err?.name ?? 'Error'}: ${err?.message ?? String(e)}`.slice(0, 2000);
}
