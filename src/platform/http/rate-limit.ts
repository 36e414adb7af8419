import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { systemClock } from '../clock.js';
import { PlatformErrors } from '../errors.js';
import type { Logger } from '../log.js';
import type { RequestStep } from './steps.js';

/** A route's own limit (`config: { rateLimit: { max: 30 } }`), or `false` for none (health checks). */
export type RouteRateLimit = false | { max: number; windowMs?: number };

declare module 'fastify' {
  interface FastifyContextConfig {
    rateLimit?: RouteRateLimit;
  }
}

/**
 * Counts requests of one client in fixed windows; answers the count so far and the ms until reset.
 * `scope` separates limits (the default one, each route's own), so one cannot crowd out another.
 * Synchronous: a request is never held up by the count (the shared store syncs in the background).
 */
export interface RateLimitStore {
  hit(scope: string, key: string, windowMs: number): RateCount;
  /** Stops background work, sending what is left (the shared store). */
  close?(): Promise<void>;
}

export interface RateCount {
  count: number;
  resetMs: number;
}

/** Keys kept in memory at most, per scope; past that the window nearest its end is dropped. */
const MEMORY_MAX_KEYS = 100_000;

interface Window {
  resetAt: number;
}

/**
 * Windows in one Map per scope. A scope has one window length, so its Map's insertion order is the
 * order in which its windows end: a sweep drops expired windows from the front and stops at the
 * first live one.
 */
class WindowTable<W extends Window> {
  private readonly scopes = new Map<string, Map<string, W>>();
  constructor(private readonly maxKeys: number) {}

  /** The live window of `key` in `scope` (an expired one is dropped), or undefined. */
  live(scope: string, key: string, now: number): W | undefined {
    const w = this.scopes.get(scope)?.get(key);
    if (w === undefined || w.resetAt > now) return w;
    this.scopes.get(scope)!.delete(key);
    return undefined;
  }

  /** Adds a new window for `key` in `scope`, making room first when the scope is full. */
  add(scope: string, key: string, now: number, w: W): W {
    let windows = this.scopes.get(scope);
    if (!windows) this.scopes.set(scope, (windows = new Map<string, W>()));
    if (windows.size >= this.maxKeys) this.sweep(windows, now);
    windows.set(key, w);
    return w;
  }

  private sweep(windows: Map<string, W>, now: number): void {
    for (const [key, w] of windows) {
      if (w.resetAt > now) break;
      windows.delete(key);
    }
    // Still full of live windows: drop the one nearest its end.
    if (windows.size >= this.maxKeys) windows.delete(windows.keys().next().value!);
  }
}

/** Fixed windows in this process's memory (one process, or a limit each process keeps alone). */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly windows: WindowTable<Window & { count: number }>;
  constructor(
    // Windows are real time, also where business time is a fake clock (tests).
    private readonly now: () => number = () => systemClock.now(),
    maxKeys = MEMORY_MAX_KEYS,
  ) {
    this.windows = new WindowTable(maxKeys);
  }

  hit(scope: string, key: string, windowMs: number): RateCount {
    const now = this.now();
    const w =
      this.windows.live(scope, key, now) ??
      this.windows.add(scope, key, now, { count: 0, resetAt: now + windowMs });
    w.count++;
    return { count: w.count, resetMs: w.resetAt - now };
  }
}

/**
 * The client a limit counts: its IP address, or for IPv6 its /64 network (one subscriber line or
 * host usually holds a whole /64, and could otherwise take a fresh address per request).
 */
