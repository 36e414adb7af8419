import type { Tx } from '../db/service-database.js';

/** An event as it travels from a producer's outbox to its consumers. */
export interface EventEnvelope<TPayload = unknown> {
  id: string;
  type: string;
  version: number;
  payload: TPayload;
  /** The producing service. */
  source: string;
  /** W3C trace context of the transaction that published it. */
  traceparent: string | null;
  /** Commit time of the producing transaction (epoch ms). */
  createdAt: number;
}

/**
 * A service's declaration that one of its consumers handles an event type. Declared statically on
 * the ServiceModule, so every process knows all subscriptions (and fans events out to consumers
 * served elsewhere) without building the consuming service.
 */
export interface Subscription {
  /** Unique consumer name, `<service>.<what-it-does>`, e.g. "search.index-job". */
  consumer: string;
  event: string;
  /** Attempts before the event goes to the dead-letter store (default 8). */
  maxAttempts?: number;
}

/** Handles one event inside a transaction of the consuming service; the inbox row commits with it. */
export type EventHandler<DB = unknown> = (event: EventEnvelope, tx: Tx<DB>) => Promise<void>;

export const DEFAULT_MAX_ATTEMPTS = 8;

/** Exponential backoff with full jitter: attempt 1 → up to 0.5 s, doubling, capped at 5 minutes. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const cap = Math.min(300_000, 500 * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + (random() * cap) / 2);
}
