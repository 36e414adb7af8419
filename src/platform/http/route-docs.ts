import type { FastifySchema } from 'fastify';
import { PlatformErrors, type AppError } from '../errors.js';
import { AccessTokenErrors, type AuthRule } from './auth.js';
import { problemBody } from './problem.js';
import { IDEMPOTENCY_KEY_HEADER, acceptsIdempotencyKey, idempotencyErrors } from './idempotency.js';

/**
 * How a route describes itself in the API description (/openapi.json, /docs), next to its schema:
 *
 *   schema: {
 *     summary, description, body, response: { 200: OwnerJobSchema },
 *     responseDescription: 'The job, at its new version',
 *     errors: [JobErrors.JOB_NOT_FOUND(), JobErrors.JOB_VERSION_CONFLICT({ current: 4 })],
 *     example: { body: { version: 3 }, response: { … } },
 *   }
 *
 * `errors` lists what the route's service may refuse with, each as an example of itself (its code,
 * status and message). The platform adds what it refuses with on the route's behalf, derived from
 * the route's own options so it cannot drift: validation (a schema for input), malformed or
 * oversized bodies (a method with a body), authentication and roles (`config.auth`), the service
 * token (`config.internal`), idempotency keys (the claim hook in `preHandler`), the rate limit
 * (unless `rateLimit: false`) and INTERNAL. Each status becomes a response of
 * application/problem+json listing its codes, with one example per code.
 */
declare module 'fastify' {
  interface FastifySchema {
    /** The service's errors this route may answer, one example of each code. */
    errors?: readonly AppError[];
    /** What the success answer is (its description in the API description). */
    responseDescription?: string;
    /** An example request and its answer. */
    example?: RouteExample;
  }
}

export interface RouteExample {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
  response?: unknown;
}

