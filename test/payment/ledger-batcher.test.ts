import { describe, expect, it } from 'vitest';
import { currentContext, newContext, runWithContext } from '../../src/platform/context.js';
import { GroupCommitter, type BatchOutcome } from '../../src/services/payment/ledger/batcher.js';

/** The group commit on its own, with a fake transaction: batching, retries, splits, bounds. */
describe('ledger group commit', () => {
  /** A fake `run` that records its batches and answers each item with itself doubled. */
  function recorder(fail: (items: readonly number[], call: number) => Error | undefined = () => undefined) {
    const batches: number[][] = [];
    const run = async (items: readonly number[]): Promise<BatchOutcome<number>[]> => {
      batches.push([...items]);
      await new Promise((r) => setTimeout(r, 2));
      const error = fail(items, batches.length);
      if (error) throw error;
      return items.map((i) =>
        i < 0 ? { ok: false, error: new Error(`refused ${i}`) } : { ok: true, value: i * 2 },
      );
    };
    return { batches, run };
  }
  const retryable = (e: unknown) => (e as { retry?: boolean }).retry === true;
  /** An error the committer may try again after (as a deadlock would be). */
  const passing = (message: string) => Object.assign(new Error(message), { retry: true });

  it('puts requests made while a batch is in flight into the next one, up to maxBatch', async () => {
    const { batches, run } = recorder();
    const committer = new GroupCommitter(run, retryable, { maxBatch: 10 });
    const answers = await Promise.all(Array.from({ length: 25 }, (_, i) => committer.submit(i)));
    expect(answers).toEqual(Array.from({ length: 25 }, (_, i) => i * 2));
    expect(batches.map((b) => b.length)).toEqual([10, 10, 5]);
    expect(committer.stats()).toMatchObject({
      commits: 3,
      settled: 25,
      largestBatch: 10,
      queued: 0,
      inFlight: 0,
    });
  });

  it('answers a refused request with its error and the others with their results', async () => {
    const { run } = recorder();
    const committer = new GroupCommitter(run, retryable);
    const results = await Promise.allSettled([
      committer.submit(1),
      committer.submit(-1),
      committer.submit(3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
  });

  it('runs a batch again after a failure that may pass', async () => {
    const { batches, run } = recorder((_, call) => (call <= 2 ? passing('deadlock') : undefined));
    const committer = new GroupCommitter(run, retryable);
    expect(await Promise.all([committer.submit(1), committer.submit(2)])).toEqual([2, 4]);
    expect(batches).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
    expect(committer.stats()).toMatchObject({ commits: 1, retries: 2, splits: 0 });
  });

  it('splits a batch that keeps failing, so that only the request that breaks it fails', async () => {
    const poison = new Error('breaks the transaction');
    const { batches, run } = recorder((items) => (items.includes(13) ? poison : undefined));
    const committer = new GroupCommitter(run, retryable, { maxAttempts: 3 });
    const results = await Promise.allSettled([1, 13, 5].map((i) => committer.submit(i)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: poison },
      { status: 'fulfilled', value: 10 },
    ]);
    // Not retryable: no second try of the whole batch, one try of each request alone.
    expect(batches).toEqual([[1, 13, 5], [1], [13], [5]]);
    expect(committer.stats()).toMatchObject({ splits: 1, retries: 0 });
  });

  it('gives up after maxAttempts on a failure that keeps coming back', async () => {
    const stuck = passing('deadlock again');
    const { batches, run } = recorder(() => stuck);
    const committer = new GroupCommitter(run, retryable, { maxAttempts: 3 });
    await expect(committer.submit(1)).rejects.toBe(stuck);
    expect(batches).toHaveLength(3);
  });

  it('refuses past maxQueued (LEDGER_BUSY), and after close (LEDGER_CLOSED) once the queue is done', async () => {
    const { run } = recorder();
    const committer = new GroupCommitter(run, retryable, { maxQueued: 3 });
    const accepted = [1, 2, 3].map((i) => committer.submit(i));
    await expect(committer.submit(4)).rejects.toMatchObject({ code: 'LEDGER_BUSY', status: 503 });
    const closed = committer.close();
    await expect(committer.submit(5)).rejects.toMatchObject({ code: 'LEDGER_CLOSED' });
    await closed;
    expect(await Promise.all(accepted)).toEqual([2, 4, 6]);
  });

  it('runs batches outside the request context of the caller that started them', async () => {
    const seen: unknown[] = [];
    const committer = new GroupCommitter(async (items: readonly number[]) => {
      seen.push(currentContext());
      return items.map((i) => ({ ok: true as const, value: i }));
    }, retryable);
    const caller = newContext('req-1', 'en');
    caller.idempotency = { service: 'payment', keyHash: 'k', committed: false };
    await runWithContext(caller, () => committer.submit(1));
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeDefined();
    expect(seen[0]).not.toBe(caller);
    expect((seen[0] as { idempotency?: unknown }).idempotency).toBeUndefined();
  });
});
