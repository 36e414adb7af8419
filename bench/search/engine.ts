import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import {
  buildSearchEngine,
  openSearchEngine,
  type SearchEngine,
} from '../../src/services/search/engine/engine.js';
import { ANALYZER_VERSION } from '../../src/services/search/engine/analyzer.js';
import type { SearchQuery } from '../../src/services/search/engine/types.js';
import { renderResult } from '../../src/services/search/search.mappers.js';
import { createInstantFormatter } from '../../src/platform/clock.js';
import { CITIES, QUERY_KEYWORDS, generateJobs, prng } from './generate.js';
import { TOP_CATEGORIES, machine, percentile, randomChoices } from './workload.js';

/**
 * Engine-only benchmark of the embedded search engine (no HTTP): builds an index of generated job
 * posts, writes and reopens it, and measures query latency for the three shapes of issue 6:
 *
 *   (a) keyword + 5 km radius, nearest first
 *   (b) filters + 5 km radius, no keyword, nearest first
 *   (c) keyword in one city, by relevance
 *
 * Each shape also prints the mean time to render a page's cards as the search thread does
 * (search.mappers.ts renderResult), timed apart from the query latency.
 *
 *   npm run bench:search:engine -- --docs 1000000 --queries 2000
 *
 * Run it with --expose-gc (the npm script does) so memory is measured after garbage collection.
 */
const { values: flags } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '300' },
    seed: { type: 'string', default: '1' },
    radius: { type: 'string', default: '5000' },
    keep: { type: 'boolean', default: false },
    /** Measure queries on an index folder that exists already (e.g. the corpus's index-1), no build. */
    index: { type: 'string' },
  },
});
const docCount = Number(flags.docs);
const queryCount = Number(flags.queries);
const warmupCount = Number(flags.warmup);
const radius = Number(flags.radius);
const seed = Number(flags.seed);

const log = (line: string): void => console.log(line);
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const gc = (): void => (globalThis as { gc?: () => void }).gc?.();

function memory(): string {
  gc();
  const m = process.memoryUsage();
  return `RSS ${mb(m.rss)} (heap ${mb(m.heapUsed)}, array buffers ${mb(m.arrayBuffers)}, external ${mb(m.external)})`;
}

const formatInstant = createInstantFormatter('Asia/Shanghai');
const rand = prng(seed + 1000);
const { pickOne, randomPoint } = randomChoices(rand);

const shapes: Record<string, () => SearchQuery> = {
  '(a) keyword + 5 km, by distance': () => ({
    keyword: pickOne(QUERY_KEYWORDS),
    near: { ...randomPoint(), radiusMeters: radius },
    sort: 'distance',
  }),
  '(b) filters + 5 km, no keyword': () => ({
    near: { ...randomPoint(), radiusMeters: radius },
    sort: 'distance',
    filters: {
      ...(rand() < 0.6 ? { categories: [pickOne(TOP_CATEGORIES)] } : {}),
      ...(rand() < 0.5 ? { payTypes: [pickOne(['hourly', 'daily'] as const)] } : {}),
      ...(rand() < 0.4 ? { minPayFen: 2000 + Math.floor(rand() * 10) * 1000 } : {}),
      ...(rand() < 0.3 ? { settlements: ['daily' as const] } : {}),
      ...(rand() < 0.3 ? { employerVerified: true } : {}),
    },
  }),
  '(c) keyword, city-wide, by relevance': () => ({
    keyword: pickOne(QUERY_KEYWORDS),
    city: pickOne(CITIES).name,
    sort: 'relevance',
  }),
};

function measure(engine: SearchEngine): void {
  for (const [name, make] of Object.entries(shapes)) {
    for (let i = 0; i < warmupCount; i++) engine.search(make());
    const times: number[] = [];
    let hits = 0;
    let renderMs = 0;
    for (let i = 0; i < queryCount; i++) {
      const q = make();
      const t0 = performance.now();
      const r = engine.search(q);
      const t1 = performance.now();
      times.push(t1 - t0);
      hits += r.total.value;
      // The page's cards as the search thread renders them (not part of the latency above).
      renderResult(r, formatInstant);
      renderMs += performance.now() - t1;
    }
    times.sort((a, b) => a - b);
    const f = (v: number): string => v.toFixed(2).padStart(6);
    log(
      `  ${name.padEnd(38)} p50 ${f(percentile(times, 50))} ms  p95 ${f(percentile(times, 95))} ms  ` +
        `p99 ${f(percentile(times, 99))} ms  (mean matches ${Math.round(hits / queryCount)}; ` +
        `rendering the cards ${Math.round((1000 * renderMs) / queryCount)} µs per page)`,
    );
  }
}

log(`Linggong search engine benchmark (engine only, no HTTP)`);
log(`machine: ${machine()}`);
log(`data: ${docCount.toLocaleString('en-US')} generated job posts, ${CITIES.length} cities, seed ${seed}`);
log(`analyzer: ${ANALYZER_VERSION}`);
log(`queries: ${queryCount} per shape after ${warmupCount} warm-up, radius ${radius} m, limit 20, facets on`);
log('');

if (flags.index) {
  const opened = openSearchEngine(flags.index);
  if (opened.status !== 'ready') throw new Error(`${flags.index}: ${opened.reason} ${opened.detail}`);
  log(
    `latency, index opened from ${flags.index} (${opened.engine.stats().documents.toLocaleString('en-US')} docs):`,
  );
  measure(opened.engine);
  opened.engine.close();
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'linggong-search-bench-'));
try {
  const t0 = performance.now();
  let lastLog = t0;
  let engine: SearchEngine | null = await buildSearchEngine(generateJobs(docCount, { seed }), {
    dir,
    expectedDocuments: docCount,
    progressEvery: 50_000,
    onProgress: (p) => {
      const now = performance.now();
      if (p.phase !== 'indexing' || now - lastLog > 10_000) {
        log(
          `  build: ${p.phase} ${p.documents.toLocaleString('en-US')} docs at ${((now - t0) / 1000).toFixed(1)} s`,
        );
        lastLog = now;
      }
    },
  });
  const buildSec = (performance.now() - t0) / 1000;
  const stats = engine.stats();
  log(`build (generate + analyse + index + compact + write): ${buildSec.toFixed(1)} s`);
  log(
    `index: ${stats.documents.toLocaleString('en-US')} docs, ${stats.terms.toLocaleString('en-US')} terms, ` +
      `snapshot ${mb(statSync(join(dir, 'snapshot.lgs')).size)}`,
  );
  log(`memory after build: ${memory()}`);
  log('');
  log('latency, index as built:');
  measure(engine);

  engine.close();
  engine = null;
  gc();
  const t1 = performance.now();
  const opened = openSearchEngine(dir);
  if (opened.status !== 'ready') throw new Error(`reopen failed: ${opened.reason}`);
  log('');
  log(`reopen from disk: ${((performance.now() - t1) / 1000).toFixed(1)} s; memory: ${memory()}`);
  log('latency, index reopened from disk:');
  measure(opened.engine);
  opened.engine.close();
} finally {
  if (!flags.keep) rmSync(dir, { recursive: true, force: true });
  else log(`index kept in ${dir}`);
}
