import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCursorCodec } from '../../src/platform/cursor.js';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import type { SearchIndex } from '../../src/services/search/search.port.js';
import {
  SearchJobCard,
  SearchJobsResponse,
  type SearchJobsQuery,
} from '../../src/services/search/search.schemas.js';
import { createSearchService } from '../../src/services/search/search.service.js';
import { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { generateJobs } from '../../bench/search/generate.js';

/**
 * The search thread renders the cards of a page itself (searchRendered); any other index gives
 * hits that the service renders. Both must answer byte for byte the same, in the documented shape.
 */
describe('search answers rendered in the search thread', () => {
  const dirs: string[] = [];
  let plain: SearchIndex;
  let threaded: SearchIndex;
  const log = createLogger({ level: 'silent' });
  const cursors = createCursorCodec('rendering-test-secret-0123456789abcdef');

  beforeAll(async () => {
    dirs.push(mkdtempSync(join(tmpdir(), 'lg-render-a-')), mkdtempSync(join(tmpdir(), 'lg-render-b-')));
    plain = EmbeddedSearchIndex.open(dirs[0]!, log);
    threaded = ThreadedSearchIndex.open(dirs[1]!, log, { timeZone: 'Asia/Shanghai' });
    for (const doc of generateJobs(2000, { seed: 11 })) {
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
        const [a, b] = [await viaHits.search(q), await viaThread.search(q)];
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
});
