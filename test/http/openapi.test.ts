import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { acceptsIdempotencyKey } from '../../src/platform/http/idempotency.js';
import { AccessTokenErrors } from '../../src/platform/http/http-errors.js';
import { documentedCodes } from '../../src/platform/http/route-docs.js';
import { WorkflowErrors } from '../../src/platform/workflow/runner.js';
import { JobErrors } from '../../src/services/job/job.errors.js';
import { SearchErrors } from '../../src/services/search/search.errors.js';
import { UserErrors } from '../../src/services/user/user.errors.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { badInputCases, prepareCaseContext } from './bad-input.cases.js';

/**
 * The API description (/openapi.json) of every service and the platform's admin routes.
 *
 * What a route "can throw" is checked two ways, both honest about their reach:
 * - every code of every error catalogue (the services' `*.errors.ts`, the workflow runner's) is
 *   declared by at least one route: a new code nobody declares fails here;
 * - every code the bad-input suite's route-specific cases (bad-input.cases.ts) actually answer on a
 *   route is declared by that route, with that status. The generic cases that suite derives from
 *   schemas only meet the platform's own codes, which route-docs.ts derives from the same options.
 * A code a route can throw on a path no test takes is not caught by either; reading the services'
 * call graphs is left to review.
 */
let p: TestPlatform;
let doc: OpenApi;

interface Operation {
  description?: string;
  parameters?: { in: string; name: string }[];
  responses: Record<string, { description: string; content?: Record<string, { examples?: object }> }>;
}
interface OpenApi {
  servers?: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
}

beforeAll(async () => {
  p = await startTestPlatform();
  doc = (await p.app.inject('/openapi.json')).json() as OpenApi;
});
afterAll(async () => {
  await p.stop();
});

/** `/api/v1/jobs/{id}` and `patch` for Fastify's `PATCH /api/v1/jobs/:id`. */
const operationOf = (method: string, url: string): Operation | undefined =>
  doc.paths[url.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];

function operations(): [string, Operation][] {
  return Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops)
      .filter(([method]) => method !== 'head')
      .map(([method, op]): [string, Operation] => [`${method.toUpperCase()} ${path}`, op]),
  );
}

describe('the API description', () => {
  it('names a server', () => {
    expect(doc.servers?.[0]?.url).toMatch(/^https?:\/\//);
  });

  it('describes every operation and its success answer', () => {
    const problems: string[] = [];
    for (const [key, op] of operations()) {
      if (!op.description?.trim()) problems.push(`${key}: no description`);
      const success = Object.entries(op.responses).filter(([status]) => status.startsWith('2'));
      if (success.length === 0) problems.push(`${key}: no success answer`);
      for (const [status, r] of success) {
        if (!r.description || r.description === 'Default Response' || r.description.startsWith('HTTP '))
          problems.push(`${key} ${status}: "${r.description}"`);
      }
    }
    expect(problems).toEqual([]);
    expect(operations().length).toBeGreaterThan(30);
  });

  it('answers every error as problem+json, by status, with an example of each code', () => {
    const problems: string[] = [];
    for (const [key, op] of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (/^[2-3]/.test(status)) continue;
        // The readiness probe answers 503 with its checks, in the same JSON as 200 (for load balancers).
        if (key === 'GET /readyz' && status === '503') continue;
        if (/XX$/i.test(status)) problems.push(`${key}: generic ${status}`);
        const types = Object.keys(r.content ?? {});
        if (types.join() !== 'application/problem+json') problems.push(`${key} ${status}: ${types.join()}`);
        const codes = Object.keys(r.content?.['application/problem+json']?.examples ?? {});
        if (codes.length === 0) problems.push(`${key} ${status}: no codes`);
        for (const code of codes) {
          if (!r.description.includes(`\`${code}\``))
            problems.push(`${key} ${status}: ${code} not described`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('declares Idempotency-Key exactly where the route claims keys', () => {
    const problems: string[] = [];
    for (const route of p.app.routeTable) {
      const op = operationOf(route.method, route.url);
      if (!op || route.method === 'HEAD') continue;
      const declared = (op.parameters ?? []).some((x) => x.in === 'header' && x.name === 'idempotency-key');
      const claims = acceptsIdempotencyKey(route.preHandler);
      if (declared !== claims)
        problems.push(`${route.method} ${route.url}: declared ${declared}, claims ${claims}`);
    }
    expect(problems).toEqual([]);
    expect(operationOf('POST', '/api/v1/jobs')?.parameters).toContainEqual(
      expect.objectContaining({ in: 'header', name: 'idempotency-key' }),
    );
  });

  it('documents the avatar upload as a raw image body', () => {
    const put = operationOf('PUT', '/api/v1/users/me/avatar') as Operation & {
      requestBody?: { content: Record<string, unknown> };
    };
    expect(Object.keys(put.requestBody?.content ?? {})).toEqual(['image/png', 'image/jpeg', 'image/webp']);
  });

  it('declares every code of every error catalogue on at least one route', () => {
    const declared = new Set(operations().flatMap(([, op]) => [...documentedCodes(op).keys()]));
    const catalogues = { JobErrors, UserErrors, SearchErrors, WorkflowErrors };
    const missing = Object.entries(catalogues).flatMap(([name, catalogue]) =>
      Object.keys(catalogue)
        .filter((code) => !declared.has(code))
        .map((code) => `${name}.${code}`),
    );
    expect(missing).toEqual([]);
  });

  it("lists the verifier's codes as the user service throws them", () => {
    for (const [code, make] of Object.entries(AccessTokenErrors)) {
      const own = (UserErrors as Record<string, (() => { status: number }) | undefined>)[code];
      expect(own, `UserErrors.${code}`).toBeDefined();
      expect(own!().status).toBe(make().status);
    }
  });

  it('declares on each route every code the bad-input cases observe there', async () => {
    const ctx = await prepareCaseContext(p);
    const problems: string[] = [];
    for (const [key, spec] of Object.entries(badInputCases)) {
      const [method, url] = key.split(' ') as [string, string];
      const op = operationOf(method, url);
      if (!op) continue; // a test fixture's route (the widget service), not part of the API
      const codes = documentedCodes(op);
      for (const c of spec.cases(ctx)) {
        // A case that sends another method tests the router (404 ROUTE_NOT_FOUND), not this route.
        if (c.request.method && c.request.method !== method) continue;
        const res = await p.app.inject({
          method: method as 'GET',
          url: spec.url(ctx),
          ...c.request,
          headers: { ...(spec.headers?.(ctx) ?? {}), ...(c.request.headers ?? {}) },
        });
        if (res.statusCode < 400) continue;
        const code = (res.json() as { code?: string }).code ?? '(no code)';
        if (codes.get(code) !== res.statusCode)
          problems.push(
            `${key} (${c.name}): answered ${res.statusCode} ${code}, declared ${codes.get(code)}`,
          );
      }
    }
    expect([...new Set(problems)]).toEqual([]);
  }, 120_000);
});
