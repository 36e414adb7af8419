import type { Worker } from 'node:worker_threads';
import type { ProcessLock } from '../../platform/db/process-lock.js';
import { MAX_CURSOR_LENGTH } from '../../platform/cursor.js';
import type { Logger } from '../../platform/log.js';
import { BufferPool } from '../../platform/buffer-pool.js';
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
  /** `buffer`: lent (transferred) to write the body head into; none: answer it as text. */
  | { op: 'searchRendered'; query: SearchQuery; buffer?: ArrayBuffer }
  | { op: 'upsert'; doc: SearchJobDoc; options: WriteOptions }
  | { op: 'remove'; jobId: string; version: number; removedAt: number; options: WriteOptions }
  | { op: 'sync' }
  | { op: 'status' }
  | { op: 'maintain' }
  | { op: 'pruneTombstones'; before: number }
  | { op: 'rebuild' }
  | { op: 'close' }
);

/**
 * A rendered page as the thread answers it: the body head as text, or its length in the lent
 * buffer, transferred back (a lent buffer always comes back with the answer).
 */
export type RenderedOnWire = { next: string | null; buffer?: ArrayBuffer } & (
  { head: string } | { written: number }
);

/**
 * The pool of buffers the search threads write answer bodies into (platform/buffer-pool.ts): up to
 * 128 buffers of 64 KiB (8 MiB), made as needed. A page of 50 cards is 40–60 KB; a larger one, or
 * a query arriving while every buffer is out (answers being computed or still being sent), is
 * answered as text. The last TAIL_ROOM bytes of a buffer are left for the cursor the HTTP thread
 * appends (a cursor clients can send back is at most MAX_CURSOR_LENGTH characters; a longer one
 * would make the service copy the answer out as text).
 */
export const BUFFER_COUNT = 128;
export const BUFFER_BYTES = 64 * 1024;
export const TAIL_ROOM = MAX_CURSOR_LENGTH + 16;

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
  /** Moved to the thread with the call (postMessage's transfer list); not kept. */
  transfer?: ArrayBuffer[];
}

function fromWire(w: WireError): Error {
  if (w.name === 'SearchUnavailableError') return new SearchUnavailableError(w.reason ?? w.message, w.kind);
  if (w.name === 'SearchEngineError' && w.code) return new SearchEngineError(w.code, w.message);
  const e = new Error(w.message);
  e.name = w.name;
  if (w.stack) e.stack = w.stack;
  return e;
}

/** The calls whose change a replica must also apply, in the order the primary gets them. */
const WRITES: ReadonlySet<Op> = new Set<Op>(['upsert', 'remove', 'pruneTombstones']);

type InFlight = Pending & { message: ThreadCall };

/**
 * One search thread (search-thread.ts) and the calls in flight to it. It does not restart itself:
 * its owner decides when (`start` again after `onExit`). Each worker it starts has its own map of
 * calls in flight, so the end of one never fails calls sent to the next.
 */
class SearchThread {
  worker: Worker | null = null;
  ready: Promise<void> | null = null;
  /** The thread has opened its index and answers calls. */
  isReady = false;
  private nextId = 0;
  private pending = new Map<number, InFlight>();

  constructor(
    private readonly dir: string,
    private readonly timeZone: string,
    private readonly replica: boolean,
    private readonly log: Logger,
    private readonly onExit: (error: SearchUnavailableError) => void,
  ) {}

  /** A worker is started and has not opened its index yet (a replica reading the directory). */
  get loading(): boolean {
    return this.worker !== null && !this.isReady;
  }

  start(): void {
    const worker = startModuleWorker(import.meta.url, './search-thread', {
      workerData: { dir: this.dir, timeZone: this.timeZone, replica: this.replica },
    });
    const pending = new Map<number, InFlight>();
    this.worker = worker;
    this.pending = pending;
    this.isReady = false;
    this.ready = new Promise<void>((resolve, reject) => {
      worker.on('message', (m: FromThread) => {
        switch (m.type) {
          case 'ready':
            // A worker being stopped is no longer this.worker: it serves nothing more.
            if (this.worker === worker) this.isReady = true;
            return resolve();
          case 'failed':
            // The thread also ends with this error ('error' below logs it).
            return reject(
              new SearchUnavailableError(`the index could not be opened: ${m.error.message}`, 'unreachable'),
            );
          case 'log':
            return this.log[m.level]({ ...m.fields, ...(this.replica ? { replica: true } : {}) }, m.message);
          default:
            return void this.onMessage(worker, pending, m);
        }
      });
      worker.on('error', (e) => {
        this.log.error({ err: e, dir: this.dir, replica: this.replica }, 'the search thread failed');
        reject(e);
      });
      worker.on('exit', (code) => {
        const error = new SearchUnavailableError(
          `the search thread stopped (exit code ${code})`,
          'unreachable',
        );
        reject(error);
        failAll(pending, error);
        // A worker stopped on purpose (stop) is not reported.
        if (this.worker !== worker) return;
        this.worker = null;
        this.isReady = false;
        this.onExit(error);
      });
    });
    // A failed open is reported to each call; nobody may be waiting for it yet.
    this.ready.catch(() => undefined);
  }

