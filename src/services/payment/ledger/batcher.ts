import { newContext, runWithContext } from '../../../platform/context.js';
import { runOutsideTransaction } from '../../../platform/db/tx-context.js';
import type { Logger } from '../../../platform/log.js';
import { LedgerErrors } from './ledger.errors.js';

/** How one item of a batch ended. */
export type BatchOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/** Bounds of the group commit. */
export interface BatchOptions {
  /** Most requests in one transaction. Default 256. */
  maxBatch?: number;
  /** Most requests waiting; past it a request is refused with LEDGER_BUSY (503). Default 10,000. */
  maxQueued?: number;
  /** Batch transactions in flight at once. Default 1 (SQLite has one writer anyway). */
  concurrency?: number;
  /** Tries of one batch when it fails for a reason that may pass (a deadlock). Default 8. */
  maxAttempts?: number;
}

/** Counters since start, for metrics and benchmarks. */
export interface BatcherStats {
  /** Batch transactions committed. */
  commits: number;
  /** Requests answered by those commits (applied, replayed or refused). */
  settled: number;
  /** Batch transactions that failed and were tried again. */
  retries: number;
  /** Batches split into single requests after failing for good. */
  splits: number;
  largestBatch: number;
  queued: number;
  inFlight: number;
}

interface Entry<I, R> {
  item: I;
  resolve(value: R): void;
  reject(error: unknown): void;
}

/**
 * Group commit: requests wait in a queue while a batch is in flight, and the next batch takes all
 * of them (up to maxBatch) into one transaction, so one commit — one fsync — serves many callers.
 * Each caller is answered only once the transaction holding its request has committed.
 *
 * `run` applies a batch in one transaction and answers each item on its own. When the transaction
 * fails as a whole it is run again if `retryable` says so (with a short random pause, so competing
 * writers do not meet again); otherwise, or after the last attempt, the batch is split and each
 * request runs alone, so one request that breaks its transaction fails alone.
 */
export class GroupCommitter<I, R> {
  private readonly queue: Entry<I, R>[] = [];
  private inFlight = 0;
  private scheduled = false;
  private closed = false;
  private drained: (() => void)[] = [];
  private readonly counters = { commits: 0, settled: 0, retries: 0, splits: 0, largestBatch: 0 };
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  private readonly concurrency: number;
  private readonly maxAttempts: number;

  constructor(
    private readonly run: (items: readonly I[]) => Promise<BatchOutcome<R>[]>,
    private readonly retryable: (error: unknown) => boolean,
    options: BatchOptions = {},
    private readonly log?: Logger,
  ) {
    this.maxBatch = options.maxBatch ?? 256;
    this.maxQueued = options.maxQueued ?? 10_000;
    this.concurrency = options.concurrency ?? 1;
    this.maxAttempts = options.maxAttempts ?? 8;
  }

  /** Queues a request; settles once its batch has committed. */
  submit(item: I): Promise<R> {
    if (this.closed) return Promise.reject(LedgerErrors.LEDGER_CLOSED());
    if (this.queue.length >= this.maxQueued) return Promise.reject(LedgerErrors.LEDGER_BUSY());
    return new Promise<R>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.schedule();
    });
  }

  stats(): BatcherStats {
    return { ...this.counters, queued: this.queue.length, inFlight: this.inFlight };
  }

  /** Refuses new requests and waits until every queued one is answered. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.queue.length === 0 && this.inFlight === 0) return;
    await new Promise<void>((resolve) => this.drained.push(resolve));
  }

  private schedule(): void {
    if (this.scheduled || this.inFlight >= this.concurrency || this.queue.length === 0) return;
    this.scheduled = true;
    // After the current turn: callers answered by the last commit queue their next requests in
    // the microtasks of that turn, and all of them join this batch.
    setImmediate(() => {
      this.scheduled = false;
      this.startBatches();
    });
  }

  private startBatches(): void {
    while (this.inFlight < this.concurrency && this.queue.length > 0) {
      const batch = this.queue.splice(0, this.maxBatch);
      this.inFlight++;
      // A batch belongs to no caller: it must not run in the request context (trace ids, an
      // idempotency claim the unit of work would commit) of whichever caller happened to start it.
      void runOutsideTransaction(() =>
        runWithContext(newContext('ledger-batch', 'zh-CN'), () => this.runBatch(batch)),
      ).finally(() => {
        this.inFlight--;
        this.schedule();
        if (this.inFlight === 0 && this.queue.length === 0) {
          for (const resolve of this.drained.splice(0)) resolve();
        }
      });
    }
  }

  private async runBatch(batch: readonly Entry<I, R>[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      let outcomes: BatchOutcome<R>[];
      try {
        outcomes = await this.run(batch.map((e) => e.item));
      } catch (error) {
        if (this.retryable(error) && attempt < this.maxAttempts) {
          this.counters.retries++;
          this.log?.debug({ err: error, attempt, size: batch.length }, 'ledger batch retried');
          // Up to 2, 4, 8 … 64 ms, at random: writers that collided are unlikely to collide again.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 ** Math.min(attempt, 6)));
          continue;
        }
        if (batch.length > 1) {
          this.counters.splits++;
          this.log?.warn(
            { err: error, size: batch.length },
            'ledger batch failed; applying its requests one by one',
          );
          for (const entry of batch) await this.runBatch([entry]);
          return;
        }
        batch[0]!.reject(error);
        return;
      }
      this.counters.commits++;
      this.counters.settled += batch.length;
      this.counters.largestBatch = Math.max(this.counters.largestBatch, batch.length);
      for (const [i, entry] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) entry.resolve(outcome.value);
        else entry.reject(outcome.error);
      }
      return;
    }
  }
}
