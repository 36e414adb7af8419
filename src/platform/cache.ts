import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

/**
 * The cache port: an in-memory LRU (embedded) or Redis (distributed). Values are JSON.
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

export class MemoryCache extends BaseCache {
  private readonly lru: LRUCache<string, { v: unknown }>;
  constructor(maxEntries = 50_000) {
    super();
    this.lru = new LRUCache({ max: maxEntries, ttlAutopurge: false });
  }
  async getRaw(key: string): Promise<unknown> {
    return this.lru.get(key)?.v;
  }
  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.lru.set(key, { v: value }, { ttl: ttlMs });
  }
  async getText(key: string): Promise<string | undefined> {
    return this.lru.get(key)?.v as string | undefined;
  }
  async setText(key: string, text: string, ttlMs: number): Promise<void> {
    this.lru.set(key, { v: text }, { ttl: ttlMs });
  }
  async delete(...keys: string[]): Promise<void> {
    for (const k of keys) this.lru.delete(k);
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
