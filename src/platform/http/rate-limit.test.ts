import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../test/support/databases.js';
import { createLogger } from '../log.js';
import { registerErrorHandling } from './problem.js';
import {
  MemoryRateLimitStore,
  RedisRateLimitStore,
  clientKey,
  registerRateLimit,
  type RateLimitStore,
} from './rate-limit.js';

function capturedLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger({ level: 'info', destination }), lines };
}

/** Routes with the three kinds of limit: the default (3), their own (2), none. */
async function appWith(store: RateLimitStore): Promise<{ app: FastifyInstance; lines: string[] }> {
  const { log, lines } = capturedLogger();
  const app = Fastify();
  registerErrorHandling(app as never, log);
  registerRateLimit(app, { max: 3, windowMs: 60_000, store, log });
  app.get('/default', async () => ({ ok: true }));
  app.get('/other', async () => ({ ok: true }));
  app.post('/login', { config: { rateLimit: { max: 2 } } }, async () => ({ ok: true }));
  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }));
  await app.ready();
  return { app, lines };
}

let redis: TestRedis | undefined;
let client: Redis | undefined;
beforeAll(async () => {
  redis = await createTestRedis();
  if (redis) client = new Redis(redis.url);
});
afterAll(async () => {
  await client?.quit();
  await redis?.cleanup();
});

const stores: [string, () => RateLimitStore][] = [
  ['in memory', () => new MemoryRateLimitStore()],
  ...(process.env.LINGGONG_TEST_REDIS_URL
    ? [
        [
          'in Redis',
          () => new RedisRateLimitStore(client!, `${redis!.prefix}rl:${Math.random()}:`),
        ] satisfies [string, () => RateLimitStore],
      ]
    : []),
];

describe.each(stores)('rate limits %s', (_name, makeStore) => {
  it('counts per client over the default limit, answers 429 with retry-after, and shows what is left', async () => {
    const { app } = await appWith(makeStore());
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await app.inject('/default'));
    expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 200, 429]);
    expect(answers.map((r) => r.headers['x-ratelimit-remaining'])).toEqual(['2', '1', '0', '0']);
    expect(answers[0]!.headers['x-ratelimit-limit']).toBe('3');
    expect(Number(answers[0]!.headers['x-ratelimit-reset'])).toBeGreaterThan(50);
    const limited = answers[3]!;
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(50);
    // The default window is shared by the routes that use it; another client has its own.
    expect((await app.inject('/other')).statusCode).toBe(429);
    expect((await app.inject({ url: '/default', remoteAddress: '198.51.100.7' })).statusCode).toBe(200);
    await app.close();
  });

  it("counts a route's own limit apart, and never limits a route with rateLimit: false", async () => {
    const { app } = await appWith(makeStore());
    const logins = [];
    for (let i = 0; i < 3; i++) logins.push((await app.inject({ method: 'POST', url: '/login' })).statusCode);
    expect(logins).toEqual([200, 200, 429]);
    expect((await app.inject('/default')).headers['x-ratelimit-remaining']).toBe('2');
    for (let i = 0; i < 10; i++) {
      const res = await app.inject('/health');
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    await app.close();
  });
});

describe('rate limit stores', () => {
  it('starts a new window once the old one has passed (memory)', () => {
    let now = 1_000_000;
    const store = new MemoryRateLimitStore(() => now);
    expect(store.hit('s', 'k', 1000)).toEqual({ count: 1, resetMs: 1000 });
    now += 400;
    expect(store.hit('s', 'k', 1000)).toEqual({ count: 2, resetMs: 600 });
    now += 600;
    expect(store.hit('s', 'k', 1000)).toEqual({ count: 1, resetMs: 1000 });
  });

  it('keeps at most its number of keys per scope: expired windows go first, then the one nearest its end', () => {
    let now = 0;
    const store = new MemoryRateLimitStore(() => now, 3);
    store.hit('s', 'a', 1000);
    now = 10;
    store.hit('s', 'b', 1000);
    store.hit('s', 'c', 1000);
    now = 1000; // a has expired
    store.hit('s', 'd', 1000);
    expect(store.hit('s', 'b', 1000).count).toBe(2); // b survived the sweep
    store.hit('s', 'e', 1000); // full of live windows: b, the nearest its end, is dropped
    expect(store.hit('s', 'c', 1000).count).toBe(2);
    expect(store.hit('s', 'b', 1000).count).toBe(1);
    // Another scope (a route's own limit) is not crowded out by this one.
    store.hit('login', 'victim', 1000);
    for (const k of ['f', 'g', 'h', 'i']) store.hit('s', k, 1000);
    expect(store.hit('login', 'victim', 1000).count).toBe(2);
  });

  it('counts an IPv6 client by its /64 and an IPv4 client by its address', () => {
    expect(clientKey('203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(clientKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:DB8:1:2:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(clientKey('2001:0db8:0000:0002::')).toBe('2001:db8:0:2::/64');
    expect(clientKey('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(clientKey('::1')).toBe('0:0:0:0::/64');
  });

  it('lets requests through and warns when the store fails (Redis down)', async () => {
    const down = new Redis({
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    down.on('error', () => {});
    const { app, lines } = await appWith(new RedisRateLimitStore(down, 'x:'));
    for (let i = 0; i < 5; i++) expect((await app.inject('/default')).statusCode).toBe(200);
    expect(lines.filter((l) => l.includes('rate limit store unavailable'))).toHaveLength(1);
    await app.close();
    down.disconnect();
  });
});
