import type { SearchJobDoc, SearchQuery, SearchResult } from './engine/types.js';

export type { SearchJobDoc, SearchQuery, SearchResult } from './engine/types.js';

/**
 * The search index port: one contract, two engines. The embedded engine (default) keeps the index
 * on local disk in this process; the Elasticsearch adapter talks to a cluster. Both analyse Chinese
 * text with the same segmenter (engine/analyzer.ts), so a query matches the same jobs on either.
 *
 * Versions: every change carries the job's version, and an index never goes back to an older one
 * (a remove leaves a version tombstone, so a late upsert of an older version cannot resurrect it).
 */
export interface SearchIndex {
  readonly engine: 'embedded' | 'elasticsearch';
  /**
   * Adds or replaces a job (ignored as 'stale' when the index holds this version or a newer one).
   * The change is searchable when the call returns (Elasticsearch: after its next refresh), and
   * durable too unless `durable: false`: then it is durable after the next `sync()` (a batch of
   * changes pays for one fsync).
   */
  upsert(doc: SearchJobDoc, options?: WriteOptions): Promise<'inserted' | 'updated' | 'stale'>;
  /** Removes a job as of `version` (closed, expired, filled, back in review …); as upsert. */
  remove(
    jobId: string,
    version: number,
    removedAt: number,
    options?: WriteOptions,
  ): Promise<'removed' | 'absent' | 'stale'>;
  /** Makes every change applied so far durable (Elasticsearch: each write already is when acknowledged). */
  sync(): Promise<void>;
  search(query: SearchQuery): Promise<SearchResult>;
  /**
   * The same search with the answer body already rendered up to its cursor (search.mappers.ts
   * renderBodyHead). Optional: an index that runs off the HTTP thread (the embedded index's thread)
   * renders there, so the HTTP thread neither rebuilds the hits as objects nor serialises them, and
   * hands the bytes over in a buffer lent to it (transferred, not copied) when it can.
   */
  searchRendered?(query: SearchQuery): Promise<RenderedSearchResult>;
  /**
   * Builds a new index from every open job and swaps it in atomically (a new directory or a new
   * Elasticsearch index behind the alias); searches keep answering from the old one meanwhile.
   */
  rebuild(
    docs: AsyncIterable<SearchJobDoc>,
    onProgress?: (progress: { phase: string; documents: number }) => void,
  ): Promise<{ documents: number }>;
  /** Forgets removal tombstones older than `before` (epoch ms); returns how many. */
  pruneTombstones(before: number): Promise<number>;
  /** Size, analyzer version, and why a reindex is needed (null when it is not). */
  status(): Promise<{ documents: number; analyzerVersion: string; needsReindex: string | null }>;
  close(): Promise<void>;
}

export interface WriteOptions {
  /** Default true: durable before the call returns. False: durable at the next `sync()`. */
  durable?: boolean;
}

export interface RenderedSearchResult {
  /** The position after this page (null: it is the last). */
  next: string | null;
  /**
   * The body from its start up to and including `"nextCursor":`: as text, or as the first `length`
   * bytes (UTF-8) of `bytes`, a pooled buffer with room left after them for the tail, which whoever
   * receives it must `release` once the answer is sent or abandoned.
   */
  head: string | { bytes: Buffer; length: number; release: () => void };
}

/**
 * The index cannot answer now: it must be rebuilt (analyzer or format changed, damaged, closed) or
 * its cluster cannot be reached. The search route answers 503.
 */
export class SearchUnavailableError extends Error {
  constructor(
    readonly reason: string,
    /** 'reindex': the index must be rebuilt; 'unreachable': the engine cannot be reached now. */
    readonly kind: 'reindex' | 'unreachable' = 'reindex',
  ) {
    super(`search index unavailable: ${reason}`);
    this.name = 'SearchUnavailableError';
  }
}
