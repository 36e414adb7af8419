import { Client, errors, type estypes } from '@elastic/elasticsearch';
import type { Clock } from '../../../platform/clock.js';
import type { Logger } from '../../../platform/log.js';
import { ANALYZER_VERSION, analyze, analyzeQuery, normalizeTag } from '../engine/analyzer.js';
import { cosLatOf, haversineMeters } from '../engine/geo-grid.js';
import { highlightSnippet, highlightText } from '../engine/highlight.js';
import { cityKey, parentCategory } from '../engine/job-index.js';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_RADIUS_METERS,
  SEARCH_SORTS,
  SearchEngineError,
  type SearchHit,
  type SearchHitDoc,
  type SearchJobDoc,
  type SearchQuery,
  type SearchResult,
  type SearchSort,
} from '../engine/types.js';
import { SearchUnavailableError, type SearchIndex } from '../search.port.js';

/**
 * The Elasticsearch engine behind the SearchIndex port (Elasticsearch 8 and 9; the 8.x client talks
 * to 9 through REST compatibility).
 *
 * - Text is segmented here, by the same analyzer as the embedded engine (jieba + gig dictionary,
 *   NFKC, case folding, bigrams of stray characters), and stored as whitespace-separated terms in
 *   `*Terms` fields with the `whitespace` analyzer: both engines match exactly the same terms, and
 *   the cluster needs no Chinese analysis plugin. The analyzer version is kept in the mapping's
 *   `_meta`; a mismatch asks for a reindex.
 * - Versions: documents are written with `version_type=external` and the job's version, so the
 *   cluster itself refuses an older version (409 → 'stale'). A removal writes a tombstone document
 *   (`deleted: true`) with its version rather than deleting, so a late, older upsert cannot bring
 *   a removed job back (a real delete's version is forgotten after `index.gc_deletes`).
 * - Reindexing builds a new concrete index `<alias>-<time>` from an index template (`geo_point`,
 *   `refresh_interval` 500 ms for sub-second freshness), writes every change to both indexes while
 *   it runs, then moves the alias in one `_aliases` call and drops the old index: no downtime.
 * - Pagination is `search_after` on (sort key, jobId), encoded as `<sort>:<key>:<jobId>` positions;
 *   facets are terms aggregations; highlights and distances are computed here with the embedded
 *   engine's functions so both engines render alike. Relevance pages follow `_score`, which the
 *   cluster recomputes as the index changes, so a refresh between two pages can shift a hit across
 *   the boundary (the embedded engine freezes its scoring statistics in the position; a
 *   point-in-time search would do the same here and is not used yet).
 */
export interface ElasticsearchIndexOptions {
  node: string;
  /** The alias searched and written (default linggong-jobs); concrete indexes are `<alias>-<time>`. */
  alias?: string;
  auth?: { username: string; password: string } | { apiKey: string };
  requestTimeoutMs?: number;
  clock: Clock;
  log: Logger;
  /** For tests: a preconfigured client. */
  client?: Client;
}

/** The document as stored in Elasticsearch. */
interface EsJob {
  jobId: string;
  version: number;
  deleted: boolean;
  removedAt?: number;
  title?: string;
  description?: string;
  titleTerms?: string;
  descriptionTerms?: string;
  tagTerms?: string;
  category?: string;
  categoryPath?: string[];
  tags?: string[];
  tagKeys?: string[];
  payType?: string;
  payAmountFen?: number;
  settlement?: string;
  employerVerified?: boolean;
  city?: string;
  cityKey?: string;
  location?: { lat: number; lon: number };
  startsAt?: number;
  endsAt?: number;
  publishedAt?: number;
}

const FORMAT = 1;
const SORT_CODE: Record<SearchSort, string> = { relevance: 'r', distance: 'd', pay: 'p', newest: 'n' };

