import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_ROUTE_PREFIXES } from '../../src/platform/http/server.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { totalRows, wrongValuesFor, type BadCase } from '../support/bad-input.js';
import { DIALECT } from '../support/env.js';
import { badInputCases, type CaseContext } from './bad-input.cases.js';

/**
 * Every route of every service answers bad input with 4xx problem+json, never 5xx, and changes no
 * row. The list of routes comes from Fastify's own route table: a route without cases in
 * bad-input.cases.ts fails here.
 */
let p: TestPlatform;
let ctx: CaseContext;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [...ALL_SERVICES, widgetModule] });
  ctx = await (await import('./bad-input.cases.js')).prepareCaseContext(p);
});
afterAll(async () => {
  await p.stop();
});

function serviceRoutes() {
  return p.app.routeTable.filter(
    (r) =>
      r.method !== 'HEAD' &&
      r.method !== 'OPTIONS' &&
      !PLATFORM_ROUTE_PREFIXES.some((x) => r.url.startsWith(x)),
  );
}

function genericCases(
  route: { method: string; url: string; schema: Record<string, unknown> | undefined },
  url: string,
): BadCase[] {
  const cases: BadCase[] = [];
  const body = route.schema?.body as { properties?: Record<string, Record<string, unknown>> } | undefined;
  if (body && route.method !== 'GET') {
    cases.push({
      name: 'malformed JSON',
      request: { payload: '{"a":', headers: { 'content-type': 'application/json' } },
    });
    cases.push({
      name: 'JSON array body',
      request: { payload: '[1,2]', headers: { 'content-type': 'application/json' } },
    });
    cases.push({ name: 'unknown field', request: { payload: { __unknownField: 1 } } });
    cases.push({
      name: 'text/plain body',
      request: { payload: 'hello', headers: { 'content-type': 'text/plain' } },
    });
    cases.push({
      name: 'body over the size limit',
      request: { payload: { x: 'x'.repeat(400_000) } },
      status: 413,
    });
    for (const [prop, schema] of Object.entries(body.properties ?? {})) {
      for (const wrong of wrongValuesFor(schema)) {
        cases.push({ name: `${prop}: ${wrong.label}`, request: { payload: { [prop]: wrong.value } } });
      }
    }
  }
  const query = route.schema?.querystring as
    { properties?: Record<string, Record<string, unknown>> } | undefined;
  for (const [prop, schema] of Object.entries(query?.properties ?? {})) {
    if (schema.type === 'integer' || schema.type === 'number') {
      cases.push({ name: `query ${prop}: not a number`, request: { query: { [prop]: 'abc' } } });
      cases.push({ name: `query ${prop}: absurd`, request: { query: { [prop]: '99999999999' } } });
    }
    if (schema.type === 'string')
      cases.push({ name: `query ${prop}: oversized`, request: { query: { [prop]: 'x'.repeat(5000) } } });
  }
  if (query) cases.push({ name: 'unknown query parameter', request: { query: { __unknown: '1' } } });
  if (url.includes(':')) {
    const absurd = url.replace(/:[A-Za-z]+/g, 'x'.repeat(150));
    cases.push({ name: 'absurd path parameter', request: { url: absurd } });
  }
  return cases;
}

describe(`bad input on every route (${DIALECT})`, () => {
  it('has cases for every route in the route table', () => {
    const missing = serviceRoutes()
      .map((r) => `${r.method} ${r.url}`)
      .filter((key) => !(key in badInputCases));
    expect(missing, `routes without bad-input cases: ${missing.join(', ')}`).toEqual([]);
    const stale = Object.keys(badInputCases).filter(
      (k) => !serviceRoutes().some((r) => `${r.method} ${r.url}` === k),
    );
    expect(stale, `cases for routes that do not exist: ${stale.join(', ')}`).toEqual([]);
  });

  it.each(Object.keys(badInputCases))('%s answers 4xx problem+json and changes no row', async (key) => {
    const route = serviceRoutes().find((r) => `${r.method} ${r.url}` === key);
    if (!route) throw new Error(`no route ${key}`);
    const spec = badInputCases[key]!;
    const failures: string[] = [];
    const url = spec.url(ctx);
    const cases = [...spec.cases(ctx), ...genericCases(route, url)];
    for (const c of cases) {
      const before = await totalRows(p);
      const res = await p.app.inject({
        method: route.method as 'GET',
        url,
        ...c.request,
        headers: { ...(spec.headers?.(ctx) ?? {}), ...(c.request.headers ?? {}) },
      });
      const label = `${c.name}: got ${res.statusCode} ${res.body.slice(0, 200)}`;
      if (res.statusCode < 400 || res.statusCode >= 500) failures.push(label);
      else if (c.status && res.statusCode !== c.status) failures.push(`${label} (expected ${c.status})`);
      else if (!String(res.headers['content-type']).startsWith('application/problem+json'))
        failures.push(`${label} (not problem+json)`);
      else if (c.code && res.json().code !== c.code) failures.push(`${label} (expected code ${c.code})`);
      const after = await totalRows(p);
      if (after !== before) failures.push(`${c.name}: row count changed ${before} → ${after}`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThan(0);
  });
});
