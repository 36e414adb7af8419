import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { jobPost, openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** Prohibited content spelled in pinyin is refused like the characters themselves. */
let p: TestPlatform;
let employer: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  employer = await loginWithSms(p, newPhone(), 'employer');
});
afterAll(async () => {
  await p.stop();
});

describe(`moderation of pinyin spellings (${DIALECT})`, () => {
  it.each(['网络shua单兼职', 'S H U A 单 日结300', '在家shuadan 日结'])(
    'refuses a post titled %s',
    async (title) => {
      const res = await p.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: employer.auth,
        payload: jobPost(p, { title }),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        code: 'JOB_CONTENT_REFUSED',
        detail: '职位内容未通过审核：含有禁止发布的内容：刷单',
      });
    },
  );

  it('refuses an edit of an open job that spells a prohibited term in pinyin', async () => {
    const job = await openJob(p, employer);
    const res = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: employer.auth,
      payload: { version: job.version, description: '手机操作，刷dan返佣，日结300元，多劳多得。' },
    });
    expect(res.json()).toMatchObject({ code: 'JOB_CONTENT_REFUSED' });
    const pub = await p.app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}` });
    expect(pub.json()).toMatchObject({ version: job.version, status: 'open' });
  });
});
