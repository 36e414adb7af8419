import { LRUCache } from 'lru-cache';
import type { Redis } from 'ioredis';

/**
 * The cache port: an in-memory LRU (embedded) or Redis (distributed). Values are JSON.
 * `getOrLoad` is cache-aside with a TTL, caches "not found" briefly (negative caching), and
 * collapses concurrent loads of one key into one (single-flight) so a hot miss cannot stampede
 * the database.
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
}

const NOT_FOUND = { __linggongNotFound: true } as const;
const isNotFound = (v: unknown): boolean =>
  typeof v === 'object' && v !== null && (v as Record<string, unknown>).__linggongNotFound === true;

abstract class BaseCache implements Cache {
  private readonly inflight = new Map<string, Promise<unknown>>();
  abstract getRaw(key: string): Promise<unknown>;
  abstract set(key: string, value: unknown, ttlMs: number): Promise<void>;
  abstract delete(...keys: string[]): Promise<void>;

  async get<T>(key: string): Promise<T | undefined> {
    const v = await this.getRaw(key);
    return v === undefined || isNotFound(v) ? undefined : (v as T);
  }

  async getOrLoad<T>(
    key: string,
    ttlMs: number,
    load: () => Promise<T | undefined>,
    negativeTtlMs = 5_000,
  ): Promise<T | undefined> {
    const cached = await this.getRaw(key);
    if (cached !== undefined) return isNotFound(cached) ? undefined : (cached as T);
    const running = this.inflight.get(key);
    if (running) return running as Promise<T | undefined>;
    const p = (async () => {
      try {
        const value = await load();
        await this.set(
          key,
          value === undefined ? NOT_FOUND : value,
          value === undefined ? negativeTtlMs : ttlMs,
        );
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
  async delete(...keys: string[]): Promise<void> {
    if (keys.length) await this.redis.del(...keys.map((k) => this.prefix + k));
  }
}
