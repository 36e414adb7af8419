import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';

/** What a request step answers when it has sent the reply itself (a CORS preflight). */
export const ANSWERED = Symbol('answered');

/**
 * A cross-cutting step of every request (CORS, the rate limit): `undefined` to go on, an error to
 * answer with (problem+json), or ANSWERED once it has sent the reply. The HTTP server runs the
 * platform's steps in one `onRequest` hook, in an order it states (server.ts), rather than one
 * hook each, since Fastify dispatches every hook on its own (docs/benchmarks.md, "One hook each
 * way").
 */
export type RequestStep = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Error | typeof ANSWERED | undefined;

/** A step of every finished response (metrics), run by the server's one `onResponse` hook. */
export type ResponseStep = (request: FastifyRequest, reply: FastifyReply) => void;

/**
 * Runs `steps` in order until one refuses the request or answers it, then calls `done` with the
 * refusal (or with nothing) unless a step answered. A step that throws refuses with what it threw,
 * still here, in the caller's request context.
 */
export function runSteps(
  steps: readonly RequestStep[],
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  let outcome: ReturnType<RequestStep>;
  try {
    for (const step of steps) {
      outcome = step(request, reply);
      if (outcome !== undefined) break;
    }
  } catch (e) {
    outcome = e instanceof Error ? e : new Error(String(e));
  }
  if (outcome !== ANSWERED) done(outcome);
}
