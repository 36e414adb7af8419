import type { Worker } from 'node:worker_threads';
import type { ProcessLock } from '../../platform/db/process-lock.js';
import type { Logger } from '../../platform/log.js';
import { startModuleWorker } from '../../platform/threads.js';
import { EmbeddedSearchIndex } from './embedded-index.js';
import { SearchEngineError, type SearchEngineErrorCode } from './engine/types.js';
import {
  SearchUnavailableError,
  type RenderedSearchResult,
  type SearchIndex,
  type SearchJobDoc,
  type SearchQuery,
  type SearchResult,
  type WriteOptions,
} from './search.port.js';

/** A call the main thread makes of the search thread. */
export type ThreadCall = { id: number } & (
  | { op: 'search'; query: SearchQuery }
  | { op: 'searchRendered'; query: SearchQuery }
  | { op: 'upsert'; doc: SearchJobDoc; options: WriteOptions }
  | { op: 'remove'; jobId: string; version: number; removedAt: number; options: WriteOptions }
  | { op: 'sync' }
  | { op: 'status' }
  | { op: 'maintain' }
  | { op: 'pruneTombstones'; before: number }
  | { op: 'rebuild' }
  | { op: 'close' }
);

export interface WireError {
  name: string;
  message: string;
  stack?: string;
  code?: SearchEngineErrorCode;
  reason?: string;
  kind?: 'reindex' | 'unreachable';
}

export type ToThread =
  | (ThreadCall & { type?: never })
  /** The next documents of rebuild `id` (null: there are no more), or why reading them failed. */
  | { type: 'batch'; id: number; docs: SearchJobDoc[] | null; error?: WireError };

export type FromThread =
  | { type: 'ready' }
  | { type: 'failed'; error: WireError }
  | { type: 'result'; id: number; value: unknown }
  | { type: 'error'; id: number; error: WireError }
  | { type: 'log'; level: 'info' | 'error'; fields: object; message: string }
  | { type: 'pull'; id: number }
  | { type: 'progress'; id: number; phase: string; documents: number };

/** Documents sent to the search thread per message during a rebuild. */
const REBUILD_BATCH = 500;
/** How long after the search thread stopped calls fail at once before one starts a new thread. */
const RESTART_DELAY_MS = 2000;

type Op = ThreadCall['op'];
type Args<O extends Op> = Omit<Extract<ThreadCall, { op: O }>, 'id' | 'op'>;

interface Pending {
  resolve(value: unknown): void;
  reject(e: Error): void;
  /** A rebuild's source of documents and progress callback. */
  docs?: AsyncIterator<SearchJobDoc>;
  onProgress?: (progress: { phase: string; documents: number }) => void;
}