export function jobMappings(): estypes.MappingTypeMapping {
  const keyword = { type: 'keyword' } as const;
  const date = { type: 'date', format: 'epoch_millis' } as const;
  const terms = { type: 'text', analyzer: 'whitespace', norms: true } as const;
  return {
    dynamic: 'strict',
    _meta: { analyzerVersion: ANALYZER_VERSION, format: FORMAT },
    properties: {
      jobId: keyword,
      version: { type: 'long' },
      deleted: { type: 'boolean' },
      removedAt: date,
      title: { type: 'text', index: false },
      description: { type: 'text', index: false },
      titleTerms: terms,
      descriptionTerms: terms,
      tagTerms: terms,
      category: keyword,
      categoryPath: keyword,
      tags: { type: 'keyword', index: false },
      tagKeys: keyword,
      payType: keyword,
      payAmountFen: { type: 'long' },
      settlement: keyword,
      employerVerified: { type: 'boolean' },
      city: { type: 'keyword', index: false },
      cityKey: keyword,
      location: { type: 'geo_point' },
      startsAt: date,
      endsAt: date,
      publishedAt: date,
    },
  };
}

/** A job as written to Elasticsearch: analysed terms beside the original text. */
export function toEsJob(doc: SearchJobDoc): EsJob {
  const parent = parentCategory(doc.category);
  return {
    jobId: doc.jobId,
    version: doc.version,
    deleted: false,
    title: doc.title,
    description: doc.description,
    titleTerms: analyze(doc.title).join(' '),
    descriptionTerms: analyze(doc.description).join(' '),
    tagTerms: doc.tags.flatMap((t) => analyze(t)).join(' '),
    category: doc.category,
    categoryPath: parent ? [parent, doc.category] : [doc.category],
    tags: doc.tags,
    tagKeys: doc.tags.map(normalizeTag).filter((t) => t.length > 0),
    payType: doc.payType,
    payAmountFen: doc.payAmountFen,
    settlement: doc.settlement,
    employerVerified: doc.employerVerified,
    city: doc.city,
    cityKey: cityKey(doc.city),
    location: { lat: doc.location.lat, lon: doc.location.lng },
    startsAt: doc.startsAt,
    endsAt: doc.endsAt,
    publishedAt: doc.publishedAt,
  };
}

const invalid = (message: string): never => {
  throw new SearchEngineError('INVALID_QUERY', message);
};

