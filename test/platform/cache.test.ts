import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  jitteredTtl,
  MemoryCache,
  NearRedisCache,
  RedisCache,
  TTL_JITTER,
  type Cache,
} from '../../src/platform/cache.js';
import { loadConfig } from '../../src/platform/config.js';
import { createTestRedis, type TestRedis } from '../support/databases.js';
import { capturedLogger } from '../support/log.js';
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

  it('takes up to a tenth off the TTL of what it loads, so keys loaded together expire spread out', async () => {
    expect(TTL_JITTER).toBe(0.1);
    expect([
      jitteredTtl(10_000, () => 0),
      jitteredTtl(10_000, () => 0.5),
      jitteredTtl(10_000, () => 0.9999),
    ]).toEqual([10_000, 9_500, 9_000]);
    expect(jitteredTtl(1, () => 0.9999)).toBe(1);
    // 200 keys loaded in the same millisecond with a TTL of 10 s: all still there at 9 s, all gone at
    // 10 s, and in between some gone and some not (the chance that 200 uniform draws all fall on one
    // side of the middle is 2 × 2^-200).
    let now = 0;
    const cache = new MemoryCache(1_000, () => now);
    const keys = Array.from({ length: 200 }, (_, i) => `k${i}`);
    for (const k of keys) await cache.getOrLoadText(k, 10_000, async () => k);
    const held = () => keys.filter((k) => cache.peekText(k) !== undefined).length;
    now = 8_999;
    expect(held()).toBe(200);
    now = 9_500;
    expect(held()).toBeGreaterThan(0);
    expect(held()).toBeLessThan(200);
    now = 10_000;
    expect(held()).toBe(0);
  });

  const config = (env: Record<string, string>) =>
    loadConfig({ services: [], env: { LINGGONG_ENV: 'test', ...env } });

  it('is sized by LINGGONG_CACHE_MAX_ENTRIES (default 50,000)', () => {
    expect(config({}).cacheMaxEntries).toBe(50_000);
    expect(config({ LINGGONG_CACHE_MAX_ENTRIES: '250000' }).cacheMaxEntries).toBe(250_000);
    expect(() => config({ LINGGONG_CACHE_MAX_ENTRIES: '0' })).toThrow();
  });

  it('keeps a near cache in front of Redis unless LINGGONG_NEAR_CACHE=false', () => {
    expect(config({}).nearCache).toBe(true);
    expect(config({ LINGGONG_NEAR_CACHE: 'false' }).nearCache).toBe(false);
    expect(() => config({ LINGGONG_NEAR_CACHE: 'sometimes' })).toThrow();
  });
});

