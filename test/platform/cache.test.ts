import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { MemoryCache, RedisCache, type Cache } from '../../src/platform/cache.js';
import { loadConfig } from '../../src/platform/config.js';
import { createTestRedis } from '../support/databases.js';
import { TEST_REDIS_URL } from '../support/env.js';

describe('in-memory cache', () => {
  it('holds up to its configured number of entries, evicting the least recently used', async () => {
    const cache = new MemoryCache(3);
    for (const k of ['a', 'b', 'c']) await cache.set(k, k, 60_000);
    expect(await cache.get('a')).toBe('a'); // a is now the most recently used
    await cache.set('d', 'd', 60_000);
    expect(await cache.get('b')).toBeUndefined();
    expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual(['a', 'c', 'd']);
  });

  it('gives every entry read since the last pass a second chance, and ends when all were read', async () => {
    const cache = new MemoryCache(3);
    for (const k of ['a', 'b', 'c']) await cache.set(k, k, 60_000);
    for (const k of ['a', 'b', 'c']) await cache.get(k);
    await cache.set('d', 'd', 60_000); // one pass clears every mark, then the oldest goes: a
    expect(await cache.get('a')).toBeUndefined();
    await cache.set('e', 'e', 60_000); // b was passed over (mark cleared) and not read since
    expect([await cache.get('b'), await cache.get('c'), await cache.get('d'), await cache.get('e')]).toEqual([
      undefined,
      'c',
      'd',
      'e',
    ]);
  });

  it('expires entries after their TTL, and evicts an expired entry even if it was read', async () => {
    let now = 1_000;
    const cache = new MemoryCache(2, () => now);
    await cache.set('short', 1, 100);
    await cache.set('long', 2, 10_000);
    expect([await cache.get('short'), await cache.get('long')]).toEqual([1, 2]);
    now += 100;
    await cache.set('new', 3, 10_000); // full: 'short' is oldest and expired, so it goes
    expect(await cache.get('short')).toBeUndefined();
    expect([await cache.get('long'), await cache.get('new')]).toEqual([2, 3]);
    now += 10_000;
    expect([await cache.get('long'), await cache.get('new')]).toEqual([undefined, undefined]);
  });

  it('rewrites a key in place with its new value and a new TTL', async () => {
    let now = 0;
    const cache = new MemoryCache(10, () => now);
    await cache.set('k', 'old', 100);
    now = 90;
    await cache.set('k', 'new', 100);
    now = 150; // past the first TTL, within the second
    expect(await cache.get('k')).toBe('new');
    now = 190;
    expect(await cache.get('k')).toBeUndefined();
  });

  it('is sized by LINGGONG_CACHE_MAX_ENTRIES (default 50,000)', () => {
    const config = (env: Record<string, string>) =>
      loadConfig({ knownServices: [], env: { LINGGONG_ENV: 'test', ...env } });
    expect(config({}).cacheMaxEntries).toBe(50_000);
    expect(config({ LINGGONG_CACHE_MAX_ENTRIES: '250000' }).cacheMaxEntries).toBe(250_000);
    expect(() => config({ LINGGONG_CACHE_MAX_ENTRIES: '0' })).toThrow();
  });
});

const caches: [string, () => Promise<{ cache: Cache; close: () => Promise<void> }>][] = [
  ['in memory', async () => ({ cache: new MemoryCache(100), close: async () => {} })],
  ...(TEST_REDIS_URL
    ? [
        [
          'in Redis',
          async () => {
            const redis = await createTestRedis();
            const client = new Redis(redis!.url);
            return {
              cache: new RedisCache(client, redis!.prefix),
              close: async () => {
                await client.quit();
                await redis!.cleanup();
              },
            };
          },
        ] satisfies [string, () => Promise<{ cache: Cache; close: () => Promise<void> }>],
      ]
    : []),
];

describe.each(caches)('cache-aside %s', (_name, open) => {
  it('loads a miss once for all concurrent callers, then serves it without loading', async () => {
    const { cache, close } = await open();
    let loads = 0;
    const load = async () => {
      loads++;
      await new Promise((r) => setTimeout(r, 20));
      return { n: 42 };
    };
    const all = await Promise.all(Array.from({ length: 5 }, () => cache.getOrLoad('k', 60_000, load)));
    expect(all).toEqual(Array.from({ length: 5 }, () => ({ n: 42 })));
    expect(await cache.getOrLoad('k', 60_000, load)).toEqual({ n: 42 });
    expect(loads).toBe(1);
    await cache.delete('k');
    expect(await cache.getOrLoad('k', 60_000, load)).toEqual({ n: 42 });
    expect(loads).toBe(2);
    await close();
  });

  it('caches "not found" for the negative TTL only', async () => {
    const { cache, close } = await open();
    let loads = 0;
    const missing = async () => {
      loads++;
      return undefined;
    };
    expect(await cache.getOrLoad('gone', 60_000, missing, 60_000)).toBeUndefined();
    expect(await cache.getOrLoad('gone', 60_000, missing, 60_000)).toBeUndefined();
    expect(await cache.get('gone')).toBeUndefined();
    expect(loads).toBe(1);
    expect(await cache.getOrLoadText('gone-text', 60_000, missing, 30)).toBeUndefined();
    expect(await cache.getOrLoadText('gone-text', 60_000, missing, 30)).toBeUndefined();
    expect(loads).toBe(2); // the second read within the negative TTL did not load
    await new Promise((r) => setTimeout(r, 60));
    expect(await cache.getOrLoadText('gone-text', 60_000, async () => '"back"', 30)).toBe('"back"');
    await close();
  });

  it('keeps text values exactly as they were given, and loads them once', async () => {
    const { cache, close } = await open();
    const json = '{"displayName":"张伟","bio":"五年保洁经验\\n可接深度清洁","skills":[]}';
    let loads = 0;
    const load = async () => {
      loads++;
      return json;
    };
    const first = await Promise.all([
      cache.getOrLoadText('t', 60_000, load),
      cache.getOrLoadText('t', 60_000, load),
    ]);
    expect(first).toEqual([json, json]);
    expect(await cache.getOrLoadText('t', 60_000, load)).toBe(json);
    expect(loads).toBe(1);
    await close();
  });
});
