import type { Redis } from 'ioredis';
import { systemClock } from './clock.js';

/**
 * The cache port: in memory (embedded) or Redis (distributed). Values are JSON.
 * `getOrLoad` is cache-aside with a TTL, caches "not found" briefly (negative caching), and
 * collapses concurrent loads of one key into one (single-flight) so a hot miss cannot stampede
 * the database. `getOrLoadText` is the same for a value kept as text, e.g. a view already
 * serialised as its response body: a hit is sent as it is, with nothing parsed or serialised.
 * A key is used with one of the two, never both.
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
}

const DEFAULT_NEGATIVE_TTL_MS = 5_000;
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
      value === undefined ? this.set(key, NOT_FOUND, negativeTtlMs) : this.set(key, value, ttlMs),
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
      text === undefined ? this.setText(key, NOT_FOUND_TEXT, negativeTtlMs) : this.setText(key, text, ttlMs),
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

interface MemoryEntry {
  v: unknown;
  expiresAt: number;
  /** Read since it was last passed over for eviction (its second chance). */
  used: boolean;
}

/**
 * The embedded cache: a Map with TTLs and CLOCK eviction (second chance), which approximates LRU
 * closely: when full, the oldest entry is dropped unless it was read since it was last passed
 * over, in which case it moves to the young end with its mark cleared. A hit is one Map lookup and
 * one flag write, where a strict LRU relinks a list on every read (measured: about half the cost
 * per hit over 100,000 entries). Expired entries go when they are next read or passed over.
 */
export class MemoryCache extends BaseCache {
  private readonly entries = new Map<string, MemoryEntry>();
  constructor(
    private readonly maxEntries = 50_000,
    private readonly now: () => number = () => systemClock.now(),
  ) {
    super();
  }
  private read(key: string): unknown {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expiresAt <= this.now()) {
      this.entries.delete(key);
      return undefined;
    }
    e.used = true;
    return e.v;
  }
  private write(key: string, v: unknown, ttlMs: number): void {
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
  async getRaw(key: string): Promise<unknown> {
    return this.read(key);
  }
  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.write(key, value, ttlMs);
  }
  async getText(key: string): Promise<string | undefined> {
    return this.read(key) as string | undefined;
  }
  async setText(key: string, text: string, ttlMs: number): Promise<void> {
    this.write(key, text, ttlMs);
  }
  async delete(...keys: string[]): Promise<void> {
    for (const k of keys) this.entries.delete(k);
  }
}

export class RedisCache extends BaseCache {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    super();
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
