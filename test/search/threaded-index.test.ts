import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseLockedError } from '../../src/platform/db/process-lock.js';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import { SearchUnavailableError } from '../../src/services/search/search.port.js';
import { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { SHANGHAI, makeJob } from './support.js';

let dir: string;
const log = createLogger({ level: 'silent' });
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'linggong-threaded-index-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const near = { ...SHANGHAI, radiusMeters: 50_000 };
/** The thread behind the index (private: tests stop it as a crash would). */
const threadOf = (index: ThreadedSearchIndex): Worker => (index as unknown as { worker: Worker }).worker;

describe('the embedded index in its thread', () => {
  it('holds the directory lock in the main thread: a second open fails at once', async () => {
    const index = ThreadedSearchIndex.open(dir, log, { timeZone: 'Asia/Shanghai' });
    try {
      expect(() => EmbeddedSearchIndex.open(dir, log)).toThrow(DatabaseLockedError);
      expect((await index.status()).needsReindex).toBeNull();
    } finally {
      await index.close();
    }
    // Closed: the lock is free again.
    const reopened = EmbeddedSearchIndex.open(dir, log);
    await reopened.close();
  });

  it('answers 503-class errors while its thread is gone, then reopens the index from disk', async () => {
    const index = ThreadedSearchIndex.open(dir, log, { timeZone: 'Asia/Shanghai', restartDelayMs: 300 });
    try {
      const job = makeJob({ title: '商场保洁 日结' });
      expect(await index.upsert(job)).toBe('inserted');
      expect((await index.search({ keyword: '保洁', near })).hits.map((h) => h.jobId)).toEqual([job.jobId]);

      // A rebuild waiting for its next documents is a call in flight for as long as we like.
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      async function* slow() {
        yield makeJob({ title: '家教 数学' });
        await gate;
      }
      const inFlight = index.rebuild(slow());
      await new Promise((r) => setTimeout(r, 100));
      await threadOf(index).terminate();
      await expect(inFlight).rejects.toBeInstanceOf(SearchUnavailableError);
      release();
      // Right after, calls fail at once instead of starting a thread per call.
      await expect(index.search({ keyword: '保洁', near })).rejects.toMatchObject({ kind: 'unreachable' });

      await new Promise((r) => setTimeout(r, 350));
      // A new thread reopened the index: the acknowledged upsert is there.
      const after = await index.search({ keyword: '保洁', near });
      expect(after.hits.map((h) => h.jobId)).toEqual([job.jobId]);
      expect(await index.upsert(job)).toBe('stale');
    } finally {
      await index.close();
    }
  });

  it('refuses a sync its thread did not live to do (the consumer rolls back and the event comes again)', async () => {
    const index = ThreadedSearchIndex.open(dir, log, { timeZone: 'Asia/Shanghai', restartDelayMs: 300 });
    try {
      const job = makeJob({ title: '仓库夜班 分拣' });
      expect(await index.upsert(job, { durable: false })).toBe('inserted');
      await threadOf(index).terminate();
      await expect(index.sync()).rejects.toBeInstanceOf(SearchUnavailableError);
      await new Promise((r) => setTimeout(r, 350));
      // The change-log line was written before the thread died (only a power cut could lose it
      // unsynced), so the reopened index has it, and the redelivered event finds it 'stale'.
      expect((await index.search({ keyword: '分拣', near })).hits.map((h) => h.jobId)).toEqual([job.jobId]);
      expect(await index.upsert(job, { durable: false })).toBe('stale');
      await index.sync();
    } finally {
      await index.close();
    }
  });

  it('fails a rebuild whose source fails, and keeps serving the old index', async () => {
    const index = ThreadedSearchIndex.open(dir, log, { timeZone: 'Asia/Shanghai' });
    try {
      const kept = makeJob({ title: '仓库分拣员 夜班' });
      await index.upsert(kept);
      async function* failing() {
        yield makeJob({ title: '家教 数学' });
        throw new Error('the job service went away');
      }
      await expect(index.rebuild(failing())).rejects.toThrow('the job service went away');
      const found = await index.search({ keyword: '仓库', near });
      expect(found.hits.map((h) => h.jobId)).toEqual([kept.jobId]);
      expect((await index.search({ keyword: '家教', near })).hits).toEqual([]);
    } finally {
      await index.close();
    }
  });
});
