import { readFileSync } from 'node:fs';
import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
  type Attributes,
  type Span,
  type SpanContext,
  type Tracer,
} from '@opentelemetry/api';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { createConfigReader } from './config/reader.js';
import { parseTraceparent, type SpanIds } from './context.js';

/**
 * OpenTelemetry tracing, off unless LINGGONG_TRACING_OTLP_URL is set. When on, spans of incoming
 * and outgoing HTTP (the http and undici instrumentations), event consumers and workflow steps go
 * to an OTLP/HTTP receiver (JSON encoding), and request contexts take their ids from the active
 * span, so logs, the outbox's traceparent and answers name the exported spans.
 *
 * The variables are read from the environment when the process starts: the SDK must patch `http`
 * before Fastify loads it, so bin/linggong.mjs starts tracing before it imports anything else.
 * Off, nothing is installed: the SDK is never even loaded, and the request path does no tracing
 * work (its choices are made once, when the server and clients are built).
 * The variables are declared in config/variables.ts and checked by loadConfig.
 */
export interface TracingSettings {
  otlpUrl: string | undefined;
  sampleRatio: number;
}

/** The tracing variables, and what is wrong with them (loadConfig reports it at start). */
export function readTracingSettings(env: Readonly<Record<string, string | undefined>>): {
  settings: TracingSettings;
  problems: string[];
} {
  const problems: string[] = [];
  const read = createConfigReader(env, problems);
  const otlpUrl = read.get('LINGGONG_TRACING_OTLP_URL');
  if (otlpUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(otlpUrl))
    problems.push(
      'LINGGONG_TRACING_OTLP_URL: must be an http(s) URL, e.g. http://otel-collector:4318/v1/traces',
    );
  const ratioText = read.get('LINGGONG_TRACING_SAMPLE_RATIO');
  const ratio = ratioText === undefined ? 1 : Number(ratioText);
  if (!(ratio >= 0 && ratio <= 1))
    problems.push(`LINGGONG_TRACING_SAMPLE_RATIO=${ratioText}: must be a number from 0 to 1`);
  return { settings: { otlpUrl, sampleRatio: ratio >= 0 && ratio <= 1 ? ratio : 1 }, problems };
}

export interface StartTracingOptions {
  /** Where the variables come from: the process's environment as it started (bin/linggong.mjs). */
  env: Readonly<Record<string, string | undefined>>;
  /** The services this process serves, for service.name; none given means all of them. */
  services?: readonly string[] | undefined;
  /** Exports spans here instead of to LINGGONG_TRACING_OTLP_URL (tests export to memory). */
  exporter?: SpanExporter;
  /** After SIGTERM or SIGINT, the process's exit waits (at most 3 s) for the last spans to go out. */
}

