import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { distanceMeters } from '../../src/platform/geo.js';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ANALYZER_VERSION } from '../../src/services/search/engine/analyzer.js';
import {
  buildSearchEngine,
  openSearchEngine,
  type BuildProgress,
  type SearchEngine,
} from '../../src/services/search/engine/engine.js';
import { JobIndex } from '../../src/services/search/engine/job-index.js';
import { SNAPSHOT_FILE, writeSnapshot } from '../../src/services/search/engine/snapshot.js';
import type { SearchJobDoc, SearchQuery } from '../../src/services/search/engine/types.js';
import { generateJobs } from '../../bench/search/generate.js';
import { SHANGHAI, makeJob } from './support.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'linggong-search-test-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function open(d: string): SearchEngine {
  const r = openSearchEngine(d);
  if (r.status !== 'ready') throw new Error(`not ready: ${r.reason} ${r.detail}`);
  return r.engine;
}

const QUERIES: SearchQuery[] = [
  { keyword: '保洁', near: { ...SHANGHAI, radiusMeters: 10_000 }, sort: 'distance', limit: 50 },
  { keyword: '日结 服务员', city: '上海', limit: 50 },
  {
    near: { ...SHANGHAI, radiusMeters: 5000 },
    filters: { categories: ['logistics'], minPayFen: 2500 },
    limit: 50,
  },
  { city: '北京', sort: 'pay', filters: { tags: ['包午餐'] }, limit: 50 },
];

