import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { toEnvelope, type OutboxRow } from '../../src/platform/events/outbox.js';
import type { EventEnvelope, EventHandler } from '../../src/platform/events/types.js';
import { wgs84ToGcj02 } from '../../src/platform/geo.js';
import { searchCommands } from '../../src/services/search/index.js';
import { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { DIALECT } from '../support/env.js';
import { at, openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { BUS, ids, searchJobs, settle, type SearchPage } from './http-support.js';

const EMBEDDED_INDEX_MODULE = new URL('../../src/services/search/embedded-index.ts', import.meta.url)
  .pathname;
const LOG_MODULE = new URL('../../src/platform/log.ts', import.meta.url).pathname;

/**
 * The search service through its HTTP API: jobs are posted, edited and closed through the job
 * service's API, and reach the index through job events on this run's bus.
 */
let p: TestPlatform;
let employer: LoggedIn;
const searchDir = mkdtempSync(join(tmpdir(), 'lg-search-svc-'));

/** People's Square, Shanghai (GCJ-02). */
const CENTRE = { lng: 121.4737, lat: 31.2304 };
const place = (dLngKm: number, city = '上海市', centre = CENTRE) => ({
  address: '测试地址1号',
  city,
  location: { lng: centre.lng + dLngKm / 95.2, lat: centre.lat, system: 'gcj02' },
});

async function post(overrides: Record<string, unknown>) {
  return openJob(p, employer, overrides);
}
async function visible(q: Record<string, string | number | boolean | string[]>, id: string, present = true) {
  await settle(p, async () => ids((await searchJobs(p, q)).body).includes(id) === present);
}

const search = () => p.services.get('search')!;
const indexJobs: EventHandler = (event, tx) =>
  search()
    .instance.handlers!.find((h) => h.consumer === 'search.index-jobs')!
    .handler(event, tx);

/** The job.published events of these jobs, read back from the job service's outbox. */
async function publishedEvents(jobIds: string[]): Promise<EventEnvelope[]> {
  const rows = await p.services
    .get('job')!
    .db.untyped()
    .selectFrom('job_outbox')
    .selectAll()
    .where('type', '=', 'job.published')
    .where((eb) => eb.or(jobIds.map((id) => eb('payload', 'like', `%${id}%`))))
    .execute();
  return rows.map((row) => toEnvelope('job', row as unknown as OutboxRow));
}

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_SEARCH_DIR: searchDir } });
  if (BUS === 'bullmq') p.startBackground();
  employer = await loginWithSms(p, newPhone(), 'employer');
});
afterAll(async () => {
  await p?.stop();
  rmSync(searchDir, { recursive: true, force: true });
});

