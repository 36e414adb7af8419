import { beforeAll, describe, expect, it } from 'vitest';
import { distanceMeters } from '../../src/platform/geo.js';
import { SearchEngine } from '../../src/services/search/engine/engine.js';
import {
  PLANAR_HIGH,
  PLANAR_LOW,
  PLANAR_SLACK_M,
  cellDistanceBounds,
  cellKey,
  cosLatOf,
  haversineMeters,
  planarMeters,
} from '../../src/services/search/engine/geo-grid.js';
import type {
  SearchJobDoc,
  SearchQuery,
  SearchResult,
  SearchSort,
} from '../../src/services/search/engine/types.js';
import { CITIES, generateJobs, prng } from '../../bench/search/generate.js';
import { SHANGHAI, bruteForce, makeJob } from './support.js';

/** Every page of a query, following `next`; fails on a duplicate. */
function allPages(engine: SearchEngine, q: SearchQuery): { ids: string[]; pages: SearchResult[] } {
  const ids: string[] = [];
  const pages: SearchResult[] = [];
  let after: string | null = null;
  for (let i = 0; i < 1000; i++) {
    const page = engine.search({ ...q, after });
    pages.push(page);
    ids.push(...page.hits.map((h) => h.jobId));
    after = page.next;
    if (after === null) break;
  }
  expect(new Set(ids).size).toBe(ids.length);
  return { ids, pages };
}

