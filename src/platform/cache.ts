import type { Redis } from 'ioredis';
import { systemClock } from './clock.js';
import type { Logger } from './log.js';

/**
 * The cache port: in memory (embedded) or Redis (distributed). Values are JSON.
 * `getOrLoad` is cache-aside with a TTL, caches "not found" briefly (negative caching), and
 * collapses concurrent loads of one key into one (single-flight) so a hot miss cannot stampede
 * the database. `getOrLoadText` is the same for a value kept as text, e.g. a view already
 * serialised as its response body: a hit is sent as it is, with nothing parsed or serialised.
 * A key is used with one of the two, never both. What they load is kept for `ttlMs` less a random
 * part of up to a tenth of it (`jitteredTtl`): keys loaded together (after a start, a deploy or a
 * flush, when every hot key is loaded within seconds) then expire spread over that tenth, instead
 * of all in the same second with every one of them reloaded from the database at once.
 */
export interface Cache {
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  getOrLoad<T>(
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
    negativeTtlMs?: number,
  ): Promise<T | undefined>;
  getOrLoadText(
    key: string,
    ttlMs: number,
    load: () => Promise<string | undefined>,
    negativeTtlMs?: number,
  ): Promise<string | undefined>;
  /**
   * The text this process holds in memory for a `getOrLoadText` key, read without waiting: the
   * text, `null` for a cached "not found", or undefined when it has to be read from Redis or
   * loaded (then call `getOrLoadText`). A hot read can answer with no promise and no microtask.
   */
  peekText(key: string): string | null | undefined;
}

const DEFAULT_NEGATIVE_TTL_MS = 5_000;
/** The largest part of a loaded value's TTL taken off at random (see Cache). */
export const TTL_JITTER = 0.1;

/** `ttlMs` less a random part of up to TTL_JITTER of it (`random` in [0, 1)); at least 1 ms. */
export function jitteredTtl(ttlMs: number, random: () => number = Math.random): number {
  return Math.max(1, Math.round(ttlMs * (1 - TTL_JITTER * random())));
}
const NOT_FOUND = { __linggongNotFound: true } as const;
const isNotFound = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as Record<string, unknown>).__linggongNotFound === true;
/** "Not found" among text values: a NUL byte, which no JSON text or UTF-8 view starts with. */
const NOT_FOUND_TEXT = '\u0000not-found';

abstract class BaseCache implements Cache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  /** The stored value, decoded (undefined: a miss). */
  abstract getRaw(key: string): Promise<unknown>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** The stored text, as it was stored (undefined: a miss). */
  abstract getText(key: string): Promise<string | undefined>;
  abstract setText(key: string, text: string, ttlMs: number): Promise<void>;
  abstract delete(...keys: string[]): Promise<void>;
  /** What this process holds for `key` in memory (undefined: nothing, or not kept in memory). */
  protected abstract peek(key: string): unknown;

  peekText(key: string): string | null | undefined {
    const text = this.peek(key);
    if (typeof text !== 'string') return undefined;
    return text === NOT_FOUND_TEXT ? null : text;
  }

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.getRaw(key);
    return v === undefined || isNotFound(v) ? undefined : (v as T);
  }

  async getOrLoad<T>(
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
    negativeTtlMs = DEFAULT_NEGATIVE_TTL_MS,
  ): Promise<T | undefined> {
    const cached = await this.getRaw(key);
    if (cached !== undefined) return isNotFound(cached) ? undefined : (cached as T);
    return this.loadOnce(key, load, (value) =>
      value === undefined
        ? this.set(key, NOT_FOUND, negativeTtlMs)
        : this.set(key, value, jitteredTtl(ttlMs)),
    );
  }

  async getOrLoadText(
    key: string,
    ttlMs: number,
    load: () => Promise<string | undefined>,
    negativeTtlMs = DEFAULT_NEGATIVE_TTL_MS,
  ): Promise<string | undefined> {
    const cached = await this.getText(key);
    if (cached !== undefined) return cached === NOT_FOUND_TEXT ? undefined : cached;
    return this.loadOnce(key, load, (text) =>
      text === undefined
        ? this.setText(key, NOT_FOUND_TEXT, negativeTtlMs)
        : this.setText(key, text, jitteredTtl(ttlMs)),
    );
  }

  /** Runs `load` once for all concurrent misses of `key`, storing what it returns. */
  private loadOnce<T>(
    key: string,
    load: () => Promise<T | undefined>,
    store: (value: T | undefined) => Promise<void>,
  ): Promise<T | undefined> {
    const running = this.inflight.get(key);
    if (running) return running as Promise<T | undefined>;
    const p = (async () => {
      try {
        const value = await load();
        await store(value);
        return value;
      } finally {
        this.inflight.delete(key);
      }
    })();
    this.inflight.set(key, p);
    return p;
  }
}

interface LocalEntry {
  v: unknown;
  expiresAt: number;
  /** Read since it was last passed over for eviction (its second chance). */
  used: boolean;
}