  /** The changes sent and not answered yet, in the order they were sent. */
  writesInFlight(): ThreadCall[] {
    return [...this.pending.values()].map((p) => p.message).filter((m) => WRITES.has(m.op));
  }

  send<O extends Op, T>(op: O, args: Args<O>, extra: Partial<Pending> = {}): Promise<T> {
    const worker = this.worker;
    if (!worker)
      return Promise.reject(new SearchUnavailableError('the search thread stopped', 'unreachable'));
    return post(worker, this.pending, this.nextId++, op, args, extra);
  }

  /**
   * Takes the worker out of service at once (no more calls reach it), lets it close its index
   * (one still loading is ended without waiting), then ends it; its calls in flight fail.
   */
  async stop(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    const loaded = this.isReady;
    this.worker = null;
    this.isReady = false;
    if (loaded) await post(worker, this.pending, this.nextId++, 'close', {}).catch(() => undefined);
    await worker.terminate();
  }

  private async onMessage(worker: Worker, pending: Map<number, InFlight>, m: FromThread): Promise<void> {
    if (m.type === 'pull') {
      const docs = pending.get(m.id)?.docs;
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
      return pending.get(m.id)?.onProgress?.({ phase: m.phase, documents: m.documents });
    if (m.type !== 'result' && m.type !== 'error') return;
    const p = pending.get(m.id);
    pending.delete(m.id);
    // A rebuild that ended early leaves its source open: close it (a database reader, say).
    void p?.docs?.return?.().catch(() => undefined);
    if (m.type === 'result') p?.resolve(m.value);
    else p?.reject(fromWire(m.error));
  }
}

function post<O extends Op, T>(
  worker: Worker,
  pending: Map<number, InFlight>,
  id: number,
  op: O,
  args: Args<O>,
  extra: Partial<Pending> = {},
): Promise<T> {
  const message = { id, op, ...args } as ThreadCall;
  const { transfer = [], ...kept } = extra;
  return new Promise<T>((resolve, reject) => {
    pending.set(id, { resolve: resolve as (v: unknown) => void, reject, message, ...kept });
    worker.postMessage(message, transfer);
  });
}

/** Fails every call in flight (a rebuild's document source is closed, a database reader say). */
function failAll(pending: Map<number, InFlight>, error: Error): void {
  for (const p of pending.values()) {
    void p.docs?.return?.().catch(() => undefined);
    p.reject(error);
  }
  pending.clear();
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
 *
 * **Replicas** (`threads` > 1, LINGGONG_SEARCH_THREADS): more search threads, each holding its own
 * copy of the index in memory, share the queries with the first (round robin), so queries use
 * more cores. The first thread owns the directory and every change; a replica loads the snapshot
 * and log it wrote (EmbeddedSearchIndex.openReplica) and is sent every change as well, in the same
 * order, so a query sent after a change was acknowledged finds it on whichever thread answers. A
 * replica starts only when the owner is ready and no compaction or rebuild runs, is re-sent the
 * changes then in flight (the ones the log may not hold yet; versions make a repeat a no-op),
 * serves queries once it has loaded, and is started again from disk after a rebuild, after a
 * failed change, or when it dies. Compaction runs on every thread and is skipped while a replica
 * loads (the owner would delete the log it reads). docs/architecture.md, "Search replicas".
 */
export class ThreadedSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  private readonly primary: SearchThread;
  private readonly replicas: SearchThread[] = [];
  private closed = false;
  /** After the owner thread stopped: why, and when a call may start a new one (performance.now() ms). */
  private stopped: { error: Error; retryAt: number } | null = null;
  /** Round-robin position over the threads that answer queries. */
  private turn = 0;
  /** A compaction or a rebuild in flight: replicas wait for it before they read the directory. */
  private maintaining: Promise<unknown> | null = null;
  private rebuilding: Promise<unknown> | null = null;
  /** What the threads write the bodies of rendered pages into (searchRendered). */
  private readonly buffers = new BufferPool(BUFFER_COUNT, BUFFER_BYTES);

  private constructor(
    private readonly dir: string,
    private readonly lock: ProcessLock,
    private readonly log: Logger,
    /** The business time zone the threads render cards' instants in. */
    private readonly timeZone: string,
    private readonly restartDelayMs: number,
    replicaCount: number,
  ) {
    this.primary = new SearchThread(dir, timeZone, false, log, (error) => {
      this.stopped = { error, retryAt: performance.now() + this.restartDelayMs };
    });
    for (let i = 0; i < replicaCount; i++) {
      const replica: SearchThread = new SearchThread(dir, timeZone, true, log, () =>
        this.restartReplica(replica, this.restartDelayMs),
      );
      this.replicas.push(replica);
    }
  }

  /**
   * Takes the index directory's lock (DatabaseLockedError if another process has it) and starts
   * the thread, and `threads - 1` replicas (default 1 thread: no replica).
   */
  static open(
    dir: string,
    log: Logger,
    options: { timeZone: string; restartDelayMs?: number; threads?: number },
  ): ThreadedSearchIndex {
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`threads must be a positive integer`);
    const index = new ThreadedSearchIndex(
      dir,
      EmbeddedSearchIndex.lock(dir),
      log,
      options.timeZone,
      options.restartDelayMs ?? RESTART_DELAY_MS,
      threads - 1,
    );
    index.primary.start();
    for (const replica of index.replicas) index.restartReplica(replica, 0);
    return index;
  }

