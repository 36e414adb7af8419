import { describe, expect, it } from 'vitest';
import { contextUsesFrames, currentContext, newContext, runWithContext } from '../../src/platform/context.js';

describe('request contexts', () => {
  it('continue the trace they are given with a span of their own, or start a trace', () => {
    const traceId = 'a'.repeat(32);
    const a = newContext('req-1', 'en', traceId);
    const b = newContext('req-2', 'zh-CN', traceId);
    expect(a).toMatchObject({ traceId, requestId: 'req-1', lang: 'en', idempotency: undefined });
    expect(a.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(b.spanId).not.toBe(a.spanId);

    const fresh = newContext('req-3', 'zh-CN');
    expect(fresh.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(fresh.traceId).not.toBe(newContext('req-4', 'zh-CN').traceId);
  });

  it('is what the code running in it sees, including the idempotency claim set later', async () => {
    const ctx = newContext('req-5', 'zh-CN');
    await runWithContext(ctx, async () => {
      await Promise.resolve();
      currentContext()!.idempotency = { service: 'user', keyHash: 'k', committed: false };
    });
    expect(ctx.idempotency).toEqual({ service: 'user', keyHash: 'k', committed: false });
    expect(currentContext()).toBeUndefined();
  });

  it('know whether this Node carries them without an async hook', () => {
    // CI runs on Node 20 (hooks) and Node 24 (frames); the flags that change Node's choice count.
    const major = Number(process.versions.node.split('.')[0]);
    const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
    const expected =
      major >= 24
        ? !flags.includes('--no-async-context-frame')
        : major >= 22 && flags.includes('--experimental-async-context-frame');
    expect(contextUsesFrames()).toBe(expected);
  });
});
