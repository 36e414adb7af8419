import { Queue, Worker, type ConnectionOptions, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Clock } from '../clock.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';
import { errorText, maxAttemptsOf, runConsumer, type BoundConsumer } from './consumers.js';
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
const jobId = (eventId: string, consumer: string): string => `${eventId}-${consumer}`;

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

  function jobOptions(sub: Subscription, event: EventEnvelope): JobsOptions {
    return {
      jobId: jobId(event.id, sub.consumer),
      attempts: maxAttemptsOf(sub),
      backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
      removeOnComplete: { age: 3600, count: 200_000 },
      removeOnFail: { age: 7 * 86_400 },
    };
  }

  async function enqueue(pairs: { sub: Subscription; event: EventEnvelope }[]): Promise<void> {
    const byConsumer = new Map<string, { sub: Subscription; event: EventEnvelope }[]>();
    for (const p of pairs) byConsumer.set(p.sub.consumer, [...(byConsumer.get(p.sub.consumer) ?? []), p]);
    await Promise.all(
      [...byConsumer.entries()].map(([consumer, list]) =>
        queue(consumer).addBulk(
          list.map(({ sub, event }) => ({ name: event.type, data: event, opts: jobOptions(sub, event) })),
        ),
      ),
    );
  }

  return {
    async dispatch(producer: ServiceDatabase<unknown>, outbox: Outbox, rows: OutboxRow[]): Promise<void> {
      const pairs = rows.flatMap((r) => {
        const event = toEnvelope(producer.service, r);
        return deps.subscriptionsOf(event.type).map((sub) => ({ sub, event }));
      });
      await enqueue(pairs);
      const now = deps.clock.now();
      const unsubscribed = rows.filter((r) => deps.subscriptionsOf(r.type).length === 0).map((r) => r.id);
      await outbox.markPublished(unsubscribed, now, true);
      await outbox.markPublished(
        rows.filter((r) => !unsubscribed.includes(r.id)).map((r) => r.id),
        now,
        false,
      );
    },

    /** Confirms published events whose jobs all completed or dead-lettered; re-adds lost jobs. */
    async confirm(producer: ServiceDatabase<unknown>, outbox: Outbox, rows: OutboxRow[]): Promise<void> {
      const confirmed: string[] = [];
      const lost: { sub: Subscription; event: EventEnvelope }[] = [];
      // One pipelined round trip for the whole batch: is each job completed, failed, or still there?
      const pairs = rows.flatMap((row) => {
        const event = toEnvelope(producer.service, row);
        return deps.subscriptionsOf(event.type).map((sub) => ({ row, event, sub }));
      });
      const pipeline = deps.connection.pipeline();
      for (const { event, sub } of pairs) {
        const q = queue(sub.consumer);
        const id = jobId(event.id, sub.consumer);
        pipeline.zscore(q.toKey('completed'), id).zscore(q.toKey('failed'), id).exists(q.toKey(id));
      }
      const results = (await pipeline.exec()) ?? [];
      const unsettled = new Set<string>();
      pairs.forEach(({ row, event, sub }, i) => {
        const [completed, failed, exists] = [
          results[i * 3]?.[1],
          results[i * 3 + 1]?.[1],
          results[i * 3 + 2]?.[1],
        ];
        if (completed !== null || failed !== null) return;
        unsettled.add(row.id);
        if (exists === 0) lost.push({ sub, event });
      });
      for (const row of rows) if (!unsettled.has(row.id)) confirmed.push(row.id);
      if (lost.length) {
        deps.log.warn({ jobs: lost.length }, 'queued events were lost by Redis; adding them again');
        await enqueue(lost);
      }
      await outbox.markConfirmed(confirmed, deps.clock.now());
    },

    /** Starts one worker per consumer served here. */
    startWorkers(consumers: BoundConsumer[]): void {
      const unique = new Map(consumers.map((c) => [c.subscription.consumer, c]));
      for (const c of unique.values()) {
        const worker = new Worker(
          queueName(c.subscription.consumer),
          async (job) => {
            const event = job.data as EventEnvelope;
            try {
              await runConsumer(c, event, deps);
            } catch (e) {
              if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
                await deps
                  .deadLetters(c.service)
                  ?.record(
                    c.subscription.consumer,
                    event,
                    job.attemptsMade + 1,
                    errorText(e),
                    deps.clock.now(),
                  );
                deps.metrics.deadLettered(c.subscription.consumer);
                deps.log.error(
                  { consumer: c.subscription.consumer, eventId: event.id },
                  'event dead-lettered',
                );
              }
              throw e;
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
