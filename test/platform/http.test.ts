import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { toSafeInt } from '../../src/platform/money.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ modules: [widgetModule] });
});
afterAll(async () => {
  await p.stop();
});

async function createWidget(stock = 10, key?: string) {
  return p.app.inject({
    method: 'POST',
    url: '/api/v1/widgets',
    headers: key ? { 'idempotency-key': key } : {},
    payload: { name: '扳手', stock, priceFen: 1999 },
  });
}

const countRows = async (table: string): Promise<number> => {
  const sdb = p.services.get('widget')!.db;
  return toSafeInt(
    (
      await sdb
        .untyped()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );
};

describe(`HTTP platform on ${DIALECT}`, () => {
  it('serves health, readiness, metrics, OpenAPI and docs', async () => {
    expect((await p.app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    const ready = await p.app.inject('/readyz');
    expect(ready.statusCode).toBe(200);
    expect(Object.keys(ready.json().checks)).toContain(`database:${DIALECT}`);
    if (process.env.LINGGONG_TEST_REDIS_URL) expect(ready.json().checks.redis).toEqual({ ok: true });
    const doc = (await p.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toContain('/api/v1/widgets');
    const docs = await p.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
    await p.app.inject('/api/v1/widgets');
    const metrics = await p.app.inject('/metrics');
    expect(metrics.body).toMatch(
      /linggong_http_requests_total\{method="GET",route="\/api\/v1\/widgets",status="200"\} \d+/,
    );
    expect(metrics.body).toContain('linggong_http_request_duration_seconds_bucket');
    expect(metrics.body).toContain('linggong_process_cpu_seconds_total');
    // Counts add up: three more requests to one route show in the counter, the histogram's count,
    // its +Inf bucket, and cumulative buckets that never decrease.
    const series = 'method="GET",route="/api/v1/widgets/:id",status="404"';
    const read = async () => {
      const body = (await p.app.inject('/metrics')).body;
      const value = (line: string) =>
        Number(
          body
            .split('\n')
            .find((l) => l.startsWith(line))
            ?.split(' ')[1],
        );
      const buckets = body
        .split('\n')
        .filter((l) => l.startsWith('linggong_http_request_duration_seconds_bucket{') && l.includes(series))
        .map((l) => Number(l.split(' ')[1]));
      return {
        total: value(`linggong_http_requests_total{${series}}`),
        count: value(`linggong_http_request_duration_seconds_count{${series}}`),
        inf: value(`linggong_http_request_duration_seconds_bucket{${series},le="+Inf"}`),
        buckets,
      };
    };
    for (let i = 0; i < 3; i++) await p.app.inject('/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAB');
    const before = await read();
    for (let i = 0; i < 3; i++) await p.app.inject('/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAB');
    const after = await read();
    expect(after.total - before.total).toBe(3);
    expect(after.count).toBe(after.total);
    expect(after.inf).toBe(after.total);
    expect(after.buckets).toHaveLength(13);
    expect(after.buckets.every((b, i) => i === 0 || b >= after.buckets[i - 1]!)).toBe(true);
    expect(after.buckets.at(-1)).toBe(after.total);
  });

  it('answers problem+json in Chinese by default and English on request', async () => {
    const zh = await p.app.inject('/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAA');
    expect(zh.statusCode).toBe(404);
    expect(zh.headers['content-type']).toContain('application/problem+json');
    expect(zh.json()).toMatchObject({ code: 'WIDGET_NOT_FOUND', status: 404, detail: '商品不存在' });
    const en = await p.app.inject({
      url: '/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAA',
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    expect(en.json().detail).toBe('Widget not found');
    const unknown = await p.app.inject('/api/v1/nothing-here');
    expect(unknown.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND', status: 404 });
  });

  it('accepts and propagates request ids and W3C traceparent, and logs the trace id', async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const res = await p.app.inject({
      url: '/api/v1/widgets',
      headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, 'x-request-id': 'req-abc-123' },
    });
    expect(res.headers['x-request-id']).toBe('req-abc-123');
    expect(String(res.headers.traceparent)).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    const line = p.logLines().find((l) => l.request_id === 'req-abc-123' && l.msg === 'request completed');
    expect(line?.trace_id).toBe(traceId);
    const fresh = await p.app.inject({ url: '/api/v1/widgets', headers: { traceparent: 'garbage' } });
    expect(String(fresh.headers.traceparent)).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    const freshLine = p
      .logLines()
      .find((l) => l.request_id === fresh.headers['x-request-id'] && l.msg === 'request completed');
    expect(freshLine?.trace_id).toBe(String(fresh.headers.traceparent).split('-')[1]);
    // Routes with their own log level keep it: /healthz logs warnings only, no access line.
    const health = await p.app.inject('/healthz');
    expect(p.logLines().some((l) => l.request_id === health.headers['x-request-id'])).toBe(false);
  });

  it('sets security headers on every response, errors included', async () => {
    // The API set (OWASP REST): JSON answers load nothing, are never framed or sniffed.
    const expected = {
      'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
      'cross-origin-resource-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'DENY',
    };
    // Headers that only act on HTML documents: on the docs pages, not on JSON.
    const documentOnly = [
      'cross-origin-opener-policy',
      'origin-agent-cluster',
      'x-dns-prefetch-control',
      'x-download-options',
      'x-permitted-cross-domain-policies',
      'x-xss-protection',
    ];
    const responses = [
      await p.app.inject('/healthz'),
      await p.app.inject('/api/v1/widgets'),
      await p.app.inject('/api/v1/widgets/01JAAAAAAAAAAAAAAAAAAAAAAA'),
      await p.app.inject('/api/v1/nothing-here'),
      await p.app.inject({ method: 'POST', url: '/api/v1/widgets', payload: { name: 1 } }),
      await p.app.inject('/openapi.json'),
    ];
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 404, 404, 400, 200]);
    for (const res of responses) {
      expect(res.headers).toMatchObject(expected);
      for (const name of documentOnly) expect(res.headers[name]).toBeUndefined();
      expect(res.headers['x-powered-by']).toBeUndefined();
    }
    // The docs page is a document: helmet's whole set, with swagger-ui's own static policy.
    const docs = await p.app.inject('/docs/');
    expect(docs.statusCode).toBe(200);
    expect(docs.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'cross-origin-opener-policy': 'same-origin',
      'x-xss-protection': '0',
    });
    expect(String(docs.headers['content-security-policy'])).toContain("script-src 'self'");
  });

  it('paginates with signed cursors and refuses forged ones', async () => {
    for (let i = 0; i < 5; i++) await createWidget();
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await p.app.inject({
        url: '/api/v1/widgets',
        query: { limit: '2', ...(cursor ? { cursor } : {}) },
      });
      expect(res.statusCode).toBe(200);
      const body = res.json() as { items: { id: string }[]; nextCursor: string | null };
      seen.push(...body.items.map((w) => w.id));
      cursor = body.nextCursor;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect([...seen].sort()).toEqual(seen);
    expect(new Set(seen).size).toBe(seen.length);
    const first = (await p.app.inject({ url: '/api/v1/widgets', query: { limit: '1' } })).json()
      .nextCursor as string;
    const [data] = first.split('.');
    const forged = `${Buffer.from(JSON.stringify({ s: 'widgets', p: { id: '0' } })).toString('base64url')}.${first.split('.')[1]}`;
    for (const bad of [forged, `${data}.AAAA`, 'x', 'a.b.c']) {
      const res = await p.app.inject({ url: '/api/v1/widgets', query: { cursor: bad } });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('INVALID_CURSOR');
    }
  });
});

describe(`idempotency keys on ${DIALECT}`, () => {
  it('replays the first response for the same key and body', async () => {
    const first = await createWidget(10, 'create-1');
    expect(first.statusCode).toBe(201);
    const before = await countRows('widget_items');
    const again = await createWidget(10, 'create-1');
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect(await countRows('widget_items')).toBe(before);
  });

  it('answers 422 for the same key with a different body', async () => {
    await createWidget(10, 'create-2');
    const before = await countRows('widget_items');
    const res = await createWidget(11, 'create-2');
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await countRows('widget_items')).toBe(before);
  });

  it('creates once when 20 identical requests race (the rest replay or get 409)', async () => {
    // Two identical requests at once: exactly one creates; the other is told it is in progress
    // (or, if the first finished already, gets the replay) — never a second widget.
    const before = await countRows('widget_items');
    const results = await Promise.all(Array.from({ length: 20 }, () => createWidget(5, 'create-3')));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.every((s) => s === 201 || s === 409)).toBe(true);
    const created = new Set(results.filter((r) => r.statusCode === 201).map((r) => r.json().id));
    expect(created.size).toBe(1);
    expect(await countRows('widget_items')).toBe(before + 1);
    for (const r of results.filter((x) => x.statusCode === 409))
      expect(r.json().code).toBe('IDEMPOTENCY_KEY_IN_PROGRESS');
  });

  it('answers 409 for a key claimed by a request still running, and takes over a claim whose process died', async () => {
    const sdb = p.services.get('widget')!.db;
    // Let a request claim the key, then make its claim look fresh and unfinished.
    const res = await createWidget(1, 'create-4');
    expect(res.statusCode).toBe(201);
    await sdb
      .untyped()
      .updateTable('widget_idempotency')
      .set({ state: 'processing', locked_until: p.clock.now() + 60_000 })
      .execute();
    const busy = await createWidget(1, 'create-4');
    expect(busy.statusCode).toBe(409);
    p.clock.advance(61_000);
    const takeover = await createWidget(1, 'create-4');
    expect(takeover.statusCode).toBe(201);
  });

  it('frees the key when the first attempt failed, so a retry can succeed', async () => {
    const created = (await createWidget(1)).json() as { id: string };
    const buy = (key: string) =>
      p.app.inject({
        method: 'POST',
        url: `/api/v1/widgets/${created.id}/purchases`,
        headers: { 'idempotency-key': key },
        payload: { quantity: 2 },
      });
    expect((await buy('buy-1')).statusCode).toBe(409); // sold out: nothing committed
    const again = await buy('buy-1');
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('WIDGET_SOLD_OUT');
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('refuses malformed keys', async () => {
    const res = await createWidget(1, 'x'.repeat(129));
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('IDEMPOTENCY_KEY_INVALID');
  });
});

describe(`conditional updates on ${DIALECT}`, () => {
  it('never oversells under 200 concurrent purchases', async () => {
    const widget = (await createWidget(50)).json() as { id: string };
    const outboxBefore = await countRows('widget_outbox');
    const results = await Promise.all(
      Array.from({ length: 200 }, () =>
        p.app.inject({
          method: 'POST',
          url: `/api/v1/widgets/${widget.id}/purchases`,
          payload: { quantity: 1 },
        }),
      ),
    );
    const ok = results.filter((r) => r.statusCode === 200).length;
    const soldOut = results.filter((r) => r.statusCode === 409 && r.json().code === 'WIDGET_SOLD_OUT').length;
    expect(ok).toBe(50);
    expect(soldOut).toBe(150);
    const after = (await p.app.inject(`/api/v1/widgets/${widget.id}`)).json() as {
      sold: number;
      stock: number;
    };
    expect(after.sold).toBe(50);
    expect(await countRows('widget_outbox')).toBe(outboxBefore + 50);
  });
});