/** The search request for a query (without the index): exported so tests can read it. */
export function buildSearchRequest(q: SearchQuery): {
  request: estypes.SearchRequest;
  sort: SearchSort;
  terms: string[];
} {
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) invalid(`limit must be 1..${MAX_LIMIT}`);
  const sort = q.sort ?? (q.keyword !== undefined ? 'relevance' : q.near ? 'distance' : 'newest');
  if (!SEARCH_SORTS.includes(sort)) invalid(`unknown sort ${String(sort)}`);
  if (sort === 'distance' && !q.near) invalid('sort by distance needs near');
  if (sort === 'relevance' && q.keyword === undefined) invalid('sort by relevance needs a keyword');
  if (q.near && !(q.near.radiusMeters > 0 && q.near.radiusMeters <= MAX_RADIUS_METERS)) {
    invalid(`radiusMeters must be in (0, ${MAX_RADIUS_METERS}]`);
  }

  const must: estypes.QueryDslQueryContainer[] = [];
  const filter: estypes.QueryDslQueryContainer[] = [{ term: { deleted: false } }];
  const terms = q.keyword !== undefined ? analyzeQuery(q.keyword) : [];
  for (const term of terms) {
    must.push({
      multi_match: { query: term, fields: ['titleTerms^3', 'descriptionTerms', 'tagTerms^2'] },
    });
  }
  if (q.near) {
    filter.push({
      geo_distance: {
        distance: `${q.near.radiusMeters}m`,
        distance_type: 'arc',
        location: { lat: q.near.lat, lon: q.near.lng },
      },
    });
  }
  if (q.city !== undefined) filter.push({ term: { cityKey: cityKey(q.city) } });
  const f = q.filters ?? {};
  if (f.categories?.length) filter.push({ terms: { categoryPath: f.categories } });
  if (f.payTypes?.length) filter.push({ terms: { payType: f.payTypes } });
  if (f.minPayFen !== undefined) filter.push({ range: { payAmountFen: { gte: f.minPayFen } } });
  if (f.dateRange?.to !== undefined) filter.push({ range: { startsAt: { lte: f.dateRange.to } } });
  if (f.dateRange?.from !== undefined) filter.push({ range: { endsAt: { gte: f.dateRange.from } } });
  if (f.settlements?.length) filter.push({ terms: { settlement: f.settlements } });
  for (const tag of f.tags ?? []) filter.push({ term: { tagKeys: normalizeTag(tag) } });
  if (f.employerVerified === true) filter.push({ term: { employerVerified: true } });

  const primary: estypes.SortCombinations =
    sort === 'relevance'
      ? { _score: { order: 'desc' } }
      : sort === 'distance'
        ? {
            _geo_distance: {
              location: { lat: q.near!.lat, lon: q.near!.lng },
              order: 'asc',
              unit: 'm',
              distance_type: 'arc',
            },
          }
        : sort === 'pay'
          ? { payAmountFen: { order: 'desc' } }
          : { publishedAt: { order: 'desc' } };

  const request: estypes.SearchRequest = {
    query: { bool: { must, filter } },
    sort: [primary, { jobId: { order: 'desc' } }],
    size: limit + 1,
    track_total_hits: true,
    _source: { excludes: ['titleTerms', 'descriptionTerms', 'tagTerms'] },
  };
  if (q.facets !== false) {
    request.aggs = {
      category: { terms: { field: 'categoryPath', size: 500 } },
      payType: { terms: { field: 'payType', size: 10 } },
    };
  }
  if (q.after) request.search_after = decodePosition(sort, q.after);
  return { request, sort, terms };
}

function decodePosition(sort: SearchSort, position: string): [number, string] {
  const parts = position.split(':');
  const key = Number(parts[1]);
  if (parts.length !== 3 || parts[0] !== SORT_CODE[sort] || parts[1] === '' || !Number.isFinite(key)) {
    throw new SearchEngineError('INVALID_POSITION', 'the position does not belong to this query');
  }
  if (parts[2]!.length !== 26) throw new SearchEngineError('INVALID_POSITION', 'bad job id in position');
  return [key, parts[2]!];
}

/** The job card of a hit, from the stored document. */
function toHitDoc(src: EsJob): SearchHitDoc {
  return {
    jobId: src.jobId,
    version: src.version,
    title: src.title ?? '',
    category: src.category ?? '',
    tags: src.tags ?? [],
    payType: (src.payType ?? 'fixed') as SearchHitDoc['payType'],
    payAmountFen: src.payAmountFen ?? 0,
    settlement: (src.settlement ?? 'on_completion') as SearchHitDoc['settlement'],
    employerVerified: src.employerVerified ?? false,
    city: src.city ?? '',
    location: { lng: src.location?.lon ?? 0, lat: src.location?.lat ?? 0 },
    startsAt: src.startsAt ?? 0,
    endsAt: src.endsAt ?? 0,
    publishedAt: src.publishedAt ?? 0,
  };
}

