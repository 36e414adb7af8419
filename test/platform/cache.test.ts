import { describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/platform/cache.js';
import { loadConfig } from '../../src/platform/config.js';

describe('in-memory cache', () => {
  it('holds up to its configured number of entries, evicting the least recently used', async () => {
    const cache = new MemoryCache(3);
    for (const k of ['a', 'b', 'c']) await cache.set(k, k, 60_000);
    expect(await cache.get('a')).toBe('a'); // a is now the most recently used
    await cache.set('d', 'd', 60_000);
    expect(await cache.get('b')).toBeUndefined();
    expect([await cache.get('a'), await cache.get('c'), await cache.get('d')]).toEqual(['a', 'c', 'd']);
  });

  it('is sized by LINGGONG_CACHE_MAX_ENTRIES (default 50,000)', () => {
    const config = (env: Record<string, string>) =>
      loadConfig({ knownServices: [], env: { LINGGONG_ENV: 'test', ...env } });
    expect(config({}).cacheMaxEntries).toBe(50_000);
    expect(config({ LINGGONG_CACHE_MAX_ENTRIES: '250000' }).cacheMaxEntries).toBe(250_000);
    expect(() => config({ LINGGONG_CACHE_MAX_ENTRIES: '0' })).toThrow();
  });
});
