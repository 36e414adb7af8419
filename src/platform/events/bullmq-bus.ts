import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { IdGenerator } from '../ids.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { errorText, maxAttemptsOf, runConsumerBatch, type BoundConsumer } from './consumers.js';
import type { DeadLetterStore } from './dead-letters.js';
import type { EventMetrics } from './metrics.js';
import type { ReplicaRegistry } from './replicas.js';
import { toEnvelope, type Outbox, type OutboxRow } from './outbox.js';
import { backoffMs, type EventEnvelope, type Subscription } from './types.js';

/**
 * The distributed bus: one BullMQ queue per consumer (`ev.<consumer>`) on the queue Redis. A relay
 * pass adds one job per (batch of up to 100 events, consumer) with the job id
 * `<batch id>-<consumer>`, the batch id new for the pass and stored on the rows it marks published
 * (two relays reading overlapping rows add both their batches; consumers ignore what they already
 * have). Redis may lose recent writes (a crash inside its fsync window), so the row is only
 * *confirmed* — and may be purged — once every job is seen completed or dead-lettered; a job that
 * vanished is added again. Consumers record the event id in their inbox, so a re-added event
 * changes nothing twice.
 *
 * A broadcast consumer's batches go to each live replica's queue (`ev.<consumer>@<replica>`) instead,
 * or to the shared queue when no replica is live (replicas drain it too, so nothing stays there).
 * Confirmation looks the replicas up afresh and checks each live one: one that joined since gets
 * the batch again (its state ignores what it already has), one that left is not waited for; what
 * was relayed before a replica joined is in the state its catch-up reads.
 */
export interface BullBusDeps {
  clock: Clock;
  log: Logger;
  metrics: EventMetrics;
  connection: Redis;
  prefix: string;
  concurrency: number;
  subscriptionsOf(type: string): Subscription[];
  consumer(name: string): BoundConsumer | undefined;
  deadLetters(service: string): DeadLetterStore | undefined;
  /** Consumers delivered to every live replica (Subscription.broadcast). */
  broadcast: ReadonlySet<string>;
  replicas: ReplicaRegistry;
  /** A new id for each batch a relay pass publishes. */
  ids: IdGenerator;
}

const queueName = (consumer: string): string => `ev.${consumer}`;
const replicaQueueName = (consumer: string, replica: string): string => `ev.${consumer}@${replica}`;
const jobId = (batchId: string, consumer: string): string => `${batchId}-${consumer}`;
/** Events per job: one consumer transaction handles the whole batch. */
const BATCH = 100;

interface BatchJob {
  events: EventEnvelope[];
}

