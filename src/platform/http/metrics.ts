import type { FastifyInstance } from 'fastify';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { PlatformErrors } from '../errors.js';

/** Prometheus metrics: request count and latency by route and status, plus process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'linggong_' });
  return registry;
}

export function registerMetrics(app: FastifyInstance, registry: Registry, token: string | undefined): void {
  const requests = new Counter({
    name: 'linggong_http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'linggong_http_request_duration_seconds',
    help: 'HTTP request latency by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  // One label set per (method, route, status), made once: label by route template, never by raw
  // URL (unbounded cardinality). A plain callback hook: no promise per request.
  const labelSets = new Map<string, { method: string; route: string; status: string }>();
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let labels = labelSets.get(key);
    if (!labels) {
      labels = { method: request.method, route, status: String(reply.statusCode) };
      labelSets.set(key, labels);
    }
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    done();
  });
  app.get(
    '/metrics',
    { schema: { hide: true }, config: { rateLimit: false }, logLevel: 'warn' },
    async (request, reply) => {
      if (token && request.headers.authorization !== `Bearer ${token}`)
        throw PlatformErrors.UNAUTHENTICATED();
      return reply.type(registry.contentType).send(await registry.metrics());
    },
  );
}
