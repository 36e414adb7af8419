/**
 * The contract of the embedded search engine: the document the job service feeds it, the query the
 * search service asks, and the result it gets back. Plain data only; no HTTP, no database.
 */

export type PayType = 'hourly' | 'daily' | 'piece' | 'fixed';
export type Settlement = 'daily' | 'weekly' | 'on_completion';

export const PAY_TYPES: readonly PayType[] = ['hourly', 'daily', 'piece', 'fixed'];
export const SETTLEMENTS: readonly Settlement[] = ['daily', 'weekly', 'on_completion'];

/** One open job as the job service emits it (one per `job.*` change). */
export interface SearchJobDoc {
  jobId: string; // ULID (26 chars)
  version: number; // job version; an upsert with a version <= the stored one is ignored
  title: string; // ≤ 60 chars
  description: string; // ≤ 2000 chars
  category: string; // leaf or top-level code from gig-categories, e.g. 'cleaning.home'
  tags: string[]; // ≤ 10 short Chinese/latin tags, e.g. ['日结','包午餐']
  payType: PayType;
  payAmountFen: number; // integer fen
  settlement: Settlement;
  employerVerified: boolean;
  city: string; // city name, e.g. '上海市'
  location: { lng: number; lat: number }; // GCJ-02
  startsAt: number; // epoch ms, first shift start
  endsAt: number; // epoch ms, last shift end
  publishedAt: number; // epoch ms
}

/**
 * Result order. Every order breaks ties by jobId descending (ULIDs sort by creation time, so the
 * newer job first), which makes the order total and pagination stable.
 * - `relevance`: BM25 score, highest first (needs a keyword);
 * - `distance`: nearest first (needs `near`);
 * - `pay`: `payAmountFen` highest first (the raw amount: combine with a `payTypes` filter to compare
 *   like with like);
 * - `newest`: `publishedAt` latest first.
 */
export const SEARCH_SORTS = ['relevance', 'distance', 'pay', 'newest'] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

export interface SearchFilters {
  /** Category codes; a top-level code (e.g. `housekeeping`) also matches all its children. */
  categories?: string[];
  payTypes?: PayType[];
  /** Minimum `payAmountFen` (inclusive). */
  minPayFen?: number;
  /** Jobs whose [startsAt, endsAt] overlaps [from, to] (epoch ms, both inclusive, either open). */
  dateRange?: { from?: number; to?: number };
  settlements?: Settlement[];
  /** Every listed tag must be on the job (tags compare after normalisation: case, width). */
  tags?: string[];
  /** true: only jobs of verified employers. false or absent: no restriction. */
  employerVerified?: boolean;
}

export const MAX_RADIUS_METERS = 50_000;
export const MAX_LIMIT = 50;
export const DEFAULT_LIMIT = 20;

export interface SearchQuery {
  /**
   * Free text, analysed exactly like the documents; every term must match (AND). Numbers are plain
   * tokens: "日结 200" finds jobs whose text has the token 200 (e.g. "200元/天"), not "2000". Use
   * `filters.minPayFen` for pay ranges. A keyword that yields no term (e.g. one Chinese character or
   * only punctuation) matches nothing.
   */
  keyword?: string;
  /** Radius search around a GCJ-02 point; radiusMeters in (0, 50 000]. */
  near?: { lng: number; lat: number; radiusMeters: number };
  /** City name; "上海" and "上海市" are the same city. */
  city?: string;
  filters?: SearchFilters;
  /** Default: relevance with a keyword, else distance with `near`, else newest. */
  sort?: SearchSort;
  /** 1..50, default 20. */
  limit?: number;
  /** The `next` position of the previous page (opaque; the search service signs it). */
  after?: string | null;
  /** Count facets (default true). */
  facets?: boolean;
}

/**
 * What a hit carries for a list view (a job card): the document without its description, so a
 * page needs no second lookup. An engine may store these fields however it likes (the embedded one
 * keeps them in its columns; Elasticsearch in `_source`).
 */
export type SearchHitDoc = Omit<SearchJobDoc, 'description'>;

export interface SearchHit {
  jobId: string;
  /** The job card fields, as last indexed. */
  doc: SearchHitDoc;
  /** BM25 score of the keyword (0 without a keyword). */
  score: number;
  /** Metres from `near` (only with `near`). */
  distanceMeters?: number;
  /** HTML-escaped text with matches wrapped in `<em>`…`</em>`. */
  highlight: { title: string; description: string };
}

export interface SearchFacets {
  /** Matches per category code; a top-level code counts all its children's matches too. */
  category: Record<string, number>;
  payType: Record<string, number>;
}

export interface SearchResult {
  hits: SearchHit[];
  facets: SearchFacets;
  /** Number of matches; `exact` is false when it is only a lower bound. */
  total: { value: number; exact: boolean };
  /** Position after the last hit, or null when there is no further page. */
  next: string | null;
}

export type SearchEngineErrorCode =
  'INVALID_QUERY' | 'INVALID_POSITION' | 'INVALID_DOCUMENT' | 'INDEX_CORRUPT';

/** Raised for bad input; the search service maps `code` to its own HTTP errors. */
export class SearchEngineError extends Error {
  constructor(
    readonly code: SearchEngineErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SearchEngineError';
  }
}