/** Maps a search response to the port's result. */
export function readSearchResponse(
  q: SearchQuery,
  sort: SearchSort,
  terms: string[],
  res: estypes.SearchResponse<EsJob>,
): SearchResult {
  const limit = q.limit ?? DEFAULT_LIMIT;
  const raw = res.hits.hits;
  const page = raw.slice(0, limit);
  const nearCos = q.near ? cosLatOf(q.near.lat) : 0;
  const hits: SearchHit[] = page.map((h) => {
    const src = h._source!;
    const hit: SearchHit = {
      jobId: src.jobId,
      doc: toHitDoc(src),
      score: sort === 'relevance' || terms.length > 0 ? (h._score ?? 0) : 0,
      highlight: {
        title: highlightText(src.title ?? '', terms),
        description: highlightSnippet(src.description ?? '', terms),
      },
    };
    if (q.near && src.location) {
      const lat = src.location.lat;
      hit.distanceMeters = haversineMeters(
        q.near.lat,
        q.near.lng,
        nearCos,
        lat,
        src.location.lon,
        cosLatOf(lat),
      );
    }
    return hit;
  });
  const buckets = (name: string): Record<string, number> => {
    const agg = res.aggregations?.[name] as estypes.AggregationsStringTermsAggregate | undefined;
    const list = (agg?.buckets ?? []) as estypes.AggregationsStringTermsBucket[];
    return Object.fromEntries(list.map((b) => [String(b.key), b.doc_count]));
  };
  const total = res.hits.total;
  const last = page.at(-1);
  const lastSort = last?.sort as [number, string] | undefined;
  return {
    hits,
    facets: { category: buckets('category'), payType: buckets('payType') },
    total:
      typeof total === 'number'
        ? { value: total, exact: true }
        : { value: total?.value ?? hits.length, exact: total?.relation !== 'gte' },
    next:
      raw.length > limit && lastSort
        ? `${SORT_CODE[sort]}:${String(Number(lastSort[0]))}:${String(lastSort[1])}`
        : null,
  };
}

