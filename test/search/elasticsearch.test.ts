import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { createLogger } from '../../src/platform/log.js';
import { ANALYZER_VERSION, analyze } from '../../src/services/search/engine/analyzer.js';
import type { SearchJobDoc } from '../../src/services/search/engine/types.js';
import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { systemClock } from '../../src/platform/clock.js';
import { createElasticsearchIndex } from '../../src/services/search/elasticsearch/es-index.js';
import { describeSearchIndexContract } from './index-contract.js';

/**
 * No Elasticsearch server runs on the build machine. These tests check the requests the adapter
 * sends and how it reads responses shaped as Elasticsearch's REST API documentation shows them
 * (index, search with aggregations, bulk, aliases, 409 version conflicts), served by a scripted
 * HTTP server on loopback. At the end of this file, the search index contract (index-contract.ts)
 * runs against a real Elasticsearch 8/9 cluster when LINGGONG_TEST_ES_URL is set (e.g.
 * http://127.0.0.1:9200), in an alias and index template of its own that it deletes after.
 */
interface Seen {
  method: string;
  path: string;
  query: URLSearchParams;
  body: string;
}
type Reply = { status: number; body?: unknown; ndjson?: boolean };
let server: Server;
let baseUrl: string;
let seen: Seen[] = [];
let route: (r: Seen) => Reply;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      const r: Seen = { method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, body };
      seen.push(r);
      const reply = route(r);
      res.writeHead(reply.status, {
        'content-type': 'application/json',
        'x-elastic-product': 'Elasticsearch',
      });
      res.end(req.method === 'HEAD' || reply.body === undefined ? undefined : JSON.stringify(reply.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen = [];
});

const clock = new FakeClock(Date.UTC(2026, 10, 25, 8));
const log = createLogger({ level: 'silent' });
const index = () => createElasticsearchIndex({ node: baseUrl, clock, log });
const ID = (n: number) => `01KF0000000000000000000${String(n).padStart(3, '0')}`;

function doc(n: number, overrides: Partial<SearchJobDoc> = {}): SearchJobDoc {
  return {
    jobId: ID(n),
    version: 3,
    title: '急招商场保洁阿姨 日结200元',
    description: '负责商场公共区域日常保洁，包午餐。',
    category: 'housekeeping.cleaner',
    tags: ['日结', '包午餐'],
    payType: 'daily',
    payAmountFen: 20000,
    settlement: 'daily',
    employerVerified: false,
    city: '上海市',
    location: { lng: 121.4737, lat: 31.2304 },
    startsAt: Date.UTC(2026, 10, 26, 1),
    endsAt: Date.UTC(2026, 10, 26, 9),
    publishedAt: Date.UTC(2026, 10, 25, 7),
    ...overrides,
  };
}

const ok = (body: unknown): Reply => ({ status: 200, body });
const indexed = (result: 'created' | 'updated', id: string, version: number): Reply => ({
  status: result === 'created' ? 201 : 200,
  body: {
    _index: 'linggong-jobs-1795622400000',
    _id: id,
    _version: version,
    result,
    _shards: { total: 1, successful: 1, failed: 0 },
    _seq_no: 0,
    _primary_term: 1,
  },
});
// As documented for a write with an external version that is not newer than the stored one.
const conflict = (id: string): Reply => ({
  status: 409,
  body: {
    error: {
      root_cause: [{ type: 'version_conflict_engine_exception', reason: `[${id}]: version conflict` }],
      type: 'version_conflict_engine_exception',
      reason: `[${id}]: version conflict, current version [5] is higher or equal to the one provided [3]`,
      index: 'linggong-jobs-1795622400000',
    },
    status: 409,
  },
});

