import type { FastifyReply, FastifyRequest } from 'fastify';
import { describe, expect, it } from 'vitest';
import { currentContext, newContext, runWithContext } from '../context.js';
import { ANSWERED, runSteps, type RequestStep } from './steps.js';

// runSteps only hands these to the steps, which here do not look at them.
const request = {} as FastifyRequest;
const reply = {} as FastifyReply;

/** Runs `steps` and reports which ran and how `done` was called (not at all: `'not called'`). */
function run(steps: [string, ReturnType<RequestStep>][]) {
  const ran: string[] = [];
  let done: unknown[] | 'not called' = 'not called';
  runSteps(
    steps.map(([name, outcome]) => () => {
      ran.push(name);
      return outcome;
    }),
    request,
    reply,
    (...args: unknown[]) => (done = args),
  );
  return { ran, done };
}

describe('runSteps', () => {
  it('runs every step in order and then goes on', () => {
    const { ran, done } = run([
      ['cors', undefined],
      ['rate limit', undefined],
    ]);
    expect(ran).toEqual(['cors', 'rate limit']);
    expect(done).toEqual([undefined]);
  });

  it('stops at a refusal and answers with it', () => {
    const refusal = new Error('refused');
    const { ran, done } = run([
      ['cors', refusal],
      ['rate limit', undefined],
    ]);
    expect(ran).toEqual(['cors']);
    expect(done).toEqual([refusal]);
  });

  it('stops at a step that answered, without calling done', () => {
    const { ran, done } = run([
      ['cors', ANSWERED],
      ['rate limit', undefined],
    ]);
    expect(ran).toEqual(['cors']);
    expect(done).toBe('not called');
  });

  it('turns a step that throws into a refusal, still in the request context', () => {
    const ctx = newContext('req-1', 'en');
    let seen: { error: unknown; requestId: string | undefined } | undefined;
    runWithContext(ctx, () =>
      runSteps(
        [
          () => {
            throw new Error('store down');
          },
        ],
        request,
        reply,
        (error?: unknown) => (seen = { error, requestId: currentContext()?.requestId }),
      ),
    );
    expect((seen?.error as Error).message).toBe('store down');
    expect(seen?.requestId).toBe('req-1');
  });
});
