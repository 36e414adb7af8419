import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReplicaRegistry } from '../../src/platform/events/replicas.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from '../support/env.js';
import { openJob } from '../support/jobs.js';
import { startTestPlatform } from '../support/platform.js';
import { sharedServeEnv, startServe, type ServedProcess } from '../support/serve.js';
import { loginWithSms, newPhone } from '../support/users.js';
import { ids, searchJobs } from './http-support.js';

/**
 * Several `linggong serve` processes on MariaDB + Redis, each with the embedded search engine in
 * its own data folder: every one is a full replica of the index (it receives every job event, and
 * catches up from the job service when it starts), so all answer the same.
 */
const distributed = Boolean(TEST_MYSQL_URL && TEST_REDIS_URL);

type Server = ServedProcess;

const children: ChildProcess[] = [];
const dirs: string[] = [];
let database: TestDatabase | undefined;
let redis: TestRedis | undefined;

/** Starts `linggong serve` on the shared database and Redis prefix, with a data folder of its own. */
async function serve(): Promise<Server> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-replica-'));
  dirs.push(dataDir);
  const env = sharedServeEnv({
    databaseUrl: database!.url,
    redisUrl: redis!.url,
    redisPrefix: redis!.prefix,
    dataDir,
  });
  const served = await startServe(env, 60_000);
  children.push(served.child);
  return served;
}

