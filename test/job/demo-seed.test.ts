import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, type LoggedIn } from '../support/users.js';

let p: TestPlatform;
let firstLines: string[];
let employer: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_ENV: 'development' } });
  firstLines = await p.seed();
  employer = await loginWithSms(p, '13800000002');
});
afterAll(async () => {
  await p.stop();
});

// Response bodies are read loosely here; their schemas are checked by the routes themselves.
/* eslint-disable @typescript-eslint/no-explicit-any */
async function get(url: string, who?: LoggedIn): Promise<Record<string, any>> {
  const res = await p.app.inject({ method: 'GET', url, ...(who ? { headers: who.auth } : {}) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

describe(`demo jobs seeded on the first start in development, on ${DIALECT}`, () => {
  it('posts seven open jobs of the demo employer, marked as demo data, through moderation to job.published', async () => {
    expect(firstLines).toContain('jobs     7 demo jobs of the employer, titled 【示例】…, in 上海市浦东新区');
    // The user seed gave the demo employer the id the job seed posts as.
    const mine = await get('/api/v1/jobs/mine', employer);
    expect(mine.counts).toEqual({ open: 7 });
    const items = mine.items as Record<string, any>[];
    expect(items).toHaveLength(7);
    expect(new Set(items.map((j) => j.category)).size).toBeGreaterThanOrEqual(5);
    expect(new Set(items.map((j) => j.pay.type))).toEqual(new Set(['hourly', 'daily', 'piece', 'fixed']));
    for (const summary of items) {
      expect(summary.title).toMatch(/^【示例】/);
      const job = await get(`/api/v1/jobs/${summary.id}`);
      expect(job.description).toMatch(/\n（示例数据：开发环境首次启动时生成，并非真实招聘。）$/);
      expect(job.place.city).toBe('上海市');
      expect(Date.parse(job.startsAt)).toBeGreaterThan(p.clock.now());
    }
    const published = await p.services
      .get('job')!
      .db.untyped()
      .selectFrom('job_outbox')
      .select('type')
      .where('type', '=', 'job.published')
      .execute();
    expect(published).toHaveLength(7);
  });

  it('seeds nothing on a second start', async () => {
    expect(await p.seed()).toEqual([]);
    expect((await get('/api/v1/jobs/mine', employer)).counts).toEqual({ open: 7 });
  });

  it('submits a demo job that a start stopped half-way left as a draft, and posts none twice', async () => {
    const [left] = (await get('/api/v1/jobs/mine', employer)).items as Record<string, any>[];
    await p.services
      .get('job')!
      .db.untyped()
      .updateTable('job_jobs')
      .set({ status: 'draft' })
      .where('id', '=', left!.id)
      .execute();
    expect(await p.seed()).toEqual([
      'jobs     1 demo jobs of the employer, titled 【示例】…, in 上海市浦东新区',
    ]);
    expect((await get('/api/v1/jobs/mine', employer)).counts).toEqual({ open: 7 });
  });

  it('has no demo jobs to seed outside development', async () => {
    const test = await startTestPlatform();
    try {
      expect('seed' in test.services.get('job')!.instance).toBe(false);
    } finally {
      await test.stop();
    }
  });
});
/* eslint-enable @typescript-eslint/no-explicit-any */
