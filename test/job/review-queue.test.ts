import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { createJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

let p: TestPlatform;
let employer: LoggedIn;
let admin: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  employer = await loginWithSms(p, newPhone(), 'employer');
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});

interface QueuePage {
  items: { id: string; status: string }[];
  nextCursor: string | null;
}

async function queuePage(query: string): Promise<{ status: number; body: QueuePage }> {
  const res = await p.app.inject({ url: `/api/v1/admin/jobs/review-queue?${query}`, headers: admin.auth });
  return { status: res.statusCode, body: res.json() };
}

describe(`the review queue on ${DIALECT}`, () => {
  it('pages oldest first by cursor, each job once, to the end', async () => {
    const waiting: string[] = [];
    for (let i = 0; i < 3; i++) {
      const draft = await createJob(p, employer, { description: `上岗前需交押金${100 + i}元，结束后退还。` });
      const res = await p.app.inject({
        method: 'POST',
        url: `/api/v1/jobs/${draft.id}/submit`,
        headers: employer.auth,
        payload: { version: 1 },
      });
      expect(res.json()).toMatchObject({ status: 'in_review' });
      waiting.push(draft.id);
    }
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await queuePage(`limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((j) => j.id));
      cursor = page.body.nextCursor;
    } while (cursor !== null);
    expect(seen).toEqual([...new Set(seen)].sort());
    expect(seen.filter((id) => waiting.includes(id))).toEqual(waiting);
  });

  it("refuses another list's cursor", async () => {
    const mine = await p.app.inject({ url: '/api/v1/jobs/mine?limit=1', headers: employer.auth });
    const cursor = (mine.json() as QueuePage).nextCursor;
    expect(cursor).not.toBeNull();
    expect((await queuePage(`cursor=${cursor}`)).body).toMatchObject({ code: 'INVALID_CURSOR' });
  });
});