  upsert(doc: SearchJobDoc, options: WriteOptions = {}): Promise<'inserted' | 'updated' | 'stale'> {
    return this.write('upsert', { doc, options });
  }

  remove(
    jobId: string,
    version: number,
    removedAt: number,
    options: WriteOptions = {},
  ): Promise<'removed' | 'absent' | 'stale'> {
    return this.write('remove', { jobId, version, removedAt, options });
  }

  sync(): Promise<void> {
    return this.call('sync', {});
  }

  search(query: SearchQuery): Promise<SearchResult> {
    return this.query('search', { query });
  }

  /**
   * The search with its answer body rendered in the thread: the thread writes the body head as
   * UTF-8 into a pooled buffer lent (transferred) for this call and transfers it back, and the
   * caller then holds it (RenderedSearchResult.head; its `release` gives it back once, however
   * often it is called). With no buffer free, or a head too large for one, the head comes as text.
   * A failed call's buffer is not waited for (the pool makes another when needed).
   */
  async searchRendered(query: SearchQuery): Promise<RenderedSearchResult> {
    const lent = this.buffers.acquire();
    let page: RenderedOnWire;
    try {
      page = lent
        ? await this.query('searchRendered', { query, buffer: lent }, { transfer: [lent] })
        : await this.query('searchRendered', { query });
    } catch (e) {
      if (lent) this.buffers.forget();
      throw e;
    }
    const { buffer } = page;
    if ('head' in page) {
      if (buffer) this.buffers.release(buffer);
      return { next: page.next, head: page.head };
    }
    if (!buffer) {
      this.buffers.forget();
      throw new Error('the search thread answered bytes without their buffer');
    }
    let held = true;
    const release = (): void => {
      if (held) this.buffers.release(buffer);
      held = false;
    };
    return { next: page.next, head: { bytes: Buffer.from(buffer), length: page.written, release } };
  }

  /** Pooled buffers lent and not given back yet (tests check that every answer gives its own back). */
  buffersInUse(): number {
    return this.buffers.inUse;
  }

  async rebuild(
    docs: AsyncIterable<SearchJobDoc>,
    onProgress?: (progress: { phase: string; documents: number }) => void,
  ): Promise<{ documents: number }> {
    const rebuilt = this.call<'rebuild', { documents: number }>(
      'rebuild',
      {},
      { docs: docs[Symbol.asyncIterator](), ...(onProgress ? { onProgress } : {}) },
    );
    // Replicas starting meanwhile would read a directory whose live folder is about to change.
    this.rebuilding = rebuilt;
    try {
      const result = await rebuilt;
      // The replicas hold the old index: they load the new one (queries go to the owner meanwhile).
      for (const replica of this.replicas) void replica.stop().then(() => this.restartReplica(replica, 0));
      return result;
    } finally {
      if (this.rebuilding === rebuilt) this.rebuilding = null;
    }
  }

  status(): Promise<{ documents: number; analyzerVersion: string; needsReindex: string | null }> {
    return this.call('status', {});
  }

  /** Replicas started and those of them serving queries (they load after the owner). */
  replicaStatus(): { replicas: number; serving: number } {
    return { replicas: this.replicas.length, serving: this.replicas.filter((r) => r.isReady).length };
  }

