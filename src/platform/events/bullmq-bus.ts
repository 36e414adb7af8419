import { Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { errorText, maxAttemptsOf, runConsumerBatch, type BoundConsumer } from './consumers.js';
import type { DeadLetterStore } from './dead-letters.js';
import type { EventMetrics } from './metrics.js';
import { toEnvelope, type Outbox, type OutboxRow } from './outbox.js';
import type { EventEnvelope, Subscription } from './types.js';

/**
 * The distributed bus: one BullMQ queue per consumer (`ev.<consumer>`) on the queue Redis. The relay
 * adds one job per (event, consumer) with the job id `<event id>-<consumer>` (so two relays adding
 * the same event make one job), then marks the outbox row published. Redis may lose recent writes
 * (a crash inside its fsync window), so the row is only *confirmed* — and may be purged — once every
 * job is seen completed or dead-lettered; a job that vanished is added again. Consumers record the
 * event id in their inbox, so a re-added event changes nothing twice.
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
}

const queueName = (consumer: string): string => `ev.${consumer}`;
const jobId = (batchId: string, consumer: string): string => `${batchId}-${consumer}`;
/** Events per job: one consumer transaction handles the whole batch. */
const BATCH = 100;

interface BatchJob {
  events: EventEnvelope[];
}

export function createBullBus(deps: BullBusDeps) {
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const connection = deps.connection as unknown as ConnectionOptions;

  function queue(consumer: string): Queue {
    let q = queues.get(consumer);
    if (!q) {
      q = new Queue(queueName(consumer), { connection, prefix: deps.prefix });
      q.on('error', (err) => deps.log.warn({ err, consumer }, 'event queue error'));
      queues.set(consumer, q);
    }
    return q;
  }

  function attemptsOf(consumer: string, events: EventEnvelope[]): number {
    return Math.max(
      ...events.map((e) => maxAttemptsOf(deps.subscriptionsOf(e.type).find((s) => s.consumer === consumer)!)),
    );
  }

  /** One job per (batch, consumer) holding the batch's events that consumer subscribes to. */
  async function enqueue(batches: { batchId: string; events: EventEnvelope[] }[]): Promise<void> {
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
    await Promise.all([...byConsumer.entries()].map(([consumer, jobs]) => queue(consumer).addBulk(jobs)));
  }

  return {
    async dispatch(producer: ServiceDatabase<unknown>, outbox: Outbox, rows: OutboxRow[]): Promise<void> {
      const batches: { batchId: string; events: EventEnvelope[] }[] = [];
      for (let i = 0; i < rows.length; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH);
        batches.push({ batchId: chunk[0]!.id, events: chunk.map((r) => toEnvelope(producer.service, r)) });
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
      // One pipelined round trip for the whole pass: is each job completed, failed, or still there?
      const checks = [...batches.entries()].flatMap(([batchId, events]) =>
        [...new Set(events.flatMap((e) => deps.subscriptionsOf(e.type).map((s) => s.consumer)))].map(
          (consumer) => ({
            batchId,
            consumer,
          }),
        ),
      );
      const pipeline = deps.connection.pipeline();
      for (const { batchId, consumer } of checks) {
        const q = queue(consumer);
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
        deps.log.warn({ batches: lost.size }, 'queued events were lost by Redis; adding them again');
        await enqueue([...lost].map((batchId) => ({ batchId, events: batches.get(batchId)! })));
      }
      const confirmed = [...batches.entries()]
        .filter(([id]) => !unsettled.has(id))
        .flatMap(([, events]) => events.map((e) => e.id));
      await outbox.markConfirmed(confirmed, deps.clock.now());
    },

    /** Starts one worker per consumer served here. */
    startWorkers(consumers: BoundConsumer[]): void {
      const unique = new Map(consumers.map((c) => [c.subscription.consumer, c]));
      for (const c of unique.values()) {
        const worker = new Worker(
          queueName(c.subscription.consumer),
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
        workers.push(worker);
      }
    },

    async queueDepth(): Promise<Record<string, number>> {
      const out: Record<string, number> = {};
      for (const [consumer, q] of queues) {
        const counts = await q.getJobCounts('waiting', 'delayed', 'prioritized');
        out[queueName(consumer)] = (counts.waiting ?? 0) + (counts.delayed ?? 0) + (counts.prioritized ?? 0);
      }
      return out;
    },

    /** Running jobs finish (or go back to the queue when the grace period ends). */
    async close(): Promise<void> {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
  };
}

export type BullBus = ReturnType<typeof createBullBus>;