describe('Elasticsearch adapter: writes', () => {
  it('creates the template, the first index and the alias, then writes with external versions', async () => {
    let aliasExists = false;
    route = (r) => {
      if (r.method === 'HEAD' && r.path === '/_alias/linggong-jobs')
        return { status: aliasExists ? 200 : 404 };
      if (r.method === 'PUT' && r.path === '/_index_template/linggong-jobs')
        return ok({ acknowledged: true });
      if (r.method === 'PUT' && r.path.startsWith('/linggong-jobs-')) {
        aliasExists = true;
        return ok({ acknowledged: true, shards_acknowledged: true, index: r.path.slice(1) });
      }
      if (r.method === 'PUT' && r.path === `/linggong-jobs/_doc/${ID(1)}`)
        return indexed('created', ID(1), 3);
      return { status: 500, body: { error: `unexpected ${r.method} ${r.path}` } };
    };
    expect(await index().upsert(doc(1))).toBe('inserted');

    const template = JSON.parse(seen.find((s) => s.path === '/_index_template/linggong-jobs')!.body);
    expect(template.index_patterns).toEqual(['linggong-jobs-*']);
    const mappings = template.template.mappings;
    expect(mappings._meta).toEqual({ analyzerVersion: ANALYZER_VERSION, format: 1 });
    expect(mappings.dynamic).toBe('strict');
    expect(mappings.properties.location).toEqual({ type: 'geo_point' });
    expect(mappings.properties.titleTerms).toMatchObject({ type: 'text', analyzer: 'whitespace' });
    expect(template.template.settings.refresh_interval).toBe('500ms');
    const created = seen.find((s) => s.method === 'PUT' && s.path.startsWith('/linggong-jobs-'))!;
    expect(created.path).toBe(`/linggong-jobs-${clock.now()}`);
    expect(JSON.parse(created.body)).toEqual({ aliases: { 'linggong-jobs': {} } });

    const write = seen.at(-1)!;
    expect(write.query.get('version')).toBe('3');
    expect(write.query.get('version_type')).toBe('external');
    const stored = JSON.parse(write.body);
    // The text is segmented here, exactly as the embedded engine does.
    expect(stored.titleTerms).toBe(analyze('急招商场保洁阿姨 日结200元').join(' '));
    expect(stored.titleTerms.split(' ')).toContain('保洁');
    expect(stored).toMatchObject({
      jobId: ID(1),
      version: 3,
      deleted: false,
      categoryPath: ['housekeeping', 'housekeeping.cleaner'],
      tagKeys: ['日结', '包午餐'],
      cityKey: '上海',
      location: { lat: 31.2304, lon: 121.4737 },
    });
  });

  it('answers stale for an older version, and removes with a versioned tombstone', async () => {
    route = (r) => {
      if (r.method === 'HEAD') return { status: 200 };
      if (r.path === `/linggong-jobs/_doc/${ID(2)}`) return conflict(ID(2));
      if (r.path === `/linggong-jobs/_doc/${ID(3)}`) return indexed('updated', ID(3), 6);
      if (r.path === `/linggong-jobs/_doc/${ID(4)}`) return indexed('created', ID(4), 2);
      return { status: 500 };
    };
    const es = index();
    expect(await es.upsert(doc(2))).toBe('stale');
    expect(await es.remove(ID(3), 6, clock.now())).toBe('removed');
    expect(JSON.parse(seen.at(-1)!.body)).toEqual({
      jobId: ID(3),
      version: 6,
      deleted: true,
      removedAt: clock.now(),
    });
    expect(seen.at(-1)!.query.get('version')).toBe('6');
    // A removal of a job the index never had still leaves its tombstone (a late upsert stays out).
    expect(await es.remove(ID(4), 2, clock.now())).toBe('absent');
  });
});