describe('search engine against brute force on generated data', () => {
  const live = new Map<string, SearchJobDoc>();
  const engine = SearchEngine.inMemory();
  const rand = prng(42);

  beforeAll(() => {
    const docs = [...generateJobs(6000, { seed: 7 })];
    // Most documents in the compacted main segment; the rest, plus updates and removals, in the tail.
    for (const d of docs.slice(0, 5000)) {
      engine.upsert(d);
      live.set(d.jobId, d);
    }
    engine.compact();
    for (const d of docs.slice(5000)) {
      engine.upsert(d);
      live.set(d.jobId, d);
    }
    const ids = [...live.keys()];
    for (let i = 0; i < 300; i++) {
      const id = ids[Math.floor(rand() * ids.length)]!;
      const old = live.get(id);
      if (!old) continue;
      if (i % 2 === 0) {
        engine.remove(id, old.version + 1, 0);
        live.delete(id);
      } else {
        const moved = {
          ...old,
          version: old.version + 1,
          location: { lng: old.location.lng + 0.01, lat: old.location.lat - 0.01 },
        };
        engine.upsert(moved);
        live.set(id, moved);
      }
    }
    expect(engine.stats().deadSlots).toBeGreaterThan(0);
    expect(engine.stats().tailDocuments).toBeGreaterThan(1000);
  });

  const randomQuery = (): SearchQuery => {
    const city = CITIES[Math.floor(rand() * 4)]!;
    const q: SearchQuery = { limit: 1 + Math.floor(rand() * 50) };
    const shape = rand();
    if (shape < 0.7) {
      q.near = {
        lng: city.lng + (rand() - 0.5) * 0.3,
        lat: city.lat + (rand() - 0.5) * 0.3,
        radiusMeters: 500 + rand() * 20_000,
      };
    } else q.city = city.name.replace('市', '');
    if (rand() < 0.5)
      q.keyword = ['保洁', '服务员', '日结', '分拣 夜班', 'kfc', '日结 200', '家教'][Math.floor(rand() * 7)]!;
    const filters: NonNullable<SearchQuery['filters']> = {};
    if (rand() < 0.3)
      filters.categories = [['food', 'housekeeping.cleaner', 'logistics'][Math.floor(rand() * 3)]!];
    if (rand() < 0.3) filters.payTypes = ['hourly'];
    if (rand() < 0.3) filters.minPayFen = 3000;
    if (rand() < 0.2) filters.settlements = ['daily', 'weekly'];
    if (rand() < 0.2) filters.employerVerified = true;
    if (rand() < 0.2) filters.tags = ['包午餐'];
    if (rand() < 0.2) filters.dateRange = { from: Date.UTC(2026, 2, 5), to: Date.UTC(2026, 2, 8) };
    q.filters = filters;
    const sorts: SearchSort[] = ['pay', 'newest'];
    if (q.near) sorts.push('distance');
    if (q.keyword) sorts.push('relevance');
    q.sort = sorts[Math.floor(rand() * sorts.length)];
    return q;
  };

  it('returns exactly the brute-force matches, page after page, with exact totals and facets', () => {
    let nonEmpty = 0;
    for (let i = 0; i < 60; i++) {
      const q = randomQuery();
      const expected = bruteForce(live.values(), q);
      const { ids, pages } = allPages(engine, q);
      expect(new Set(ids), JSON.stringify(q)).toEqual(new Set(expected.map((d) => d.jobId)));
      expect(pages[0]!.total).toEqual({ value: expected.length, exact: true });
      const payType: Record<string, number> = {};
      const category: Record<string, number> = {};
      for (const d of expected) {
        payType[d.payType] = (payType[d.payType] ?? 0) + 1;
        category[d.category] = (category[d.category] ?? 0) + 1;
        const parent = d.category.split('.')[0]!;
        category[parent] = (category[parent] ?? 0) + 1;
      }
      expect(pages[0]!.facets).toEqual({ payType, category });
      if (expected.length > 0) nonEmpty++;
    }
    expect(nonEmpty).toBeGreaterThan(20);
  });

  it('filters a radius exactly like distanceMeters', () => {
    for (let i = 0; i < 30; i++) {
      const near = {
        lng: SHANGHAI.lng + (rand() - 0.5) * 0.4,
        lat: SHANGHAI.lat + (rand() - 0.5) * 0.4,
        radiusMeters: 1000 + rand() * 9000,
      };
      const expected = [...live.values()].filter(
        (d) => distanceMeters(near, d.location) <= near.radiusMeters,
      );
      const { ids, pages } = allPages(engine, { near, limit: 50 });
      expect(ids.length).toBe(expected.length);
      for (const page of pages) {
        for (const h of page.hits) {
          const d = live.get(h.jobId)!;
          expect(h.distanceMeters).toBe(distanceMeters(near, d.location));
        }
      }
    }
  });

  it('computes the same haversine as platform/geo distanceMeters, bit for bit', () => {
    for (let i = 0; i < 1000; i++) {
      const a = { lng: 100 + rand() * 20, lat: 20 + rand() * 20 };
      const b = { lng: a.lng + (rand() - 0.5), lat: a.lat + (rand() - 0.5) };
      expect(haversineMeters(a.lat, a.lng, cosLatOf(a.lat), b.lat, b.lng, cosLatOf(b.lat))).toBe(
        distanceMeters(a, b),
      );
    }
  });

  it('pages in exactly the brute-force order by distance, pay and newest, and scores hits of every sort', () => {
    for (let i = 0; i < 40; i++) {
      const city = CITIES[i % 4]!;
      const near = {
        lng: city.lng + (rand() - 0.5) * 0.2,
        lat: city.lat + (rand() - 0.5) * 0.2,
        radiusMeters: 300 + rand() * 15_000,
      };
      // Two terms as well: the second term is found by its own cursor along the driver's slots.
      const keyword = (['保洁', '日结 保洁', undefined] as const)[i % 3];
      const docs = bruteForce(live.values(), { near, ...(keyword ? { keyword } : {}) });
      const dist = (d: SearchJobDoc): number => distanceMeters(near, d.location);
      const byKey = (key: (d: SearchJobDoc) => number) => (a: SearchJobDoc, b: SearchJobDoc) =>
        key(a) - key(b) || (a.jobId < b.jobId ? 1 : -1);
      const orders: [SearchSort, (d: SearchJobDoc) => number][] = [
        ['distance', dist],
        ['pay', (d) => -d.payAmountFen],
        ['newest', (d) => -d.publishedAt],
      ];
      const relevanceScore = new Map<string, number>();
      if (keyword) {
        for (const p of allPages(engine, { near, keyword, limit: 50 }).pages)
          for (const h of p.hits) relevanceScore.set(h.jobId, h.score);
      }
      for (const [sort, key] of orders) {
        const limit = 1 + (i % 13);
        const { ids, pages } = allPages(engine, { near, sort, limit, ...(keyword ? { keyword } : {}) });
        expect(ids).toEqual([...docs].sort(byKey(key)).map((d) => d.jobId));
        for (const h of pages.flatMap((p) => p.hits)) {
          expect(h.distanceMeters).toBe(dist(live.get(h.jobId)!));
          // Only a relevance query orders by score, but every hit carries its score.
          expect(h.score).toBe(keyword ? relevanceScore.get(h.jobId) : 0);
        }
      }
    }
  });

  it('bounds distances by planar figures within the margins the radius search relies on', () => {
    const out = new Float64Array(2);
    for (let i = 0; i < 20_000; i++) {
      const a = { lng: 74 + rand() * 60, lat: 18 + rand() * 35.5 };
      const reach = rand() < 0.5 ? 0.05 : 0.45; // up to ~5 km or ~50 km
      const b = { lng: a.lng + (rand() - 0.5) * 2 * reach, lat: a.lat + (rand() - 0.5) * 2 * reach };
      const exact = haversineMeters(a.lat, a.lng, cosLatOf(a.lat), b.lat, b.lng, cosLatOf(b.lat));
      if (exact > 50_000) continue;
      const planar = planarMeters(a.lat, a.lng, cosLatOf(a.lat), b.lat, b.lng);
      expect(planar * PLANAR_LOW - PLANAR_SLACK_M).toBeLessThanOrEqual(exact);
      expect(planar * PLANAR_HIGH + PLANAR_SLACK_M).toBeGreaterThanOrEqual(exact);
      cellDistanceBounds(a.lng, a.lat, cellKey(b.lng, b.lat), out);
      expect(out[0]).toBeLessThanOrEqual(exact);
      expect(out[1]).toBeGreaterThanOrEqual(exact);
    }
  });

  it('orders pages by distance, pay, newest and relevance, ties by jobId descending', () => {
    const near = { ...SHANGHAI, radiusMeters: 8000 };
    const byDistance = allPages(engine, { near, sort: 'distance', limit: 37 }).pages.flatMap((p) => p.hits);
    expect(byDistance.length).toBeGreaterThan(50);
    for (let i = 1; i < byDistance.length; i++) {
      expect(byDistance[i]!.distanceMeters!).toBeGreaterThanOrEqual(byDistance[i - 1]!.distanceMeters!);
    }
    const orderedBy = (sort: 'pay' | 'newest', value: (d: SearchJobDoc) => number): void => {
      const ids = allPages(engine, { near, sort, limit: 50 }).ids;
      for (let i = 1; i < ids.length; i++) {
        const a = live.get(ids[i - 1]!)!;
        const b = live.get(ids[i]!)!;
        expect(value(a) > value(b) || (value(a) === value(b) && a.jobId > b.jobId)).toBe(true);
      }
    };
    orderedBy('pay', (d) => d.payAmountFen);
    orderedBy('newest', (d) => d.publishedAt);
    const relevance = allPages(engine, { keyword: '日结 保洁', city: '上海', limit: 20 }).pages.flatMap(
      (p) => p.hits,
    );
    expect(relevance.length).toBeGreaterThan(5);
    for (let i = 1; i < relevance.length; i++)
      expect(relevance[i]!.score).toBeLessThanOrEqual(relevance[i - 1]!.score);
  });

  it('answers the same after compaction as before', () => {
    const queries = Array.from({ length: 20 }, randomQuery);
    const before = queries.map((q) => allPages(engine, q).ids);
    engine.compact();
    expect(engine.stats().tailDocuments).toBe(0);
    expect(engine.stats().deadSlots).toBe(0);
    queries.forEach((q, i) => {
      const after = allPages(engine, q).ids;
      // Relevance scores use document frequencies that compaction makes exact, so compare as sets there.
      if (q.sort === 'relevance') expect(new Set(after)).toEqual(new Set(before[i]));
      else expect(after).toEqual(before[i]);
    });
  });
});