function fromWire(w: WireError): Error {
  if (w.name === 'SearchUnavailableError') return new SearchUnavailableError(w.reason ?? w.message, w.kind);
  if (w.name === 'SearchEngineError' && w.code) return new SearchEngineError(w.code, w.message);
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/**
 * The embedded index served from its own thread (search-thread.ts): the main thread keeps HTTP,
 * events and everything else, and a query, an fsync or a compaction runs on the other core. This
 * object is the SearchIndex the service uses; it takes the directory's process lock at once (a
 * second process fails at start, as before) and opens the index in the thread, so start-up does
 * not wait for a large index to load: calls made meanwhile wait for it.
 *
 * If the thread dies (a crash, out of memory), the calls in flight fail with 503
 * SEARCH_UNAVAILABLE and the next call starts a new thread, which reopens the index from disk:
 * every change it had acknowledged is in the change log there (written at once; fsynced at once,
 * or by the `sync()` that a `durable: false` change waits for, which then fails instead).
 */
export class ThreadedSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  private closed = false;
  /** After the thread stopped: why, and when a call may start a new one (performance.now() ms). */
  private stopped: { error: Error; retryAt: number } | null = null;

  private constructor(
    private readonly dir: string,
    private readonly lock: ProcessLock,
    private readonly log: Logger,
    /** The business time zone the thread renders cards' instants in. */
    private readonly timeZone: string,
    private readonly restartDelayMs: number,
  ) {}

  /**
   * Takes the index directory's lock (DatabaseLockedError if another process has it) and starts
   * the thread.
   */
  static open(
    dir: string,
    log: Logger,
    options: { timeZone: string; restartDelayMs?: number },
  ): ThreadedSearchIndex {
    const index = new ThreadedSearchIndex(
      dir,
      EmbeddedSearchIndex.lock(dir),
      log,
      options.timeZone,
      options.restartDelayMs ?? RESTART_DELAY_MS,
    );
    index.start();
    return index;
  }

  upsert(doc: SearchJobDoc, options: WriteOptions = {}): Promise<'inserted' | 'updated' | 'stale'> {
    return this.call('upsert', { doc, options });
  }

  remove(
    jobId: string,
    version: number,
    removedAt: number,
    options: WriteOptions = {},
  ): Promise<'removed' | 'absent' | 'stale'> {
    return this.call('remove', { jobId, version, removedAt, options });
  }

  sync(): Promise<void> {
    return this.call('sync', {});
  }

  search(query: SearchQuery): Promise<SearchResult> {
    return this.call('search', { query });
  }

  /** The search with its cards rendered in the thread: one string crosses instead of the hits. */
  searchRendered(query: SearchQuery): Promise<RenderedSearchResult> {
    return this.call('searchRendered', { query });
  }

  rebuild(
    docs: AsyncIterable<SearchJobDoc>,
    onProgress?: (progress: { phase: string; documents: number }) => void,
  ): Promise<{ documents: number }> {
    return this.call(
      'rebuild',
      {},
      { docs: docs[Symbol.asyncIterator](), ...(onProgress ? { onProgress } : {}) },
    );
  }

  status(): Promise<{ documents: number; analyzerVersion: string; needsReindex: string | null }> {
    return this.call('status', {});
  }

  /** Compacts and snapshots when the engine asks for it (in the search thread; queries wait meanwhile). */
  maintain(): Promise<{ compacted: boolean }> {
    return this.call('maintain', {});
  }

  pruneTombstones(before: number): Promise<number> {
    return this.call('pruneTombstones', { before });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const worker = this.worker;
    try {
      if (worker) {
        await this.send('close', {}).catch(() => undefined);
        await worker.terminate();
      }
    } finally {
      this.lock.release();
    }
  }

  private start(): void {
    const worker = startModuleWorker(import.meta.url, './search-thread', {
      workerData: { dir: this.dir, timeZone: this.timeZone },
    });
    this.worker = worker;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        switch (m.type) {
          case 'ready':
            return resolve();
          case 'failed':
            // The thread also ends with this error ('error' below logs it).
            return reject(
              new SearchUnavailableError(`the index could not be opened: ${m.error.message}`, 'unreachable'),
            );
          case 'log':
            return this.log[m.level](m.fields, m.message);
          default:
            return void this.onMessage(worker, m);
        }
      });
      worker.on('error', (e) => {
        this.log.error({ err: e, dir: this.dir }, 'the search thread failed');
        reject(e);
      });
      worker.on('exit', (code) => {
        if (this.worker !== worker) return;
        this.worker = null;
        const error = new SearchUnavailableError(
          `the search thread stopped (exit code ${code})`,
          'unreachable',
        );
        this.stopped = { error, retryAt: performance.now() + this.restartDelayMs };
        reject(error);
        for (const p of this.pending.values()) {
          void p.docs?.return?.().catch(() => undefined);
          p.reject(error);
        }
        this.pending.clear();
      });
    });
    // A failed open is reported to each call; nobody may be waiting for it yet.
    this.ready.catch(() => undefined);
  }

  private async onMessage(worker: Worker, m: FromThread): Promise<void> {
    if (m.type === 'pull') {
      const docs = this.pending.get(m.id)?.docs;
      if (!docs) return;
      const batch: SearchJobDoc[] = [];
      try {
        while (batch.length < REBUILD_BATCH) {
          const next = await docs.next();
          if (next.done) break;
          batch.push(next.value);
        }
      } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        worker.postMessage({
          type: 'batch',
          id: m.id,
          docs: null,
          error: { name: error.name, message: error.message },
        } satisfies ToThread);
        return;
      }
      worker.postMessage({
        type: 'batch',
        id: m.id,
        docs: batch.length > 0 ? batch : null,
      } satisfies ToThread);
      return;
    }
    if (m.type === 'progress')
      return this.pending.get(m.id)?.onProgress?.({ phase: m.phase, documents: m.documents });
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = this.pending.get(m.id);
    this.pending.delete(m.id);
    // A rebuild that ended early leaves its source open: close it (a database reader, say).
    void p?.docs?.return?.().catch(() => undefined);
    if (m.type === 'result') p?.resolve(m.value);
    else p?.reject(fromWire(m.error));
  }

  private async call<O extends Op, T>(op: O, args: Args<O>, extra: Partial<Pending> = {}): Promise<T> {
    if (this.closed) throw new SearchUnavailableError('the index is closed');
    if (!this.worker) {
      // A thread that cannot open the index would fail again at once: retry a few seconds later.
      if (this.stopped && performance.now() < this.stopped.retryAt) throw this.stopped.error;
      this.start();
    }
    await this.ready;
    return this.send<O, T>(op, args, extra);
  }

  private send<O extends Op, T>(op: O, args: Args<O>, extra: Partial<Pending> = {}): Promise<T> {
    const worker = this.worker;
    if (!worker)
      return Promise.reject(new SearchUnavailableError('the search thread stopped', 'unreachable'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, ...extra });
      worker.postMessage({ id, op, ...args });
    });
  }
}
