import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type RawReplyDefaultExpression,
  type RawRequestDefaultExpression,
  type RawServerDefault,
} from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Config } from '../config.js';
import { randomHex } from '../random.js';
import {
  contextInSpan,
  formatTraceparent,
  newContext,
  parseTraceparent,
  runWithContext,
  type RequestContext,
} from '../context.js';
import { serverSpanIds, tracingOn } from '../tracing.js';
import type { Logger } from '../log.js';
import { registerAuth, type AccessTokenVerifier } from './auth.js';
import { corsStep, registerOptionsRoute } from './cors.js';
import { MemoryRateLimitStore, RedisRateLimitStore, rateLimitStep } from './rate-limit.js';
import { registerHealth, type ReadinessCheck } from './health.js';
import { httpMetricsStep, registerMetricsRoute } from './metrics.js';
import { API_SECURITY_HEADERS, securityHeaders } from './security-headers.js';
import {
  ProblemSchema,
  clientErrorHandler,
  frameworkErrors,
  registerErrorHandling,
  requestLang,
} from './problem.js';
import { describeRoute } from './route-docs.js';
import { runSteps } from './steps.js';
import { validatorCompiler } from './validation.js';

export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

export interface HttpServerDeps {
  config: Config;
  log: Logger;
  metrics: Registry;
  redis: Redis | undefined;
  readiness: () => ReadinessCheck[];
  verifier: () => AccessTokenVerifier | undefined;
  isDraining: () => boolean;
}

/** A registered route as Fastify's route table reports it (tests check every route against it). */
export interface RouteInfo {
  method: string;
  url: string;
  schema: Record<string, unknown> | undefined;
  config: Record<string, unknown> | undefined;
  /** The route's preHandler hooks (the idempotency claim among them, when it takes keys). */
  preHandler: unknown;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteInfo[];
  }
}

const levelLoggers = new WeakMap<FastifyBaseLogger, Map<string, FastifyBaseLogger>>();

/** `logger` itself, or (once per level) a child of it with another level. */
function levelLogger(logger: FastifyBaseLogger, level: string | undefined): FastifyBaseLogger {
  if (!level || level === logger.level) return logger;
  let byLevel = levelLoggers.get(logger);
  if (!byLevel) levelLoggers.set(logger, (byLevel = new Map<string, FastifyBaseLogger>()));
  let child = byLevel.get(level);
  if (!child) byLevel.set(level, (child = logger.child({}, { level })));
  return child;
}

const REQUEST_ID_RE = /^[A-Za-z0-9._-]{1,64}$/;
const DOCS_PREFIX = '/docs';

/** Routes every app has, outside any service; excluded from the bad-input route coverage check. */
export const PLATFORM_ROUTE_PREFIXES = ['/healthz', '/readyz', '/metrics', DOCS_PREFIX, '/openapi.json'];

/** The base URL of this process's listen address; a wildcard host is reached as localhost. */
function listenUrl(config: Config): string {
  const host = ['0.0.0.0', '::', ''].includes(config.host) ? 'localhost' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}

/** The request's context: in the trace of its traceparent header (or a new one), with a span of its own. */
function contextOfHeaders(request: FastifyRequest): RequestContext {
  const parent = parseTraceparent(request.headers.traceparent);
  return newContext(String(request.id), requestLang(request), parent?.traceId);
}

/**
 * The request's context when tracing: the ids of the server span the http instrumentation made
 * (its parent is the traceparent header), so logs and events name the exported span. Requests
 * that did not come through a socket (app.inject) have no such span.
 */
function contextOfServerSpan(request: FastifyRequest): RequestContext {
  const span = serverSpanIds(request.method, request.routeOptions.url);
  return span ? contextInSpan(String(request.id), requestLang(request), span) : contextOfHeaders(request);
}

/**
 * Builds the Fastify app with everything cross-cutting: strict validation, problem+json errors,
 * request ids and W3C trace context, logging, security headers, CORS, body limits, rate limits,
 * OpenAPI 3.1 + /docs, health and metrics. Services are registered afterwards by the caller.
 */