  /**
   * Compacts and snapshots when the engine asks for it (in the search thread; queries wait
   * meanwhile), and compacts the replicas likewise; skipped while a replica loads.
   */
  async maintain(): Promise<{ compacted: boolean }> {
    if (this.maintaining || this.replicas.some((r) => r.loading)) return { compacted: false };
    const done = this.call<'maintain', { compacted: boolean }>('maintain', {}).then(async (result) => {
      if (result.compacted) {
        await Promise.all(this.replicas.map((r) => r.send('maintain', {}).catch(() => undefined)));
      }
      return result;
    });
    this.maintaining = done;
    try {
      return await done;
    } finally {
      this.maintaining = null;
    }
  }

  pruneTombstones(before: number): Promise<number> {
    return this.write('pruneTombstones', { before });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await Promise.all([this.primary, ...this.replicas].map((t) => t.stop()));
    } finally {
      this.lock.release();
    }
  }

  /**
   * A change: the owner's answer is the answer; every running replica is sent it too, in the same
   * tick as the owner, so a replica starting meanwhile either finds it in flight or is sent it.
   */
  private write<O extends 'upsert' | 'remove' | 'pruneTombstones', T>(op: O, args: Args<O>): Promise<T> {
    return this.call<O, T>(op, args, {}, () => {
      for (const replica of this.replicas) {
        if (replica.worker) this.forward(replica, op, args);
      }
    });
  }

  /**
   * Sends a change to a replica. One it fails to apply, where the owner may not have failed (any
   * error but a refused document, which every engine refuses alike), leaves it behind the owner:
   * it is loaded again from disk.
   */
  private forward<O extends Op>(replica: SearchThread, op: O, args: Args<O>): void {
    replica.send(op, args).catch((e: unknown) => {
      if (e instanceof SearchEngineError || !replica.worker) return;
      this.log.error({ err: e, op }, 'a search replica failed a change; reloading it');
      void replica.stop().then(() => this.restartReplica(replica, 0));
    });
  }

  /**
   * A query, on the next thread that can answer: the owner, or a replica that has loaded; while
   * the owner is down or reopening the index, the replicas answer alone.
   */
  private query<O extends 'search' | 'searchRendered', T>(
    op: O,
    args: Args<O>,
    extra: Partial<Pending> = {},
  ): Promise<T> {
    // Turn 0 is the owner's, turn k replica k - 1's; a thread that does not serve passes its turn.
    const turns = this.replicas.length + 1;
    for (let tried = 0; tried < turns; tried++) {
      const k = this.turn++ % turns;
      if (k === 0) {
        if (this.primary.isReady) break;
      } else if (this.replicas[k - 1]!.isReady) {
        return this.replicas[k - 1]!.send<O, T>(op, args, extra);
      }
    }
    // The owner's turn, or nobody serves yet: the owner answers (started again if it died).
    return this.call<O, T>(op, args, extra);
  }

  /** (Re)starts a replica after `delayMs`, once the owner is ready and no compaction or rebuild runs. */
  private restartReplica(replica: SearchThread, delayMs: number): void {
    if (this.closed) return;
    const start = async (): Promise<void> => {
      if (this.closed || replica.worker) return;
      try {
        await this.primary.ready;
        // Waited for one at a time: another may begin meanwhile (checked again below).
        while (this.maintaining || this.rebuilding) {
          await (this.maintaining ?? this.rebuilding)?.catch(() => undefined);
        }
      } catch {
        // The owner is down: try again later (a call will start it).
        return this.restartReplica(replica, this.restartDelayMs);
      }
      if (this.closed || replica.worker) return;
      // Changes the owner has not answered yet may be missing from the log the replica reads.
      const inFlight = this.primary.writesInFlight();
      replica.start();
      for (const { id: _id, ...message } of inFlight) {
        const { op, ...args } = message;
        this.forward(replica, op, args as Args<typeof op>);
      }
    };
    if (delayMs <= 0) void start();
    else setTimeout(() => void start(), delayMs).unref();
  }

  /** A call of the owner thread (started again if it died); `sent` runs as the call is sent. */
  private async call<O extends Op, T>(
    op: O,
    args: Args<O>,
    extra: Partial<Pending> = {},
    sent?: () => void,
  ): Promise<T> {
    if (this.closed) throw new SearchUnavailableError('the index is closed');
    if (!this.primary.worker) {
      // A thread that cannot open the index would fail again at once: retry a few seconds later.
      if (this.stopped && performance.now() < this.stopped.retryAt) throw this.stopped.error;
      this.primary.start();
    }
    await this.primary.ready;
    const result = this.primary.send<O, T>(op, args, extra);
    sent?.();
    return result;
  }
}