export function clientKey(ip: string): string {
  if (!ip.includes(':')) return ip;
  if (ip.startsWith('::ffff:') && ip.includes('.')) return ip.slice(7);
  const [head = '', tail = ''] = ip.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = ip.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

// Adds one process's hits to the shared window (started by its first hits) and answers the total
// and what is left of the window.
const ADD_SCRIPT = `
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); ttl = tonumber(ARGV[2]) end
return { count, ttl }`;

type RedisWithAdd = Redis & {
  linggongRateAdd(key: string, hits: number, windowMs: number): Promise<[number, number]>;
};

interface SharedWindow extends Window {
  redisKey: string;
  windowMs: number;
  /** The window's total in Redis when it last answered: every process's hits. */
  shared: number;
  /** This process's hits not yet added to Redis. */
  unsent: number;
  /** This process's hits on their way to Redis. */
  sending: number;
}

/**
 * Fixed windows shared by every process through Redis, counted locally and synced in the
 * background: a hit costs no round trip. Every `syncMs` each process adds its new hits to the
 * window's Redis counter (INCRBY + PEXPIRE in one script, one pipelined batch) and learns the total
 * of all processes. A process's count is that total plus its own hits since, so alone it is exact,
 * and with others it lags by at most one sync: past the limit, a client is refused everywhere
 * within `syncMs`, and can get at most what the other processes let through in that time beyond
 * it. If Redis fails, each process keeps limiting on what it counted itself, hits are sent when
 * Redis is back (within the window), and a warning is logged.
 */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisWithAdd;
  private readonly windows = new WindowTable<SharedWindow>(MEMORY_MAX_KEYS);
  private readonly changed = new Set<SharedWindow>();
  private readonly timer: NodeJS.Timeout;
  private syncing: Promise<void> | undefined;
  private warnedAt = 0;
  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly options: { log: Logger; syncMs?: number; now?: () => number },
  ) {
    if (!('linggongRateAdd' in redis))
      redis.defineCommand('linggongRateAdd', { numberOfKeys: 1, lua: ADD_SCRIPT });
    this.redis = redis as RedisWithAdd;
    this.timer = setInterval(() => void this.sync(), options.syncMs ?? 50).unref();
  }

  private now(): number {
    return this.options.now?.() ?? systemClock.now();
  }

  hit(scope: string, key: string, windowMs: number): RateCount {
    const now = this.now();
    const w =
      this.windows.live(scope, key, now) ??
      this.windows.add(scope, key, now, {
        redisKey: `${this.prefix}${scope}${key}`,
        windowMs,
        resetAt: now + windowMs,
        shared: 0,
        unsent: 0,
        sending: 0,
      });
    w.unsent++;
    this.changed.add(w);
    return { count: w.shared + w.sending + w.unsent, resetMs: w.resetAt - now };
  }

  /** Adds the hits counted since the last sync to Redis and learns the totals (one at a time). */
  sync(): Promise<void> {
    this.syncing ??= this.send().finally(() => (this.syncing = undefined));
    return this.syncing;
  }

  private async send(): Promise<void> {
    const batch = [...this.changed];
    this.changed.clear();
    let failed: unknown;
    await Promise.all(
      batch.map(async (w) => {
        const hits = w.unsent;
        w.unsent = 0;
        w.sending += hits;
        try {
          const [total, ttl] = await this.redis.linggongRateAdd(w.redisKey, hits, w.windowMs);
          w.sending -= hits;
          w.shared = total;
          w.resetAt = this.now() + ttl;
        } catch (e) {
          failed = e;
          w.sending -= hits;
          w.unsent += hits;
          // Sent again next time, unless its window has passed meanwhile.
          if (w.resetAt > this.now()) this.changed.add(w);
        }
      }),
    );
    if (failed !== undefined && this.now() - this.warnedAt > 10_000) {
      this.warnedAt = this.now();
      this.options.log.warn(
        { err: failed },
        'rate limit store unavailable: each process limits on its own counts',
      );
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.sync();
  }
}

/**
 * The step that applies per-client rate limits on every route (by IP; IPv6 by /64): a default
 * limit, a route's own (`config.rateLimit`, counted apart for that route), or none
 * (`rateLimit: false`). Allowed answers carry `x-ratelimit-limit`, `-remaining` and `-reset`
 * (seconds); past the limit, 429 RATE_LIMITED with `retry-after`. The limiter guards capacity; the
 * checks that stop guessing (SMS code tries, password lockout) are kept in the database. The store
 * is closed with the app.
 */
export function rateLimitStep(
  app: FastifyInstance,
  options: { max: number; windowMs: number; store: RateLimitStore },
): RequestStep {
  const { store } = options;
  const defaults = {
    max: options.max,
    windowMs: options.windowMs,
    limit: String(options.max),
    scope: 'default:',
  };
  const byRoute = new WeakMap<object, typeof defaults | null>();
  /** The limit of the request's route, worked out once per route. */
  const limitOf = (request: FastifyRequest): typeof defaults | null => {
    const config = request.routeOptions.config;
    let limit = byRoute.get(config);
    if (limit === undefined) {
      const own = config.rateLimit;
      limit =
        own === false
          ? null
          : own
            ? {
                max: own.max,
                windowMs: own.windowMs ?? options.windowMs,
                limit: String(own.max),
                scope: `${request.routeOptions.method as string} ${request.routeOptions.url ?? ''}:`,
              }
            : defaults;
      byRoute.set(config, limit);
    }
    return limit;
  };

  app.addHook('onClose', async () => store.close?.());
  return (request, reply) => {
    const limit = limitOf(request);
    if (!limit) return undefined;
    const { count, resetMs } = store.hit(limit.scope, clientKey(request.ip), limit.windowMs);
    const reset = String(Math.max(1, Math.ceil(resetMs / 1000)));
    void reply.header('x-ratelimit-limit', limit.limit);
    void reply.header('x-ratelimit-remaining', String(Math.max(0, limit.max - count)));
    void reply.header('x-ratelimit-reset', reset);
    return count > limit.max
      ? PlatformErrors.RATE_LIMITED({}, { headers: { 'retry-after': reset } })
      : undefined;
  };
}