describe('search engine relevance and matching', () => {
  const engine = SearchEngine.inMemory();
  const cleaner = makeJob({
    title: '急招日结保洁阿姨 200元/天',
    category: 'housekeeping.cleaner',
    description: '写字楼日常保洁',
  });
  const guard = makeJob({
    title: '小区保安 日结',
    category: 'security.guard',
    description: '门岗值守，200元/天',
  });
  const homeCleaning = makeJob({
    title: '家庭保洁 小时工',
    category: 'housekeeping.cleaner',
    description: '家庭日常清洁',
  });
  const tutor = makeJob({ title: '初中数学家教', category: 'education.tutor', description: '一对一辅导' });
  const kfc = makeJob({ title: 'ＫＦＣ 兼职服务员 时薪22元', description: '<b>高峰</b>期传菜' });
  const bigPay = makeJob({
    title: '日结 仓库分拣 2000元/月',
    category: 'logistics.sorter',
    description: '夜班',
  });

  beforeAll(() => {
    for (const d of [cleaner, guard, homeCleaning, tutor, kfc, bigPay]) engine.upsert(d);
  });
  const ids = (q: SearchQuery): string[] => engine.search(q).hits.map((h) => h.jobId);

  it('保洁 finds cleaning jobs and never 保安', () => {
    expect(new Set(ids({ keyword: '保洁' }))).toEqual(new Set([cleaner.jobId, homeCleaning.jobId]));
    expect(ids({ keyword: '保安' })).toEqual([guard.jobId]);
  });

  it('家教 does not find 家庭保洁', () => {
    expect(ids({ keyword: '家教' })).toEqual([tutor.jobId]);
  });

  it('matches latin brand names whatever their width and case', () => {
    for (const k of ['KFC', 'kfc', 'ＫＦＣ', 'Kfc']) expect(ids({ keyword: k })).toEqual([kfc.jobId]);
  });

  it('"日结 200" needs both the word and the number token (not 2000)', () => {
    expect(new Set(ids({ keyword: '日结 200' }))).toEqual(new Set([cleaner.jobId, guard.jobId]));
  });

  it('ranks a title match above a description-only match', () => {
    const desc = makeJob({ title: '仓库打包员', description: '也可做保洁', category: 'logistics.packer' });
    engine.upsert(desc);
    const hits = engine.search({ keyword: '保洁' }).hits;
    expect(hits[hits.length - 1]!.jobId).toBe(desc.jobId);
    engine.remove(desc.jobId, 2, 0);
  });

  it('finds nothing for a one-character query or an unknown word', () => {
    expect(engine.search({ keyword: '保' }).total.value).toBe(0);
    expect(engine.search({ keyword: '保洁 火箭发射' }).total.value).toBe(0);
  });

  it('highlights matches in title and description, HTML-escaped', () => {
    const [hit] = engine.search({ keyword: 'kfc 传菜' }).hits;
    expect(hit!.highlight.title).toBe('<em>ＫＦＣ</em> 兼职服务员 时薪22元');
    expect(hit!.highlight.description).toBe('&lt;b&gt;高峰&lt;/b&gt;期<em>传菜</em>');
  });

  it('filters by parent category and counts facets with parents', () => {
    const r = engine.search({ filters: { categories: ['housekeeping'] } });
    expect(new Set(r.hits.map((h) => h.jobId))).toEqual(new Set([cleaner.jobId, homeCleaning.jobId]));
    expect(r.facets.category).toEqual({ housekeeping: 2, 'housekeeping.cleaner': 2 });
  });

  it('rejects invalid queries and foreign positions', () => {
    expect(() => engine.search({ near: { ...SHANGHAI, radiusMeters: 50_001 } })).toThrow(/radiusMeters/);
    expect(() => engine.search({ limit: 51 })).toThrow(/limit/);
    expect(() => engine.search({ sort: 'distance' })).toThrow(/near/);
    const first = engine.search({ sort: 'newest', limit: 1 });
    expect(first.next).not.toBeNull();
    expect(() => engine.search({ sort: 'pay', after: first.next })).toThrow(/position/);
    expect(() => engine.search({ sort: 'newest', after: 'garbage' })).toThrow(/position/);
  });
});

