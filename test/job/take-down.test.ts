import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { createJob, openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** Who may read a job: the public only while it is public, never once an admin took it down. */
let p: TestPlatform;
let employer: LoggedIn;
let other: LoggedIn;
let worker: LoggedIn;
let admin: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  employer = await loginWithSms(p, newPhone(), 'employer');
  other = await loginWithSms(p, newPhone(), 'employer');
  worker = await loginWithSms(p, newPhone());
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});

async function get(url: string, who?: LoggedIn) {
  const res = await p.app.inject({ method: 'GET', url, ...(who ? { headers: who.auth } : {}) });
  return { status: res.statusCode, body: res.json() as Record<string, unknown>, text: res.body };
}
async function post(url: string, who: LoggedIn, payload: Record<string, unknown>) {
  const res = await p.app.inject({ method: 'POST', url, headers: who.auth, payload });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> };
}

describe(`a job taken down by an admin (${DIALECT})`, () => {
  it('leaves public view for good; its employer and admins still read it', async () => {
    const title = '网店客服 日结300元';
    const job = await openJob(p, employer, { title, description: '在家网店客服，每单结算，日结300元。' });
    // Read once, so the public view is in the cache when the job is taken down.
    expect((await get(`/api/v1/jobs/${job.id}`)).body).toMatchObject({ title, status: 'open' });

    const down = await post(`/api/v1/admin/jobs/${job.id}/take-down`, admin, { reason: '涉嫌诈骗' });
    expect(down.status).toBe(200);
    expect(down.body).toMatchObject({ status: 'closed', closeReason: '涉嫌诈骗' });
    expect(down.body.takenDownAt).toMatch(/\+08:00$/);

    for (const who of [undefined, worker, other]) {
      const res = await get(`/api/v1/jobs/${job.id}`, who);
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('JOB_NOT_FOUND');
      expect(res.text).not.toContain(title);
      expect(res.text).not.toContain('网店客服');
    }
    // Another employer does not learn it exists either.
    expect((await get(`/api/v1/jobs/${job.id}/manage`, other)).body.code).toBe('JOB_NOT_FOUND');

    for (const who of [employer, admin]) {
      const res = await get(`/api/v1/jobs/${job.id}/manage`, who);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ title, status: 'closed', closeReason: '涉嫌诈骗' });
    }

    // Archived later by its employer, it stays out of view.
    const archived = await post(`/api/v1/jobs/${job.id}/archive`, employer, {
      version: down.body.version as number,
    });
    expect(archived.body).toMatchObject({ status: 'archived' });
    expect((await get(`/api/v1/jobs/${job.id}`)).status).toBe(404);
  });

  it('keeps a job its employer closed public, and a draft, one in review or one rejected private', async () => {
    const closedJob = await openJob(p, employer);
    await post(`/api/v1/jobs/${closedJob.id}/close`, employer, {
      version: closedJob.version,
      reason: '已招满',
    });
    const closed = await get(`/api/v1/jobs/${closedJob.id}`);
    expect(closed).toMatchObject({ status: 200, body: { status: 'closed' } });

    const draft = await createJob(p, employer, { title: '草稿职位 仓库理货' });
    const review = await createJob(p, employer, { description: '上岗前需交押金200元，工作结束后退还。' });
    await post(`/api/v1/jobs/${review.id}/submit`, employer, { version: 1 });
    const rejected = await createJob(p, employer, { description: '上岗前需交培训费100元，当天结算。' });
    await post(`/api/v1/jobs/${rejected.id}/submit`, employer, { version: 1 });
    expect(
      (await post(`/api/v1/admin/jobs/${rejected.id}/reject`, admin, { reason: '不得收取培训费' })).body,
    ).toMatchObject({ status: 'draft' });

    for (const id of [draft.id, review.id, rejected.id]) {
      for (const who of [undefined, worker, other]) {
        const res = await get(`/api/v1/jobs/${id}`, who);
        expect(res).toMatchObject({ status: 404, body: { code: 'JOB_NOT_FOUND' } });
      }
      expect((await get(`/api/v1/jobs/${id}/manage`, employer)).status).toBe(200);
      expect((await get(`/api/v1/jobs/${id}/manage`, admin)).status).toBe(200);
    }
  });

  it('takes down a job waiting for review: it never becomes public', async () => {
    const job = await createJob(p, employer, { description: '上岗前需交押金200元，工作结束后退还。' });
    await post(`/api/v1/jobs/${job.id}/submit`, employer, { version: 1 });
    const down = await post(`/api/v1/admin/jobs/${job.id}/take-down`, admin, { reason: '涉嫌诈骗' });
    expect(down.body).toMatchObject({ status: 'closed' });
    expect((await get(`/api/v1/jobs/${job.id}`)).status).toBe(404);
    expect((await post(`/api/v1/admin/jobs/${job.id}/approve`, admin, {})).body.code).toBe(
      'JOB_STATE_INVALID',
    );
  });
});
