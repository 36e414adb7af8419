import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRedis, type TestRedis } from '../../../test/support/databases.js';
import { capturedLogger } from '../../../test/support/log.js';
import { registerErrorHandling } from './problem.js';
import {
  MemoryRateLimitStore,
  RedisRateLimitStore,
  clientKey,
  rateLimitStep,
  type RateLimitStore,
} from './rate-limit.js';
import { runSteps } from './steps.js';

/** Routes with the three kinds of limit: the default (3), their own (2), none. */
async function appWith(store: RateLimitStore): Promise<FastifyInstance> {
  const { log } = capturedLogger();
  const app = Fastify();
  registerErrorHandling(app as never, log);
  const limit = rateLimitStep(app, { max: 3, windowMs: 60_000, store });
  app.addHook('onRequest', (request, reply, done) => runSteps([limit], request, reply, done));
  app.get('/default', async () => ({ ok: true }));
  app.get('/other', async () => ({ ok: true }));
  app.post('/login', { config: { rateLimit: { max: 2 } } }, async () => ({ ok: true }));
  app.get('/health', { config: { rateLimit: false } }, async () => ({ ok: true }));
  await app.ready();
  return app;
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
          () =>
            new RedisRateLimitStore(client!, `${redis!.prefix}rl:${Math.random()}:`, {
              log: capturedLogger().log,
            }),
        ] satisfies [string, () => RateLimitStore],
      ]
    : []),
];

describe.each(stores)('rate limits %s', (_name, makeStore) => {
  it('counts per client over the default limit, answers 429 with retry-after, and shows what is left', async () => {
    const app = await appWith(makeStore());
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
    const app = await appWith(makeStore());
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

  it('keeps limiting on its own counts and warns when Redis is down, then sends them when it is back', async () => {
    const flaky = new Redis(redis?.url ?? 'redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    flaky.on('error', () => {});
    const { log, lines } = capturedLogger();
    const prefix = `${redis?.prefix ?? ''}rl:down:`;
    const store = new RedisRateLimitStore(flaky, prefix, { log, syncMs: 60_000 });
    const app = await appWith(store);
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await app.inject('/default')).statusCode);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    await store.sync();
    await store.sync();
    expect(lines.filter((l) => l.includes('rate limit store unavailable'))).toHaveLength(1);
    if (client) {
      // Its first command started connecting: once it is up, the counts go to Redis.
      if (flaky.status !== 'ready') await new Promise((r) => flaky.once('ready', r));
      await store.sync();
      expect(await client.get(`${prefix}default:127.0.0.1`)).toBe('5');
    }
    await app.close();
    flaky.disconnect();
  });
});

describe.skipIf(!process.env.LINGGONG_TEST_REDIS_URL)('rate limits shared through Redis', () => {
  it('counts every process in one window, each learning the total when it syncs', async () => {
    const prefix = `${redis!.prefix}rl:shared:`;
    const { log } = capturedLogger();
    const [one, two] = [0, 1].map(() => new RedisRateLimitStore(client!, prefix, { log, syncMs: 60_000 }));
    const [a, b] = await Promise.all([appWith(one!), appWith(two!)]);
    const status = async (app: FastifyInstance) => (await app.inject('/default')).statusCode;
    expect([await status(a), await status(a)]).toEqual([200, 200]);
    await one!.sync();
    expect(await status(b)).toBe(200); // b has not learned of a's two yet: it counts 1
    await two!.sync(); // Redis: 3, and b learns it
    expect(await status(b)).toBe(429);
    // a is one sync behind (it counts 2 + 1), and refuses once it has synced.
    expect(await status(a)).toBe(200);
    await one!.sync();
    expect(await status(a)).toBe(429);
    // Redis has what was synced: a's three, b's first.
    expect(await client!.get(`${prefix}default:127.0.0.1`)).toBe('4');
    expect(await client!.pttl(`${prefix}default:127.0.0.1`)).toBeGreaterThan(50_000);
    await Promise.all([a.close(), b.close()]);
    // Closing sent the refused requests too.
    expect(await client!.get(`${prefix}default:127.0.0.1`)).toBe('6');
  });
});