describe('search index on disk', () => {
  it('builds from a stream with progress, and reopens to the same answers', async () => {
    const progress: BuildProgress[] = [];
    const built = await buildSearchEngine(generateJobs(3000, { seed: 3 }), {
      dir,
      progressEvery: 1000,
      onProgress: (p) => progress.push(p),
    });
    expect(progress.map((p) => p.phase)).toEqual([
      'indexing',
      'indexing',
      'indexing',
      'compacting',
      'writing',
      'done',
    ]);
    expect(progress.at(-1)!.documents).toBe(3000);
    const before = QUERIES.map((q) => built.search(q));
    expect(before.every((r) => r.total.value > 0)).toBe(true);
    built.close();

    const reopened = open(dir);
    expect(reopened.stats()).toMatchObject({
      documents: 3000,
      generation: 1,
      analyzerVersion: ANALYZER_VERSION,
    });
    expect(QUERIES.map((q) => reopened.search(q))).toEqual(before);
    reopened.close();
  });

  it('reports, after reopening, the same distances as distanceMeters (the radius filter agrees)', async () => {
    const docs = [...generateJobs(3000, { seed: 5 })];
    (await buildSearchEngine(docs, { dir })).close();
    const reopened = open(dir);
    const byId = new Map(docs.map((d) => [d.jobId, d]));
    let rand = 7;
    const next = () => (rand = (rand * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let checked = 0;
    for (let i = 0; i < 40; i++) {
      const near = {
        lng: SHANGHAI.lng + (next() - 0.5) * 0.4,
        lat: SHANGHAI.lat + (next() - 0.5) * 0.4,
        radiusMeters: 2000 + next() * 8000,
      };
      const expected = docs.filter((d) => distanceMeters(near, d.location) <= near.radiusMeters).length;
      const result = reopened.search({ near, limit: 50 });
      expect(result.total.value).toBe(expected);
      for (const h of result.hits) {
        expect(h.distanceMeters).toBe(distanceMeters(near, byId.get(h.jobId)!.location));
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(100);
    reopened.close();
  });

  it('replays changes made after the snapshot from the log, and snapshots them away', () => {
    const first = open(dir);
    const a = makeJob({ title: '开荒保洁', category: 'housekeeping.deep_clean' });
    const b = makeJob({ title: '小区保安', category: 'security.guard' });
    first.upsert(a);
    first.upsert(b);
    first.snapshot();
    const c = makeJob({ title: '家庭保洁 小时工' });
    first.upsert(c);
    first.remove(a.jobId, 2, 1000);
    first.upsert({ ...b, version: 2, title: '写字楼保安 夜班' });
    first.sync();
    first.close();

    const second = open(dir);
    expect(second.search({ keyword: '保洁' }).hits.map((h) => h.jobId)).toEqual([c.jobId]);
    expect(second.search({ keyword: '夜班' }).hits.map((h) => h.jobId)).toEqual([b.jobId]);
    // The removal's tombstone survived: a late older upsert stays out.
    expect(second.upsert(a)).toBe('stale');
    second.snapshot();
    expect(readdirSync(dir).filter((f) => f.startsWith('log.'))).toEqual([]);
    second.close();

    const third = open(dir);
    expect(third.stats()).toMatchObject({ documents: 2, tombstones: 1, generation: 2 });
    expect(third.upsert({ ...a, version: 2 })).toBe('stale');
    third.close();
  });

  it('ignores a torn last log line', () => {
    const e = open(dir);
    const a = makeJob({ title: '分拣员' });
    e.upsert(a);
    e.close();
    const [log] = readdirSync(dir).filter((f) => f.startsWith('log.'));
    appendFileSync(join(dir, log!), '{"u":{"jobId":"01J00');
    const reopened = open(dir);
    expect(reopened.search({ keyword: '分拣' }).hits.map((h) => h.jobId)).toEqual([a.jobId]);
    const b = makeJob({ title: '装卸工' });
    reopened.upsert(b);
    reopened.close();
    expect(
      open(dir)
        .search({ keyword: '装卸工' })
        .hits.map((h) => h.jobId),
    ).toEqual([b.jobId]);
  });

  it('builds the same index with and without the analysis worker, and reports bad documents', async () => {
    const docs = [...generateJobs(2500, { seed: 9 })];
    const withWorker = await buildSearchEngine(docs, { workers: 1 });
    const alone = await buildSearchEngine(docs, { workers: 0 });
    for (const q of QUERIES) expect(withWorker.search(q)).toEqual(alone.search(q));
    const bad = { ...makeJob(), title: 42 } as unknown as SearchJobDoc;
    await expect(buildSearchEngine([...docs.slice(0, 1500), bad], { workers: 1 })).rejects.toThrow(/title/);
  });

  it('asks for a reindex when the index was analysed by another analyzer version', () => {
    const ix = new JobIndex();
    ix.upsert(makeJob());
    ix.compact();
    writeSnapshot(dir, ix, 'jieba-1.0.0+gig-00000000+rules-0', 1);
    const r = openSearchEngine(dir);
    expect(r).toMatchObject({ status: 'needsReindex', reason: 'analyzer-changed' });
    if (r.status === 'needsReindex') expect(r.detail).toContain(ANALYZER_VERSION);
  });

  it('asks for a reindex when the snapshot is damaged', async () => {
    (await buildSearchEngine([makeJob()], { dir })).close();
    const file = join(dir, SNAPSHOT_FILE);
    const bytes = readFileSync(file);
    bytes[bytes.length - 40] = bytes[bytes.length - 40]! ^ 0xff;
    writeFileSync(file, bytes);
    expect(openSearchEngine(dir)).toMatchObject({ status: 'needsReindex', reason: 'corrupt' });
  });

  it('a rebuild replaces the previous index and its log', async () => {
    const old = open(dir);
    old.upsert(makeJob({ title: '旧的保安岗位' }));
    old.close();
    const fresh = makeJob({ title: '新的保洁岗位' });
    (await buildSearchEngine([fresh], { dir })).close();
    const e = open(dir);
    expect(e.search({ keyword: '保安' }).total.value).toBe(0);
    expect(e.search({ keyword: '保洁' }).hits.map((h) => h.jobId)).toEqual([fresh.jobId]);
    expect(existsSync(join(dir, SNAPSHOT_FILE))).toBe(true);
  });
});