describe(`search service (${DIALECT}, ${BUS} bus)`, () => {
  it('indexes a published job, follows its edits, and drops it when it closes', async () => {
    const job = await post({
      title: '静安寺商场保洁 日结180元',
      description: '负责商场公共区域日常保洁，包午餐。',
      place: place(0.5),
    });
    const query = { q: '保洁', lng: CENTRE.lng, lat: CENTRE.lat, radius: 2000 };
    await visible(query, job.id);
    const page = (await searchJobs(p, query)).body;
    const card = page.items.find((i) => i.id === job.id)!;
    expect(card).toMatchObject({
      title: '静安寺商场保洁 日结180元',
      category: 'housekeeping.cleaner',
      categoryName: '保洁员',
      tags: ['日结', '包午餐'],
      pay: { type: 'daily', amountFen: 20000 },
      settlement: 'daily',
      employerVerified: false,
      place: { city: '上海市' },
      startsAt: at(p, 24),
      endsAt: at(p, 56),
    });
    expect(card.highlight.title).toBe('静安寺商场<em>保洁</em> 日结180元');
    expect(card.publishedAt).toMatch(/\+08:00$/);
    expect(card.distanceMeters).toBeGreaterThan(400);
    expect(card.distanceMeters).toBeLessThan(600);

    // An edit replaces the indexed text: the new words find it, the old ones no longer do.
    const edited = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: employer.auth,
      payload: { version: job.version, title: '静安寺商场开荒 日结220元' },
    });
    expect(edited.statusCode).toBe(200);
    await visible({ q: '开荒', city: '上海' }, job.id);
    expect(ids((await searchJobs(p, { q: '静安寺 保洁', city: '上海' })).body)).toContain(job.id); // description
    expect(ids((await searchJobs(p, { q: '180', city: '上海' })).body)).not.toContain(job.id);

    const closed = await p.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.id}/close`,
      headers: employer.auth,
      payload: { version: job.version + 1, reason: '已招满' },
    });
    expect(closed.statusCode).toBe(200);
    await visible({ q: '开荒', city: '上海' }, job.id, false);
  });

  it('sends answers from lent buffers and gives every one back, over sockets and HEAD too', async () => {
    const job = await post({ title: '徐家汇写字楼保洁 日结200元', place: place(1.5) });
    const query = { q: '保洁', lng: CENTRE.lng, lat: CENTRE.lat, radius: 3000, sort: 'distance' };
    await visible(query, job.id);
    const inUse = async (): Promise<number> => {
      const text = (await p.app.inject('/metrics')).body;
      const m = /^linggong_search_answer_buffers_in_use (\d+)$/m.exec(text);
      if (!m) throw new Error('no linggong_search_answer_buffers_in_use in /metrics');
      return Number(m[1]);
    };
    const params = Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)]));
    const url = `/api/v1/search/jobs?${new URLSearchParams(params).toString()}`;
    const viaInject = (await p.app.inject(url)).body;
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(p.app.server.address() as { port: number }).port}`;
    const bodies = await Promise.all(
      Array.from({ length: 40 }, async () => (await fetch(base + url)).text()),
    );
    for (const body of [viaInject, ...bodies]) expect(ids(JSON.parse(body) as SearchPage)).toContain(job.id);
    expect((await fetch(base + url, { method: 'HEAD' })).status).toBe(200);
    for (let i = 0; i < 50 && (await inUse()) > 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(await inUse()).toBe(0);
  });

  it('a redelivered older event cannot bring back a closed job (versions, at-least-once)', async () => {
    const job = await post({ title: '外滩活动礼仪 兼职', category: 'events.usher', place: place(1) });
    await visible({ q: '礼仪', city: '上海' }, job.id);
    await p.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.id}/close`,
      headers: employer.auth,
      payload: { version: job.version },
    });
    await visible({ q: '礼仪', city: '上海' }, job.id, false);
    // The job.published event, delivered again (as a relay that lost its acknowledgement would).
    const [event] = await publishedEvents([job.id]);
    await search().db.transaction((tx) => indexJobs(event!, tx));
    expect(ids((await searchJobs(p, { q: '礼仪', city: '上海' })).body)).not.toContain(job.id);
  });

  it('makes the index changes of one consumer transaction durable with one sync, before it commits', async () => {
    const jobs = [
      await post({ title: '展会搭建 小工', category: 'events.usher', place: place(2) }),
      await post({ title: '展会撤展 小工', category: 'events.usher', place: place(3) }),
    ];
    for (const job of jobs) await visible({ q: '展会', city: '上海' }, job.id);
    const events = await publishedEvents(jobs.map((j) => j.id));
    expect(events).toHaveLength(2);
    const sync = vi.spyOn(ThreadedSearchIndex.prototype, 'sync');
    try {
      await search().db.transaction(async (tx) => {
        for (const event of events) await indexJobs(event, tx);
        expect(sync).not.toHaveBeenCalled();
      });
      expect(sync).toHaveBeenCalledTimes(1);
    } finally {
      sync.mockRestore();
    }
  });

  it('filters, sorts, counts facets and pages with signed cursors bound to their query', async () => {
    const city = '苏州市';
    const centre = { lng: 120.5853, lat: 31.2989 };
    const made = [];
    for (let i = 0; i < 7; i++) {
      made.push(
        await post({
          title: `苏州工业园 分拣员 第${i}号`,
          category: i < 5 ? 'logistics.sorter' : 'logistics.packer',
          tags: i % 2 === 0 ? ['日结', '包吃'] : ['周结'],
          pay:
            i < 4 ? { type: 'hourly', amountFen: 2000 + i * 100 } : { type: 'daily', amountFen: 15000 + i },
          settlement: i % 2 === 0 ? 'daily' : 'weekly',
          place: place(i, city, centre),
          shifts: [{ startsAt: at(p, 24 + i * 24), endsAt: at(p, 30 + i * 24), headcount: 1 }],
        }),
      );
    }
    await settle(p, async () => (await searchJobs(p, { city: '苏州' })).body.total.value === 7);

    const all = (await searchJobs(p, { city: '苏州', category: 'logistics' })).body;
    expect(all.total).toEqual({ value: 7, exact: true });
    expect(all.facets.category).toEqual({ logistics: 7, 'logistics.sorter': 5, 'logistics.packer': 2 });
    expect(all.facets.payType).toEqual({ hourly: 4, daily: 3 });

    const filtered = await searchJobs(p, {
      city: '苏州',
      payType: 'hourly,daily',
      minPay: 2200,
      tags: ['日结'],
      settlement: ['daily'],
    });
    // hourly ≥ 2200: #2 (2200); daily: #4, #6; with 日结 (even) and daily settlement: #2, #4, #6.
    expect(ids(filtered.body).sort()).toEqual([made[2]!.id, made[4]!.id, made[6]!.id].sort());

    const byPay = await searchJobs(p, { city: '苏州', payType: 'hourly', sort: 'pay' });
    expect(byPay.body.items.map((i) => i.pay.amountFen)).toEqual([2300, 2200, 2100, 2000]);

    // Date range: shifts of jobs 1 and 2 only (day 2 and day 3).
    const dated = await searchJobs(p, { city: '苏州', from: at(p, 47), to: at(p, 73) });
    expect(ids(dated.body).sort()).toEqual([made[1]!.id, made[2]!.id].sort());

    // Distance order from the centre: 0 km, 1 km, … 6 km.
    const near = await searchJobs(p, {
      lng: centre.lng,
      lat: centre.lat,
      radius: 10_000,
      q: '分拣员',
      sort: 'distance',
    });
    expect(ids(near.body)).toEqual(made.map((m) => m.id));
    const inRadius = await searchJobs(p, { lng: centre.lng, lat: centre.lat, radius: 2500, q: '分拣员' });
    expect(ids(inRadius.body).sort()).toEqual(
      made
        .slice(0, 3)
        .map((m) => m.id)
        .sort(),
    );

    // Pages of 3 cover everything once, in order.
    const seen: string[] = [];
    let cursor: string | null = null;
    const q = { city: '苏州', sort: 'newest', limit: 3 };
    do {
      const page = await searchJobs(p, { ...q, ...(cursor ? { cursor } : {}) });
      expect(page.status).toBe(200);
      seen.push(...ids(page.body));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(made.map((m) => m.id).reverse());

    const first = (await searchJobs(p, q)).body.nextCursor!;
    // Another query, or a changed cursor, is refused.
    const other = await searchJobs(p, { ...q, payType: 'daily', cursor: first });
    expect(other).toMatchObject({ status: 400, body: { code: 'INVALID_CURSOR' } });
    const forged = first.slice(0, -2) + (first.endsWith('AA') ? 'BB' : 'AA');
    expect((await searchJobs(p, { ...q, cursor: forged })).body.code).toBe('INVALID_CURSOR');
    // The same query with another page size continues.
    expect((await searchJobs(p, { ...q, limit: 10, cursor: first })).body.items).toHaveLength(4);
  });

  it('converts a GPS (wgs84) point to GCJ-02 before measuring distances', async () => {
    const gps = { lng: 113.9345, lat: 22.5405 }; // Shenzhen
    const gcj = wgs84ToGcj02(gps);
    const job = await post({
      title: '深圳南山 展会搭建工',
      category: 'events.setup',
      place: { address: '南山区', city: '深圳市', location: { ...gps, system: 'wgs84' } },
    });
    await visible({ q: '搭建工', city: '深圳' }, job.id);
    const viaGps = await searchJobs(p, {
      q: '搭建工',
      lng: gps.lng,
      lat: gps.lat,
      coord: 'wgs84',
      radius: 50,
    });
    expect(ids(viaGps.body)).toEqual([job.id]);
    expect(viaGps.body.items[0]!.place.location.lng).toBeCloseTo(gcj.lng, 5);
    // The same numbers read as GCJ-02 are several hundred metres off.
    const misread = await searchJobs(p, { q: '搭建工', lng: gps.lng, lat: gps.lat, radius: 50 });
    expect(ids(misread.body)).toEqual([]);
  });

  it('answers bad input with 400 problem+json, in Chinese or English', async () => {
    const cases: [Record<string, string | number>, string][] = [
      [{ lng: 200, lat: 31 }, 'VALIDATION_FAILED'],
      [{ lng: 121, lat: -95 }, 'VALIDATION_FAILED'],
      [{ lng: 121 }, 'SEARCH_LOCATION_INVALID'],
      [{ lng: -73.98, lat: 40.75 }, 'SEARCH_LOCATION_INVALID'], // New York
      [{ lng: 121.47, lat: 31.23, radius: 50_001 }, 'VALIDATION_FAILED'],
      [{ limit: 51 }, 'VALIDATION_FAILED'],
      [{ q: '保'.repeat(10_000) }, 'VALIDATION_FAILED'],
      [{ cursor: 'eyJzIjoiYSJ9.AAAAAAAAAAAAAAAAAAAAAA' }, 'INVALID_CURSOR'],
      [{ sort: 'distance' }, 'SEARCH_QUERY_INVALID'],
      [{ sort: 'relevance' }, 'SEARCH_QUERY_INVALID'],
      [{ from: '2026-12-01T09:00:00' }, 'INSTANT_INVALID'],
      [{ from: '2026-12-02T09:00:00+08:00', to: '2026-12-01T09:00:00+08:00' }, 'SEARCH_QUERY_INVALID'],
      [{ payType: 'monthly' }, 'VALIDATION_FAILED'],
    ];
    for (const [query, code] of cases) {
      const res = await searchJobs(p, query);
      expect({ query, status: res.status, code: res.body.code }).toEqual({ query, status: 400, code });
      expect(String(res.headers['content-type'])).toMatch(/^application\/problem\+json/);
    }
    const en = await searchJobs(p, { lng: 121 }, { 'accept-language': 'en' });
    expect((en.body as unknown as { detail: string }).detail).toBe(
      'A location needs both lng and lat, inside China',
    );
    const zh = await searchJobs(p, { lng: 121 });
    expect((zh.body as unknown as { detail: string }).detail).toBe(
      '位置须同时提供经度和纬度，且位于中国境内',
    );
  });

  it('rebuilds from the job service and swaps the new index in; a second process cannot open it', async () => {
    const job = await post({ title: '虹桥站 行李搬运工', category: 'moving.loader', place: place(-10) });
    await visible({ q: '搬运工', city: '上海' }, job.id);
    const commands = p.commands(searchCommands)!;
    const phases = new Set<string>();
    const { documents } = await commands.reindex((progress) => phases.add(progress.phase));
    expect(documents).toBeGreaterThanOrEqual(1);
    expect(phases).toContain('done');
    expect(ids((await searchJobs(p, { q: '搬运工', city: '上海' })).body)).toEqual([job.id]);
    // Another process (a second `linggong serve` on the same data) is refused the index.
    const other = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `const { EmbeddedSearchIndex } = await import(${JSON.stringify(EMBEDDED_INDEX_MODULE)});
         const { createLogger } = await import(${JSON.stringify(LOG_MODULE)});
         try { EmbeddedSearchIndex.open(${JSON.stringify(searchDir)}, createLogger({ level: 'silent' })); }
         catch (e) { console.log(e.message); process.exit(3); }`,
      ],
      { encoding: 'utf8' },
    );
    expect(other.status).toBe(3);
    expect(other.stdout).toContain(`search index in ${searchDir} is in use by process ${process.pid}`);
    // The advice fits a process that already runs on MySQL/MariaDB: its own data folder.
    expect(other.stdout).toContain('LINGGONG_DATA_DIR');
    expect(other.stdout).not.toContain('MySQL');
  });
});

describe('an index the build cannot read', () => {
  it('answers 503 SEARCH_REINDEX_REQUIRED and reports it in /readyz until "reindex" rebuilds it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-search-bad-'));
    mkdirSync(join(dir, 'index-1'));
    writeFileSync(join(dir, 'CURRENT'), 'index-1\n');
    writeFileSync(join(dir, 'index-1', 'snapshot.lgs'), 'not a snapshot at all');
    const q = await startTestPlatform({ env: { LINGGONG_SEARCH_DIR: dir } });
    try {
      const before = await searchJobs(q, { q: '保洁' });
      expect(before).toMatchObject({ status: 503, body: { code: 'SEARCH_REINDEX_REQUIRED' } });
      // The search thread opened the index and logged why it cannot serve through the process's log.
      expect(q.logText()).toMatch(/linggong reindex/);
      const ready = await q.app.inject({ method: 'GET', url: '/readyz' });
      // Search alone is degraded: the process still serves everything else.
      expect(ready.statusCode).toBe(200);
      expect(ready.json().checks['search-index']).toMatchObject({ ok: false });
      const boss = await loginWithSms(q, newPhone(), 'employer');
      const job = await openJob(q, boss, { title: '临时仓库分拣员 日结' });
      await q.events.flush();
      const commands = q.commands(searchCommands)!;
      expect((await commands.reindex()).documents).toBe(1);
      const after = await searchJobs(q, { q: '分拣员' });
      expect(after.status).toBe(200);
      expect(ids(after.body)).toEqual([job.id]);
      expect((await q.app.inject({ method: 'GET', url: '/readyz' })).json().checks['search-index']).toEqual({
        ok: true,
      });
    } finally {
      await q.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('search replicas (LINGGONG_SEARCH_THREADS)', () => {
  it('reports them in /readyz while they load, then answers from every thread alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-search-replicas-'));
    const q = await startTestPlatform({ env: { LINGGONG_SEARCH_DIR: dir, LINGGONG_SEARCH_THREADS: '3' } });
    if (BUS === 'bullmq') q.startBackground();
    try {
      const boss = await loginWithSms(q, newPhone(), 'employer');
      const job = await openJob(q, boss, { title: '超市理货员 日结' });
      await settle(q, async () => ids((await searchJobs(q, { q: '理货员' })).body).includes(job.id));
      let check: { ok: boolean; error?: string } | undefined;
      for (let i = 0; i < 200; i++) {
        check = (await q.app.inject({ method: 'GET', url: '/readyz' })).json().checks['search-replicas'];
        if (check?.ok) break;
        // Loading: a degraded check, not a failed process.
        expect(check).toMatchObject({
          ok: false,
          error: expect.stringMatching(/of 2 search replicas serving/),
        });
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(check).toEqual({ ok: true });
      // Three searches in a row: one per thread, the same answer from each.
      for (let i = 0; i < 3; i++) {
        const found = await searchJobs(q, { q: '理货员' });
        expect(found.status).toBe(200);
        expect(ids(found.body)).toEqual([job.id]);
      }
    } finally {
      await q.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a thread count outside 1–16 at start', async () => {
    await expect(startTestPlatform({ env: { LINGGONG_SEARCH_THREADS: '0' } })).rejects.toThrow(
      /LINGGONG_SEARCH_THREADS/,
    );
  });
});
