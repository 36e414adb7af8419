import type { Redis } from 'ioredis';
import type { Logger } from '../log.js';
import type { BoundConsumer } from './consumers.js';
import { backoffMs, type CatchUpMode } from './types.js';

/**
 * The live replicas of broadcast consumers, kept on the queue Redis. A replica is a process that
 * keeps a consumer's state itself (the embedded search index) and so must receive every event. Each
 * has a lease, `<prefix>replica:<consumer>:<id>`, a key with a TTL that it renews, and is listed in
 * `<prefix>replicas:<consumer>`. A lease that expired is never renewed (renewal needs the key to
 * exist): the replica joins again under a new id and catches up, so an id that lost its lease is
 * dead for good and whoever finds it first takes it out of the list and drops its queue.
 */
export function createReplicaRegistry(deps: { redis: Redis; prefix: string; ttlMs: number }) {
  const listKey = (consumer: string): string => `${deps.prefix}replicas:${consumer}`;
  const leaseKey = (consumer: string, id: string): string => `${deps.prefix}replica:${consumer}:${id}`;
  return {
    ttlMs: deps.ttlMs,
    /** Takes a lease, then lists the replica: a lister never sees it without one. */
    async join(consumer: string, id: string): Promise<void> {
      await deps.redis.set(leaseKey(consumer, id), '1', 'PX', deps.ttlMs);
      await deps.redis.sadd(listKey(consumer), id);
    },
    /** Extends the lease; false when it had expired (the replica must join again). */
    async renew(consumer: string, id: string): Promise<boolean> {
      const ok = await deps.redis.set(leaseKey(consumer, id), '1', 'PX', deps.ttlMs, 'XX');
      return ok === 'OK';
    },
    async leave(consumer: string, id: string): Promise<void> {
      await deps.redis.multi().srem(listKey(consumer), id).del(leaseKey(consumer, id)).exec();
    },
    /**
     * The replicas whose lease is alive. Those whose lease expired are taken out of the list; the
     * ones this call took out are returned as `dropped`, for the caller to remove their queues.
     */
    async live(consumer: string): Promise<{ live: string[]; dropped: string[] }> {
      const ids = await deps.redis.smembers(listKey(consumer));
      if (ids.length === 0) return { live: [], dropped: [] };
      const pipeline = deps.redis.pipeline();
      for (const id of ids) pipeline.exists(leaseKey(consumer, id));
      const leases = (await pipeline.exec()) ?? [];
      const live: string[] = [];
      const expired: string[] = [];
      ids.forEach((id, i) => (leases[i]?.[1] === 0 ? expired : live).push(id));
      const dropped: string[] = [];
      for (const id of expired) if ((await deps.redis.srem(listKey(consumer), id)) === 1) dropped.push(id);
      return { live: live.sort(), dropped };
    },
  };
}

export type ReplicaRegistry = ReturnType<typeof createReplicaRegistry>;

/**
 * Runs replicas' catch-ups: one at a time per consumer (a request while one runs runs it again
 * afterwards, since the replica may have missed events after the running one began), retried with
 * backoff until it succeeds or the event system stops.
 */
export function createCatchUps(log: Logger) {
  const state = new Map<string, { running: boolean; again: CatchUpMode | null }>();
  const sleepers = new Set<() => void>();
  let stopped = false;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        sleepers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      timer.unref();
      sleepers.add(wake);
    });

  async function run(c: BoundConsumer, mode: CatchUpMode): Promise<void> {
    const consumer = c.subscription.consumer;
    for (let attempt = 1; !stopped; attempt++) {
      const started = performance.now();
      try {
        log.info({ consumer, mode }, 'replica catching up');
        await c.replica!.catchUp(mode);
        log.info({ consumer, mode, ms: Math.round(performance.now() - started) }, 'replica caught up');
        return;
      } catch (err) {
        if (stopped) return;
        log.warn({ err, consumer, attempt }, 'replica catch-up failed; will retry');
        await sleep(backoffMs(attempt, Math.random, { maxMs: 30_000 }));
      }
    }
  }

  return {
    request(c: BoundConsumer, mode: CatchUpMode): void {
      const consumer = c.subscription.consumer;
      const s = state.get(consumer) ?? { running: false, again: null };
      state.set(consumer, s);
      if (s.running) {
        s.again = s.again === 'replica' ? 'replica' : mode;
        return;
      }
      s.running = true;
      void (async () => {
        let next: CatchUpMode | null = mode;
        while (next && !stopped) {
          s.again = null;
          await run(c, next);
          next = s.again;
        }
        s.running = false;
      })();
    },
    /** Stops retrying. A catch-up in flight is not awaited: closing its service ends it. */
    stop(): void {
      stopped = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