export function createElasticsearchIndex(options: ElasticsearchIndexOptions): SearchIndex {
  const alias = options.alias ?? 'linggong-jobs';
  const client =
    options.client ??
    new Client({
      node: options.node,
      ...(options.auth ? { auth: options.auth } : {}),
      requestTimeout: options.requestTimeoutMs ?? 5_000,
      maxRetries: 2,
    });
  async function status() {
    if (!(await client.indices.existsAlias({ name: alias }))) {
      return { documents: 0, analyzerVersion: ANALYZER_VERSION, needsReindex: 'no index yet' };
    }
    const mapping = await client.indices.getMapping({ index: alias });
    const meta = Object.values(mapping)[0]?.mappings._meta as
      { analyzerVersion?: string; format?: number } | undefined;
    const count = await client.count({ index: alias, query: { term: { deleted: false } } });
    const stored = meta?.analyzerVersion ?? 'unknown';
    return {
      documents: count.count,
      analyzerVersion: stored,
      needsReindex:
        stored !== ANALYZER_VERSION
          ? `analyzer changed (${stored} → ${ANALYZER_VERSION})`
          : meta?.format !== FORMAT
            ? 'index format changed'
            : null,
    };
  }

  /** A cluster that cannot be reached makes search unavailable (503), not a server error. */
  async function reachable<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (
        e instanceof errors.ConnectionError ||
        e instanceof errors.TimeoutError ||
        e instanceof errors.NoLivingConnectionsError ||
        (e instanceof errors.ResponseError && (e.statusCode ?? 0) >= 500)
      ) {
        throw new SearchUnavailableError(`Elasticsearch: ${e.name}`, 'unreachable');
      }
      throw e;
    }
  }
  /** While a rebuild runs, every change is also written to the index being built. */
  let building: string | undefined;
  let ready: Promise<void> | undefined;

  async function putTemplate(): Promise<void> {
    await client.indices.putIndexTemplate({
      name: alias,
      index_patterns: [`${alias}-*`],
      template: {
        settings: { number_of_shards: 1, refresh_interval: '500ms' },
        mappings: jobMappings(),
      },
    });
  }

  const newIndexName = (): string => `${alias}-${options.clock.now()}`;

  /** Creates the template, a first index and the alias when the cluster has none. */
  function ensureReady(): Promise<void> {
    ready ??= (async () => {
      if (await client.indices.existsAlias({ name: alias })) return;
      await putTemplate();
      const index = newIndexName();
      await client.indices.create({ index, aliases: { [alias]: {} } });
      options.log.info({ alias, index }, 'created the Elasticsearch job index');
    })().catch((e: unknown) => {
      ready = undefined;
      throw e;
    });
    return ready;
  }

  async function write(index: string, id: string, version: number, document: EsJob) {
    try {
      const res = await client.index({ index, id, version, version_type: 'external', document });
      return res.result;
    } catch (e) {
      if (e instanceof errors.ResponseError && e.statusCode === 409) return 'stale' as const;
      throw e;
    }
  }

  /** Writes to the alias and, during a rebuild, to the new index too; the alias's answer counts. */
  async function writeEverywhere(id: string, version: number, document: EsJob) {
    await ensureReady();
    const target = building;
    const [result] = await Promise.all([
      write(alias, id, version, document),
      ...(target ? [write(target, id, version, document)] : []),
    ]);
    return result;
  }

  return {
    engine: 'elasticsearch',

    async upsert(doc) {
      const result = await reachable(() => writeEverywhere(doc.jobId, doc.version, toEsJob(doc)));
      return result === 'stale' ? 'stale' : result === 'created' ? 'inserted' : 'updated';
    },

    async remove(jobId, version, removedAt) {
      const result = await reachable(() =>
        writeEverywhere(jobId, version, { jobId, version, deleted: true, removedAt }),
      );
      return result === 'stale' ? 'stale' : result === 'created' ? 'absent' : 'removed';
    },

    // An acknowledged write is already durable (the cluster's translog).
    async sync() {},

    async search(q) {
      const { request, sort, terms } = buildSearchRequest(q);
      if (q.keyword !== undefined && terms.length === 0) {
        return {
          hits: [],
          facets: { category: {}, payType: {} },
          total: { value: 0, exact: true },
          next: null,
        };
      }
      const res = await reachable(async () => {
        await ensureReady();
        return client.search<EsJob>({ index: alias, ...request });
      });
      return readSearchResponse(q, sort, terms, res);
    },

    async rebuild(docs, onProgress) {
      await ensureReady();
      await putTemplate();
      const index = newIndexName();
      await client.indices.create({ index });
      building = index;
      let documents = 0;
      try {
        let batch: (estypes.BulkOperationContainer | EsJob)[] = [];
        const flush = async (): Promise<void> => {
          if (batch.length === 0) return;
          const res = await client.bulk({ operations: batch });
          batch = [];
          const failed = res.items.filter((i) => i.index?.error && i.index.status !== 409);
          if (failed.length > 0) {
            throw new Error(`bulk indexing failed: ${failed[0]!.index!.error!.reason ?? 'unknown'}`);
          }
          onProgress?.({ phase: 'indexing', documents });
        };
        for await (const doc of docs) {
          batch.push(
            { index: { _index: index, _id: doc.jobId, version: doc.version, version_type: 'external' } },
            toEsJob(doc),
          );
          documents++;
          if (batch.length >= 2_000) await flush();
        }
        await flush();
        await client.indices.refresh({ index });
        const current = Object.keys(await client.indices.getAlias({ name: alias }));
        await client.indices.updateAliases({
          actions: [...current.map((old) => ({ remove: { index: old, alias } })), { add: { index, alias } }],
        });
        building = undefined;
        for (const old of current) await client.indices.delete({ index: old });
        onProgress?.({ phase: 'done', documents });
        return { documents };
      } catch (e) {
        building = undefined;
        await client.indices.delete({ index }).catch(() => undefined);
        throw e;
      }
    },

    status: () => reachable(status),
    async pruneTombstones(before) {
      const res = await reachable(() =>
        client.deleteByQuery({
          index: alias,
          query: {
            bool: { filter: [{ term: { deleted: true } }, { range: { removedAt: { lt: before } } }] },
          },
          conflicts: 'proceed',
        }),
      );
      return res.deleted ?? 0;
    },

    async close() {
      await client.close();
    },
  };
}
