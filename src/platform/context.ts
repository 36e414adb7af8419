import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex } from './random.js';

/**
 * Per-request (or per-job) context carried through async calls: trace ids for logs and outgoing
 * calls, the caller, the language, and the idempotency claim of the request if it has one.
 */
export interface RequestContext {
  traceId: string;
  spanId: string;
  /** The trace's sampled flag: false only when tracing is on and its sampler left the trace out. */
  readonly sampled: boolean;
  requestId: string;
  lang: Lang;
  /** Set by the idempotency middleware; the unit of work stores the result in its transaction. */
  idempotency?: IdempotencyClaim;
}

export type Lang = 'zh-CN' | 'en';

export interface IdempotencyClaim {
  service: string;
  keyHash: string;
  /** Set by the unit of work once the change and the claim committed together. */
  committed: boolean;
}

/**
 * Contexts are made by a constructor, never as object literals: once a stretch of slow requests
 * kept many literal contexts alive, V8 allocated every later one in the old generation, where it
 * kept its ids alive until a full collection (docs/benchmarks.md, "Request contexts and V8's
 * pretenuring").
 */
class Context implements RequestContext {
  idempotency: IdempotencyClaim | undefined = undefined;
  constructor(
    readonly traceId: string,
    readonly spanId: string,
    readonly requestId: string,
    readonly lang: Lang,
  ) {}

  /** Without tracing nothing samples, and a traceparent says sampled, as it always did. */
  get sampled(): boolean {
    return true;
  }
}

/** A context in a span of OpenTelemetry's, which made the sampling decision (tracing.ts). */
class TracedContext extends Context {
  private readonly traceSampled: boolean;
  constructor(span: SpanIds, requestId: string, lang: Lang) {
    super(span.traceId, span.spanId, requestId, lang);
    this.traceSampled = span.sampled;
  }
  override get sampled(): boolean {
    return this.traceSampled;
  }
}

/** A context with a new span, in the trace `traceId` (a new trace when not given). */
export function newContext(requestId: string, lang: Lang, traceId: string = newTraceId()): RequestContext {
  return new Context(traceId, newSpanId(), requestId, lang);
}

/** The trace and span a context belongs to, and whether the trace is sampled. */
export interface SpanIds {
  traceId: string;
  spanId: string;
  sampled: boolean;
}

/** A context in a span that tracing made (tracing.ts): its ids are the exported span's. */
export function contextInSpan(requestId: string, lang: Lang, span: SpanIds): RequestContext {
  return new TracedContext(span, requestId, lang);
}

const requestStorage = new AsyncLocalStorage<RequestContext>();

export function currentContext(): RequestContext | undefined {
  return requestStorage.getStore();
}

export function runWithContext<T>(ctx: RequestContext, fn: () => T): T {
  return requestStorage.run(ctx, fn);
}

/**
 * Whether this process's `AsyncLocalStorage` is built on `AsyncContextFrame`: so on Node 24 and
 * later unless started with `--no-async-context-frame`, on Node 22 and 23 only with
 * `--experimental-async-context-frame`. Without it (Node 20), entering a context enables an async
 * hook that runs for every async resource the process makes from then on (docs/benchmarks.md, "The
 * request context on Node 20, and on Node 24").
 * Read off the class Node chose, whatever flags or NODE_OPTIONS chose it: the hook-based one
 * propagates the store to each new resource (`_propagate`), the frame-based one has no such step.
 */
export function contextUsesFrames(): boolean {
  return !('_propagate' in AsyncLocalStorage.prototype);
}

export function newTraceId(): string {
  return randomHex(16);
}

export function newSpanId(): string {
  return randomHex(8);
}

const TRACEPARENT_RE = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Parses a W3C traceparent header; returns undefined for anything malformed or all-zero. */
export function parseTraceparent(
  header: unknown,
): { traceId: string; parentSpanId: string; sampled: boolean } | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT_RE.exec(header.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, parentSpanId: m[2]!, sampled: (parseInt(m[3]!, 16) & 1) === 1 };
}

export function formatTraceparent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}
