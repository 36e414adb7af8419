import type { DomainEvent, Tx } from '../db/service-database.js';

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
  /** Delivered to every live replica of the consumer rather than shared out (see ConsumerDeclaration). */
  broadcast?: boolean;
}

/** Handles one event inside a transaction of the consuming service; the inbox row commits with it. */
export type EventHandler<DB = unknown> = (event: EventEnvelope, tx: Tx<DB>) => Promise<void>;

/** A producer's event map: event type → payload (e.g. JobEventMap, exported by its index.ts). */
export type EventMap = object;

/**
 * The producer's side of its map: `const event = eventsOf<JobEventMap>()`, then
 * `tx.publish(event('job.closed')(payload))` — the payload is checked against the map.
 */
export function eventsOf<M extends EventMap>() {
  return <K extends keyof M & string>(type: K, version = 1) =>
    (payload: M[K]): DomainEvent<K, M[K]> => ({ type, version, payload });
}

/** One event of map M whose type is one of K, as a union discriminated by `type`. */
export type EventOf<M extends EventMap, K extends keyof M & string> = {
  [P in K]: EventEnvelope<M[P]> & { type: P };
}[K];

/** A consumer's handler bound to its declaration (what a service instance hands the platform). */
export interface BoundHandler {
  readonly consumer: string;
  readonly handler: EventHandler;
  /** Set when this process keeps a replica of the consumer's state (a broadcast consumer). */
  readonly replica?: ReplicaHooks;
}

/**
 * How a process learns that its replica may have missed events: 'replica' — it has just joined the
 * consumer's replicas on the BullMQ bus (at start, or again after its lease was lost), so anything
 * published before may be missing; 'sole' — the in-process bus, where this process receives every
 * event and only a state that was lost or never built (an empty index) is behind.
 */
export type CatchUpMode = 'replica' | 'sole';

/**
 * What a process keeping a replica of a broadcast consumer's state hands the platform. The
 * platform calls `starting()` when it starts delivering (a catch-up follows: report not ready until
 * it ends), then `catchUp` once the replica receives every new event, so nothing published during
 * the catch-up is missed; the state must therefore accept an event and the catch-up in either
 * order (versions). A failed catch-up is retried with backoff.
 */
export interface ReplicaHooks {
  starting?(): void;
  catchUp(mode: CatchUpMode): Promise<void>;
}

/** What the platform reads of a consumer's declaration (its module lists these). */
export interface ConsumerDeclaration {
  /** Unique consumer name, `<service>.<what-it-does>`, e.g. "search.index-jobs". */
  readonly consumer: string;
  readonly events: readonly string[];
  /** Attempts before an event goes to the dead-letter store (default 8). */
  readonly maxAttempts?: number;
  /**
   * Each process that binds the handler with a replica (`handle(fn, { replica })`) receives every
   * event, not a share: for state held in the process (the embedded search index), not in the
   * database. On the BullMQ bus each such process has a queue of its own, registered in Redis
   * under a lease; with no replica live, events go to the consumer's shared queue as usual, where
   * processes binding it without a replica (Elasticsearch) take their share. The in-process bus
   * delivers every event to its one process anyway.
   */
  readonly broadcast?: boolean;
}

/**
 * A consumer as a service declares it (statically, on its module): its name, the events of one
 * producer's map it handles, and how to bind its handler once the service is built. The event
 * names are checked against the producer's map, and the handler receives their payloads typed.
 */
export interface ConsumerSpec<M extends EventMap, K extends keyof M & string> extends ConsumerDeclaration {
  readonly events: readonly K[];
  handle<DB>(
    fn: (event: EventOf<M, K>, tx: Tx<DB>) => Promise<void>,
    options?: { replica?: ReplicaHooks },
  ): BoundHandler;
}

/**
 * Declares a consumer of producer map M: `consumerOf<JobEventMap>()('search.index-jobs', [...])`.
 * Naming an event that M does not declare is a type error.
 */
export function consumerOf<M extends EventMap>() {
  return <const K extends keyof M & string>(
    consumer: string,
    events: readonly K[],
    options: { maxAttempts?: number; broadcast?: boolean } = {},
  ): ConsumerSpec<M, K> => ({
    consumer,
    events,
    ...(options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {}),
    ...(options.broadcast ? { broadcast: true } : {}),
    handle: (fn, bound = {}) => {
      if (bound.replica && !options.broadcast)
        throw new Error(`${consumer}: only a broadcast consumer can keep replicas`);
      return {
        consumer,
        // The outbox row's type names the payload's shape; the producer's map is that contract.
        handler: fn as unknown as EventHandler,
        ...(bound.replica ? { replica: bound.replica } : {}),
      };
    },
  });
}

/** The per-event subscriptions a consumer's declaration stands for. */
export function subscriptionsOf(spec: ConsumerDeclaration): Subscription[] {
  return spec.events.map((event) => ({
    consumer: spec.consumer,
    event,
    ...(spec.maxAttempts !== undefined ? { maxAttempts: spec.maxAttempts } : {}),
    ...(spec.broadcast ? { broadcast: true } : {}),
  }));
}

export const DEFAULT_MAX_ATTEMPTS = 8;

/**
 * Exponential backoff with half of it jittered: attempt 1 → up to `baseMs` (0.5 s), doubling,
 * capped at `maxMs` (5 minutes). Events, jobs, deadlines and workflow steps all wait this way.
 */
export function backoffMs(
  attempt: number,
  random: () => number = Math.random,
  { baseMs = 500, maxMs = 300_000 }: { baseMs?: number; maxMs?: number } = {},
): number {
  const cap = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(cap / 2 + (random() * cap) / 2);
}
