import { createHash } from 'node:crypto';
import { createInstantFormatter, parseInstant } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import { PlatformErrors } from '../../platform/errors.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { EventOf } from '../../platform/events/types.js';
import { isInChina, toGcj02 } from '../../platform/geo.js';
import type { JobChangeEvent, JobEventMap } from '../job/index.js';
import { DEFAULT_LIMIT, SearchEngineError, type PayType, type Settlement } from './engine/types.js';
import { SearchErrors } from './search.errors.js';
import { renderBodyTail, renderResult, toSearchDoc } from './search.mappers.js';
import {
  SearchUnavailableError,
  type RenderedSearchResult,
  type SearchIndex,
  type SearchQuery,
} from './search.port.js';
import type { SearchJobsQuery } from './search.schemas.js';

export const DEFAULT_RADIUS_METERS = 5000;
/** Index changes made by the event consumer: durable at its transaction's beforeCommit sync. */
const UNTIL_SYNC = { durable: false } as const;

export interface SearchServiceDeps {
  index: SearchIndex;
  cursors: CursorCodec;
  timeZone: string;
}

export type SearchService = ReturnType<typeof createSearchService>;

/**
 * A search answer's body: text, or UTF-8 bytes in a buffer lent from the search threads' pool,
 * which the sender releases once the response is over (platform/http/json-text.ts sendJsonBytes).
 */
export type SearchAnswer = string | { bytes: Buffer; release: () => void };

/**
 * The search service's rules: turns an HTTP query into an engine query (datum conversion, defaults,
 * lists, instants), binds cursors to their query, and answers pages of job cards. Also applies job
 * events to the index.
 */
export function createSearchService(deps: SearchServiceDeps) {
  const { cursors } = deps;
  const formatInstant = createInstantFormatter(deps.timeZone);
  const syncIndex = () => deps.index.sync();

  function toEngineQuery(q: SearchJobsQuery): SearchQuery {
    const query: SearchQuery = { limit: q.limit ?? DEFAULT_LIMIT };
    const keyword = q.q?.trim();
    if (keyword) query.keyword = keyword;
    if (q.lng !== undefined || q.lat !== undefined || q.radius !== undefined) {
      if (q.lng === undefined || q.lat === undefined) throw SearchErrors.SEARCH_LOCATION_INVALID();
      const point = toGcj02({ lng: q.lng, lat: q.lat }, q.coord ?? 'gcj02');
      if (!isInChina(point)) throw SearchErrors.SEARCH_LOCATION_INVALID();
      query.near = { ...point, radiusMeters: q.radius ?? DEFAULT_RADIUS_METERS };
    }
    if (q.city) query.city = q.city;
    const filters: NonNullable<SearchQuery['filters']> = {};
    const split = (values: string[] | undefined): string[] | undefined =>
      values ? [...new Set(values.flatMap((v) => v.split(',')).filter(Boolean))] : undefined;
    const categories = split(q.category);
    if (categories) filters.categories = categories;
    const payTypes = split(q.payType);
    if (payTypes) filters.payTypes = payTypes as PayType[];
    const settlements = split(q.settlement);
    if (settlements) filters.settlements = settlements as Settlement[];
    if (q.minPay !== undefined) filters.minPayFen = q.minPay;
    if (q.tags) filters.tags = q.tags;
    if (q.verified === true) filters.employerVerified = true;
    const instant = (field: string, text: string | undefined): number | undefined => {
      if (text === undefined) return undefined;
      const ms = parseInstant(text);
      if (ms === undefined) throw SearchErrors.INSTANT_INVALID({ field });
      return ms;
    };
    const from = instant('from', q.from);
    const to = instant('to', q.to);
    if (from !== undefined && to !== undefined && from > to)
      throw SearchErrors.SEARCH_QUERY_INVALID({ reason: 'from > to' });
    if (from !== undefined || to !== undefined)
      filters.dateRange = { ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) };
    if (Object.keys(filters).length > 0) query.filters = filters;
    if (q.sort) query.sort = q.sort;
    return query;
  }

  function nextCursorOf(next: string | null, scoped: () => string): string | null {
    return next === null ? null : cursors.encodeFor(scoped(), { p: next });
  }

  /** A cursor only continues the query it came from: its scope is a hash of that query. */
  function scopeOf(query: SearchQuery): string {
    const { limit: _limit, after: _after, ...rest } = query;
    const digest = createHash('sha256').update(JSON.stringify(rest)).digest('base64url').slice(0, 22);
    return `search.jobs:${digest}`;
  }

  return {
    /**
     * One page of search results as the JSON body of the answer (SearchJobsResponse): rendered by
     * the index when it can (the embedded index's thread), else here from its hits.
     */
    async search(q: SearchJobsQuery): Promise<SearchAnswer> {
      const query = toEngineQuery(q);
      // The scope (a hash of the query) is computed only when a cursor is read or written.
      let scope: string | undefined;
      const scoped = (): string => (scope ??= scopeOf(query));
      if (q.cursor !== undefined) {
        const position = cursors.decode(q.cursor, scoped()).p;
        if (typeof position !== 'string') throw PlatformErrors.INVALID_CURSOR();
        query.after = position;
      }
      let page: RenderedSearchResult;
      try {
        page = deps.index.searchRendered
          ? await deps.index.searchRendered(query)
          : renderResult(await deps.index.search(query), formatInstant);
      } catch (e) {
        if (e instanceof SearchUnavailableError) {
          throw e.kind === 'reindex'
            ? SearchErrors.SEARCH_REINDEX_REQUIRED()
            : SearchErrors.SEARCH_UNAVAILABLE();
        }
        if (e instanceof SearchEngineError && e.code === 'INVALID_POSITION')
          throw PlatformErrors.INVALID_CURSOR();
        if (e instanceof SearchEngineError && e.code === 'INVALID_QUERY')
          throw SearchErrors.SEARCH_QUERY_INVALID({ reason: e.message });
        throw e;
      }
      const { head } = page;
      if (typeof head === 'string') return head + renderBodyTail(nextCursorOf(page.next, scoped));
      const { bytes, length, release } = head;
      try {
        const tail = renderBodyTail(nextCursorOf(page.next, scoped));
        // The tail is ASCII: as many bytes as characters. The buffer always leaves room for it;
        // were it ever short, the answer is copied out as text instead.
        if (bytes.write(tail, length, 'latin1') === tail.length) {
          return { bytes: bytes.subarray(0, length + tail.length), release };
        }
        const text = bytes.toString('utf8', 0, length) + tail;
        release();
        return text;
      } catch (e) {
        release();
        throw e;
      }
    },

    /**
     * Applies a job event: an open job is (re)indexed, any other status removes it. Versions make
     * this idempotent, so a redelivered or reordered event changes nothing. The change is
     * searchable at once and made durable just before the consumer's transaction commits (its inbox
     * row), once for the whole batch of events that transaction handles.
     */
    async applyJobEvent(event: EventOf<JobEventMap, JobChangeEvent>, tx: Tx<unknown>): Promise<void> {
      const { payload } = event;
      if ('job' in payload && payload.status === 'open') {
        await deps.index.upsert(toSearchDoc(payload.job), UNTIL_SYNC);
      } else {
        await deps.index.remove(payload.jobId, payload.version, event.createdAt, UNTIL_SYNC);
      }
      tx.beforeCommit(syncIndex);
    },
  };
}