export async function createHttpServer(deps: HttpServerDeps): Promise<App> {
  const { config, log } = deps;
  const app = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    // One access line per request is written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: config.trustProxy,
    bodyLimit: config.bodyLimitBytes,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    requestTimeout: 30_000,
    connectionTimeout: 60_000,
    keepAliveTimeout: 72_000,
    // Request logs need no per-request child logger: every line already carries the request id
    // and trace of the current request (log.ts, mixin). Fastify's default made a pino child per
    // request; routes with their own `logLevel` share one child per level.
    childLoggerFactory: (logger, bindings, opts) =>
      opts.serializers ? logger.child(bindings, opts) : levelLogger(logger, opts.level),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID_RE.test(given) ? given : randomHex(12);
    },
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: false },
    // What Node's parser and Fastify's router refuse is problem+json too (problem.ts).
    frameworkErrors: frameworkErrors(log),
    clientErrorHandler: clientErrorHandler(log),
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  const routeTable: RouteInfo[] = [];
  app.decorate('routeTable', routeTable);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routeTable.push({
        method,
        url: route.url,
        schema: route.schema as Record<string, unknown> | undefined,
        config: route.config as Record<string, unknown> | undefined,
        preHandler: route.preHandler,
      });
    }
  });
  app.addSchema(ProblemSchema);

  // Security headers on every response (computed once: see security-headers.ts): the API set on
  // JSON, helmet's document set on the HTML docs.
  const documentSecurity = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
      },
    },
    crossOriginEmbedderPolicy: false,
  });
  const cors = corsStep({
    origins: config.corsOrigins,
    exposedHeaders: ['x-request-id', 'traceparent', 'idempotent-replayed', 'retry-after'],
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    maxAgeSec: 600,
  });
  const rateLimit = rateLimitStep(app, {
    max: config.rateLimit.max,
    windowMs: config.rateLimit.windowMs,
    store: deps.redis
      ? new RedisRateLimitStore(deps.redis, `${config.redisPrefix}ratelimit:`, { log })
      : new MemoryRateLimitStore(),
  });
  const requestSteps = [cors, rateLimit];
  const recordMetrics = httpMetricsStep(deps.metrics);

  // Every request, in this order and in one hook (steps.ts): security headers, the request id and
  // the trace context for everything that happens while serving it (logs, events, calls); then,
  // within that context, CORS (which answers preflights) and the rate limit.
  // With tracing on, the context is the server span's instead (chosen once, here).
  const contextOf = tracingOn() ? contextOfServerSpan : contextOfHeaders;
  app.addHook('onRequest', (request, reply, done) => {
    void reply.headers(request.url.startsWith(DOCS_PREFIX) ? documentSecurity : API_SECURITY_HEADERS);
    const ctx = contextOf(request);
    void reply.header('x-request-id', ctx.requestId);
    void reply.header('traceparent', formatTraceparent(ctx.traceId, ctx.spanId, ctx.sampled));
    runWithContext(ctx, () => runSteps(requestSteps, request, reply, done));
  });
  // Every response: one access line, and metrics.
  app.addHook('onResponse', (request, reply, done) => {
    const level = reply.statusCode >= 500 ? 'error' : 'info';
    // request.log is pino (loggerInstance above): skip building the line when its level is off.
    if ((request.log as Logger).isLevelEnabled(level)) {
      request.log[level](
        {
          method: request.method,
          route: request.routeOptions.url,
          status: reply.statusCode,
          ms: Math.round(reply.elapsedTime * 10) / 10,
        },
        'request completed',
      );
    }
    recordMetrics(request, reply);
    done();
  });

  // Every route answers errors as problem+json, serialised by the Problem schema; the API
  // description lists each route's own codes instead (route-docs.ts).
  app.addHook('onRoute', (route) => {
    if (!route.schema || route.schema.hide) return;
    const response = (route.schema.response ??= {}) as Record<string, unknown>;
    response['4xx'] ??= { $ref: 'Problem#' };
    response['5xx'] ??= { $ref: 'Problem#' };
  });

  registerErrorHandling(app, log);
  registerAuth(app, deps.verifier, config.serviceToken);

  registerOptionsRoute(app);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Linggong API',
        version: '1',
        description:
          'Linggong (零工) gig-work platform API. Errors are application/problem+json with a stable `code`; ' +
          'messages are zh-CN by default, English with `Accept-Language: en`. Each operation lists the codes ' +
          'it may answer, by status. Requests refused before any route runs are problem+json too: ' +
          '404 `ROUTE_NOT_FOUND`, 414 `URI_TOO_LONG`, 431 `HEADERS_TOO_LARGE`, 400 `BAD_REQUEST`/`URL_MALFORMED`, ' +
          '408 `REQUEST_TIMEOUT`. Money is integer fen (分); coordinates are GCJ-02 unless a route says otherwise.',
      },
      servers: [
        config.publicUrl
          ? { url: config.publicUrl, description: 'The API (LINGGONG_PUBLIC_URL)' }
          : {
              url: listenUrl(config),
              description: 'This process, at its listen address (LINGGONG_HOST, LINGGONG_PORT)',
            },
      ],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          serviceToken: { type: 'apiKey', in: 'header', name: 'x-service-token' },
        },
      },
    },
    transform: describeRoute(),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: true });
  app.get('/openapi.json', { schema: { hide: true }, config: { rateLimit: false } }, async () =>
    app.swagger(),
  );

  registerHealth(app, deps.readiness, deps.isDraining);
  registerMetricsRoute(app, deps.metrics, config.metricsToken);
  return app;
}
