import { describe, expect, it } from 'vitest';
import type { SearchJobDoc } from '../../src/services/search/engine/types.js';
import type { SearchIndex, SearchQuery, SearchResult } from '../../src/services/search/search.port.js';

/**
 * What every SearchIndex engine must do alike, as one suite: the embedded engine runs it always,
 * Elasticsearch when LINGGONG_TEST_ES_URL names a cluster. Searches are retried for up to 3 s,
 * since a cluster makes writes visible on its refresh interval.
 */
export function describeSearchIndexContract(name: string, open: () => Promise<SearchIndex>): void {
  const T0 = Date.UTC(2026, 10, 25, 0);
  const shanghai = { lng: 121.4737, lat: 31.2304 };
  let n = 0;
  const id = () => `01KG${String(process.pid % 1000).padStart(3, '0')}${String(++n).padStart(19, '0')}`;
  const doc = (overrides: Partial<SearchJobDoc> = {}): SearchJobDoc => ({
    jobId: id(),
    version: 1,
    title: '商场日常保洁 日结200元',
    description: '负责商场公共区域日常保洁，包午餐。',
    category: 'housekeeping.cleaner',
    tags: ['日结'],
    payType: 'daily',
    payAmountFen: 20000,
    settlement: 'daily',
    employerVerified: false,
    city: '上海市',
    location: shanghai,
    startsAt: T0 + 86_400_000,
    endsAt: T0 + 86_400_000 + 8 * 3_600_000,
    publishedAt: T0,
    ...overrides,
  });
  /** Searches until `ok` holds (a cluster shows writes after its refresh), then returns the result. */
  async function eventually(ix: SearchIndex, q: SearchQuery, ok: (r: SearchResult) => boolean) {
    let last: SearchResult | undefined;
    for (let i = 0; i < 30; i++) {
      last = await ix.search(q);
      if (ok(last)) return last;
      await new Promise((r) => setTimeout(r, 100));
    }
    return last!;
  }
  const ids = (r: SearchResult) => r.hits.map((h) => h.jobId);
  // Points east of the centre, `km` kilometres away (1° of longitude ≈ 95.1 km at 31.23°N).
  const east = (km: number) => ({ lng: shanghai.lng + km / 95.1, lat: shanghai.lat });

  describe(`search index contract: ${name}`, () => {
    it('matches Chinese words, not characters, and latin names in any width and case', async () => {
      const ix = await open();
      const city = `契约市${n}`;
      const cleaner = doc({ city, title: '写字楼保洁员 急招' });
      const guard = doc({
        city,
        title: '小区保安 夜班',
        category: 'security.guard',
        description: '负责小区门岗值守。',
      });
      const tutor = doc({
        city,
        title: '初中数学家教',
        category: 'education.tutor',
        description: '周末辅导初二数学。',
      });
      const home = doc({ city, title: '家庭保洁 钟点工', description: '上门做家庭保洁。' });
      const kfc = doc({
        city,
        title: 'ＫＦＣ 兼职服务员 时薪22元',
        description: '餐厅前台点餐收银，可排班。',
        category: 'food.waiter',
        payType: 'hourly',
      });
      for (const d of [cleaner, guard, tutor, home, kfc]) await ix.upsert(d);

      const all = await eventually(ix, { city }, (r) => r.total.value === 5);
      expect(all.total.value).toBe(5);
      const clean = await ix.search({ keyword: '保洁', city });
      expect(ids(clean).sort()).toEqual([cleaner.jobId, home.jobId].sort());
      expect(ids(clean)).not.toContain(guard.jobId);
      expect(ids(await ix.search({ keyword: '家教', city }))).toEqual([tutor.jobId]);
      expect(ids(await ix.search({ keyword: 'kfc', city }))).toEqual([kfc.jobId]);
      expect(ids(await ix.search({ keyword: 'KFC 服务员', city }))).toEqual([kfc.jobId]);
      expect((await ix.search({ keyword: '保洁', city })).hits[0]!.highlight.title).toContain(
        '<em>保洁</em>',
      );
      await ix.close();
    });

    it('never goes back to an older version, and a removal keeps older upserts out', async () => {
      const ix = await open();
      const city = `版本市${n}`;
      const job = doc({ city, version: 5, title: '仓库分拣员 第五版' });
      expect(await ix.upsert(job)).toBe('inserted');
      expect(await ix.upsert({ ...job, version: 4, title: '仓库分拣员 旧版本' })).toBe('stale');
      expect(await ix.upsert({ ...job, version: 6, title: '仓库分拣员 第六版' })).toBe('updated');
      const found = await eventually(ix, { keyword: '第六版', city }, (r) => r.hits.length === 1);
      expect(ids(found)).toEqual([job.jobId]);
      expect(await ix.remove(job.jobId, 5, T0)).toBe('stale');
      expect(await ix.remove(job.jobId, 7, T0)).toBe('removed');
      expect(await ix.upsert({ ...job, version: 6 })).toBe('stale');
      const gone = await eventually(ix, { city }, (r) => r.total.value === 0);
      expect(gone.total.value).toBe(0);
      // Once its removal record is forgotten (after the inbox forgets the event), the job can return.
      expect(await ix.pruneTombstones(T0 - 1)).toBe(0);
      expect(await ix.pruneTombstones(T0 + 1)).toBeGreaterThanOrEqual(1);
      expect(await ix.upsert({ ...job, version: 6 })).toBe('inserted');
      await ix.close();
    });

    it('applies a change written to be made durable later as any other, and syncs it', async () => {
      const ix = await open();
      const city = `批量市${n}`;
      const later = { durable: false };
      const jobs = [doc({ city, title: '快递分拣 第一批' }), doc({ city, title: '快递分拣 第二批' })];
      for (const job of jobs) expect(await ix.upsert(job, later)).toBe('inserted');
      expect(await ix.remove(jobs[0]!.jobId, 2, T0, later)).toBe('removed');
      expect(await ix.upsert({ ...jobs[0]!, version: 1 }, later)).toBe('stale');
      await ix.sync();
      const found = await eventually(ix, { keyword: '快递分拣', city }, (r) => r.hits.length === 1);
      expect(ids(found)).toEqual([jobs[1]!.jobId]);
      await ix.close();
    });

    it('finds jobs within a radius, nearest first, and filters by pay, type and category', async () => {
      const ix = await open();
      const city = `半径市${n}`;
      const at1 = doc({ city, location: east(1), payAmountFen: 18000 });
      const at3 = doc({ city, location: east(3), payAmountFen: 25000 });
      const at8 = doc({ city, location: east(8), payAmountFen: 30000 });
      const hourly = doc({
        city,
        location: east(2.5),
        payType: 'hourly',
        payAmountFen: 2500,
        category: 'food.waiter',
      });
      for (const d of [at8, at3, hourly, at1]) await ix.upsert(d);
      await eventually(ix, { city }, (r) => r.total.value === 4);

      const near5 = await ix.search({ near: { ...shanghai, radiusMeters: 5000 }, city, sort: 'distance' });
      expect(ids(near5)).toEqual([at1.jobId, hourly.jobId, at3.jobId]);
      expect(near5.hits[0]!.distanceMeters).toBeGreaterThan(900);
      expect(near5.hits[0]!.distanceMeters).toBeLessThan(1100);
      expect(near5.facets.payType).toEqual({ daily: 2, hourly: 1 });
      expect(near5.facets.category).toMatchObject({ housekeeping: 2, 'housekeeping.cleaner': 2, food: 1 });
      const near2 = await ix.search({ near: { ...shanghai, radiusMeters: 2000 }, city });
      expect(ids(near2)).toEqual([at1.jobId]);
      const paid = await ix.search({ city, filters: { payTypes: ['daily'], minPayFen: 20000 }, sort: 'pay' });
      expect(ids(paid)).toEqual([at8.jobId, at3.jobId]);
      const cats = await ix.search({ city, filters: { categories: ['food'] } });
      expect(ids(cats)).toEqual([hourly.jobId]);
      await ix.close();
    });

    it('pages through results without duplicates or gaps', async () => {
      const ix = await open();
      const city = `分页市${n}`;
      const jobs = Array.from({ length: 7 }, (_, i) => doc({ city, publishedAt: T0 + (i % 3) * 1000 }));
      for (const d of jobs) await ix.upsert(d);
      await eventually(ix, { city }, (r) => r.total.value === 7);
      const seen: string[] = [];
      let after: string | null = null;
      for (let page = 0; page < 10; page++) {
        const r: SearchResult = await ix.search({ city, sort: 'newest', limit: 3, after });
        seen.push(...ids(r));
        after = r.next;
        if (!after) break;
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen)).toEqual(new Set(jobs.map((j) => j.jobId)));
      await ix.close();
    });

    it('rebuilds from a stream of jobs and then serves only those', async () => {
      const ix = await open();
      const city = `重建市${n}`;
      const before = doc({ city, title: '旧的职位 保洁' });
      await ix.upsert(before);
      const fresh = [doc({ city, title: '新的职位 搬运工' }), doc({ city, title: '新的职位 分拣员' })];
      async function* stream() {
        yield* fresh;
      }
      const phases: string[] = [];
      expect(await ix.rebuild(stream(), (p) => phases.push(p.phase))).toEqual({ documents: 2 });
      expect(phases.length).toBeGreaterThan(0);
      const r = await eventually(ix, { city }, (x) => x.total.value === 2);
      expect(new Set(ids(r))).toEqual(new Set(fresh.map((j) => j.jobId)));
      const status = await ix.status();
      expect(status.needsReindex).toBeNull();
      expect(status.documents).toBeGreaterThanOrEqual(2);
      await ix.close();
    });
  });
}
