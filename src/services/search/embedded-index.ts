import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { acquireProcessLock, type ProcessLock } from '../../platform/db/process-lock.js';
import { ANALYZER_VERSION } from './engine/analyzer.js';
import { buildSearchEngine, openSearchEngine, type SearchEngine } from './engine/engine.js';
import { fsyncDir } from './engine/snapshot.js';
import {
  SearchUnavailableError,
  type SearchIndex,
  type SearchJobDoc,
  type SearchQuery,
  type SearchResult,
  type WriteOptions,
} from './search.port.js';

/** What the index logs through: the platform's logger, or its stand-in in the search thread. */
export interface IndexLog {
  info(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

/**
 * The embedded engine behind the SearchIndex port. The index directory holds
 *
 * - `LOCK`: the owning process's pid (one process per index, like the SQLite lock file);
 * - `CURRENT`: the name of the live index folder, replaced atomically (temp file + rename);
 * - `index-<n>/`: index folders (engine.ts: a snapshot and its log). A rebuild writes
 *   `index-<n+1>` beside the live one, then switches CURRENT; folders CURRENT does not name are
 *   leftovers of an interrupted rebuild and are deleted on open.
 *
 * Every applied change is fsynced before the call returns, so the caller (the event consumer) only
 * records the event as handled once the index has it on disk.
 */
export class EmbeddedSearchIndex implements SearchIndex {
  readonly engine = 'embedded' as const;
  /** Changes applied while a rebuild runs; replayed onto the new index before it goes live. */
  private duringRebuild: Change[] | null = null;
  private closed = false;

  private constructor(
    private readonly dir: string,
    private readonly lock: ProcessLock,
    private readonly log: IndexLog,
    private live: SearchEngine | null,
    private liveName: string,
    /** Why the stored index cannot serve (null when it can). */
    private reindexReason: string | null,
    /** A replica (openReplica): reads the directory, never writes it. */
    private readonly replica = false,
  ) {}

  /** Takes the directory's process lock; throws DatabaseLockedError if another process has it. */
  static lock(dir: string): ProcessLock {
    mkdirSync(dir, { recursive: true });
    return acquireProcessLock(join(dir, 'LOCK'), 'search index');
  }

  /**
   * Opens (or creates) the index in `dir`, taking its lock (DatabaseLockedError if another process
   * has it), or under `lock` when the caller already holds it (the search thread's owner does).
   */
  static open(
    dir: string,
    log: IndexLog,
    lock: ProcessLock = EmbeddedSearchIndex.lock(dir),
  ): EmbeddedSearchIndex {
    try {
      const currentFile = join(dir, 'CURRENT');
      const folders = readdirSync(dir).filter((entry) => /^index-\d+$/.test(entry));
      const name = existsSync(currentFile) ? readFileSync(currentFile, 'utf8').trim() : 'index-1';
      if (!/^index-\d+$/.test(name)) throw new Error(`${currentFile}: unexpected content`);
      // Index folders without CURRENT, or a CURRENT naming a folder that is gone: something was
      // lost, and an empty index would look ready while answering nothing. Ask for a rebuild.
      const lost = existsSync(currentFile) ? !folders.includes(name) : folders.length > 0;
      if (lost) {
        const reason = existsSync(currentFile)
          ? `corrupt: ${name}, named by CURRENT, is missing`
          : 'corrupt: index folders without a CURRENT file';
        log.error(
          { dir, reason },
          `The search index in ${dir} cannot be used (${reason}); run "linggong reindex".`,
        );
        return new EmbeddedSearchIndex(dir, lock, log, null, name, reason);
      }
      // Other folders are leftovers of a rebuild that did not finish.
      for (const entry of folders) {
        if (entry !== name) rmSync(join(dir, entry), { recursive: true, force: true });
      }
      if (!existsSync(currentFile)) writeCurrent(dir, name);
      const opened = openSearchEngine(join(dir, name));
      if (opened.status === 'ready') {
        const docs = opened.engine.stats().documents;
        log.info({ dir, documents: docs, analyzer: ANALYZER_VERSION }, 'search index opened');
        return new EmbeddedSearchIndex(dir, lock, log, opened.engine, name, null);
      }
      const reason = `${opened.reason}: ${opened.detail}`;
      log.error(
        { dir, reason },
        `The search index in ${dir} cannot be used (${reason}). Search answers 503 SEARCH_REINDEX_REQUIRED ` +
          'until it is rebuilt: run "linggong reindex".',
      );
      return new EmbeddedSearchIndex(dir, lock, log, null, name, reason);
    } catch (e) {
      lock.release();
      throw e;
    }
  }

  /**
   * A replica of the index another EmbeddedSearchIndex owns in `dir` (under that one's lock): the
   * live folder's snapshot and change log, read without writing anything. The owner's changes reach
   * it as the same upserts and removes (versions make one seen twice, from the log and again, a
   * no-op); they, and `maintain`'s compactions, stay in its memory. It cannot rebuild.
   */
  static openReplica(dir: string, log: IndexLog): EmbeddedSearchIndex {
    const noLock: ProcessLock = { release() {} };
    const currentFile = join(dir, 'CURRENT');
    const current = (): string => readFileSync(currentFile, 'utf8').trim();
    // The owner opened the directory first: it wrote CURRENT, or found the index unusable.
    const name = existsSync(currentFile) ? current() : null;
    if (name === null || !/^index-\d+$/.test(name) || !existsSync(join(dir, name))) {
      // The owner reports why and answers 503 until a rebuild; so does this one.
      const reason = `corrupt: no live index folder named by ${currentFile}`;
      return new EmbeddedSearchIndex(dir, noLock, log, null, name ?? 'index-1', reason, true);
    }
    const opened = openSearchEngine(join(dir, name), { readOnly: true });
    if (opened.status !== 'ready') {
      const reason = `${opened.reason}: ${opened.detail}`;
      return new EmbeddedSearchIndex(dir, noLock, log, null, name, reason, true);
    }
    if (current() !== name) {
      // A rebuild swapped the live folder while this one was read: start again from the new one.
      opened.engine.close();
      throw new Error(`the live index changed from ${name} while a replica loaded it`);
    }
    return new EmbeddedSearchIndex(dir, noLock, log, opened.engine, name, null, true);
  }

  async upsert(doc: SearchJobDoc, options: WriteOptions = {}): Promise<'inserted' | 'updated' | 'stale'> {
    this.duringRebuild?.push({ upsert: doc });
    // Without a usable index the change is dropped: the rebuild that must follow reads every open job.
    if (!this.live) return 'stale';
    const outcome = this.live.upsert(doc);
    if (outcome !== 'stale' && options.durable !== false) this.live.sync();
    return outcome;
  }

  async remove(
    jobId: string,
    version: number,
    removedAt: number,
    options: WriteOptions = {},
  ): Promise<'removed' | 'absent' | 'stale'> {
    this.duringRebuild?.push({ remove: [jobId, version, removedAt] });
    if (!this.live) return 'stale';
    const outcome = this.live.remove(jobId, version, removedAt);
    if (outcome !== 'stale' && options.durable !== false) this.live.sync();
    return outcome;
  }

  async sync(): Promise<void> {
    this.live?.sync();
  }

  async search(query: SearchQuery): Promise<SearchResult> {
    if (!this.live) throw new SearchUnavailableError(this.reindexReason ?? 'the index is closed');
    return this.live.search(query);
  }

  /**
   * Builds `index-<n+1>` from `docs`, replays the changes that arrived meanwhile (versions make the
   * replay safe whichever order they meet the stream), then makes it the live index.
   */
  async rebuild(
    docs: AsyncIterable<SearchJobDoc>,
    onProgress?: (progress: { phase: string; documents: number }) => void,
  ): Promise<{ documents: number }> {
    if (this.replica) throw new Error('a replica cannot rebuild: its owner does');
    if (this.duringRebuild) throw new Error('a rebuild is already running');
    const name = `index-${Number(this.liveName.slice('index-'.length)) + 1}`;
    const target = join(this.dir, name);
    rmSync(target, { recursive: true, force: true });
    this.duringRebuild = [];
    let built: SearchEngine | undefined;
    try {
      built = await buildSearchEngine(docs, {
        dir: target,
        onProgress: onProgress ? (p) => onProgress({ phase: p.phase, documents: p.documents }) : undefined,
      });
      // Removals the live index remembers still hold: a late, older event must not bring a closed
      // job back after the rebuild (a job the stream has at a newer version is left alone).
      for (const [jobId, t] of this.live?.tombstones() ?? []) built.remove(jobId, t.version, t.removedAt);
      for (const change of this.duringRebuild) {
        if (change.upsert) built.upsert(change.upsert);
        else built.remove(...change.remove);
      }
      built.sync();
    } catch (e) {
      built?.close();
      rmSync(target, { recursive: true, force: true });
      throw e;
    } finally {
      this.duringRebuild = null;
    }
    try {
      writeCurrent(this.dir, name);
    } catch (e) {
      // CURRENT may already name the new folder (the rename happened, its fsync failed): keep it.
      built.close();
      throw e;
    }
    const old = this.live;
    const oldName = this.liveName;
    this.live = built;
    this.liveName = name;
    this.reindexReason = null;
    old?.close();
    rmSync(join(this.dir, oldName), { recursive: true, force: true });
    const documents = built.stats().documents;
    this.log.info({ dir: target, documents }, 'search index rebuilt and swapped in');
    return { documents };
  }

  async status(): Promise<{ documents: number; analyzerVersion: string; needsReindex: string | null }> {
    return {
      documents: this.live?.stats().documents ?? 0,
      analyzerVersion: ANALYZER_VERSION,
      needsReindex: this.reindexReason,
    };
  }

  /**
   * Compacts and snapshots when the engine asks for it (a tail or dead slots grown past its
   * thresholds). Synchronous: a million documents pause this process for a few seconds, so it runs
   * from a schedule, never from a request, and rarely (thresholds are 5 % of the index).
   */
  maintain(): { compacted: boolean } {
    if (!this.live || this.duringRebuild || !this.live.stats().wantsCompaction) return { compacted: false };
    const started = performance.now();
    // A replica's engine has no directory: this compacts its memory only.
    this.live.snapshot();
    this.log.info(
      { documents: this.live.stats().documents, ms: Math.round(performance.now() - started) },
      this.replica ? 'search index replica compacted' : 'search index compacted and snapshotted',
    );
    return { compacted: true };
  }

  /** Forgets removal tombstones older than `before` (epoch ms). */
  async pruneTombstones(before: number): Promise<number> {
    return this.live?.pruneTombstones(before) ?? 0;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.live?.close();
    this.live = null;
    this.reindexReason = 'the index is closed';
    this.lock.release();
  }
}

type Change = { upsert: SearchJobDoc; remove?: never } | { upsert?: never; remove: [string, number, number] };

function writeCurrent(dir: string, name: string): void {
  const tmp = join(dir, 'CURRENT.tmp');
  writeFileSync(tmp, name + '\n', { flush: true });
  renameSync(tmp, join(dir, 'CURRENT'));
  fsyncDir(dir);
}
