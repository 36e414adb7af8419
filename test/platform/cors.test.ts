import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

const APP = 'https://app.example.com';
let anyOrigin: TestPlatform;
let listed: TestPlatform;
beforeAll(async () => {
  anyOrigin = await startTestPlatform({ modules: [widgetModule], env: { LINGGONG_CORS_ORIGINS: '*' } });
  listed = await startTestPlatform({
    modules: [widgetModule],
    env: { LINGGONG_CORS_ORIGINS: `${APP}, https://admin.example.com` },
  });
});
afterAll(async () => {
  await anyOrigin.stop();
  await listed.stop();
});

const preflight = (method: string, origin: string, headers = 'authorization, content-type') => ({
  method: 'OPTIONS' as const,
  url: '/api/v1/widgets',
  headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
});

describe('CORS', () => {
  it('sends only Vary: Origin to requests without an Origin (apps, servers)', async () => {
    for (const p of [anyOrigin, listed]) {
      const res = await p.app.inject('/api/v1/widgets');
      expect(res.statusCode).toBe(200);
      expect(res.headers.vary).toBe('Origin');
      expect(Object.keys(res.headers).filter((h) => h.startsWith('access-control-'))).toEqual([]);
    }
  });

  it('lets any origin read answers and the exposed headers when configured with *', async () => {
    const res = await anyOrigin.app.inject({
      url: '/api/v1/widgets',
      headers: { origin: 'https://x.example' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('answers preflights for every method the API uses, whatever the path, before rate limits', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const res = await listed.app.inject(preflight(method, APP));
      expect(res.statusCode).toBe(204);
      expect(res.body).toBe('');
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(String(res.headers['access-control-allow-methods']).split(', ')).toContain(method);
      expect(res.headers['access-control-allow-headers']).toBe('authorization, content-type');
      expect(res.headers.vary).toBe('Origin, Access-Control-Request-Headers');
      expect(res.headers['access-control-max-age']).toBe('600');
      expect(res.headers['x-ratelimit-limit']).toBeUndefined();
    }
    // Answered whatever the path: the answer does not depend on the route (nor on a token, which a
    // browser never sends with a preflight).
    const other = await listed.app.inject({ ...preflight('PATCH', APP), url: '/api/v1/users/me' });
    expect(other.statusCode).toBe(204);
    // The headers asked for are allowed, tracing headers included.
    const traced = await listed.app.inject(
      preflight('POST', APP, 'idempotency-key, traceparent, tracestate, baggage'),
    );
    expect(traced.headers['access-control-allow-headers']).toBe(
      'idempotency-key, traceparent, tracestate, baggage',
    );
    // With * configured, any origin's preflight is answered, with *.
    const any = await anyOrigin.app.inject(preflight('DELETE', 'https://x.example'));
    expect(any.statusCode).toBe(204);
    expect(any.headers['access-control-allow-origin']).toBe('*');
  });

  it('keeps the CORS headers on error answers, so the app can read them', async () => {
    for (const url of ['/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAA', '/api/v1/nothing-here']) {
      const res = await listed.app.inject({ url, headers: { origin: APP } });
      expect(res.statusCode).toBe(404);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      expect(res.headers.vary).toBe('Origin');
      expect(String(res.headers['access-control-expose-headers'])).toContain('x-request-id');
    }
  });

  it('gives a listed origin its own name back, and an unlisted one nothing', async () => {
    const ok = await listed.app.inject({ url: '/api/v1/widgets', headers: { origin: APP } });
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(ok.headers.vary).toBe('Origin');
    const evil = await listed.app.inject({
      url: '/api/v1/widgets',
      headers: { origin: 'https://evil.example' },
    });
    expect(evil.statusCode).toBe(200);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
    const evilPreflight = await listed.app.inject(preflight('DELETE', 'https://evil.example'));
    expect(evilPreflight.statusCode).toBe(404);
    expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
    expect(evilPreflight.headers['content-type']).toContain('application/problem+json');
  });

  it('treats an OPTIONS request that is not a preflight as an unknown route', async () => {
    const res = await listed.app.inject({
      method: 'OPTIONS',
      url: '/api/v1/widgets',
      headers: { origin: APP },
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().code).toBe('ROUTE_NOT_FOUND');
  });
});
