import {
  closeSync,
  existsSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { ANALYZER_VERSION, warmUpAnalyzer } from './analyzer.js';
import { AnalysisWorker } from './analysis-pool.js';
import {
  JobIndex,
  analyzeDoc,
  type AnalyzedDoc,
  type RemoveOutcome,
  type UpsertOutcome,
  type Tombstone,
} from './job-index.js';
import { search } from './query.js';
import {
  FORMAT_VERSION,
  SNAPSHOT_FILE,
  fsyncDir,
  loadSnapshot,
  readSnapshotFile,
  readSnapshotHeaderFile,
  writeSnapshot,
} from './snapshot.js';
import { SearchEngineError, type SearchJobDoc, type SearchQuery, type SearchResult } from './types.js';

export type { RemoveOutcome, UpsertOutcome } from './job-index.js';

/**
 * The embedded job search engine: an in-memory index (job-index.ts, query.ts) made durable by a
 * directory holding
 *
 * - `snapshot.lgs`: the whole index at some generation g (snapshot.ts), and
 * - `log.<g>.jsonl`: every applied change since, one JSON line each (the raw document or the
 *   removal, so replaying it needs no analysis state beyond the analyzer itself).
 *
 * Opening reads the snapshot and replays its log; `snapshot()` compacts, writes generation g+1
 * atomically, starts `log.<g+1>.jsonl` and deletes the old log. A crash at any point leaves a
 * snapshot plus the log that continues it. One process owns a directory at a time.
 *
 * Log writes go to the OS at once (they survive a process crash); `sync()` fsyncs them for power
 * loss, so the caller chooses the cost, e.g. after each batch of events.
 */

export interface SearchEngineStats {
  documents: number;
  /** Documents added since the last compaction (scanned without the spatial order). */
  tailDocuments: number;
  /** Slots of replaced or removed documents awaiting compaction. */
  deadSlots: number;
  terms: number;
  tombstones: number;
  analyzerVersion: string;
  generation: number;
  /** True when `compact()` (or `snapshot()`) would pay off. */
  wantsCompaction: boolean;
}

export class SearchEngine {
  private logFd: number | null = null;

  private constructor(
    private ix: JobIndex,
    private readonly dir: string | null,
    private generation: number,
  ) {}

  /** An engine without a directory (tests, tools). */
  static inMemory(): SearchEngine {
    warmUpAnalyzer();
    return new SearchEngine(new JobIndex(), null, 0);
  }

  /** @internal Used by open and build. */
  static attach(ix: JobIndex, dir: string | null, generation: number): SearchEngine {
    return new SearchEngine(ix, dir, generation);
  }

  /** Inserts or replaces a job; a version not newer than the stored one (or its removal) is ignored. */
  upsert(doc: SearchJobDoc): UpsertOutcome {
    const outcome = this.ix.upsert(doc);
    if (outcome !== 'stale') this.log({ u: doc });
    return outcome;
  }

  /**
   * Removes a job at `version` (it applies if the version is at least the stored one) and keeps a
   * version tombstone, so an older upsert arriving late cannot resurrect it. `removedAt` (epoch ms)
   * dates the tombstone for {@link pruneTombstones}.
   */
  remove(jobId: string, version: number, removedAt: number): RemoveOutcome {
    const outcome = this.ix.remove(jobId, version, removedAt);
    if (outcome !== 'stale') this.log({ r: [jobId, version, removedAt] });
    return outcome;
  }

  search(query: SearchQuery): SearchResult {
    return search(this.ix, query);
  }

  /** The stored version of a job, or undefined when it is not in the index. */
  versionOf(jobId: string): number | undefined {
    const slot = this.ix.jobSlot.get(jobId);
    return slot === undefined ? undefined : this.ix.version[slot];
  }

  /** The removal tombstones held: jobId → version and removal time. */
  tombstones(): ReadonlyMap<string, Tombstone> {
    return this.ix.tombstones;
  }

  /** Forgets removal tombstones older than `before` (epoch ms); persisted by the next snapshot. */
  pruneTombstones(before: number): number {
    return this.ix.pruneTombstones(before);
  }

  /** Re-sorts the index into one spatially ordered segment (synchronous, seconds per million docs). */
  compact(): void {
    this.ix.compact();
  }

  /** Compacts and writes a new snapshot, then starts a fresh log. No-op without a directory. */
  snapshot(): void {
    this.ix.compact();
    if (this.dir === null) return;
    const next = this.generation + 1;
    writeSnapshot(this.dir, this.ix, ANALYZER_VERSION, next);
    this.closeLog();
    rmSync(join(this.dir, logName(this.generation)), { force: true });
    this.generation = next;
  }

  /** Flushes the log to disk (fsync). */
  sync(): void {
    if (this.logFd !== null) fsyncSync(this.logFd);
  }

  close(): void {
    this.closeLog();
  }

  stats(): SearchEngineStats {
    const ix = this.ix;
    return {
      documents: ix.liveCount,
      tailDocuments: ix.count - ix.mainCount,
      deadSlots: ix.count - ix.liveCount,
      terms: ix.terms.length,
      tombstones: ix.tombstones.size,
      analyzerVersion: ANALYZER_VERSION,
      generation: this.generation,
      wantsCompaction: ix.wantsCompaction,
    };
  }

  private log(entry: object): void {
    if (this.dir === null) return;
    if (this.logFd === null) this.logFd = openSync(join(this.dir, logName(this.generation)), 'a');
    const line = Buffer.from(JSON.stringify(entry) + '\n', 'utf8');
    let done = 0;
    while (done < line.length) done += writeSync(this.logFd, line, done, line.length - done);
  }

  private closeLog(): void {
    if (this.logFd !== null) {
      closeSync(this.logFd);
      this.logFd = null;
    }
  }
}

function logName(generation: number): string {
  return `log.${generation}.jsonl`;
}

export type OpenResult =
  | { status: 'ready'; engine: SearchEngine }
  | {
      status: 'needsReindex';
      /** Why the stored index cannot be used; the search service should rebuild it (`linggong reindex`). */
      reason: 'analyzer-changed' | 'format-changed' | 'corrupt';
      detail: string;
    };

/**
 * Opens (or creates) the index in `dir`. An index written by another analyzer or format version is
 * not loaded: its terms would not match today's queries, so the caller gets `needsReindex` instead
 * of silently wrong results.
 *
 * `readOnly` loads the index another engine owns and writes to (a replica: see ThreadedSearchIndex)
 * without touching the directory: no leftover logs deleted, no torn line cut, and the engine it
 * returns keeps its own changes in memory. The owner must not snapshot meanwhile.
 */
export function openSearchEngine(dir: string, options: { readOnly?: boolean } = {}): OpenResult {
  const readOnly = options.readOnly === true;
  if (!readOnly) mkdirSync(dir, { recursive: true });
  warmUpAnalyzer();
  let ix = new JobIndex();
  let generation = 0;
  const fresh = !existsSync(join(dir, SNAPSHOT_FILE));
  if (!fresh) {
    try {
      const header = readSnapshotHeaderFile(dir);
      if (header.formatVersion !== FORMAT_VERSION) {
        return {
          status: 'needsReindex',
          reason: 'format-changed',
          detail: `index format ${header.formatVersion}, this build reads ${FORMAT_VERSION}`,
        };
      }
      if (header.analyzerVersion !== ANALYZER_VERSION) {
        return {
          status: 'needsReindex',
          reason: 'analyzer-changed',
          detail: `index analysed by ${header.analyzerVersion}, this build uses ${ANALYZER_VERSION}`,
        };
      }
      ix = loadSnapshot(readSnapshotFile(dir), header);
      generation = header.generation;
    } catch (e) {
      if (e instanceof SearchEngineError && e.code === 'INDEX_CORRUPT') {
        return { status: 'needsReindex', reason: 'corrupt', detail: e.message };
      }
      throw e;
    }
  }
  // Logs of other generations are leftovers of an interrupted snapshot: the snapshot has them.
  if (!readOnly) {
    for (const name of readdirSync(dir)) {
      if (/^log\.\d+\.jsonl$/.test(name) && name !== logName(generation))
        rmSync(join(dir, name), { force: true });
    }
  }
  try {
    replayLog(join(dir, logName(generation)), ix, readOnly);
  } catch (e) {
    // A complete line that cannot be applied (damaged, or refused by a newer build's validation).
    return { status: 'needsReindex', reason: 'corrupt', detail: `change log: ${(e as Error).message}` };
  }
  return {
    status: 'ready',
    // Read-only: an engine without a directory, so its changes and compactions stay in memory.
    engine: SearchEngine.attach(ix, readOnly ? null : dir, generation),
  };
}

/**
 * Applies a change log to `ix`. A torn last line (the process died mid-write, or, read-only, the
 * owner is writing it now) was never acknowledged: it is cut off the file, or only skipped.
 */
function replayLog(path: string, ix: JobIndex, readOnly: boolean): number {
  if (!existsSync(path)) return 0;
  const text = readFileSync(path, 'utf8');
  let applied = 0;
  let pos = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    if (nl < 0) {
      if (readOnly) break;
      const fd = openSync(path, 'r+');
      try {
        ftruncateSync(fd, Buffer.byteLength(text.slice(0, pos), 'utf8'));
      } finally {
        closeSync(fd);
      }
      break;
    }
    const entry = JSON.parse(text.slice(pos, nl)) as { u?: SearchJobDoc; r?: [string, number, number] };
    if (entry.u) ix.upsert(entry.u);
    else if (entry.r) ix.remove(entry.r[0], entry.r[1], entry.r[2]);
    applied++;
    pos = nl + 1;
  }
  return applied;
}

