import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { CursorCodec } from '../cursor.js';
import type { ServiceDatabase } from '../db/service-database.js';
import { AppError, PlatformErrors } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../log.js';
import { createBullBus, type BullBus } from './bullmq-bus.js';
import { errorText, runConsumer, type BoundConsumer } from './consumers.js';
import { createDeadLetterStore, type DeadLetter, type DeadLetterStore } from './dead-letters.js';
import { createInProcessDispatcher } from './inprocess-bus.js';
import { createEventMetrics } from './metrics.js';
import { createOutbox, type Outbox } from './outbox.js';
import { createCatchUps, createReplicaRegistry } from './replicas.js';
import type { Subscription } from './types.js';

export interface EventSystemOptions {
  bus: 'inprocess' | 'bullmq';
  /** Producers: the outboxes this process relays (the services it serves). */
  producers: ServiceDatabase<unknown>[];
  /** Every subscription of every known service (served here or elsewhere). */
  subscriptions: (Subscription & { service: string })[];
  /** Consumers served by this process. */
  consumers: BoundConsumer[];
  /** Whether this process runs consumers (always true for the in-process bus). */
  runWorkers: boolean;
  queueRedis: Redis | undefined;
  redisPrefix: string;
  concurrency: number;
  clock: Clock;
  log: Logger;
  ids: IdGenerator;
  cursors: CursorCodec;
  /** How answers show times (ISO 8601 in the business time zone). */
  formatInstant: (ms: number) => string;
  metricsRegistry: Registry;
  pollMs?: number;
  batchSize?: number;
  /** How long a replica's lease lasts without renewal (default 30 s; renewed every third of it). */
  replicaLeaseMs?: number;
}

/**
 * Delivers every service's outbox to the consumers subscribed to each event, at least once, and
 * keeps the dead-letter stores. One relay per producing service: it wakes right after a transaction
 * that published events commits, and polls as a fallback (other processes, retries).
 */
