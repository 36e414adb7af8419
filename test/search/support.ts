import { analyze, normalizeTag } from '../../src/services/search/engine/analyzer.js';
import { cityKey } from '../../src/services/search/engine/job-index.js';
import type { SearchJobDoc, SearchQuery } from '../../src/services/search/engine/types.js';
import { distanceMeters } from '../../src/platform/geo.js';
import type { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
let counter = 0;

/** A fresh ULID-shaped id (monotonic within a test run). */
export function nextJobId(): string {
  let n = ++counter;
  let s = '';
  for (let i = 0; i < 8; i++) {
    s = CROCKFORD[n % 32]! + s;
    n = Math.floor(n / 32);
  }
  return '01J0000000' + '00000000' + s;
}

export const SHANGHAI = { lng: 121.4737, lat: 31.2304 };
const BASE = Date.UTC(2026, 2, 1);

/** A job post with sensible defaults; override what the test is about. */
export function makeJob(overrides: Partial<SearchJobDoc> = {}): SearchJobDoc {
  return {
    jobId: nextJobId(),
    version: 1,
    title: '兼职服务员 时薪22元',
    description: '负责点餐和传菜。',
    category: 'food.waiter',
    tags: [],
    payType: 'hourly',
    payAmountFen: 2200,
    settlement: 'daily',
    employerVerified: true,
    city: '上海市',
    location: { ...SHANGHAI },
    startsAt: BASE + 86_400_000,
    endsAt: BASE + 2 * 86_400_000,
    publishedAt: BASE - 86_400_000,
    ...overrides,
  };
}

/** The matches of a query over live documents, computed the slow and obvious way. */
export function bruteForce(docs: Iterable<SearchJobDoc>, q: SearchQuery): SearchJobDoc[] {
  const f = q.filters ?? {};
  const keywordTerms = q.keyword === undefined ? [] : [...new Set(analyze(q.keyword))];
  const out: SearchJobDoc[] = [];
  for (const d of docs) {
    if (q.city !== undefined && cityKey(d.city) !== cityKey(q.city)) continue;
    if (q.near && distanceMeters(q.near, d.location) > q.near.radiusMeters) continue;
    if (f.categories && !f.categories.some((c) => d.category === c || d.category.startsWith(c + '.')))
      continue;
    if (f.payTypes && f.payTypes.length > 0 && !f.payTypes.includes(d.payType)) continue;
    if (f.settlements && f.settlements.length > 0 && !f.settlements.includes(d.settlement)) continue;
    if (f.minPayFen !== undefined && d.payAmountFen < f.minPayFen) continue;
    if (f.dateRange?.from !== undefined && d.endsAt < f.dateRange.from) continue;
    if (f.dateRange?.to !== undefined && d.startsAt > f.dateRange.to) continue;
    if (f.employerVerified && !d.employerVerified) continue;
    if (f.tags && !f.tags.every((t) => d.tags.some((x) => normalizeTag(x) === normalizeTag(t)))) continue;
    if (q.keyword !== undefined) {
      if (keywordTerms.length === 0) continue;
      const terms = new Set([
        ...analyze(d.title),
        ...analyze(d.description),
        ...d.tags.flatMap((t) => analyze(t)),
      ]);
      if (!keywordTerms.every((t) => terms.has(t))) continue;
    }
    out.push(d);
  }
  return out;
}

/** Waits until every replica of `index` serves queries (they load after the owner thread). */
export async function untilReplicasServe(index: ThreadedSearchIndex, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { replicas, serving } = index.replicaStatus();
    if (serving === replicas) return;
    if (Date.now() > until) throw new Error(`${serving} of ${replicas} replicas serve after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
