import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openSearchEngine, type SearchEngine } from '../../src/services/search/engine/engine.js';
import { makeJob } from './support.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function open(dir: string): SearchEngine {
  const r = openSearchEngine(dir);
  if (r.status !== 'ready') throw new Error(r.detail);
  return r.engine;
}

describe('job cards on hits', () => {
  it('carry every indexed field but the description, from the tail, after compaction and after reopening', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-hitdoc-'));
    dirs.push(dir);
    const job = makeJob({
      title: '急招保洁阿姨 日结200元',
      description: '写字楼日常保洁。',
      category: 'housekeeping.cleaner',
      tags: ['日结', 'KFC 合作'],
      payType: 'daily',
      payAmountFen: 20000,
      settlement: 'weekly',
      employerVerified: false,
      city: '上海市',
    });
    const untagged = makeJob({ title: '保洁员 无标签', tags: [], city: '上海' });
    const { description, ...card } = job;
    expect(description).toBe('写字楼日常保洁。');
    const hitsOf = (e: SearchEngine) =>
      Object.fromEntries(e.search({ keyword: '保洁', city: '上海' }).hits.map((h) => [h.jobId, h.doc]));

    const engine = open(dir);
    engine.upsert(job);
    engine.upsert(untagged);
    expect(hitsOf(engine)[job.jobId]).toEqual(card);
    expect(hitsOf(engine)[untagged.jobId]!.tags).toEqual([]);
    // The city keeps the name it was first indexed with.
    expect(hitsOf(engine)[untagged.jobId]!.city).toBe('上海市');
    engine.snapshot();
    expect(hitsOf(engine)[job.jobId]).toEqual(card);
    engine.close();

    const reopened = open(dir);
    expect(hitsOf(reopened)[job.jobId]).toEqual(card);
    expect(hitsOf(reopened)[untagged.jobId]!.tags).toEqual([]);
    reopened.close();
  });

  it('refuses a tag holding the internal separator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lg-hitdoc-'));
    dirs.push(dir);
    const engine = open(dir);
    expect(() => engine.upsert(makeJob({ tags: ['a\u001fb'] }))).toThrow(/tags/);
    engine.close();
  });
});