interface Started {
  tracer: Tracer;
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

let started: Started | undefined;

/** Whether this process traces; read once where a per-request choice can be made ahead. */
export function tracingOn(): boolean {
  return started !== undefined;
}

/** service.name of a process serving `services`: linggong-user+job, or linggong-all. */
export function tracingServiceName(services: readonly string[] | undefined): string {
  return `linggong-${services && services.length > 0 ? services.join('+') : 'all'}`;
}

/**
 * Starts the OpenTelemetry SDK when LINGGONG_TRACING_OTLP_URL is set (or an exporter is given) and
 * the tracing variables are valid; otherwise does nothing and returns false. Call it before
 * anything imports `http` (bin/linggong.mjs does): the http instrumentation patches the module.
 */
export async function startTracing(options: StartTracingOptions): Promise<boolean> {
  if (started) return true;
  const { settings, problems } = readTracingSettings(options.env);
  // Bad values stop the start in loadConfig, which reports them with every other problem.
  if (problems.length > 0 || (settings.otlpUrl === undefined && options.exporter === undefined)) return false;

  const [{ NodeSDK }, { HttpInstrumentation }, { UndiciInstrumentation }, base, resources, semconv] =
    await Promise.all([
      import('@opentelemetry/sdk-node'),
      import('@opentelemetry/instrumentation-http'),
      import('@opentelemetry/instrumentation-undici'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/resources'),
      import('@opentelemetry/semantic-conventions'),
    ]);
  const exporter =
    options.exporter ??
    new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({
      url: settings.otlpUrl,
    });
  const serviceName = tracingServiceName(options.services);
  const processor = new base.BatchSpanProcessor(exporter, { scheduledDelayMillis: 1000 });
  const sdk = new NodeSDK({
    serviceName,
    resource: resources.resourceFromAttributes({
      [semconv.ATTR_SERVICE_NAME]: serviceName,
      [semconv.ATTR_SERVICE_VERSION]: packageVersion(),
      // deployment.environment.name (semantic conventions, incubating).
      'deployment.environment.name': options.env.LINGGONG_ENV?.trim() || 'development',
    }),
    // New traces, and those a caller sent unsampled (nginx starts every trace unsampled), are kept
    // by the trace id's ratio, which every service computes alike; a sampled parent is followed.
    sampler: new base.ParentBasedSampler({
      root: new base.TraceIdRatioBasedSampler(settings.sampleRatio),
      remoteParentNotSampled: new base.TraceIdRatioBasedSampler(settings.sampleRatio),
    }),
    spanProcessors: [processor],
    // Traces only: no metric readers or log processors from OTEL_* defaults.
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({ ignoreIncomingRequestHook: (req) => isProbe(req.url) }),
      new UndiciInstrumentation(),
    ],
  });
  sdk.start();
  started = {
    tracer: trace.getTracer('linggong', packageVersion()),
    flush: () => processor.forceFlush(),
    shutdown: () => sdk.shutdown(),
  };
  return true;
}

/** Exports every span ended so far (tests read the exporter afterwards). */
export async function flushTracing(): Promise<void> {
  await started?.flush();
}

/** Flushes and stops the SDK; a later startTracing starts it again. */
export async function stopTracing(): Promise<void> {
  const s = started;
  started = undefined;
  await s?.shutdown();
}

/** Health, readiness and metrics probes come every few seconds and say nothing about a request. */
function isProbe(url: string | undefined): boolean {
  const path = url?.split('?', 1)[0];
  return path === '/healthz' || path === '/readyz' || path === '/metrics';
}

function packageVersion(): string {
  // Two levels up from src/platform and from dist/platform alike.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return pkg.version;
}

function spanIdsOf(span: Span): SpanIds {
  const c = span.spanContext();
  return { traceId: c.traceId, spanId: c.spanId, sampled: (c.traceFlags & TraceFlags.SAMPLED) !== 0 };
}

/**
 * The ids of the HTTP server span serving this request (the http instrumentation made it and it is
 * active in the request hook), named after the route; undefined when there is none (app.inject).
 */
export function serverSpanIds(method: string, route: string | undefined): SpanIds | undefined {
  const span = trace.getActiveSpan();
  if (!span || (span as unknown as { kind?: SpanKind }).kind !== SpanKind.SERVER) return undefined;
  if (route) {
    span.updateName(`${method} ${route}`);
    span.setAttribute('http.route', route);
  }
  return spanIdsOf(span);
}

/** The producer's span as the parent of work done for it, or a new trace without one. */
function remoteParent(traceparent: string | null): ReturnType<typeof trace.setSpanContext> {
  const parsed = parseTraceparent(traceparent);
  if (!parsed) return ROOT_CONTEXT;
  const spanContext: SpanContext = {
    traceId: parsed.traceId,
    spanId: parsed.parentSpanId,
    traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
  };
  return trace.setSpanContext(ROOT_CONTEXT, spanContext);
}

/** Runs `fn` in `span` made active, ending the span with the outcome. */
async function inSpan<T>(span: Span, fn: (ids: SpanIds) => Promise<T>): Promise<T> {
  try {
    return await fn(spanIdsOf(span));
  } catch (e) {
    span.recordException(e as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (e as Error)?.message });
    throw e;
  } finally {
    span.end();
  }
}

/**
 * Runs a consumer's handling of one event in a CONSUMER span whose parent is the span that
 * published it (the event's traceparent): the queue hop of the producing request's trace.
 * Without tracing, runs `fn` with no ids.
 */
export function inConsumerSpan<T>(
  consumer: string,
  event: { id: string; type: string; traceparent: string | null },
  fn: (ids: SpanIds | undefined) => Promise<T>,
): Promise<T> {
  if (!started) return fn(undefined);
  const attributes: Attributes = {
    'messaging.system': 'linggong',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': event.type,
    'messaging.consumer.group.name': consumer,
    'messaging.message.id': event.id,
  };
  return started.tracer.startActiveSpan(
    `${consumer} process`,
    { kind: SpanKind.CONSUMER, attributes },
    remoteParent(event.traceparent),
    (span) => inSpan(span, fn),
  );
}

/** Runs `fn` in an INTERNAL span child of the active one (workflow steps); just `fn` without tracing. */
export function inInternalSpan<T>(name: string, attributes: Attributes, fn: () => Promise<T>): Promise<T> {
  if (!started) return fn();
  return started.tracer.startActiveSpan(name, { kind: SpanKind.INTERNAL, attributes }, (span) =>
    inSpan(span, () => fn()),
  );
}