export interface BuildProgress {
  phase: 'indexing' | 'compacting' | 'writing' | 'done';
  documents: number;
}

export interface BuildOptions {
  /** Directory to write the index to (its previous index, if any, is replaced). */
  dir?: string;
  onProgress?: (p: BuildProgress) => void;
  /** Report (and yield to the event loop) every this many documents; default 10 000. */
  progressEvery?: number;
  /** Expected number of documents, to size the columns once. */
  expectedDocuments?: number;
  /** Analysis worker threads: 0 or 1 (default 1 when the machine has more than one core). */
  workers?: number;
}

const BUILD_BATCH = 1000;

/**
 * Builds an index from a stream of documents (`linggong reindex`): duplicates resolve by version,
 * then one compaction sorts everything spatially, then the snapshot is written. The event loop is
 * yielded to between batches, except during the compaction and the write.
 */
export async function buildSearchEngine(
  docs: Iterable<SearchJobDoc> | AsyncIterable<SearchJobDoc>,
  options: BuildOptions = {},
): Promise<SearchEngine> {
  warmUpAnalyzer();
  const every = options.progressEvery ?? 10_000;
  const ix = new JobIndex();
  if (options.expectedDocuments) ix.reserve(options.expectedDocuments);
  const worker = (options.workers ?? (availableParallelism() > 1 ? 1 : 0)) > 0 ? new AnalysisWorker() : null;
  let n = 0;
  const index = async (batch: SearchJobDoc[], analyzed: (AnalyzedDoc | null)[] | null): Promise<void> => {
    for (let i = 0; i < batch.length; i++) {
      ix.upsert(batch[i]!, analyzed?.[i] ?? undefined);
      if (++n % every === 0) {
        options.onProgress?.({ phase: 'indexing', documents: n });
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    }
  };
  try {
    // With a worker, batches alternate: one goes to the worker while this thread analyses the
    // next, then both are indexed in stream order.
    let pending: { docs: SearchJobDoc[]; analyzed: Promise<(AnalyzedDoc | null)[]> } | null = null;
    let batch: SearchJobDoc[] = [];
    const flush = async (): Promise<void> => {
      if (worker === null) {
        await index(batch, null);
      } else if (pending === null) {
        pending = { docs: batch, analyzed: worker.analyze(batch) };
      } else {
        const local = batch.map((d) => {
          try {
            return analyzeDoc(d);
          } catch {
            return null;
          }
        });
        const done: { docs: SearchJobDoc[]; analyzed: Promise<(AnalyzedDoc | null)[]> } = pending;
        pending = null;
        await index(done.docs, await done.analyzed);
        await index(batch, local);
      }
      batch = [];
    };
    for await (const doc of docs) {
      batch.push(doc);
      if (batch.length === BUILD_BATCH) await flush();
    }
    if (batch.length > 0) await flush();
    const last = pending as { docs: SearchJobDoc[]; analyzed: Promise<(AnalyzedDoc | null)[]> } | null;
    if (last) await index(last.docs, await last.analyzed);
  } finally {
    await worker?.close();
  }
  options.onProgress?.({ phase: 'compacting', documents: n });
  ix.compact();
  let generation = 0;
  if (options.dir !== undefined) {
    const dir = options.dir;
    options.onProgress?.({ phase: 'writing', documents: n });
    mkdirSync(dir, { recursive: true });
    generation = previousGeneration(dir) + 1;
    writeSnapshot(dir, ix, ANALYZER_VERSION, generation);
    for (const name of readdirSync(dir)) {
      if (/^log\.\d+\.jsonl$/.test(name)) rmSync(join(dir, name), { force: true });
    }
    fsyncDir(dir);
  }
  options.onProgress?.({ phase: 'done', documents: n });
  return SearchEngine.attach(ix, options.dir ?? null, generation);
}

function previousGeneration(dir: string): number {
  let g = 0;
  try {
    g = readSnapshotHeaderFile(dir).generation;
  } catch {
    // No readable snapshot: start after any log generation present.
  }
  for (const name of readdirSync(dir)) {
    const m = /^log\.(\d+)\.jsonl$/.exec(name);
    if (m) g = Math.max(g, Number(m[1]));
  }
  return g;
}
