import { currentContext, formatTraceparent, newSpanId } from './context.js';
import { AppError, PlatformErrors } from './errors.js';
import type { Clock } from './clock.js';
import { assertNoTransaction } from './db/service-database.js';
import type { Logger } from './log.js';
import { tracingOn } from './tracing.js';

/**
 * HTTP client for calls between services in the split topology: a timeout on every call, retries
 * with backoff for idempotent methods only, a circuit breaker per target, the service token, and
 * W3C trace context so the callee's logs carry the caller's trace id.
 */
export interface ServiceHttpClientOptions {
  baseUrl: string;
  serviceToken: string;
  clock: Clock;
  log: Logger;
  timeoutMs?: number;
  retries?: number;
  /** Consecutive failures that open the circuit, and how long it stays open. */
  breaker?: { failures: number; openMs: number };
  fetch?: typeof fetch;
}

export interface ServiceHttpClient {
  request<T>(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
}

export function createServiceHttpClient(options: ServiceHttpClientOptions): ServiceHttpClient {
  const timeoutMs = options.timeoutMs ?? 2000;
  const retries = options.retries ?? 2;
  const breaker = options.breaker ?? { failures: 5, openMs: 10_000 };
  const doFetch = options.fetch ?? fetch;
  // With tracing on, the undici instrumentation sends the traceparent of the call's client span;
  // a second one of ours would contradict it. Another fetch than Node's is not instrumented.
  const sendTraceparent = options.fetch !== undefined || !tracingOn();
  let consecutiveFailures = 0;
  let openUntil = 0;

  async function once(method: string, path: string, body: unknown): Promise<Response> {
    const ctx = currentContext();
    const headers: Record<string, string> = {
      'x-service-token': options.serviceToken,
      accept: 'application/json',
      'accept-language': ctx?.lang ?? 'zh-CN',
    };
    if (ctx) {
      if (sendTraceparent) headers.traceparent = formatTraceparent(ctx.traceId, newSpanId(), ctx.sampled);
      headers['x-request-id'] = ctx.requestId;
    }
    if (body !== undefined) headers['content-type'] = 'application/json';
    return doFetch(`${options.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  }

  return {
    async request<T>(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) {
      assertNoTransaction(`HTTP call ${method} ${path}`);
      if (options.clock.now() < openUntil) throw unavailable(`circuit open for ${options.baseUrl}`);
      const idempotent = method === 'GET' || method === 'PUT' || method === 'DELETE';
      let lastError: unknown;
      for (let attempt = 0; attempt <= (idempotent ? retries : 0); attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random()));
        try {
          const res = await once(method, path, body);
          if (res.status >= 500 || res.status === 429) {
            lastError = new Error(`${method} ${path} answered ${res.status}`);
            await res.body?.cancel();
            continue;
          }
          consecutiveFailures = 0;
          const text = await res.text();
          const parsed = (text ? JSON.parse(text) : null) as T;
          if (res.status >= 400) throw remoteError(res.status, parsed);
          return { status: res.status, body: parsed };
        } catch (e) {
          if (e instanceof AppError) throw e;
          lastError = e;
        }
      }
      consecutiveFailures++;
      if (consecutiveFailures >= breaker.failures) {
        openUntil = options.clock.now() + breaker.openMs;
        options.log.warn({ target: options.baseUrl }, 'circuit opened after consecutive failures');
      }
      options.log.warn({ err: lastError, target: options.baseUrl, path }, 'service call failed');
      throw unavailable(String((lastError as Error)?.message ?? lastError));
    },
  };
}

function unavailable(reason: string): AppError {
  return PlatformErrors.SERVICE_UNAVAILABLE({}, { data: { reason } });
}

/** Re-raises the callee's problem+json as the same AppError code and status. */
function remoteError(status: number, body: unknown): AppError {
  const p = body as { code?: string; detail?: string } | null;
  return new AppError(p?.code ?? 'REMOTE_ERROR', status, {
    'zh-CN': p?.detail ?? '远程服务返回错误',
    en: p?.detail ?? 'The remote service answered with an error',
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
