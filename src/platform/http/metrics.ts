import type { FastifyInstance } from 'fastify';
import { Gauge, Registry, collectDefaultMetrics, type Metric } from 'prom-client';
import { PlatformErrors } from '../errors.js';
import type { ResponseStep } from './steps.js';

/** Prometheus metrics: request count and latency by route and status, plus process metrics. */
export function createMetricsRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'linggong_' });
  return registry;
}

/**
 * A gauge computed when /metrics is scraped: `read` answers its value by one label (a service, a
 * queue); a label it leaves out is absent from the scrape, not zero.
 */
export function scrapedGauge(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: () => Promise<Record<string, number>>,
): Gauge {
  return new Gauge({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    async collect() {
      const values = await read();
      this.reset();
      for (const [k, v] of Object.entries(values)) this.set({ [label]: k }, v);
    },
  });
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** One (method, route, status) series: its count, its sum and its (non-cumulative) bucket counts. */
interface Series {
  labels: { method: string; route: string; status: string };
  count: number;
  sum: number;
  buckets: Float64Array;
}

/**
 * HTTP request metrics: `linggong_http_requests_total` (counter) and
 * `linggong_http_request_duration_seconds` (histogram), by method, route template (never the raw
 * URL: unbounded cardinality) and status. A response adds to plain numbers in its series (found by
 * one Map lookup); prom-client reads them only when /metrics is scraped, so no label hashing or
 * validation happens per request. Answers the step that counts a response (the server runs it).
 */
export function httpMetricsStep(registry: Registry): ResponseStep {
  const series = new Map<string, Series>();
  const requestsName = 'linggong_http_requests_total';
  const durationName = 'linggong_http_request_duration_seconds';
  // Registered as prom-client metric objects (name, help, type, get, reset); the registry writes
  // them in the Prometheus text format like its own counters and histograms.
  const register = (
    name: string,
    help: string,
    type: 'counter' | 'histogram',
    values: () => { labels: object; value: number; metricName?: string }[],
  ) =>
    registry.registerMetric({
      name,
      help,
      type,
      reset: () => series.clear(),
      get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    } as unknown as Metric);
  register(requestsName, 'HTTP requests by method, route and status', 'counter', () =>
    [...series.values()].map((s) => ({ labels: s.labels, value: s.count })),
  );
  register(durationName, 'HTTP request latency by method, route and status', 'histogram', () =>
    [...series.values()].flatMap((s) => {
      let cumulative = 0;
      return [
        ...DURATION_BUCKETS.map((le, i) => ({
          labels: { ...s.labels, le },
          value: (cumulative += s.buckets[i]!),
          metricName: `${durationName}_bucket`,
        })),
        { labels: { ...s.labels, le: '+Inf' }, value: s.count, metricName: `${durationName}_bucket` },
        { labels: s.labels, value: s.sum, metricName: `${durationName}_sum` },
        { labels: s.labels, value: s.count, metricName: `${durationName}_count` },
      ];
    }),
  );
  return (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const key = `${request.method} ${reply.statusCode} ${route}`;
    let s = series.get(key);
    if (!s) {
      s = {
        labels: { method: request.method, route, status: String(reply.statusCode) },
        count: 0,
        sum: 0,
        buckets: new Float64Array(DURATION_BUCKETS.length),
      };
      series.set(key, s);
    }
    const seconds = reply.elapsedTime / 1000;
    s.count++;
    s.sum += seconds;
    for (let i = 0; i < DURATION_BUCKETS.length; i++) {
      if (seconds <= DURATION_BUCKETS[i]!) {
        s.buckets[i]!++;
        break;
      }
    }
  };
}

/** `/metrics` in the Prometheus text format, behind `LINGGONG_METRICS_TOKEN` when it is set. */
export function registerMetricsRoute(
  app: FastifyInstance,
  registry: Registry,
  token: string | undefined,
): void {
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
