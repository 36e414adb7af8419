import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex } from './random.js';

/**
 * Per-request (or per-job) context carried through async calls: trace ids for logs and outgoing
 * calls, the caller, the language, and the idempotency claim of the request if it has one.
 */
export interface RequestContext {
  traceId: string;
  spanId: string;
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
}

/** A context with a new span, in the trace `traceId` (a new trace when not given). */
export function newContext(requestId: string, lang: Lang, traceId: string = newTraceId()): RequestContext {
  return new Context(traceId, newSpanId(), requestId, lang);
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
export function parseTraceparent(header: unknown): { traceId: string; parentSpanId: string } | undefined {
  if (typeof header !== 'string') return undefined;
  const m = TRACEPARENT_RE.exec(header.trim().toLowerCase());
  if (!m || /^0+$/.test(m[1]!) || /^0+$/.test(m[2]!)) return undefined;
  return { traceId: m[1]!, parentSpanId: m[2]! };
}

export function formatTraceparent(traceId: string, spanId: string): string {
  return `00-${traceId}-${spanId}-01`;
}