/** The parts of a route (as Fastify's route table and @fastify/swagger hold it) the description reads. */
export interface DescribedRoute {
  method: string | string[];
  url: string;
  schema?: Record<string, unknown> | undefined;
  config?: { auth?: AuthRule; internal?: boolean; rateLimit?: unknown } | undefined;
  preHandler?: unknown;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Every error `route` may answer: the platform's on its behalf, then its own; one per code. */
export function routeErrors(route: DescribedRoute): AppError[] {
  const schema = route.schema ?? {};
  const config = route.config ?? {};
  const all: AppError[] = [];
  if (schema.body || schema.querystring || schema.params) all.push(PlatformErrors.VALIDATION_FAILED());
  const query = schema.querystring as { properties?: Record<string, unknown> } | undefined;
  if (query?.properties?.cursor) all.push(PlatformErrors.INVALID_CURSOR());
  if ([route.method].flat().some((m) => BODY_METHODS.has(m))) {
    all.push(
      PlatformErrors.BODY_MALFORMED(),
      PlatformErrors.BODY_TOO_LARGE(),
      PlatformErrors.UNSUPPORTED_MEDIA_TYPE(),
    );
  }
  if (config.auth) {
    all.push(PlatformErrors.UNAUTHENTICATED(), ...Object.values(AccessTokenErrors).map((make) => make()));
    if (config.auth !== true) all.push(PlatformErrors.FORBIDDEN());
    // Answered when this process has no way to verify tokens (no user service, local or remote).
    all.push(PlatformErrors.SERVICE_UNAVAILABLE());
  }
  if (config.internal) all.push(PlatformErrors.SERVICE_TOKEN_INVALID());
  if (acceptsIdempotencyKey(route.preHandler)) all.push(...idempotencyErrors());
  if (config.rateLimit !== false) all.push(PlatformErrors.RATE_LIMITED());
  all.push(...((schema.errors as readonly AppError[] | undefined) ?? []), PlatformErrors.INTERNAL());
  const seen = new Set<string>();
  return all.filter((e) => !seen.has(e.code) && seen.add(e.code));
}

type Schema = Record<string, unknown>;

/** Response headers documented with some codes. */
const ERROR_HEADERS: Record<string, Schema> = {
  RATE_LIMITED: {
    'retry-after': { type: 'integer', description: 'With RATE_LIMITED: seconds until the window ends' },
  },
  UNAUTHENTICATED: { 'www-authenticate': { type: 'string', description: 'With UNAUTHENTICATED: `Bearer`' } },
};

/**
 * The @fastify/swagger `transform`: the route's schema as the API description shows it (the route's
 * own schema, which validates and serialises, is not changed).
 */
export function describeRoute() {
  return (input: {
    schema: FastifySchema;
    url: string;
    route: object;
  }): { schema: FastifySchema; url: string } => {
    const { schema, url } = input;
    const route = input.route as DescribedRoute;
    if (!schema || schema.hide) return { schema, url };
    const {
      errors: _errors,
      example,
      responseDescription,
      ...doc
    } = schema as unknown as Schema & {
      example?: RouteExample;
      responseDescription?: string;
    };
    if (example?.body !== undefined && doc.body)
      doc.body = { ...(doc.body as Schema), examples: [example.body] };
    if (example?.query) doc.querystring = withExamples(doc.querystring as Schema, example.query);
    if (example?.params) doc.params = withExamples(doc.params as Schema, example.params);
    const consumes = doc.consumes as string[] | undefined;
    if (!doc.body && consumes?.length) {
      doc.body = {
        type: 'string',
        format: 'binary',
        description: `The raw bytes of the file, sent as ${consumes.join(', ')} (Content-Type).`,
      };
    }
    if (acceptsIdempotencyKey(route.preHandler)) {
      const headers = (doc.headers as Schema | undefined) ?? { type: 'object', properties: {} };
      doc.headers = {
        ...headers,
        properties: {
          ...(headers.properties as Schema),
          'idempotency-key': { ...IDEMPOTENCY_KEY_HEADER, examples: [...IDEMPOTENCY_KEY_HEADER.examples] },
        },
      };
    }
    doc.response = {
      ...successResponses(doc, responseDescription, example),
      ...errorResponses(routeErrors(route), url),
    };
    return { schema: doc as FastifySchema, url };
  };
}

function withExamples(schema: Schema | undefined, values: Record<string, unknown>): Schema | undefined {
  if (!schema) return schema;
  const properties = { ...(schema.properties as Record<string, Schema>) };
  for (const [key, value] of Object.entries(values)) {
    if (properties[key]) properties[key] = { ...properties[key], examples: [value] };
  }
  return { ...schema, properties };
}

/** The route's own answers (2xx, and any other status it declares an answer schema for). */
function successResponses(
  doc: Schema,
  description: string | undefined,
  example: RouteExample | undefined,
): Record<string, Schema> {
  const out: Record<string, Schema> = {};
  const produces = (doc.produces as string[] | undefined) ?? ['application/json'];
  for (const [status, answer] of Object.entries((doc.response as Record<string, Schema>) ?? {})) {
    if (status === '4xx' || status === '5xx') continue;
    const own = status.startsWith('2') ? description : undefined;
    const text = own ?? (answer.description as string | undefined) ?? `HTTP ${status}`;
    if (answer.type === 'null') {
      out[status] = { ...answer, description: text };
      continue;
    }
    const media = {
      schema: answer,
      ...(status.startsWith('2') && example?.response !== undefined ? { example: example.response } : {}),
    };
    out[status] = {
      description: text,
      content: Object.fromEntries(produces.map((type) => [type, media])),
    };
  }
  if (!Object.keys(out).some((s) => s.startsWith('2')) && description) {
    // A route that sends bytes rather than JSON (an image): no schema to serialise with.
    const media = { schema: { type: 'string', format: 'binary' } };
    out['200'] = { description, content: Object.fromEntries(produces.map((type) => [type, media])) };
  }
  return out;
}

/** One problem+json response per status, listing its codes, with an example of each. */
function errorResponses(errors: readonly AppError[], url: string): Record<string, Schema> {
  const byStatus = new Map<number, AppError[]>();
  for (const e of errors) byStatus.set(e.status, [...(byStatus.get(e.status) ?? []), e]);
  const out: Record<string, Schema> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const headers = Object.assign({}, ...list.map((e) => ERROR_HEADERS[e.code] ?? {})) as Schema;
    out[String(status)] = {
      description: list.map((e) => `\`${e.code}\`: ${e.messages.en}`).join('\n\n'),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
      content: {
        'application/problem+json': {
          schema: { $ref: 'Problem#' },
          examples: Object.fromEntries(
            list.map((e) => [e.code, { summary: e.messages.en, value: exampleProblem(e, url) }]),
          ),
        },
      },
    };
  }
  return out;
}

function exampleProblem(e: AppError, url: string): Schema {
  const instance = url.replace(/:(\w+)/g, (_, name: string) => (name === 'id' ? EXAMPLE_ID : name));
  return problemBody(e, 'zh-CN', instance, '9f2c4e1a7b3d5c60a1e2f3b4');
}

const EXAMPLE_ID = '01JD5Z8Q2M7W3K4R9T6Y1X0V2B';

/** Codes of the description's error responses of one operation (tests read them back). */
export function documentedCodes(operation: { responses?: Record<string, unknown> }): Map<string, number> {
  const codes = new Map<string, number>();
  for (const [status, response] of Object.entries(operation.responses ?? {})) {
    const content = (response as { content?: Record<string, { examples?: Record<string, unknown> }> })
      .content;
    for (const code of Object.keys(content?.['application/problem+json']?.examples ?? {})) {
      codes.set(code, Number(status));
    }
  }
  return codes;
}