describe('search engine versions', () => {
  it('ignores an upsert that is not newer and replaces on a newer one', () => {
    const engine = SearchEngine.inMemory();
    const v2 = makeJob({ version: 2, title: '保洁员' });
    expect(engine.upsert(v2)).toBe('inserted');
    expect(engine.upsert({ ...v2, version: 1, title: '保安' })).toBe('stale');
    expect(engine.upsert({ ...v2, version: 2, title: '保安' })).toBe('stale');
    expect(engine.search({ keyword: '保安' }).total.value).toBe(0);
    expect(engine.upsert({ ...v2, version: 3, title: '保安' })).toBe('updated');
    expect(engine.search({ keyword: '保安' }).hits.map((h) => h.jobId)).toEqual([v2.jobId]);
    expect(engine.search({ keyword: '保洁' }).total.value).toBe(0);
    expect(engine.versionOf(v2.jobId)).toBe(3);
  });

  it('keeps a removed job removed when an older upsert arrives late', () => {
    const engine = SearchEngine.inMemory();
    const job = makeJob({ version: 4 });
    engine.upsert(job);
    expect(engine.remove(job.jobId, 3, 0)).toBe('stale');
    expect(engine.search({ filters: {} }).total.value).toBe(1);
    expect(engine.remove(job.jobId, 5, 1000)).toBe('removed');
    expect(engine.search({ filters: {} }).total.value).toBe(0);
    expect(engine.upsert({ ...job, version: 5 })).toBe('stale');
    expect(engine.search({ filters: {} }).total.value).toBe(0);
    // A removal that arrives before the job was ever seen is remembered too.
    const early = makeJob({ version: 2 });
    expect(engine.remove(early.jobId, 2, 1000)).toBe('absent');
    expect(engine.upsert(early)).toBe('stale');
    // A newer version (the job was reopened) comes back.
    expect(engine.upsert({ ...job, version: 6 })).toBe('inserted');
    expect(engine.search({ filters: {} }).hits.map((h) => h.jobId)).toEqual([job.jobId]);
    expect(engine.pruneTombstones(2000)).toBe(1);
  });
});