async function call(
  server: Server,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Signs the demo employer in by SMS code (the console provider writes codes to the server's log). */
async function employerToken(server: Server): Promise<string> {
  const sent = await call(server, 'POST', '/api/v1/auth/sms-codes', {
    phone: '13800000002',
    purpose: 'login',
  });
  expect([200, 202], JSON.stringify(sent.json)).toContain(sent.status);
  let code: string | undefined;
  for (let i = 0; i < 200 && code === undefined; i++) {
    code = /SMS code for 138\*\*\*\*0002: (\d{6})/.exec(server.output())?.[1];
    if (code === undefined) await new Promise((r) => setTimeout(r, 25));
  }
  const login = await call(server, 'POST', '/api/v1/auth/login/sms', { phone: '13800000002', code });
  expect(login.status, JSON.stringify(login.json)).toBe(200);
  return login.json.accessToken as string;
}

/** Drafts and submits a job whose title carries `tag`; returns its id and version once open. */
async function publishJob(server: Server, token: string, tag: string, n: number) {
  const auth = { authorization: `Bearer ${token}` };
  const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
  const draft = await call(
    server,
    'POST',
    '/api/v1/jobs',
    {
      title: `仓库分拣 ${tag} 第${n}批`,
      description: '负责仓库货物分拣打包，包午餐，当天结算。',
      category: 'housekeeping.cleaner',
      tags: ['日结'],
      pay: { type: 'daily', amountFen: 20000 + n },
      settlement: 'daily',
      shifts: [{ startsAt: `${day}T09:00:00+08:00`, endsAt: `${day}T17:00:00+08:00`, headcount: 3 }],
      contact: { name: '王经理', phone: '13912345678' },
      place: {
        address: '上海市浦东新区世纪大道100号',
        city: '上海市',
        location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
      },
    },
    { ...auth, 'idempotency-key': `${tag}-${n}` },
  );
  expect(draft.status, JSON.stringify(draft.json)).toBe(201);
  const id = draft.json.id as string;
  const submitted = await call(server, 'POST', `/api/v1/jobs/${id}/submit`, { version: 1 }, auth);
  expect(submitted.status, JSON.stringify(submitted.json)).toBe(200);
  expect(submitted.json.status).toBe('open');
  return { id, version: submitted.json.version as number };
}

/** The ids a server's search finds for `tag`, once they are `expected` (or the last answer after 30 s). */
async function searchUntil(server: Server, tag: string, expected: string[]): Promise<string[]> {
  const want = [...expected].sort().join();
  let found: string[] = [];
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const answer = await call(server, 'GET', `/api/v1/search/jobs?q=${tag}&limit=50`);
    if (answer.status === 200) {
      found = (answer.json.items as { id: string }[]).map((item) => item.id).sort();
      if (found.join() === want) return found;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return found;
}

async function stop(server: Server): Promise<void> {
  if (server.child.exitCode !== null) return;
  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
}

describe('several processes serving search on the embedded engine (MariaDB + Redis)', () => {
  beforeAll(async () => {
    if (!distributed) return;
    database = await createTestDatabase();
    redis = await createTestRedis();
  });
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await database?.drop();
    await redis?.cleanup();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it.skipIf(!distributed)(
    'finds every job published through one process through each of them, also one started after',
    async () => {
      // One process first (it migrates and seeds the demo employer), then the second.
      const a = await serve();
      const b = await serve();
      const token = await employerToken(a);
      const tag = `zq${randomBytes(4).toString('hex')}`;
      const jobs = [];
      for (let n = 1; n <= 8; n++) jobs.push(await publishJob(a, token, tag, n));
      const ids = jobs.map((j) => j.id).sort();

      expect(await searchUntil(a, tag, ids)).toEqual(ids);
      expect(await searchUntil(b, tag, ids)).toEqual(ids);

      // A process started after the jobs were published catches up from the job service.
      const c = await serve();
      expect(await searchUntil(c, tag, ids)).toEqual(ids);
      let ready = await call(c, 'GET', '/readyz');
      const searchIndex = () => (ready.json.checks as Record<string, unknown> | undefined)?.['search-index'];
      // The search index is not critical to /readyz: its own check says when the catch-up is over.
      for (let i = 0; i < 100 && (searchIndex() as { ok?: boolean } | undefined)?.ok !== true; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await call(c, 'GET', '/readyz');
      }
      expect(ready.status, JSON.stringify(ready.json)).toBe(200);
      expect(searchIndex()).toEqual({ ok: true });

      // A closed job leaves every replica, the late one included.
      const [closed] = jobs;
      const close = await call(
        b,
        'POST',
        `/api/v1/jobs/${closed!.id}/close`,
        { version: closed!.version, reason: '已招满' },
        { authorization: `Bearer ${token}` },
      );
      expect(close.status, JSON.stringify(close.json)).toBe(200);
      const open = ids.filter((id) => id !== closed!.id);
      for (const server of [a, b, c]) expect(await searchUntil(server, tag, open)).toEqual(open);

      await Promise.all([a, b, c].map(stop));
    },
    240_000,
  );
});

describe('one process on the in-process bus', () => {
  it('fills a new, empty index from the job service when it starts, and reports ready once it has', async () => {
    const database = await createTestDatabase();
    const first = await startTestPlatform({ database });
    let second: Awaited<ReturnType<typeof startTestPlatform>> | undefined;
    let firstStopped = false;
    try {
      const employer = await loginWithSms(first, newPhone(), 'employer');
      const tag = `zq${randomBytes(4).toString('hex')}`;
      const jobs = [];
      for (let n = 1; n <= 3; n++)
        jobs.push(await openJob(first, employer, { title: `仓库分拣 ${tag} 第${n}批` }));
      // The events are handled (their inbox rows written) by the first process's index.
      await first.events.flush();
      expect(ids((await searchJobs(first, { q: tag })).body)).toHaveLength(3);
      await first.stop();
      firstStopped = true;

      // The same database, a new data folder: its index starts empty, and no event will come again.
      second = await startTestPlatform({ database });
      second.startBackground();
      const want = jobs.map((j) => j.id).sort();
      let found: string[] = [];
      for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
        found = ids((await searchJobs(second, { q: tag })).body).sort();
        if (found.join() === want.join()) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(found).toEqual(want);
      let ready = await second.app.inject({ method: 'GET', url: '/readyz' });
      for (let i = 0; i < 100 && ready.json().checks['search-index']?.ok !== true; i++) {
        await new Promise((r) => setTimeout(r, 50));
        ready = await second.app.inject({ method: 'GET', url: '/readyz' });
      }
      expect(ready.json().checks['search-index']).toEqual({ ok: true });
    } finally {
      if (!firstStopped) await first.stop();
      await second?.stop();
      await database.drop();
    }
  }, 60_000);
});

describe('the replica registry (Redis)', () => {
  it.skipIf(!TEST_REDIS_URL)(
    'forgets a replica whose lease expired, once, and refuses to renew it',
    async () => {
      const client = new Redis(TEST_REDIS_URL!);
      const prefix = `lgt:${randomBytes(6).toString('hex')}:`;
      try {
        const registry = createReplicaRegistry({ redis: client, prefix, ttlMs: 300 });
        await registry.join('search.index-jobs', 'one');
        await registry.join('search.index-jobs', 'two');
        expect(await registry.live('search.index-jobs')).toEqual({ live: ['one', 'two'], dropped: [] });
        for (let i = 0; i < 4; i++) {
          await new Promise((r) => setTimeout(r, 100));
          expect(await registry.renew('search.index-jobs', 'two')).toBe(true);
        }
        expect(await registry.live('search.index-jobs')).toEqual({ live: ['two'], dropped: ['one'] });
        expect(await registry.live('search.index-jobs')).toEqual({ live: ['two'], dropped: [] });
        expect(await registry.renew('search.index-jobs', 'one')).toBe(false);
        await registry.leave('search.index-jobs', 'two');
        expect(await registry.live('search.index-jobs')).toEqual({ live: [], dropped: [] });
      } finally {
        const keys = await client.keys(`${prefix}*`);
        if (keys.length) await client.del(...keys);
        await client.quit();
      }
    },
  );
});