/** Polls `check` until it holds (invalidations arrive asynchronously), for at most 2 s. */
async function eventually(check: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 2_000; !(await check());) {
    if (Date.now() > deadline) throw new Error('condition not met within 2 s');
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** One process's near cache over Redis: its data connection and its invalidation connection. */
async function openNear(url: string, prefix: string) {
  const data = new Redis(url);
  const name = `near-${Math.random().toString(36).slice(2)}`;
  const subscriber = new Redis(url, { autoResubscribe: false, connectionName: name });
  const { log } = capturedLogger();
  const cache = new NearRedisCache(data, subscriber, prefix, { maxEntries: 100, log });
  await eventually(async () => cache.isTracking);
  return {
    cache,
    /** The invalidation connection's client name. */
    name,
    close: async () => {
      cache.detach();
      await Promise.all([data.quit(), subscriber.quit()]);
    },
  };
}

/** An open cache, and whether it keeps what it reads in this process's memory. */
type Opened = { cache: Cache; inMemory: boolean; close: () => Promise<void> };
const caches: [string, () => Promise<Opened>][] = [
  ['in memory', async () => ({ cache: new MemoryCache(100), inMemory: true, close: async () => {} })],
  ...(TEST_REDIS_URL
    ? ([
        [
          'in Redis',
          async () => {
            const redis = await createTestRedis();
            const client = new Redis(redis!.url);
            return {
              cache: new RedisCache(client, redis!.prefix),
              inMemory: false,
              close: async () => {
                await client.quit();
                await redis!.cleanup();
              },
            };
          },
        ],
        [
          'in Redis with a near cache',
          async () => {
            const redis = await createTestRedis();
            const near = await openNear(redis!.url, redis!.prefix);
            return {
              cache: near.cache,
              inMemory: true,
              close: async () => {
                await near.close();
                await redis!.cleanup();
              },
            };
          },
        ],
      ] satisfies [string, () => Promise<Opened>][])
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

  it('answers peekText synchronously with what this process holds, "not found" as null', async () => {
    const { cache, inMemory, close } = await open();
    const json = '{"displayName":"李娜"}';
    expect(cache.peekText('p')).toBeUndefined();
    expect(await cache.getOrLoadText('p', 60_000, async () => json)).toBe(json);
    expect(await cache.getOrLoadText('p-gone', 60_000, async () => undefined)).toBeUndefined();
    // A near cache keeps a key once it has read it from Redis (a process does not keep its own
    // writes), so read each once more.
    expect(await cache.getOrLoadText('p', 60_000, async () => 'never')).toBe(json);
    expect(await cache.getOrLoadText('p-gone', 60_000, async () => 'never')).toBeUndefined();
    expect([cache.peekText('p'), cache.peekText('p-gone')]).toEqual(
      inMemory ? [json, null] : [undefined, undefined],
    );
    await cache.delete('p', 'p-gone');
    expect([cache.peekText('p'), cache.peekText('p-gone')]).toEqual([undefined, undefined]);
    await close();
  });
});

describe.skipIf(!TEST_REDIS_URL)('near cache in front of Redis', () => {
  let redis: TestRedis;
  let raw: Redis;
  beforeAll(async () => {
    redis = (await createTestRedis())!;
    raw = new Redis(redis.url);
  });
  afterAll(async () => {
    await raw.quit();
    await redis.cleanup();
  });

  it('answers a key it has read from memory: no command reaches Redis', async () => {
    const prefix = `${redis.prefix}mem:`;
    const a = await openNear(redis.url, prefix);
    await raw.set(`${prefix}k`, JSON.stringify({ v: 1 }));
    await new Promise((r) => setTimeout(r, 20)); // let the write's own invalidation arrive first
    expect(await a.cache.get('k')).toEqual({ v: 1 }); // read from Redis (GET + PTTL), kept locally
    expect(await a.cache.get('missing')).toBeUndefined(); // that it is absent is kept too
    const monitor = await raw.monitor();
    const seen: string[][] = [];
    monitor.on('monitor', (_time: string, args: string[]) => {
      if (args.some((arg) => arg.startsWith(prefix))) seen.push(args);
    });
    for (let i = 0; i < 100; i++) {
      expect(await a.cache.get('k')).toEqual({ v: 1 });
      expect(await a.cache.get('missing')).toBeUndefined();
    }
    // MONITOR shows commands in the order Redis ran them: once it shows this one, it has shown
    // every command the reads above sent.
    await raw.set(`${prefix}control`, '1');
    await eventually(async () => seen.length > 0 && seen.at(-1)![0] === 'set');
    monitor.disconnect();
    expect(seen).toEqual([['set', `${prefix}control`, '1']]);
    await a.close();
  });

  it('writes what it loads to Redis with the jittered TTL', async () => {
    const prefix = `${redis.prefix}ttl:`;
    const a = await openNear(redis.url, prefix);
    const keys = Array.from({ length: 40 }, (_, i) => `k${i}`);
    for (const k of keys) await a.cache.getOrLoad(k, 60_000, async () => ({ k }));
    const ttls = await Promise.all(keys.map((k) => raw.pttl(`${prefix}${k}`)));
    for (const ttl of ttls) {
      expect(ttl).toBeGreaterThan(60_000 * (1 - TTL_JITTER) - 5_000); // less what this test took
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    // Spread over the tenth (6 s): without the jitter only this test's own time (ms) would part them.
    expect(Math.max(...ttls) - Math.min(...ttls)).toBeGreaterThan(1_000);
    await a.close();
  });

  it('drops its copy when another process writes or deletes the key, or when it expires in Redis', async () => {
    const prefix = `${redis.prefix}two:`;
    const [a, b] = await Promise.all([openNear(redis.url, prefix), openNear(redis.url, prefix)]);
    expect(await a.cache.get('k')).toBeUndefined(); // a remembers it is absent…
    await b.cache.set('k', 'v1', 60_000);
    await eventually(async () => (await a.cache.get('k')) === 'v1'); // …until b writes it
    await b.cache.set('k', 'v2', 60_000);
    await eventually(async () => (await a.cache.get('k')) === 'v2');
    await raw.set(`${prefix}k`, JSON.stringify('v3')); // any writer, not only Linggong's cache
    await eventually(async () => (await a.cache.get('k')) === 'v3');
    await b.cache.delete('k');
    await eventually(async () => (await a.cache.get('k')) === undefined);
    // A local copy lives no longer than the key in Redis (its PTTL is read with it).
    await b.cache.set('short', 's', 100);
    expect(await a.cache.get('short')).toBe('s');
    await new Promise((r) => setTimeout(r, 120));
    expect(await a.cache.get('short')).toBeUndefined();
    await Promise.all([a.close(), b.close()]);
  });

  it('reads through Redis, with one warning, where client tracking is refused (e.g. a managed Redis)', async () => {
    const prefix = `${redis.prefix}refused:`;
    // A Redis user that may do everything but CLIENT, as some hosted Redis services configure it.
    const user = `lg-notrack-${Math.random().toString(36).slice(2)}`;
    await raw.call('ACL', 'SETUSER', user, 'on', '>pw', '~*', '&*', '+@all', '-client');
    const data = new Redis(redis.url);
    const subscriber = new Redis(redis.url, { username: user, password: 'pw', autoResubscribe: false });
    const { log, lines } = capturedLogger();
    const cache = new NearRedisCache(data, subscriber, prefix, { maxEntries: 100, log });
    try {
      await eventually(async () => lines.some((l) => l.includes('near cache is off')));
      expect(cache.isTracking).toBe(false);
      await raw.set(`${prefix}k`, JSON.stringify('v1'));
      expect(await cache.get('k')).toBe('v1');
      // No copy is kept, so a change is seen at once, without any invalidation.
      await raw.set(`${prefix}k`, JSON.stringify('v2'));
      expect(await cache.get('k')).toBe('v2');
      await cache.set('k', 'v3', 60_000);
      expect(await raw.get(`${prefix}k`)).toBe(JSON.stringify('v3'));
      expect(lines.filter((l) => l.includes('near cache is off'))).toHaveLength(1);
    } finally {
      cache.detach();
      await Promise.all([data.quit(), subscriber.quit()]);
      await raw.call('ACL', 'DELUSER', user);
    }
  });

  it('empties itself when its invalidation connection drops, reading through Redis until tracking is back', async () => {
    const prefix = `${redis.prefix}drop:`;
    const a = await openNear(redis.url, prefix);
    await raw.set(`${prefix}k`, JSON.stringify('before'));
    expect(await a.cache.get('k')).toBe('before');
    const clients = (await raw.client('LIST')) as string;
    const id = clients
      .split('\n')
      .find((line) => line.includes(` name=${a.name} `))
      ?.match(/^id=(\d+)/)?.[1];
    await raw.client('KILL', 'ID', id!);
    await eventually(async () => !a.cache.isTracking);
    // Written while nobody told this process: it must not answer its old copy.
    await raw.set(`${prefix}k`, JSON.stringify('after'));
    expect(await a.cache.get('k')).toBe('after');
    await eventually(async () => a.cache.isTracking); // ioredis reconnects; tracking is turned on again
    expect(await a.cache.get('k')).toBe('after');
    await raw.set(`${prefix}k`, JSON.stringify('again'));
    await eventually(async () => (await a.cache.get('k')) === 'again');
    await a.close();
  });
});
