import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCursorCodec, type CursorCodec } from '../../src/platform/cursor.js';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import type { SearchIndex } from '../../src/services/search/search.port.js';
import {
  SearchJobCard,
  SearchJobsResponse,
  type SearchJobsQuery,
} from '../../src/services/search/search.schemas.js';
import { createSearchService } from '../../src/services/search/search.service.js';
import { BUFFER_BYTES, BUFFER_COUNT, ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { generateJobs } from '../../bench/search/generate.js';

/**
 * The search thread renders the body of a page itself (searchRendered), into a pooled buffer it
 * is lent, or as text; any other index gives hits that the service renders. All must answer byte
 * for byte the same, in the documented shape, and every lent buffer must come back.
 */
describe('search answers rendered in the search thread', () => {
  const dirs: string[] = [];
  let plain: SearchIndex;
  let threaded: ThreadedSearchIndex;
  const log = createLogger({ level: 'silent' });
  const cursors = createCursorCodec('rendering-test-secret-0123456789abcdef');

  beforeAll(async () => {
    dirs.push(mkdtempSync(join(tmpdir(), 'lg-render-a-')), mkdtempSync(join(tmpdir(), 'lg-render-b-')));
    plain = EmbeddedSearchIndex.open(dirs[0]!, log);
    threaded = ThreadedSearchIndex.open(dirs[1]!, log, { timeZone: 'Asia/Shanghai' });
    const docs = [...generateJobs(2000, { seed: 11 })];
    // Fifty posts whose cards are as large as the job schema allows, every character one that
    // escaping lengthens (\" in JSON, &quot; in highlights): a page of them fills no buffer.
    for (const [i, doc] of docs.slice(0, 50).entries()) {
      docs.push({
        ...doc,
        jobId: `01HVGE${String(i).padStart(20, '0')}`,
        title: '"'.repeat(60),
        description: '"'.repeat(500),
        tags: Array.from({ length: 10 }, (_, k) => `${k}${'"'.repeat(11)}`),
        city: '测试市',
      });
    }
    for (const doc of docs) {
      await plain.upsert(doc);
      await threaded.upsert(doc);
    }
  });
  afterAll(async () => {
    await plain.close();
    await threaded.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('gives the same body as the service rendering hits, in the SearchJobsResponse shape, page after page', async () => {
    expect('searchRendered' in threaded).toBe(true);
    expect('searchRendered' in plain).toBe(false);
    const viaHits = createSearchService({ index: plain, cursors, timeZone: 'Asia/Shanghai' });
    const viaThread = createSearchService({ index: threaded, cursors, timeZone: 'Asia/Shanghai' });
    const queries: SearchJobsQuery[] = [
      { q: '保洁', lng: 121.47, lat: 31.23, radius: 8000, sort: 'distance', limit: 7 },
      { q: '服务员 日结', city: '上海', limit: 5 },
      { lng: 116.4, lat: 39.9, radius: 20000, payType: ['hourly'], sort: 'pay', limit: 9 },
      { city: '北京', sort: 'newest', limit: 3 },
    ];
    let pages = 0;
    let cards = 0;
    for (const first of queries) {
      let q: SearchJobsQuery = first;
      for (let i = 0; i < 3; i++) {
        const a = await viaHits.search(q);
        if (typeof a !== 'string') throw new Error('an index without a thread answers text');
        const answer = await viaThread.search(q);
        // From the thread: UTF-8 in a lent buffer, held until released.
        if (typeof answer === 'string') throw new Error('expected bytes in a lent buffer');
        expect(threaded.buffersInUse()).toBe(1);
        const b = answer.bytes.toString('utf8');
        answer.release();
        answer.release(); // a second release changes nothing
        expect(threaded.buffersInUse()).toBe(0);
        expect(b).toBe(a);
        const body: unknown = JSON.parse(b);
        expect(Value.Check(SearchJobsResponse, body), b.slice(0, 300)).toBe(true);
        const page = body as SearchJobsResponse;
        // Nothing beyond the documented fields (the schema alone would allow extra ones).
        for (const card of page.items) {
          expect(Object.keys(card).filter((k) => !(k in SearchJobCard.properties))).toEqual([]);
        }
        pages++;
        cards += page.items.length;
        if (page.nextCursor === null) break;
        q = { ...first, cursor: page.nextCursor };
      }
    }
    expect(pages).toBeGreaterThan(8);
    expect(cards).toBeGreaterThan(40);
  });

  it('answers as text, the same body, when no buffer is free or the page or cursor does not fit; every failure gives its buffer back', async () => {
    const service = createSearchService({ index: threaded, cursors, timeZone: 'Asia/Shanghai' });
    const q: SearchJobsQuery = { q: '保洁', city: '上海', limit: 50 };
    const held = await Promise.all(Array.from({ length: BUFFER_COUNT }, () => service.search(q)));
    expect(held.every((h) => typeof h !== 'string')).toBe(true);
    expect(threaded.buffersInUse()).toBe(BUFFER_COUNT);
    const text = await service.search(q);
    expect(typeof text).toBe('string');
    const first = held[0] as { bytes: Buffer; release(): void };
    expect(text).toBe(first.bytes.toString('utf8'));
    for (const h of held) if (typeof h !== 'string') h.release();
    expect(threaded.buffersInUse()).toBe(0);

    // A page larger than a buffer comes as text, identical too.
    const huge: SearchJobsQuery = { city: '测试市', limit: 50 };
    const large = await service.search(huge);
    expect(typeof large).toBe('string');
    expect(Buffer.byteLength(large as string)).toBeGreaterThan(BUFFER_BYTES);
    const viaHits = createSearchService({ index: plain, cursors, timeZone: 'Asia/Shanghai' });
    expect(large).toBe(await viaHits.search(huge));
    expect(threaded.buffersInUse()).toBe(0);

    // A cursor longer than the room left after the head: the service copies the answer out as
    // text (identical) and gives the buffer back; a cursor that cannot be made gives it back too.
    const longCursors: CursorCodec = { ...cursors, encodeFor: () => 'c'.repeat(BUFFER_BYTES) };
    const q2: SearchJobsQuery = { q: '保洁', city: '上海', limit: 5 };
    const viaThreadLong = createSearchService({
      index: threaded,
      cursors: longCursors,
      timeZone: 'Asia/Shanghai',
    });
    const viaHitsLong = createSearchService({
      index: plain,
      cursors: longCursors,
      timeZone: 'Asia/Shanghai',
    });
    const copied = await viaThreadLong.search(q2);
    expect(typeof copied).toBe('string');
    expect(copied).toBe(await viaHitsLong.search(q2));
    expect(threaded.buffersInUse()).toBe(0);
    const failing: CursorCodec = {
      ...cursors,
      encodeFor: () => {
        throw new Error('no cursor');
      },
    };
    await expect(
      createSearchService({ index: threaded, cursors: failing, timeZone: 'Asia/Shanghai' }).search(q2),
    ).rejects.toThrow('no cursor');
    expect(threaded.buffersInUse()).toBe(0);

    // The engine refuses this position (not a position of this sort): the buffer is not waited for.
    await expect(threaded.searchRendered({ keyword: '保洁', after: 'x:1:2', limit: 5 })).rejects.toThrow();
    expect(threaded.buffersInUse()).toBe(0);
  });
});
