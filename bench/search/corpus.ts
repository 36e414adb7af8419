import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ANALYZER_VERSION } from '../../src/services/search/engine/analyzer.js';
import {
  buildSearchEngine,
  openSearchEngine,
  type SearchEngine,
} from '../../src/services/search/engine/engine.js';
import { FORMAT_VERSION } from '../../src/services/search/engine/snapshot.js';
import { generateJobs } from './generate.js';
import { TARGETS } from './quality-cases.js';

/**
 * The benchmark corpus: `docs` generated posts plus the quality target posts, as an embedded index
 * laid out like the search service's directory (`<dir>/CURRENT` naming `<dir>/index-1`), so a
 * server can open it with LINGGONG_SEARCH_DIR=<dir>. Built once and reused by later runs
 * (bench:search and bench:search:quality) while the generator's parameters, the analyzer and the
 * format are the same.
 */
export async function corpusEngine(options: {
  docs: number;
  seed: number;
  dir: string;
  rebuild?: boolean;
  log: (line: string) => void;
  /** Only make sure the index exists (a server opens it); no engine is returned. */
  buildOnly?: boolean;
}): Promise<{
  engine: SearchEngine | null;
  buildSeconds: number | null;
  openSeconds: number;
  peakRssBytes: number;
}> {
  const marker = join(options.dir, 'corpus.json');
  const indexDir = join(options.dir, 'index-1');
  const want = JSON.stringify({
    docs: options.docs,
    seed: options.seed,
    targets: [...TARGETS.values()].map((t) => t.jobId + t.title).join('|').length,
    analyzer: ANALYZER_VERSION,
    format: FORMAT_VERSION,
  });
  let buildSeconds: number | null = null;
  if (options.rebuild || !existsSync(marker) || readFileSync(marker, 'utf8') !== want) {
    rmSync(options.dir, { recursive: true, force: true });
    options.log(
      `building the corpus index: ${options.docs.toLocaleString('en-US')} generated posts + ${TARGETS.size} targets → ${options.dir}`,
    );
    const started = performance.now();
    async function* docs() {
      yield* generateJobs(options.docs, { seed: options.seed });
      yield* TARGETS.values();
    }
    let lastLog = 0;
    const built = await buildSearchEngine(docs(), {
      dir: indexDir,
      expectedDocuments: options.docs + TARGETS.size,
      onProgress: (p) => {
        if (p.phase !== 'indexing' || performance.now() - lastLog > 10_000) {
          lastLog = performance.now();
          options.log(
            `  ${p.phase} ${p.documents.toLocaleString('en-US')} (${((performance.now() - started) / 1000).toFixed(1)} s)`,
          );
        }
      },
    });
    buildSeconds = (performance.now() - started) / 1000;
    built.close();
    writeFileSync(join(options.dir, 'CURRENT'), 'index-1\n');
    writeFileSync(marker, want);
  }
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  if (options.buildOnly) return { engine: null, buildSeconds, openSeconds: 0, peakRssBytes };
  const started = performance.now();
  const opened = openSearchEngine(indexDir);
  if (opened.status !== 'ready') throw new Error(`corpus index: ${opened.reason} ${opened.detail}`);
  return {
    engine: opened.engine,
    buildSeconds,
    openSeconds: (performance.now() - started) / 1000,
    peakRssBytes,
  };
}
