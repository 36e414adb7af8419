import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import { SHANGHAI, makeJob } from './support.js';

let dir: string;
const log = createLogger({ level: 'silent' });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'linggong-embedded-index-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

describe('embedded search index on disk', () => {
  it('keeps removals across a rebuild: a late, older upsert stays out', async () => {
    const ix = EmbeddedSearchIndex.open(dir, log);
    const closed = makeJob({ version: 3, title: '仓库分拣员 夜班' });
    const open = makeJob({ version: 1, title: '仓库打包员 白班' });
    await ix.upsert(closed);
    expect(await ix.remove(closed.jobId, 4, 1_000)).toBe('removed');
    // The job service no longer lists the closed job, so the rebuild stream does not have it.
    await ix.rebuild(stream([open]));
    expect(await ix.upsert(closed)).toBe('stale');
    const found = await ix.search({ keyword: '仓库', near: { ...SHANGHAI, radiusMeters: 50_000 } });
    expect(found.hits.map((h) => h.jobId)).toEqual([open.jobId]);
    await ix.close();
  });

  it('asks for a rebuild instead of opening empty when CURRENT names a missing folder', async () => {
    const ix = EmbeddedSearchIndex.open(dir, log);
    await ix.upsert(makeJob());
    await ix.close();
    writeFileSync(join(dir, 'CURRENT'), 'index-7\n');
    const reopened = EmbeddedSearchIndex.open(dir, log);
    expect((await reopened.status()).needsReindex).toMatch(/index-7.*missing/);
    await expect(reopened.search({ keyword: '保洁' })).rejects.toMatchObject({ kind: 'reindex' });
    // The folder that holds the data is left for an operator to look at.
    expect(existsSync(join(dir, 'index-1'))).toBe(true);
    await reopened.close();
  });

  it('asks for a rebuild when index folders exist without CURRENT', async () => {
    mkdirSync(join(dir, 'index-3'));
    const ix = EmbeddedSearchIndex.open(dir, log);
    expect((await ix.status()).needsReindex).toMatch(/without a CURRENT/);
    expect(readdirSync(dir)).toContain('index-3');
    await ix.close();
  });

  it('asks for a rebuild when a complete line of the change log cannot be applied', async () => {
    const ix = EmbeddedSearchIndex.open(dir, log);
    await ix.upsert(makeJob());
    await ix.close();
    const logFile = readdirSync(join(dir, 'index-1')).find((f) => f.startsWith('log.'))!;
    appendFileSync(join(dir, 'index-1', logFile), '{"u":{"jobId":"broken"}}\n');
    const reopened = EmbeddedSearchIndex.open(dir, log);
    expect((await reopened.status()).needsReindex).toMatch(/^corrupt: change log/);
    await reopened.close();
  });
});
