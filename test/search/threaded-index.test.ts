import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseLockedError } from '../../src/platform/db/process-lock.js';
import { createLogger } from '../../src/platform/log.js';
import { EmbeddedSearchIndex } from '../../src/services/search/embedded-index.js';
import { SearchUnavailableError } from '../../src/services/search/search.port.js';
import { ThreadedSearchIndex } from '../../src/services/search/threaded-index.js';
import { capturedLogger } from '../support/log.js';
import { SHANGHAI, makeJob, untilReplicasServe } from './support.js';

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
const threadOf = (index: ThreadedSearchIndex): Worker =>
  (index as unknown as { primary: { worker: Worker } }).primary.worker;

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

describe('the embedded index with replicas', () => {
  /** An index with `threads` threads whose replicas all serve. */
  const openServing = async (
    threads: number,
    options: { restartDelayMs?: number; log?: typeof log } = {},
  ): Promise<ThreadedSearchIndex> => {
    const index = ThreadedSearchIndex.open(dir, options.log ?? log, {
      timeZone: 'Asia/Shanghai',
      threads,
      ...(options.restartDelayMs !== undefined ? { restartDelayMs: options.restartDelayMs } : {}),
    });
    await untilReplicasServe(index);
    return index;
  };

  const replicaOf = (index: ThreadedSearchIndex, i: number): Worker =>
    (index as unknown as { replicas: { worker: Worker }[] }).replicas[i]!.worker;

  it('shares the queries, and while the owner thread is gone the replicas answer them alone', async () => {
    const index = await openServing(3, { restartDelayMs: 60_000 });
    try {
      const jobs = [makeJob({ title: '商场保洁 日结' }), makeJob({ title: '仓库分拣 夜班' })];
      for (const job of jobs) expect(await index.upsert(job)).toBe('inserted');
      const moved = { ...jobs[0]!, version: 2, title: '写字楼保洁 周结' };
      expect(await index.upsert(moved)).toBe('updated');
      expect(await index.remove(jobs[1]!.jobId, 1, Date.now())).toBe('removed');
      // Each of three queries in a row goes to another thread: all of them see every change.
      for (let i = 0; i < 3; i++) {
        const found = await index.search({ keyword: '保洁', near });
        expect(found.hits.map((h) => [h.jobId, h.doc.title])).toEqual([[moved.jobId, '写字楼保洁 周结']]);
        expect((await index.search({ keyword: '分拣', near })).hits).toEqual([]);
      }
      await threadOf(index).terminate();
      // The owner is gone (and not restarted for a minute): the replicas answer every query.
      for (let i = 0; i < 4; i++) {
        expect((await index.search({ keyword: '保洁', near })).hits.map((h) => h.jobId)).toEqual([
          moved.jobId,
        ]);
      }
      // Changes need the owner: refused, and no replica applied one the owner did not.
      await expect(index.upsert(makeJob({ title: '家教 数学' }))).rejects.toBeInstanceOf(
        SearchUnavailableError,
      );
      for (let i = 0; i < 2; i++) expect((await index.search({ keyword: '家教', near })).hits).toEqual([]);
    } finally {
      await index.close();
    }
  });

  it('forgets pruned tombstones on every thread: a job removed long ago can come back everywhere', async () => {
    const index = await openServing(2);
    try {
      const job = makeJob({ title: '展会 礼仪 日结' });
      await index.upsert(job);
      await index.remove(job.jobId, 1, Date.UTC(2026, 0, 1));
      // The tombstone refuses the same version on every thread…
      expect(await index.upsert(job)).toBe('stale');
      expect(await index.pruneTombstones(Date.UTC(2026, 5, 1))).toBe(1);
      // …until it is pruned: then the owner takes it, and so does the replica.
      expect(await index.upsert(job)).toBe('inserted');
      for (let i = 0; i < 4; i++) {
        expect((await index.search({ keyword: '礼仪', near })).hits.map((h) => h.jobId)).toEqual([job.jobId]);
      }
    } finally {
      await index.close();
    }
  });

  it('answers 503 from a replica as from the owner when the live index folder is gone', async () => {
    writeFileSync(join(dir, 'CURRENT'), 'index-7\n');
    const index = await openServing(2);
    try {
      expect((await index.status()).needsReindex).toMatch(/index-7/);
      // The owner drops the change (a rebuild must follow); the replica must not show it either.
      expect(await index.upsert(makeJob({ title: '保洁 日结' }))).toBe('stale');
      const outcomes = await Promise.allSettled(
        [0, 1, 2, 3].map(() => index.search({ keyword: '保洁', near })),
      );
      for (const o of outcomes) {
        expect(o).toMatchObject({
          status: 'rejected',
          reason: { name: 'SearchUnavailableError', kind: 'reindex' },
        });
      }
    } finally {
      await index.close();
    }
  });

  it('loads a replica again from the owner’s log when it dies, with the changes made meanwhile', async () => {
    const index = await openServing(2, { restartDelayMs: 200 });
    try {
      const first = makeJob({ title: '快递分拣 日结' });
      await index.upsert(first);
      await replicaOf(index, 0).terminate();
      const second = makeJob({ title: '快递分拣 夜班' });
      await index.upsert(second);
      await untilReplicasServe(index);
      for (let i = 0; i < 4; i++) {
        const found = await index.search({ keyword: '分拣', near });
        expect(new Set(found.hits.map((h) => h.jobId))).toEqual(new Set([first.jobId, second.jobId]));
      }
    } finally {
      await index.close();
    }
  });

  it('re-sends a replica that starts the changes the owner has not made yet (its log lacks them)', async () => {
    const index = await openServing(2, { restartDelayMs: 100 });
    try {
      // Hold the owner's next change in the main thread, as if the owner were busy with others.
      const owner = threadOf(index);
      const held: unknown[] = [];
      const post = owner.postMessage.bind(owner);
      owner.postMessage = (message: unknown) => {
        if ((message as { op?: string }).op === 'upsert') held.push(message);
        else post(message);
      };
      await replicaOf(index, 0).terminate();
      const job = makeJob({ title: '婚礼 跟拍 摄影' });
      const upserted = index.upsert(job);
      // The replica starts again (after 100 ms) and loads while the owner has still not seen it.
      await untilReplicasServe(index);
      expect(held).toHaveLength(1);
      owner.postMessage = post;
      for (const message of held) post(message);
      expect(await upserted).toBe('inserted');
      for (let i = 0; i < 4; i++) {
        expect((await index.search({ keyword: '跟拍', near })).hits.map((h) => h.jobId)).toEqual([job.jobId]);
      }
    } finally {
      await index.close();
    }
  });

  it('serves the rebuilt index from every thread after a rebuild, and compacts the replicas too', async () => {
    const captured = capturedLogger();
    const index = await openServing(2, { log: captured.log });
    try {
      await index.upsert(makeJob({ title: '旧职位 保洁' }));
      const fresh = makeJob({ title: '新职位 保洁' });
      async function* stream() {
        yield fresh;
      }
      expect(await index.rebuild(stream())).toEqual({ documents: 1 });
      // Right after the rebuild no thread answers from the old index.
      for (let i = 0; i < 4; i++) {
        expect((await index.search({ keyword: '保洁', near })).hits.map((h) => h.jobId)).toEqual([
          fresh.jobId,
        ]);
      }
      await untilReplicasServe(index);
      // A tail over 20,000 documents wants compaction: the owner compacts and snapshots, the
      // replica compacts its copy, and both still answer alike.
      const added = Array.from({ length: 20_001 }, (_, i) =>
        makeJob({
          title: i % 2 === 0 ? '保洁 钟点工' : '仓库 搬运',
          location: { lng: SHANGHAI.lng + i / 1e6, lat: SHANGHAI.lat },
        }),
      );
      for (let i = 0; i < added.length; i += 1000) {
        await Promise.all(added.slice(i, i + 1000).map((job) => index.upsert(job, { durable: false })));
      }
      await index.sync();
      expect(await index.maintain()).toEqual({ compacted: true });
      expect(await index.maintain()).toEqual({ compacted: false });
      const messages = captured.lines.map((l) => JSON.parse(l) as { msg: string; replica?: boolean });
      expect(messages.filter((m) => m.msg === 'search index compacted and snapshotted')).toHaveLength(1);
      expect(messages.filter((m) => m.msg === 'search index replica compacted' && m.replica)).toHaveLength(1);
      const cleaning = 1 + added.filter((_, i) => i % 2 === 0).length;
      for (let i = 0; i < 4; i++) {
        const found = await index.search({ keyword: '保洁', near, limit: 1 });
        expect(found.total.value).toBe(cleaning);
      }
    } finally {
      await index.close();
    }
  });
});