export function createEventSystem(o: EventSystemOptions) {
  const pollMs = o.pollMs ?? 250;
  const batch = o.batchSize ?? 500;
  const byType = new Map<string, Subscription[]>();
  for (const s of o.subscriptions) byType.set(s.event, [...(byType.get(s.event) ?? []), s]);
  const consumers = new Map(o.consumers.map((c) => [c.subscription.consumer, c]));
  const deadLetterStores = new Map<string, DeadLetterStore>(
    o.producers.map((db) => [db.service, createDeadLetterStore(db, o.ids, o.cursors, o.formatInstant)]),
  );
  const outboxes = new Map<string, Outbox>(o.producers.map((db) => [db.service, createOutbox(db)]));

  let bull: BullBus | undefined;
  const metrics = createEventMetrics(o.metricsRegistry, {
    outboxLagSeconds: async () => {
      const out: Record<string, number> = {};
      for (const [service, ob] of outboxes) out[service] = await ob.lagSeconds(o.clock.now());
      return out;
    },
    deadLetters: async () => {
      const out: Record<string, number> = {};
      for (const [service, store] of deadLetterStores) out[service] = await store.countOpen();
      return out;
    },
    queueDepth: async () => (bull ? bull.queueDepth() : {}),
  });
  const common = {
    clock: o.clock,
    log: o.log,
    metrics,
    subscriptionsOf: (type: string) => byType.get(type) ?? [],
    consumer: (name: string) => consumers.get(name),
    deadLetters: (service: string) => deadLetterStores.get(service),
  };
  if (o.bus === 'bullmq') {
    if (!o.queueRedis) throw new Error('the BullMQ event bus needs a queue Redis');
    bull = createBullBus({
      ...common,
      connection: o.queueRedis,
      prefix: `${o.redisPrefix}bull`,
      ids: o.ids,
      concurrency: o.concurrency,
      broadcast: new Set(o.subscriptions.filter((s) => s.broadcast).map((s) => s.consumer)),
      replicas: createReplicaRegistry({
        redis: o.queueRedis,
        prefix: `${o.redisPrefix}ev:`,
        ttlMs: o.replicaLeaseMs ?? 30_000,
      }),
    });
  }
  // Consumers whose state this process keeps a replica of (one entry per consumer).
  const replicas = [
    ...new Map(o.consumers.filter((c) => c.replica).map((c) => [c.subscription.consumer, c])).values(),
  ];
  const catchUps = createCatchUps(o.log);
  const dispatchInProcess = createInProcessDispatcher(common);

  let running = false;
  const timers = new Set<NodeJS.Timeout>();
  const pumping = new Map<string, Promise<void>>();
  const again = new Set<string>();

  /** Relays due events of one producer until none are left. Concurrent calls coalesce. */
  function pump(db: ServiceDatabase<unknown>): Promise<void> {
    const current = pumping.get(db.service);
    if (current) {
      again.add(db.service);
      return current;
    }
    const p = (async () => {
      const outbox = outboxes.get(db.service)!;
      try {
        do {
          again.delete(db.service);
          for (;;) {
            const rows = await outbox.due(o.clock.now(), batch);
            if (rows.length === 0) break;
            if (bull) await bull.dispatch(db, outbox, rows);
            else await dispatchInProcess(db, outbox, rows);
            if (rows.length < batch) break;
          }
        } while (again.has(db.service));
      } catch (e) {
        o.log.warn({ err: e, service: db.service }, 'outbox relay pass failed; will retry');
      } finally {
        pumping.delete(db.service);
      }
    })();
    pumping.set(db.service, p);
    return p;
  }

  async function confirmPass(): Promise<void> {
    if (!bull) return;
    for (const db of o.producers) {
      const outbox = outboxes.get(db.service)!;
      try {
        const rows = await outbox.unconfirmed(o.clock.now() - 2000, batch);
        if (rows.length) await bull.confirm(db, outbox, rows);
      } catch (e) {
        o.log.warn({ err: e, service: db.service }, 'outbox confirmation pass failed; will retry');
      }
    }
  }

  function loop(fn: () => Promise<void>, every: number): void {
    const tick = async () => {
      if (!running) return;
      await fn();
      if (!running) return;
      const t = setTimeout(() => {
        timers.delete(t);
        void tick();
      }, every);
      t.unref();
      timers.add(t);
    };
    void tick();
  }

  async function replayOrDiscard(
    service: string,
    id: string,
    action: 'replay' | 'discard',
    actorId: string | null,
  ): Promise<DeadLetter> {
    const store = deadLetterStores.get(service);
    const dl = store ? await store.get(id) : undefined;
    if (!store || !dl) throw PlatformErrors.NOT_FOUND();
    if (dl.state !== 'open') {
      throw new AppError('DEAD_LETTER_RESOLVED', 409, {
        'zh-CN': '该死信已处理',
        en: 'This dead letter was already resolved',
      });
    }
    if (action === 'replay') {
      const consumer = consumers.get(dl.consumer);
      if (!consumer) throw PlatformErrors.SERVICE_UNAVAILABLE();
      try {
        await runConsumer(consumer, dl.event, common);
      } catch (e) {
        await store.record(dl.consumer, dl.event, dl.attempts + 1, errorText(e), o.clock.now());
        throw new AppError('DEAD_LETTER_REPLAY_FAILED', 409, {
          'zh-CN': `重放失败：${errorText(e)}`,
          en: `Replay failed: ${errorText(e)}`,
        });
      }
    }
    await store.resolve(id, action === 'replay' ? 'replayed' : 'discarded', actorId, o.clock.now());
    return (await store.get(id))!;
  }

  return {
    deadLetterStores,
    /** Wakes the relay of a service (called after a commit that published events). */
    poke(service: string): void {
      const db = o.producers.find((p) => p.service === service);
      if (running && db) void pump(db);
    },
    start(): void {
      if (running) return;
      running = true;
      for (const db of o.producers) {
        db.onEventsCommitted = () => this.poke(db.service);
        loop(() => pump(db), pollMs);
      }
      for (const c of replicas) c.replica!.starting?.();
      if (bull) {
        loop(confirmPass, 1000);
        if (o.runWorkers) bull.startWorkers(o.consumers);
        // A replica serves this process's own reads, so it runs even without workers.
        bull.startReplicas(replicas, (c) => catchUps.request(c, 'replica'));
      } else {
        for (const c of replicas) catchUps.request(c, 'sole');
      }
    },
    /** Relays everything due now and, with BullMQ, confirms what can be confirmed (tests, CLI). */
    async flush(): Promise<void> {
      for (const db of o.producers) await pump(db);
      await confirmPass();
    },
    replay: (service: string, id: string, actorId: string | null) =>
      replayOrDiscard(service, id, 'replay', actorId),
    discard: (service: string, id: string, actorId: string | null) =>
      replayOrDiscard(service, id, 'discard', actorId),
    async stop(): Promise<void> {
      running = false;
      catchUps.stop();
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const db of o.producers) db.onEventsCommitted = undefined;
      await Promise.allSettled([...pumping.values()]);
      await bull?.close();
    },
  };
}

export type EventSystem = ReturnType<typeof createEventSystem>;
