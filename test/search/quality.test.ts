import { beforeAll, describe, expect, it } from 'vitest';
import { buildSearchEngine, type SearchEngine } from '../../src/services/search/engine/engine.js';
import { generateJobs } from '../../bench/search/generate.js';
import { NEGATIVE, POSITIVE, TARGETS, runQualityCases } from '../../bench/search/quality-cases.js';

/**
 * Search quality on every CI run: the cases of bench/search/quality-cases.ts against 20,000
 * generated posts plus the target posts (`npm run bench:search:quality` runs them on 1,000,000).
 */
let engine: SearchEngine;

beforeAll(async () => {
  async function* corpus() {
    yield* generateJobs(20_000, { seed: 7 });
    yield* TARGETS.values();
  }
  engine = await buildSearchEngine(corpus(), { workers: 0 });
}, 120_000);

describe('search quality (20,000 generated posts + targets)', () => {
  it('has at least 30 positive and 10 negative cases', () => {
    expect(POSITIVE.length).toBeGreaterThanOrEqual(30);
    expect(NEGATIVE.length).toBeGreaterThanOrEqual(10);
  });

  it('finds every expected post in the top 3, and no negative case returns its post', () => {
    const failed = runQualityCases(engine).filter((r) => !r.pass);
    expect(failed).toEqual([]);
  });
});