/**
 * Values in process memory with TTLs and CLOCK eviction (second chance), which approximates LRU
 * closely: when full, the oldest entry is dropped unless it was read since it was last passed
 * over, in which case it moves to the young end with its mark cleared. A hit is one Map lookup and
 * one flag write, where a strict LRU relinks a list on every read (docs/benchmarks.md, "The
 * cache"). Expired entries go when they are next read or passed over.
 * The embedded cache, and the near cache in front of Redis.
 */
class LocalEntries {
  private readonly entries = new Map<string, LocalEntry>();
  constructor(
    private readonly maxEntries: number,
    private readonly now: () => number,
  ) {}
  get(key: string): unknown {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    e.used = true;
    return e.v;
  }
  set(key: string, v: unknown, ttlMs: number): void {
    const e = this.entries.get(key);
    if (e !== undefined) {
      // Rewritten in place (marked used, so it survives the next pass): deleting and re-adding
      // leaves a hole in the Map's table per rewrite, and lookups slow down until it rehashes.
      e.v = v;
      e.expiresAt = this.now() + ttlMs;
      e.used = true;
      return;
    }
    if (this.entries.size >= this.maxEntries) this.evictOne();
    this.entries.set(key, { v, expiresAt: this.now() + ttlMs, used: false });
  }
  delete(key: string): void {
    this.entries.delete(key);
  }
  clear(): void {
    this.entries.clear();
  }
  private evictOne(): void {
    const now = this.now();
    // Map iteration is insertion order and visits re-inserted entries again, so after one pass
    // every mark is cleared and the loop ends.
    for (const [key, e] of this.entries) {
      this.entries.delete(key);
      if (!e.used || e.expiresAt <= now) return;
      e.used = false;
      this.entries.set(key, e);
    }
  }
}

/** The embedded cache: one process's memory (see LocalEntries). */
export class MemoryCache extends BaseCache {
  private readonly entries: LocalEntries;
  constructor(maxEntries = 50_000, now: () => number = () => systemClock.now()) {
    super();
    this.entries = new LocalEntries(maxEntries, now);
  }
  protected peek(key: string): unknown {
    return this.entries.get(key);
  }
  async getRaw(key: string): Promise<unknown> {
    return this.entries.get(key);
  }
  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.entries.set(key, value, ttlMs);
  }
  async getText(key: string): Promise<string | undefined> {
    return this.entries.get(key) as string | undefined;
  }
  async setText(key: string, text: string, ttlMs: number): Promise<void> {
    this.entries.set(key, text, ttlMs);
  }
  async delete(...keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }
}

/** The shared cache in Redis: every process reads and writes the same keys under `prefix`. */
export class RedisCache extends BaseCache {
  constructor(
    protected readonly redis: Redis,
    protected readonly prefix: string,
  ) {
    super();
  }
  /** Nothing is kept in this process: every read goes to Redis. */
  protected peek(_key: string): unknown {
    return undefined;
  }
  async getRaw(key: string): Promise<unknown> {
    const raw = await this.redis.get(this.prefix + key);
    return raw === null ? undefined : (JSON.parse(raw) as unknown);
  }
  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, JSON.stringify(value), 'PX', ttlMs);
  }
  async getText(key: string): Promise<string | undefined> {
    return (await this.redis.get(this.prefix + key)) ?? undefined;
  }
  async setText(key: string, text: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.prefix + key, text, 'PX', ttlMs);
  }
  async delete(...keys: string[]): Promise<void> {
    if (keys.length) await this.redis.del(...keys.map((k) => this.prefix + k));
  }
}

/** A read from Redis on its way back to the near cache; `stale` once the key changed meanwhile. */
interface Fetch {
  promise: Promise<unknown>;
  stale: boolean;
}

const INVALIDATE_CHANNEL = '__redis__:invalidate';
const NO_EXPIRY = 2 ** 52;
/** A key known not to be in Redis. */
const ABSENT = Symbol('absent');
const parseJson = (raw: string): unknown => JSON.parse(raw) as unknown;
const asText = (raw: string): string => raw;

/**
 * Redis with a near cache: each process keeps what it read from Redis in its own memory, so a hit
 * costs no round trip, and Redis tells every process when one of those keys changes.
 *
 * Invalidation is Redis's client-side caching (server-assisted, Redis ≥ 6) in broadcast mode: a
 * dedicated `subscriber` connection turns on `CLIENT TRACKING … BCAST PREFIX <prefix>` redirected
 * to itself and subscribes to `__redis__:invalidate`; Redis then publishes the name of every key
 * under the prefix that is written, deleted, expired or evicted — by any process — and a flush as
 * a null. Local copies are kept only while that connection is up and tracking: when it drops, the
 * near cache is emptied and reads go to Redis until tracking is on again. A read that was on its
 * way when its key changed is not kept (it may hold the old value). Local copies expire when the
 * Redis key does (its PTTL is read with it); that a key is absent is kept too. Writes go to Redis,
 * then drop the local copy. Another process's write reaches this one's copy within the delivery of
 * one invalidation message.
 */
