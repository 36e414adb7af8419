import type { FastifyInstance } from 'fastify';
import { ANSWERED, type RequestStep } from './steps.js';

/** Cross-origin access for browser apps (CORS), configured once (`LINGGONG_CORS_ORIGINS`). */
export interface CorsOptions {
  /** Allowed origins (`https://app.example.com`), or `*` for any. Empty: no cross-origin access. */
  origins: readonly string[];
  /** Response headers a browser app may read. */
  exposedHeaders: readonly string[];
  methods: readonly string[];
  /** How long a browser may cache a preflight answer. */
  maxAgeSec: number;
}

/**
 * CORS as the Fetch standard defines it, with every header value computed once. Requests without
 * an `Origin` (apps, servers, curl: most traffic) get only `Vary: Origin`; an allowed origin gets
 * `Access-Control-Allow-Origin` (`*` when any origin is allowed: no credentials are involved, the
 * API authenticates with bearer tokens) and the exposed headers; a preflight (`OPTIONS` with
 * `Access-Control-Request-Method`) from an allowed origin is answered 204 whatever its path, before
 * the rate limit, authentication and any handler, allowing the API's methods and the request
 * headers it asks for. A disallowed origin gets no CORS headers: its browser refuses. The server
 * runs the step on every request, before the rate limit (`registerOptionsRoute` lets preflights
 * reach it).
 */
export function corsStep(options: CorsOptions): RequestStep {
  const anyOrigin = options.origins.includes('*');
  const allowed = new Set(options.origins);
  const exposed = options.exposedHeaders.join(', ');
  const preflight = {
    'access-control-allow-methods': options.methods.join(', '),
    'access-control-max-age': String(options.maxAgeSec),
    // The allowed headers are the ones asked for, so the answer varies with that request header.
    vary: 'Origin, Access-Control-Request-Headers',
    'content-length': '0',
  };
  return (request, reply) => {
    // The answer differs with the Origin header, so shared caches must key on it.
    void reply.header('vary', 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined || !(anyOrigin || allowed.has(origin))) return undefined;
    void reply.header('access-control-allow-origin', anyOrigin ? '*' : origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      // Whatever request headers the app sends (authorization, idempotency-key, tracing headers
      // such as tracestate or baggage) are allowed: access is decided by origin and by token.
      const asked = request.headers['access-control-request-headers'];
      if (typeof asked === 'string' && asked !== '') void reply.header('access-control-allow-headers', asked);
      void reply.code(204).headers(preflight).send();
      return ANSWERED;
    }
    void reply.header('access-control-expose-headers', exposed);
    return undefined;
  };
}

/**
 * An `OPTIONS` route for every path, so that each preflight reaches the request hook (Fastify
 * runs hooks on matched routes), where the CORS step answers it; any other OPTIONS request finds
 * nothing (404).
 */
export function registerOptionsRoute(app: FastifyInstance): void {
  app.options('*', { schema: { hide: true }, config: { rateLimit: false } }, (_request, reply) => {
    reply.callNotFound();
  });
}
