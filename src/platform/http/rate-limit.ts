import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { systemClock } from '../clock.js';
import { PlatformErrors } from '../errors.js';
import type { Logger } from '../log.js';

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
 */
export interface RateLimitStore {
  /** Synchronous where it can be (in memory), so the common case costs no promise. */
  hit(scope: string, key: string, windowMs: number): RateCount | Promise<RateCount>;
}

export interface RateCount {
  count: number;
  resetMs: number;
}

/** Keys kept in memory at most, per scope; past that the window nearest its end is dropped. */
const MEMORY_MAX_KEYS = 100_000;

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed windows in one Map per scope. A scope has one window length, so its Map's insertion order
 * is the order in which its windows end: a sweep drops expired windows from the front and stops at
 * the first live one.
 */
export class MemoryRateLimitStore implements RateLimitStore {
  private readonly scopes = new Map<string, Map<string, Window>>();
  constructor(
    // Windows are real time, also where business time is a fake clock (tests).
    private readonly now: () => number = () => systemClock.now(),
    private readonly maxKeys = MEMORY_MAX_KEYS,
  ) {}

  hit(scope: string, key: string, windowMs: number): RateCount {
    const now = this.now();
    let windows = this.scopes.get(scope);
    if (!windows) this.scopes.set(scope, (windows = new Map<string, Window>()));
    let w = windows.get(key);
    if (!w || w.resetAt <= now) {
      if (w) windows.delete(key);
      else if (windows.size >= this.maxKeys) MemoryRateLimitStore.sweep(windows, now, this.maxKeys);
      w = { count: 0, resetAt: now + windowMs };
      windows.set(key, w);
    }
    w.count++;
    return { count: w.count, resetMs: w.resetAt - now };
  }

  private static sweep(windows: Map<string, Window>, now: number, maxKeys: number): void {
    for (const [key, w] of windows) {
      if (w.resetAt > now) break;
      windows.delete(key);
    }
    // Still full of live windows: drop the one nearest its end.
    if (windows.size >= maxKeys) windows.delete(windows.keys().next().value!);
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

// One round trip: count, start the window on the first hit, and read what is left of it.
const HIT_SCRIPT = `
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return { count, ttl }`;

type RedisWithHit = Redis & { linggongRateHit(key: string, windowMs: number): Promise<[number, number]> };

/** Fixed windows in Redis, shared by every process: INCR + PEXPIRE in one script (EVALSHA). */
export class RedisRateLimitStore implements RateLimitStore {
  private readonly redis: RedisWithHit;
  constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    if (!('linggongRateHit' in redis))
      redis.defineCommand('linggongRateHit', { numberOfKeys: 1, lua: HIT_SCRIPT });
    this.redis = redis as RedisWithHit;
  }

  async hit(scope: string, key: string, windowMs: number): Promise<RateCount> {
    const [count, ttl] = await this.redis.linggongRateHit(`${this.prefix}${scope}${key}`, windowMs);
    return { count, resetMs: ttl };
  }
}

/**
 * Per-client rate limits on every route (by IP; IPv6 by /64): a default limit, a route's own
 * (`config.rateLimit`, counted apart for that route), or none (`rateLimit: false`). Allowed
 * answers carry `x-ratelimit-limit`, `-remaining` and `-reset` (seconds); past the limit, 429
 * RATE_LIMITED with `retry-after`. If the store fails (Redis down) requests are let through and a
 * warning is logged: the limiter guards capacity, while the checks that stop guessing (SMS code
 * tries, password lockout) are kept in the database.
 */
export function registerRateLimit(
  app: FastifyInstance,
  options: { max: number; windowMs: number; store: RateLimitStore; log: Logger },
): void {
  const { store, log } = options;
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
  let warnedAt = 0;

  const apply = (
    limit: typeof defaults,
    { count, resetMs }: RateCount,
    reply: FastifyReply,
    done: (err?: Error) => void,
  ) => {
    const reset = String(Math.max(1, Math.ceil(resetMs / 1000)));
    void reply.header('x-ratelimit-limit', limit.limit);
    void reply.header('x-ratelimit-remaining', String(Math.max(0, limit.max - count)));
    void reply.header('x-ratelimit-reset', reset);
    if (count > limit.max)
      return done(PlatformErrors.RATE_LIMITED({}, { headers: { 'retry-after': reset } }));
    done();
  };

  app.addHook('onRequest', (request, reply, done) => {
    const limit = limitOf(request);
    if (!limit) return done();
    const counted = store.hit(limit.scope, clientKey(request.ip), limit.windowMs);
    if (!(counted instanceof Promise)) return apply(limit, counted, reply, done);
    counted.then(
      (c) => apply(limit, c, reply, done),
      (e: unknown) => {
        if (systemClock.now() - warnedAt > 10_000) {
          warnedAt = systemClock.now();
          log.warn({ err: e }, 'rate limit store unavailable: requests are not limited');
        }
        done();
      },
    );
  });
}
