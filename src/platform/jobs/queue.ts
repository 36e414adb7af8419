import { Ajv, type ValidateFunction } from 'ajv';
import { Queue, Worker, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { TSchema } from 'typebox';
import type { Clock } from '../clock.js';
import { newContext, runWithContext } from '../context.js';
import { PlatformMisuseError } from '../errors.js';
import { backoffMs } from '../events/types.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../log.js';

/**
 * Background jobs: named types with a payload schema, delays, priorities and retries. Embedded,
 * they run in this process from memory (a restart forgets queued jobs: anything that must survive
 * is an event or a deadline); distributed, each type is a BullMQ queue (`job.<name>`) worked by
 * the processes that run workers. Payloads are validated when enqueued.
 */
export interface JobType<T> {
  /** `<service>.<what>`, e.g. "user.send-welcome-sms". */
  name: string;
  schema: TSchema;
  /** Attempts before the job is given up (default 5). */
  attempts?: number;
  /** Jobs of this type one process runs at once (default 4). */
  concurrency?: number;
  handle(payload: T, job: { id: string; attempt: number }): Promise<void>;
}

export interface EnqueueOptions {
  delayMs?: number;
  /** 1 is the most urgent; larger numbers wait (default 10). */
  priority?: number;
  /** Deduplicates: a job with the same id is enqueued once while it exists. */
  jobId?: string;
}

export interface JobQueue {
  define<T>(type: JobType<T>): void;
  enqueue<T>(name: string, payload: T, options?: EnqueueOptions): Promise<string>;
  start(): void;
  /** Stops taking jobs; running jobs finish. */
  stop(): Promise<void>;
  /** Resolves when nothing is queued or running (embedded; tests). */
  idle(): Promise<void>;
}

const ajv = new Ajv({ coerceTypes: false, removeAdditional: false, allErrors: true, strict: false });

interface Defined {
  type: JobType<unknown>;
  validate: ValidateFunction;
}

function defineInto(types: Map<string, Defined>, type: JobType<unknown>): void {
  if (!/^[a-z][a-z0-9_-]*\.[a-z][a-z0-9_-]*$/.test(type.name))
    throw new PlatformMisuseError(`job name ${type.name} is not <service>.<what>`);
  if (types.has(type.name)) throw new PlatformMisuseError(`job ${type.name} defined twice`);
  types.set(type.name, { type, validate: ajv.compile(type.schema) });
}

function check(types: Map<string, Defined>, name: string, payload: unknown): Defined {
  const d = types.get(name);
  if (!d) throw new PlatformMisuseError(`unknown job type ${name}`);
  if (!d.validate(payload))
    throw new PlatformMisuseError(`invalid payload for job ${name}: ${ajv.errorsText(d.validate.errors)}`);
  return d;
}

async function runHandler(
  d: Defined,
  payload: unknown,
  id: string,
  attempt: number,
  log: Logger,
): Promise<void> {
  await runWithContext(newContext(id, 'zh-CN'), async () => {
    try {
      await d.type.handle(payload, { id, attempt });
    } catch (e) {
      log.warn({ err: e, job: d.type.name, jobId: id, attempt }, 'job failed');
      throw e;
    }
  });
}

/** The embedded queue: an in-memory list ordered by due time, then priority, then arrival. */
export function createInProcessJobQueue(deps: {
  clock: Clock;
  log: Logger;
  ids: IdGenerator;
  concurrency?: number;
}): JobQueue {
  const types = new Map<string, Defined>();
  interface Pending {
    id: string;
    name: string;
    payload: unknown;
    runAt: number;
    priority: number;
    seq: number;
    attempt: number;
  }
  const pending: Pending[] = [];
  const running = new Set<Promise<void>>();
  const runningByType = new Map<string, number>();
  let seq = 0;
  let started = false;
  let timer: NodeJS.Timeout | undefined;
  const concurrency = deps.concurrency ?? 4;
  const waiters: (() => void)[] = [];

  function wake(): void {
    if (!started) return;
    clearTimeout(timer);
    const now = deps.clock.now();
    pending.sort((a, b) =>
      a.runAt <= now && b.runAt <= now
        ? a.priority - b.priority || a.seq - b.seq
        : a.runAt - b.runAt || a.priority - b.priority,
    );
    for (let i = 0; i < pending.length && running.size < concurrency;) {
      const job = pending[i]!;
      if (job.runAt > now) break;
      const limit = types.get(job.name)!.type.concurrency ?? concurrency;
      if ((runningByType.get(job.name) ?? 0) >= limit) {
        i++;
        continue;
      }
      pending.splice(i, 1);
      runningByType.set(job.name, (runningByType.get(job.name) ?? 0) + 1);
      const p = runOne(job).finally(() => {
        running.delete(p);
        runningByType.set(job.name, (runningByType.get(job.name) ?? 1) - 1);
        wake();
      });
      running.add(p);
    }
    if (pending.length === 0 && running.size === 0) while (waiters.length) waiters.shift()!();
    if (pending[0]) {
      timer = setTimeout(wake, Math.max(10, Math.min(1000, pending[0].runAt - now)));
      timer.unref();
    }
  }

  async function runOne(job: Pending): Promise<void> {
    const d = types.get(job.name)!;
    try {
      await runHandler(d, job.payload, job.id, job.attempt, deps.log);
    } catch {
      if (job.attempt < (d.type.attempts ?? 5)) {
        pending.push({
          ...job,
          attempt: job.attempt + 1,
          runAt: deps.clock.now() + backoffMs(job.attempt),
          seq: seq++,
        });
      } else {
        deps.log.error(
          { job: job.name, jobId: job.id, attempts: job.attempt },
          'job given up after its last attempt',
        );
      }
    }
  }

  return {
    define: (type) => defineInto(types, type as JobType<unknown>),
    async enqueue(name, payload, options = {}) {
      check(types, name, payload);
      const id = options.jobId ?? deps.ids();
      if (options.jobId && pending.some((p) => p.id === id)) return id;
      pending.push({
        id,
        name,
        payload,
        runAt: deps.clock.now() + (options.delayMs ?? 0),
        priority: options.priority ?? 10,
        seq: seq++,
        attempt: 1,
      });
      wake();
      return id;
    },
    start() {
      started = true;
      wake();
    },
    async stop() {
      started = false;
      clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
    idle() {
      if (pending.length === 0 && running.size === 0) return Promise.resolve();
      return new Promise((resolve) => {
        waiters.push(resolve);
        wake();
      });
    },
  };
}

/** The distributed queue: BullMQ on the queue Redis, one queue per job type. */
export function createBullJobQueue(deps: {
  connection: Redis;
  prefix: string;
  log: Logger;
  ids: IdGenerator;
  runWorkers: boolean;
  concurrency?: number;
}): JobQueue {
  const types = new Map<string, Defined>();
  const queues = new Map<string, Queue>();
  const workers: Worker[] = [];
  const connection = deps.connection as unknown as ConnectionOptions;
  const queue = (name: string): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(`job.${name}`, { connection, prefix: deps.prefix });
      q.on('error', (err) => deps.log.warn({ err, job: name }, 'job queue error'));
      queues.set(name, q);
    }
    return q;
  };
  return {
    define: (type) => defineInto(types, type as JobType<unknown>),
    async enqueue(name, payload, options = {}) {
      const d = check(types, name, payload);
      const id = options.jobId ?? deps.ids();
      await queue(name).add(name, payload, {
        jobId: id,
        delay: options.delayMs,
        priority: options.priority ?? 10,
        attempts: d.type.attempts ?? 5,
        backoff: { type: 'exponential', delay: 500, jitter: 0.5 },
        removeOnComplete: { age: 3600, count: 10_000 },
        removeOnFail: { age: 7 * 86_400 },
      });
      return id;
    },
    start() {
      if (!deps.runWorkers) return;
      for (const [name, d] of types) {
        const worker = new Worker(
          `job.${name}`,
          async (job) => runHandler(d, job.data, job.id ?? '', job.attemptsMade + 1, deps.log),
          { connection, prefix: deps.prefix, concurrency: d.type.concurrency ?? deps.concurrency ?? 4 },
        );
        worker.on('error', (err) => deps.log.warn({ err, job: name }, 'job worker error'));
        workers.push(worker);
      }
    },
    async stop() {
      await Promise.all(workers.map((w) => w.close()));
      await Promise.all([...queues.values()].map((q) => q.close()));
    },
    async idle() {
      for (;;) {
        let busy = 0;
        for (const q of queues.values()) {
          const c = await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
          busy += Object.values(c).reduce((s, n) => s + n, 0);
        }
        if (busy === 0) return;
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}
