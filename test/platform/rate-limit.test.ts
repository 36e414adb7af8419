import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { TEST_REDIS_URL } from '../support/env.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ modules: [widgetModule], env: { LINGGONG_RATE_LIMIT_MAX: '5' } });
});
afterAll(async () => {
  await p.stop();
});

describe(`rate limits (${TEST_REDIS_URL ? 'Redis' : 'in memory'})`, () => {
  it('answers 429 problem+json with retry-after past the limit, and never limits health checks', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await p.app.inject('/api/v1/widgets')).statusCode);
    expect(statuses.slice(0, 5)).toEqual([200, 200, 200, 200, 200]);
    const limited = await p.app.inject({
      url: '/api/v1/widgets',
      headers: { origin: 'https://app.example' },
    });
    expect(limited.statusCode).toBe(429);
    // A browser app can read the refusal (CORS headers stay on it).
    expect(limited.headers['access-control-allow-origin']).toBe('*');
    expect(limited.headers['content-type']).toContain('application/problem+json');
    expect(limited.json().code).toBe('RATE_LIMITED');
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(limited.headers['x-content-type-options']).toBe('nosniff');
    expect(limited.headers['content-security-policy']).toBeDefined();
    for (let i = 0; i < 10; i++) expect((await p.app.inject('/healthz')).statusCode).toBe(200);
  });

  it.skipIf(!TEST_REDIS_URL)('shares its counts through Redis when Redis is configured', async () => {
    const { Redis } = await import('ioredis');
    const redis = new Redis(TEST_REDIS_URL!);
    // Counts are synced in the background (every 50 ms): the 8 requests above reach Redis.
    let counts: number[] = [];
    for (const deadline = Date.now() + 2_000; Date.now() < deadline;) {
      const keys = await redis.keys(`${p.config.redisPrefix}ratelimit:*`);
      counts = keys.length ? (await redis.mget(...keys)).map(Number) : [];
      if (counts.includes(8)) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await redis.quit();
    expect(counts).toContain(8);
  });
});
