import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccessTokenErrors } from '../../src/platform/http/auth.js';
import { acceptsIdempotencyKey } from '../../src/platform/http/idempotency.js';
import { documentedCodes, type RouteExample } from '../../src/platform/http/route-docs.js';
import { validatorCompiler } from '../../src/platform/http/validation.js';
import { MaskedPhone, ULID_PATTERN } from '../../src/platform/schemas.js';
import { WorkflowErrors } from '../../src/platform/workflow/runner.js';
import { JobErrors } from '../../src/services/job/job.errors.js';
import { OrderErrors } from '../../src/services/order/order.errors.js';
import { MessageErrors } from '../../src/services/message/message.errors.js';
import { ReviewErrors } from '../../src/services/review/review.errors.js';
import { EscrowErrors } from '../../src/services/payment/escrow.errors.js';
import { PaymentErrors } from '../../src/services/payment/payment.errors.js';
import { ReconciliationErrors } from '../../src/services/payment/reconciliation.errors.js';
import { TopupErrors } from '../../src/services/payment/topup.errors.js';
import { WithdrawalErrors } from '../../src/services/payment/withdrawal.errors.js';
import { VerificationErrors } from '../../src/services/verification/verification.errors.js';
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
  responses: Record<
    string,
    { description: string; content?: Record<string, { examples?: object; example?: unknown }> }
  >;
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

  it('names the public URL as the server when one is configured (behind a gateway)', async () => {
    const behind = await startTestPlatform({
      modules: [],
      env: { LINGGONG_PUBLIC_URL: 'https://api.example.com' },
    });
    try {
      const served = (await behind.app.inject('/openapi.json')).json<{ servers: { url: string }[] }>();
      expect(served.servers.map((s) => s.url)).toEqual(['https://api.example.com']);
    } finally {
      await behind.stop();
    }
  });

  it('describes every operation and its success answer', () => {
    const problems: string[] = [];
    for (const [key, op] of operations()) {
      if (!op.description?.trim()) problems.push(`${key}: no description`);
      // A WebSocket's success is the switch of protocols (101).
      const success = Object.entries(op.responses).filter(([s]) => s.startsWith('2') || s === '101');
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
        if (/^[1-3]/.test(status)) continue;
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

  it('shows an example of every success answer', () => {
    const problems: string[] = [];
    for (const [key, op] of operations()) {
      for (const [status, r] of Object.entries(op.responses)) {
        if (!status.startsWith('2') || !r.content) continue; // 204: nothing to show
        for (const [type, media] of Object.entries(r.content)) {
          const binary = (media as { schema?: { format?: string } }).schema?.format === 'binary';
          if (!binary && media.example === undefined) problems.push(`${key} ${status} ${type}: no example`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('gives every route an example request and answer that its own schemas accept', () => {
    const problems: string[] = [];
    for (const route of p.app.routeTable) {
      const schema = route.schema as (Record<string, unknown> & { example?: RouteExample }) | undefined;
      if (!schema || schema.hide || route.method === 'HEAD') continue;
      const key = `${route.method} ${route.url}`;
      const example = schema.example ?? {};
      const parts = [
        ['body', 'body', example.body],
        ['querystring', 'query', example.query],
        ['params', 'params', example.params],
      ] as const;
      for (const [part, name, value] of parts) {
        if (!schema[part]) continue;
        if (value === undefined) problems.push(`${key}: no example ${name}`);
        else problems.push(...check(`${key} ${name}`, schema[part] as object, part, value));
      }
      const answers = Object.entries((schema.response as Record<string, Schema> | undefined) ?? {});
      const success = answers.filter(([status, s]) => status.startsWith('2') && s.type !== 'null');
      for (const [status, answer] of success) {
        if (example.response === undefined) problems.push(`${key} ${status}: no example answer`);
        // Answers are checked closed: a field the schema does not name would be dropped when sent.
        else problems.push(...check(`${key} ${status}`, closed(answer), 'body', example.response));
      }
      if (success.length === 0 && example.response !== undefined)
        problems.push(`${key}: an example answer without an answer schema`);
      problems.push(...lookOfValues(key, example));
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

  it('declares Idempotency-Key on every route whose bad-input cases send a bad key', async () => {
    // Read from the cases, not from the hook the description is built from.
    const ctx = await prepareCaseContext(p);
    const undeclared = Object.entries(badInputCases)
      .filter(([, spec]) => spec.cases(ctx).some((c) => c.request.headers?.['idempotency-key'] !== undefined))
      .map(([key]) => key.split(' ') as [string, string])
      // Cases of fixture services' routes (not served here) are left out.
      .filter(([method, url]) => operationOf(method, url) !== undefined)
      .filter(
        ([method, url]) =>
          !(operationOf(method, url)!.parameters ?? []).some(
            (x) => x.in === 'header' && x.name === 'idempotency-key',
          ),
      )
      .map(([method, url]) => `${method} ${url}`);
    expect(undeclared).toEqual([]);
  });

  it('documents the avatar upload as a raw image body', () => {
    const put = operationOf('PUT', '/api/v1/users/me/avatar') as Operation & {
      requestBody?: { content: Record<string, unknown> };
    };
    expect(Object.keys(put.requestBody?.content ?? {})).toEqual(['image/png', 'image/jpeg', 'image/webp']);
  });

  it('declares every code of every error catalogue on at least one route', () => {
    const declared = new Set(operations().flatMap(([, op]) => [...documentedCodes(op).keys()]));
    const catalogues = {
      JobErrors,
      UserErrors,
      SearchErrors,
      WorkflowErrors,
      AccessTokenErrors,
      VerificationErrors,
      PaymentErrors,
      TopupErrors,
      EscrowErrors,
      WithdrawalErrors,
      ReconciliationErrors,
      OrderErrors,
      ReviewErrors,
      MessageErrors,
    };
    const missing = Object.entries(catalogues).flatMap(([name, catalogue]) =>
      Object.keys(catalogue)
        .filter((code) => !declared.has(code))
        .map((code) => `${name}.${code}`),
    );
    expect(missing).toEqual([]);
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

type Schema = Record<string, unknown>;

/** The example checked with the validator the route itself uses (a copy: the text rule trims). */
function check(key: string, schema: object, httpPart: string, value: unknown): string[] {
  const validate = validatorCompiler({ schema, httpPart, method: 'GET', url: '/' }) as ((
    data: unknown,
  ) => boolean) & { errors?: { instancePath: string; message?: string }[] | null };
  if (validate(structuredClone(value))) return [];
  return (validate.errors ?? []).map((e) => `${key}: ${e.instancePath || '/'} ${e.message ?? ''}`);
}

const MASKED_PHONE = (MaskedPhone as { description?: string }).description;

/** `schema` with every object that names its properties closed to any others, masked phones masked. */
function closed(schema: unknown): Schema {
  const walk = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(walk);
    if (!node || typeof node !== 'object') return node;
    const out: Schema = {};
    for (const [k, v] of Object.entries(node)) out[k] = walk(v);
    if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
    // MaskedPhone (schemas.ts) is a plain string when sent; its examples must look masked.
    if (out.description === MASKED_PHONE) out.pattern = '^1[3-9][0-9]\\*{4}[0-9]{4}$';
    return out;
  };
  return walk(schema) as Schema;
}

const INSTANT = /^\d{4}-\d\d-\d\dT/;
const ULID = new RegExp(ULID_PATTERN);

/** Ids are ULIDs and instants are in the business zone (+08:00), as the services answer them. */
function lookOfValues(key: string, example: RouteExample): string[] {
  const problems: string[] = [];
  const walk = (node: unknown, path: string): void => {
    if (Array.isArray(node)) node.forEach((v, i) => walk(v, `${path}/${i}`));
    else if (node && typeof node === 'object')
      for (const [k, v] of Object.entries(node)) {
        if (typeof v === 'string' && /^(id|[a-z]+Id)$/.test(k) && k !== 'requestId' && !ULID.test(v))
          problems.push(`${key} ${path}/${k}: ${v} is not a ULID`);
        walk(v, `${path}/${k}`);
      }
    else if (typeof node === 'string' && INSTANT.test(node) && !node.endsWith('+08:00'))
      problems.push(`${key} ${path}: ${node} is not in +08:00`);
  };
  for (const part of ['params', 'query', 'body', 'response'] as const) walk(example[part], part);
  return problems;
}