export class NearRedisCache extends RedisCache {
  private readonly local: LocalEntries;
  private readonly fetches = new Map<string, Fetch>();
  private tracking = false;
  private readonly log: Logger;
  private readonly onReady = () => void this.track();
  private readonly onClose = () => this.forgetAll(false);
  private readonly onInvalidate = (channel: Buffer, keys: Buffer[] | null) => {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    if (keys === null) return this.forgetAll(this.tracking); // FLUSHDB / FLUSHALL
    for (const k of keys) {
      const key = k.toString();
      if (key.startsWith(this.prefix)) this.forget(key.slice(this.prefix.length));
    }
  };

  constructor(
    redis: Redis,
    private readonly subscriber: Redis,
    prefix: string,
    options: { maxEntries: number; log: Logger; now?: () => number },
  ) {
    super(redis, prefix);
    this.local = new LocalEntries(options.maxEntries, options.now ?? (() => systemClock.now()));
    this.log = options.log;
    subscriber.on('ready', this.onReady);
    subscriber.on('close', this.onClose);
    subscriber.on('messageBuffer', this.onInvalidate);
    if (subscriber.status === 'ready') void this.track();
  }

  /** Whether local copies are being kept (the invalidation connection is up and tracking). */
  get isTracking(): boolean {
    return this.tracking;
  }

  /** Stops listening; the subscriber connection is the caller's to close. */
  detach(): void {
    this.subscriber.off('ready', this.onReady);
    this.subscriber.off('close', this.onClose);
    this.subscriber.off('messageBuffer', this.onInvalidate);
    this.forgetAll(false);
  }

  private async track(): Promise<void> {
    try {
      const id = (await this.subscriber.client('ID')) as number;
      await this.subscriber.client('TRACKING', 'ON', 'REDIRECT', String(id), 'BCAST', 'PREFIX', this.prefix);
      await this.subscriber.subscribe(INVALIDATE_CHANNEL);
      // Anything kept before tracking was on may have changed unseen.
      this.forgetAll(true);
    } catch (err) {
      this.forgetAll(false);
      this.log.warn({ err }, 'redis client-side caching unavailable: the near cache is off');
    }
  }

  private forget(key: string): void {
    this.local.delete(key);
    const fetch = this.fetches.get(key);
    if (fetch) {
      fetch.stale = true;
      this.fetches.delete(key);
    }
  }

  private forgetAll(tracking: boolean): void {
    this.tracking = tracking;
    this.local.clear();
    for (const fetch of this.fetches.values()) fetch.stale = true;
    this.fetches.clear();
  }

  protected override peek(key: string): unknown {
    return this.tracking ? this.local.get(key) : undefined;
  }

  /** The local copy, or one read from Redis (concurrent readers of a key share one read). */
  private read(key: string, decode: (raw: string) => unknown): Promise<unknown> {
    const hit = this.peek(key);
    // A hit is one Map lookup and an already-settled promise: no round trip, no async frame.
    if (hit !== undefined) return Promise.resolve(hit === ABSENT ? undefined : hit);
    const running = this.fetches.get(key);
    if (running) return running.promise;
    const fetch: Fetch = { promise: undefined as unknown as Promise<unknown>, stale: !this.tracking };
    fetch.promise = (async () => {
      try {
        const [raw, ttl] = await Promise.all([
          this.redis.get(this.prefix + key),
          this.redis.pttl(this.prefix + key),
        ]);
        const keep = !fetch.stale && this.tracking;
        // A key that is not there is remembered too (a revoked-session check finds nothing almost
        // every time): Redis announces the key when it is written.
        if (raw === null) {
          if (keep) this.local.set(key, ABSENT, NO_EXPIRY);
          return undefined;
        }
        const value = decode(raw);
        // PTTL -1: the key has no expiry (written by something other than this port); -2: it
        // expired between the two reads.
        if (keep && ttl !== -2) this.local.set(key, value, ttl === -1 ? NO_EXPIRY : ttl);
        return value;
      } finally {
        if (this.fetches.get(key) === fetch) this.fetches.delete(key);
      }
    })();
    this.fetches.set(key, fetch);
    return fetch.promise;
  }

  override getRaw(key: string): Promise<unknown> {
    return this.read(key, parseJson);
  }
  override getText(key: string): Promise<string | undefined> {
    return this.read(key, asText) as Promise<string | undefined>;
  }
  override async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    await super.set(key, value, ttlMs);
    this.forget(key);
  }
  override async setText(key: string, text: string, ttlMs: number): Promise<void> {
    await super.setText(key, text, ttlMs);
    this.forget(key);
  }
  override async delete(...keys: string[]): Promise<void> {
    await super.delete(...keys);
    for (const k of keys) this.forget(k);
  }
}