describe('Elasticsearch adapter: queries', () => {
  const hit = (n: number, sort: unknown[], source: Partial<SearchJobDoc> = {}) => {
    const d = doc(n, source);
    return {
      _index: 'linggong-jobs-1795622400000',
      _id: d.jobId,
      _score: null,
      _source: {
        jobId: d.jobId,
        version: d.version,
        deleted: false,
        title: d.title,
        description: d.description,
        category: d.category,
        categoryPath: ['housekeeping', d.category],
        tags: d.tags,
        payType: d.payType,
        payAmountFen: d.payAmountFen,
        settlement: d.settlement,
        employerVerified: d.employerVerified,
        city: d.city,
        location: { lat: d.location.lat, lon: d.location.lng },
        startsAt: d.startsAt,
        endsAt: d.endsAt,
        publishedAt: d.publishedAt,
      },
      sort,
    };
  };
  // Shaped as the search API documents a response with `sort` values and terms aggregations.
  const searchResponse = (hits: unknown[], total: number) =>
    ok({
      took: 3,
      timed_out: false,
      _shards: { total: 1, successful: 1, skipped: 0, failed: 0 },
      hits: { total: { value: total, relation: 'eq' }, max_score: null, hits },
      aggregations: {
        category: {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: 0,
          buckets: [
            { key: 'housekeeping', doc_count: total },
            { key: 'housekeeping.cleaner', doc_count: total },
          ],
        },
        payType: {
          doc_count_error_upper_bound: 0,
          sum_other_doc_count: 0,
          buckets: [{ key: 'daily', doc_count: total }],
        },
      },
    });

  it('asks keyword + 5 km + nearest first, and reads hits, distances, highlights, facets and the next position', async () => {
    const near = { lng: 121.4737, lat: 31.2304, radiusMeters: 5000 };
    route = (r) => {
      if (r.method === 'HEAD') return { status: 200 };
      if (r.method === 'POST' && r.path === '/linggong-jobs/_search') {
        return searchResponse(
          [
            hit(1, [0, ID(1)]),
            hit(2, [812.5, ID(2)], { location: { lng: 121.48, lat: 31.2354 } }),
            hit(3, [1500.25, ID(3)]),
          ],
          57,
        );
      }
      return { status: 500 };
    };
    const es = index();
    const first = await es.search({ keyword: '保洁 日结', near, sort: 'distance', limit: 2 });
    const body = JSON.parse(seen.at(-1)!.body);
    expect(body.size).toBe(3);
    expect(body.track_total_hits).toBe(true);
    expect(body.query.bool.must).toEqual([
      { multi_match: { query: '保洁', fields: ['titleTerms^3', 'descriptionTerms', 'tagTerms^2'] } },
      { multi_match: { query: '日结', fields: ['titleTerms^3', 'descriptionTerms', 'tagTerms^2'] } },
    ]);
    expect(body.query.bool.filter).toEqual([
      { term: { deleted: false } },
      {
        geo_distance: { distance: '5000m', distance_type: 'arc', location: { lat: 31.2304, lon: 121.4737 } },
      },
    ]);
    expect(body.sort).toEqual([
      {
        _geo_distance: {
          location: { lat: 31.2304, lon: 121.4737 },
          order: 'asc',
          unit: 'm',
          distance_type: 'arc',
        },
      },
      { jobId: { order: 'desc' } },
    ]);

    expect(first.hits.map((h) => h.jobId)).toEqual([ID(1), ID(2)]);
    expect(first.hits[0]!.distanceMeters).toBe(0);
    expect(first.hits[1]!.distanceMeters).toBeGreaterThan(700);
    expect(first.hits[1]!.distanceMeters).toBeLessThan(900);
    expect(first.hits[0]!.highlight.title).toBe('急招商场<em>保洁</em>阿姨 <em>日结</em>200元');
    expect(first.facets).toEqual({
      category: { housekeeping: 57, 'housekeeping.cleaner': 57 },
      payType: { daily: 57 },
    });
    expect(first.total).toEqual({ value: 57, exact: true });
    expect(first.next).toBe(`d:812.5:${ID(2)}`);

    await es.search({ keyword: '保洁 日结', near, sort: 'distance', limit: 2, after: first.next });
    expect(JSON.parse(seen.at(-1)!.body).search_after).toEqual([812.5, ID(2)]);
  });

  it('turns filters into filter clauses, and sorts by pay or newest with the job id as tie-breaker', async () => {
    route = (r) => (r.method === 'HEAD' ? { status: 200 } : searchResponse([hit(1, [20000, ID(1)])], 1));
    const res = await index().search({
      city: '上海',
      filters: {
        categories: ['housekeeping'],
        payTypes: ['daily', 'hourly'],
        minPayFen: 15000,
        dateRange: { from: 1_000, to: 2_000 },
        settlements: ['daily'],
        tags: ['ＫＦＣ'],
        employerVerified: true,
      },
      sort: 'pay',
      facets: false,
    });
    const body = JSON.parse(seen.at(-1)!.body);
    expect(body.query.bool.filter).toEqual([
      { term: { deleted: false } },
      { term: { cityKey: '上海' } },
      { terms: { categoryPath: ['housekeeping'] } },
      { terms: { payType: ['daily', 'hourly'] } },
      { range: { payAmountFen: { gte: 15000 } } },
      { range: { startsAt: { lte: 2000 } } },
      { range: { endsAt: { gte: 1000 } } },
      { terms: { settlement: ['daily'] } },
      { term: { tagKeys: 'kfc' } },
      { term: { employerVerified: true } },
    ]);
    expect(body.sort).toEqual([{ payAmountFen: { order: 'desc' } }, { jobId: { order: 'desc' } }]);
    expect(body.aggs).toBeUndefined();
    expect(res.next).toBeNull();
    await index().search({});
    expect(JSON.parse(seen.at(-1)!.body).sort[0]).toEqual({ publishedAt: { order: 'desc' } });
  });

  it('refuses bad queries and forged positions before asking the cluster', async () => {
    route = () => ({ status: 500 });
    const es = index();
    await expect(es.search({ near: { lng: 121, lat: 31, radiusMeters: 50_001 } })).rejects.toMatchObject({
      code: 'INVALID_QUERY',
    });
    await expect(es.search({ limit: 51 })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(es.search({ sort: 'distance' })).rejects.toMatchObject({ code: 'INVALID_QUERY' });
    await expect(es.search({ sort: 'newest', after: `p:1:${ID(1)}` })).rejects.toMatchObject({
      code: 'INVALID_POSITION',
    });
    await expect(es.search({ keyword: '保' })).resolves.toMatchObject({ hits: [], total: { value: 0 } });
    expect(seen).toEqual([]);
  });
});

describe('Elasticsearch adapter: tombstones', () => {
  it('forgets removal records older than a time with one delete-by-query', async () => {
    route = (r) =>
      r.path === '/linggong-jobs/_delete_by_query'
        ? ok({
            took: 12,
            timed_out: false,
            total: 2,
            deleted: 2,
            batches: 1,
            version_conflicts: 0,
            failures: [],
          })
        : { status: 500 };
    expect(await index().pruneTombstones(5_000)).toBe(2);
    const call = seen.at(-1)!;
    expect(call.query.get('conflicts')).toBe('proceed');
    expect(JSON.parse(call.body)).toEqual({
      query: { bool: { filter: [{ term: { deleted: true } }, { range: { removedAt: { lt: 5000 } } }] } },
    });
  });
});

describe('Elasticsearch adapter: an unreachable cluster', () => {
  it('makes search unavailable (503 at the route) rather than failing with a server error', async () => {
    const es = createElasticsearchIndex({ node: 'http://127.0.0.1:1', clock, log, requestTimeoutMs: 500 });
    await expect(es.search({ keyword: '保洁' })).rejects.toMatchObject({
      name: 'SearchUnavailableError',
      kind: 'unreachable',
    });
    await expect(es.upsert(doc(1))).rejects.toMatchObject({ kind: 'unreachable' });
    await es.close();
  });
});

describe('Elasticsearch adapter: reindex and status', () => {
  it('bulk-loads a new index, writes live changes to both, then swaps the alias and drops the old index', async () => {
    const old = 'linggong-jobs-1700000000000';
    route = (r) => {
      if (r.method === 'HEAD') return { status: 200 };
      if (r.method === 'PUT' && r.path === '/_index_template/linggong-jobs')
        return ok({ acknowledged: true });
      if (r.method === 'PUT' && /^\/linggong-jobs-\d+$/.test(r.path)) return ok({ acknowledged: true });
      if (r.path === '/_bulk') {
        const lines = r.body.trim().split('\n');
        return ok({
          took: 5,
          errors: false,
          items: lines
            .filter((_, i) => i % 2 === 0)
            .map((l) => ({ index: { _id: JSON.parse(l).index._id, status: 201, result: 'created' } })),
        });
      }
      if (r.method === 'PUT' && r.path.includes('/_doc/')) return indexed('updated', ID(9), 4);
      if (r.path.endsWith('/_refresh')) return ok({ _shards: { total: 1, successful: 1, failed: 0 } });
      if (r.method === 'GET' && r.path === '/_alias/linggong-jobs')
        return ok({ [old]: { aliases: { 'linggong-jobs': {} } } });
      if (r.path === '/_aliases') return ok({ acknowledged: true });
      if (r.method === 'DELETE' && r.path === `/${old}`) return ok({ acknowledged: true });
      return { status: 500, body: { error: `unexpected ${r.method} ${r.path}` } };
    };
    const es = index();
    clock.advance(1000);
    const fresh = `linggong-jobs-${clock.now()}`;
    async function* docs() {
      yield doc(5);
      yield doc(6);
      // A job changes while the rebuild runs: it reaches the live index and the new one.
      await es.upsert(doc(9, { version: 4 }));
      yield doc(7);
    }
    const progress: string[] = [];
    expect(await es.rebuild(docs(), (p) => progress.push(`${p.phase}:${p.documents}`))).toEqual({
      documents: 3,
    });
    expect(progress.at(-1)).toBe('done:3');

    const bulk = seen
      .find((s) => s.path === '/_bulk')!
      .body.trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(bulk[0]).toEqual({ index: { _index: fresh, _id: ID(5), version: 3, version_type: 'external' } });
    expect(bulk.filter((_, i) => i % 2 === 0).map((a) => a.index._id)).toEqual([ID(5), ID(6), ID(7)]);
    const liveWrites = seen.filter((s) => s.path.endsWith(`/_doc/${ID(9)}`)).map((s) => s.path);
    expect(liveWrites.sort()).toEqual([`/${fresh}/_doc/${ID(9)}`, `/linggong-jobs/_doc/${ID(9)}`].sort());
    expect(JSON.parse(seen.find((s) => s.path === '/_aliases')!.body)).toEqual({
      actions: [
        { remove: { index: old, alias: 'linggong-jobs' } },
        { add: { index: fresh, alias: 'linggong-jobs' } },
      ],
    });
    const order = seen.map((s) => `${s.method} ${s.path}`);
    expect(order.indexOf(`DELETE /${old}`)).toBeGreaterThan(order.indexOf('POST /_aliases'));
  });

  it('asks for a reindex when the index was built by another analyzer version', async () => {
    route = (r) => {
      if (r.method === 'HEAD') return { status: 200 };
      if (r.path === '/linggong-jobs/_mapping') {
        return ok({
          'linggong-jobs-1': { mappings: { _meta: { analyzerVersion: 'jieba-1.0.0+gig-old', format: 1 } } },
        });
      }
      if (r.path === '/linggong-jobs/_count') return ok({ count: 42, _shards: { total: 1, successful: 1 } });
      return { status: 500 };
    };
    const status = await index().status();
    expect(status).toMatchObject({ documents: 42, analyzerVersion: 'jieba-1.0.0+gig-old' });
    expect(status.needsReindex).toContain('analyzer changed');
  });
});

const clusterUrl = process.env.LINGGONG_TEST_ES_URL;
if (clusterUrl) {
  const alias = `lgt-${randomBytes(4).toString('hex')}-jobs`;
  const admin = new Client({ node: clusterUrl });
  afterAll(async () => {
    await admin.indices.delete({ index: `${alias}-*`, allow_no_indices: true }).catch(() => undefined);
    await admin.indices.deleteIndexTemplate({ name: alias }).catch(() => undefined);
    await admin.close();
  });
  describeSearchIndexContract(`elasticsearch at ${clusterUrl}`, async () =>
    createElasticsearchIndex({
      node: clusterUrl,
      alias,
      clock: systemClock,
      log: createLogger({ level: 'silent' }),
    }),
  );
}