describe('relevance pages while the index changes', () => {
  it('neither skips nor repeats hits when jobs are indexed between pages', () => {
    const engine = SearchEngine.inMemory();
    const docs = [...generateJobs(5000, { seed: 11 })];
    for (const d of docs) engine.upsert(d);
    engine.compact();
    const q: SearchQuery = { keyword: '日结', limit: 20 };
    const expected = allPages(engine, q).ids;
    expect(expected.length).toBeGreaterThan(100);

    // The same query, with unrelated jobs added between pages (they change every BM25 statistic).
    const extra = [...generateJobs(400, { seed: 12 })].filter(
      (d) => !d.title.includes('日结') && !d.tags.includes('日结'),
    );
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 1000; page++) {
      const r = engine.search({ ...q, after });
      seen.push(...r.hits.map((h) => h.jobId));
      for (const d of extra.splice(0, 50)) engine.upsert({ ...d, description: '仓库整理' });
      after = r.next;
      if (!after) break;
    }
    expect(seen).toEqual(expected);
  });

  it('refuses a relevance position whose statistics were tampered with or belong to another query', () => {
    const engine = SearchEngine.inMemory();
    for (const d of generateJobs(500, { seed: 13 })) engine.upsert(d);
    const first = engine.search({ keyword: '日结', limit: 5 });
    expect(first.next).toMatch(/^r:/);
    const [code, key, id] = first.next!.split(':');
    for (const forged of [`${code}:${key}:${id}`, `${first.next!}:x`, `${code}:${key}:${id}:0:1:a`]) {
      expect(() => engine.search({ keyword: '日结', limit: 5, after: forged })).toThrow(/position/);
    }
    expect(() => engine.search({ keyword: '日结 保洁', limit: 5, after: first.next })).toThrow(/position/);
  });
});