export function createBullBus(deps: BullBusDeps) {
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  /** Queues this process runs a worker on. */
  const ownQueues = new Set<string>();
  const connection = deps.connection as unknown as ConnectionOptions;

  function queue(name: string): Queue {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix: deps.prefix });
      q.on('error', (err) => deps.log.warn({ err, queue: name }, 'event queue error'));
      queues.set(name, q);
    }
    return q;
  }

  /** The replica queues of each broadcast consumer as last looked up, and when. */
  const lookedUp = new Map<string, { at: number; names: string[] }>();

  /**
   * The queues a consumer's batches go to: its live replicas' (broadcast, when any), else its own.
   * A relay pass may use a lookup up to a second old; the confirmation pass looks up afresh and adds
   * a batch to a replica that joined since, so a stale lookup delays that replica by one pass.
   */
  async function targets(consumer: string, fresh: boolean): Promise<string[]> {
    if (!deps.broadcast.has(consumer)) return [queueName(consumer)];
    const known = lookedUp.get(consumer);
    if (!fresh && known && deps.clock.now() - known.at < 1000) return known.names;
    const { live, dropped } = await deps.replicas.live(consumer);
    for (const replica of dropped) void dropQueue(replicaQueueName(consumer, replica));
    const names = live.map((r) => replicaQueueName(consumer, r));
    // Queues of replicas that left since (cleanly, so nobody reported them dropped) are forgotten.
    for (const [name, q] of queues)
      if (name.startsWith(`${queueName(consumer)}@`) && !names.includes(name) && !ownQueues.has(name)) {
        queues.delete(name);
        void q.close().catch(() => undefined);
      }
    const out = names.length > 0 ? names : [queueName(consumer)];
    lookedUp.set(consumer, { at: deps.clock.now(), names: out });
    return out;
  }

  /** Removes a replica's queue (it left, or its lease expired): nobody will read it again. */
  async function dropQueue(name: string): Promise<void> {
    try {
      await queue(name).obliterate({ force: true });
      deps.log.info({ queue: name }, 'queue of a departed replica dropped');
    } catch (err) {
      deps.log.warn({ err, queue: name }, 'could not drop the queue of a departed replica');
    } finally {
      const q = queues.get(name);
      queues.delete(name);
      await q?.close().catch(() => undefined);
    }
  }

  function attemptsOf(consumer: string, events: EventEnvelope[]): number {
    return Math.max(
      ...events.map((e) => maxAttemptsOf(deps.subscriptionsOf(e.type).find((s) => s.consumer === consumer)!)),
    );
  }

  /**
   * One job per (batch, consumer) holding the batch's events that consumer subscribes to, in each
   * of the consumer's target queues (`to`, looked up when not given).
   */
  async function enqueue(
    batches: { batchId: string; events: EventEnvelope[] }[],
    to: Map<string, string[]> = new Map(),
  ): Promise<void> {
    const byConsumer = new Map<string, { name: string; data: BatchJob; opts: JobsOptions }[]>();
    for (const { batchId, events } of batches) {
      const consumers = new Set(events.flatMap((e) => deps.subscriptionsOf(e.type).map((s) => s.consumer)));
      for (const consumer of consumers) {
        const mine = events.filter((e) => deps.subscriptionsOf(e.type).some((s) => s.consumer === consumer));
        const job = {
          name: 'events',
          data: { events: mine },
          opts: {
            jobId: jobId(batchId, consumer),
            attempts: attemptsOf(consumer, mine),
            backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
            removeOnComplete: { age: 3600, count: 50_000 },
            removeOnFail: { age: 7 * 86_400 },
          } satisfies JobsOptions,
        };
        byConsumer.set(consumer, [...(byConsumer.get(consumer) ?? []), job]);
      }
    }
    await Promise.all(
      [...byConsumer.entries()].map(async ([consumer, jobs]) => {
        const names = to.get(consumer) ?? (await targets(consumer, false));
        await Promise.all(names.map((name) => queue(name).addBulk(jobs)));
      }),
    );
  }

  /**
   * A worker running consumer `c` on queue `name`. Events that fail their last attempt go to the
   * dead-letter store, or, on a replica's own queue, to `lost`: a replay in one process could not
   * repair another's replica, its catch-up does.
   */
  function startWorker(name: string, c: BoundConsumer, lost?: () => void): Worker {
    const worker = new Worker(
      name,
      async (job) => {
        const { events } = job.data as BatchJob;
        const failures = await runConsumerBatch(c, events, deps);
        if (failures.length === 0) return;
        const attempt = job.attemptsMade + 1;
        if (attempt < (job.opts.attempts ?? 1)) {
          throw new Error(
            `${failures.length} of ${events.length} events failed: ${errorText(failures[0]!.error)}`,
          );
        }
        if (lost) {
          deps.log.error(
            { consumer: c.subscription.consumer, events: failures.map((f) => f.event.id) },
            'replica could not apply events; catching up',
          );
          return lost();
        }
        // Last attempt: the failing events go to the dead-letter store; the rest are handled.
        for (const { event, error } of failures) {
          await deps
            .deadLetters(c.service)
            ?.record(c.subscription.consumer, event, attempt, errorText(error), deps.clock.now());
          deps.metrics.deadLettered(c.subscription.consumer);
          deps.log.error({ consumer: c.subscription.consumer, eventId: event.id }, 'event dead-lettered');
        }
      },
      { connection, prefix: deps.prefix, concurrency: deps.concurrency, autorun: true },
    );
    worker.on('error', (err) =>
      deps.log.warn({ err, consumer: c.subscription.consumer }, 'event worker error'),
    );
    return worker;
  }

  /** This process's replicas: their id (renewed on rejoin), worker and lease renewal. */
  const replicas = new Map<string, { id: string; worker: Worker | null; timer: NodeJS.Timeout | null }>();
  let closing = false;

  /**
   * Joins `c`'s replicas under a new id: lease and listing first, then a worker on its own queue,
   * then `joined` (the catch-up), so whatever is relayed from now on reaches this replica.
   */
  async function join(c: BoundConsumer, joined: (c: BoundConsumer) => void): Promise<void> {
    const consumer = c.subscription.consumer;
    const r = replicas.get(consumer)!;
    const id = `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`.replace(/[^\w.-]/g, '_');
    for (let attempt = 1; !closing; attempt++) {
      try {
        await deps.replicas.join(consumer, id);
        break;
      } catch (err) {
        deps.log.warn({ err, consumer, attempt }, 'could not join the replicas; will retry');
        const wait = backoffMs(attempt, Math.random, { baseMs: 250, maxMs: 10_000 });
        await new Promise((resolve) => setTimeout(resolve, wait).unref());
      }
    }
    if (closing) {
      // Joined while the bus was closing: leave again, or relays would feed the queue until the lease ends.
      await deps.replicas.leave(consumer, id).catch(() => undefined);
      return;
    }
    r.id = id;
    ownQueues.add(replicaQueueName(consumer, id));
    r.worker = startWorker(replicaQueueName(consumer, id), { ...c, inbox: false }, () => joined(c));
    deps.log.info({ consumer, replica: id }, 'joined the replicas of a broadcast consumer');
    joined(c);
    renewLater(c, joined);
  }

  function renewLater(c: BoundConsumer, joined: (c: BoundConsumer) => void): void {
    const consumer = c.subscription.consumer;
    const r = replicas.get(consumer)!;
    r.timer = setTimeout(() => {
      r.timer = null;
      void (async () => {
        if (closing) return;
        let alive = true;
        try {
          alive = await deps.replicas.renew(consumer, r.id);
        } catch (err) {
          deps.log.warn({ err, consumer }, 'could not renew the replica lease; will retry');
        }
        if (closing) return;
        if (alive) return renewLater(c, joined);
        // Its lease expired (the process stalled, or Redis was out of reach): the relays dropped it
        // and events went by. Join again, and catch up.
        deps.log.warn({ consumer, replica: r.id }, 'replica lease lost; joining again and catching up');
        const old = r.worker;
        r.worker = null;
        ownQueues.delete(replicaQueueName(consumer, r.id));
        await old?.close().catch(() => undefined);
        await join(c, joined);
      })();
    }, deps.replicas.ttlMs / 3);
    r.timer.unref();
  }

  return {
    async dispatch(producer: ServiceDatabase<unknown>, outbox: Outbox, rows: OutboxRow[]): Promise<void> {
      const batches: { batchId: string; events: EventEnvelope[] }[] = [];
      for (let i = 0; i < rows.length; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH);
        // A batch id of its own, not one taken from its rows: a relay in another process may have
        // read some of the same rows and fewer or more of the others, and BullMQ keeps the first
        // job of an id (a later one with other events would be dropped, its events never delivered).
        batches.push({ batchId: deps.ids(), events: chunk.map((r) => toEnvelope(producer.service, r)) });
      }
      await enqueue(batches);
      const now = deps.clock.now();
      for (const b of batches) {
        const subscribed = b.events.some((e) => deps.subscriptionsOf(e.type).length > 0);
        await outbox.markPublished(
          b.events.map((e) => e.id),
          now,
          !subscribed,
          b.batchId,
        );
      }
    },

    /** Confirms published batches whose jobs all completed or failed for good; re-adds lost jobs. */
    async confirm(producer: ServiceDatabase<unknown>, outbox: Outbox, rows: OutboxRow[]): Promise<void> {
      const batches = new Map<string, EventEnvelope[]>();
      for (const r of rows) {
        const id = r.batch_id ?? r.id;
        batches.set(id, [...(batches.get(id) ?? []), toEnvelope(producer.service, r)]);
      }
      const consumersOf = (events: EventEnvelope[]): string[] => [
        ...new Set(events.flatMap((e) => deps.subscriptionsOf(e.type).map((s) => s.consumer))),
      ];
      // Each consumer's queues are looked up once for the pass (a broadcast consumer's: its replicas).
      const to = new Map<string, string[]>();
      for (const consumer of new Set([...batches.values()].flatMap(consumersOf)))
        to.set(consumer, await targets(consumer, true));
      // One pipelined round trip for the whole pass: is each job completed, failed, or still there?
      const checks = [...batches.entries()].flatMap(([batchId, events]) =>
        consumersOf(events).flatMap((consumer) =>
          to.get(consumer)!.map((name) => ({ batchId, consumer, name })),
        ),
      );
      const pipeline = deps.connection.pipeline();
      for (const { batchId, consumer, name } of checks) {
        const q = queue(name);
        const id = jobId(batchId, consumer);
        pipeline.zscore(q.toKey('completed'), id).zscore(q.toKey('failed'), id).exists(q.toKey(id));
      }
      const results = (await pipeline.exec()) ?? [];
      const unsettled = new Set<string>();
      const lost = new Set<string>();
      checks.forEach(({ batchId }, i) => {
        const [completed, failed, exists] = [
          results[i * 3]?.[1],
          results[i * 3 + 1]?.[1],
          results[i * 3 + 2]?.[1],
        ];
        if (completed !== null || failed !== null) return;
        unsettled.add(batchId);
        if (exists === 0) lost.add(batchId);
      });
      if (lost.size) {
        deps.log.warn(
          { batches: lost.size },
          'queued events missing (lost by Redis, or a replica joined since); adding them again',
        );
        await enqueue(
          [...lost].map((batchId) => ({ batchId, events: batches.get(batchId)! })),
          to,
        );
      }
      const confirmed = [...batches.entries()]
        .filter(([id]) => !unsettled.has(id))
        .flatMap(([, events]) => events.map((e) => e.id));
      await outbox.markConfirmed(confirmed, deps.clock.now());
    },

    /** Starts one worker per consumer served here, on its shared queue. */
    startWorkers(consumers: BoundConsumer[]): void {
      const unique = new Map(consumers.map((c) => [c.subscription.consumer, c]));
      for (const c of unique.values()) {
        const name = queueName(c.subscription.consumer);
        if (ownQueues.has(name)) continue;
        ownQueues.add(name);
        workers.push(startWorker(name, c));
      }
    },

    /**
     * Joins the replicas of each consumer this process keeps a replica of (`c.replica`), and calls
     * `joined` once it receives every batch relayed from then on (again after rejoining).
     */
    startReplicas(consumers: BoundConsumer[], joined: (c: BoundConsumer) => void): void {
      for (const c of consumers) {
        if (!c.replica || replicas.has(c.subscription.consumer)) continue;
        replicas.set(c.subscription.consumer, { id: '', worker: null, timer: null });
        // What was relayed while no replica was live waits in the shared queue: replicas drain it
        // too, also in a process that runs no other workers.
        const shared = queueName(c.subscription.consumer);
        if (!ownQueues.has(shared)) {
          ownQueues.add(shared);
          workers.push(startWorker(shared, c));
        }
        void join(c, joined);
      }
    },

    async queueDepth(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const [name, q] of queues) {
        const counts = await q.getJobCounts('waiting', 'delayed', 'prioritized');
        out[name] = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      }
      return out;
    },

    /**
     * Running jobs finish (or go back to the queue when the grace period ends). Replicas leave:
     * relays stop sending to them and their queues are dropped.
     */
    async close(): Promise<void> {
      closing = true;
      await Promise.all(
        [...replicas.entries()].map(async ([consumer, r]) => {
          if (r.timer) clearTimeout(r.timer);
          await r.worker?.close().catch(() => undefined);
          if (!r.id) return;
          try {
            await deps.replicas.leave(consumer, r.id);
            await dropQueue(replicaQueueName(consumer, r.id));
          } catch (err) {
            deps.log.warn({ err, consumer }, 'could not leave the replicas; its lease will expire');
          }
        }),
      );
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

export type BullBus = ReturnType<typeof createBullBus>;
