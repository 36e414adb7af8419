import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { describeSearchIndexContract } from './index-contract.js';
import { untilReplicasServe } from './support.js';

// The embedded engine keeps the contract the Elasticsearch adapter keeps (elasticsearch.test.ts).
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describeSearchIndexContract('embedded', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'linggong-search-contract-'));
  dirs.push(dir);
  return EmbeddedSearchIndex.open(dir, createLogger({ level: 'silent' }));
});

// What the search service runs: the same index served from its own thread.
describeSearchIndexContract('embedded, in its thread', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'linggong-search-contract-'));
  dirs.push(dir);
  return ThreadedSearchIndex.open(dir, createLogger({ level: 'silent' }), { timeZone: 'Asia/Shanghai' });
});

// With replicas: queries go round robin over three threads, so the contract's reads land on
// replicas too (its polling reads pass on whichever thread answers first; the replica tests in
// threaded-index.test.ts check every thread).
describeSearchIndexContract('embedded, with two replicas', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'linggong-search-contract-'));
  dirs.push(dir);
  const index = ThreadedSearchIndex.open(dir, createLogger({ level: 'silent' }), {
    timeZone: 'Asia/Shanghai',
    threads: 3,
  });
  await untilReplicasServe(index);
  return index;
});
