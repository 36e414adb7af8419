import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/platform/clock.js';
import { DIALECT } from '../support/env.js';
import { at, createJob, openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** Every time the job service answers is ISO 8601 in the business zone with its offset (+08:00). */
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

const BUSINESS_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;

/** Every field of an answer that holds a time, by its name: `…At` (or `…AtMs`, which must not exist). */
function timesIn(value: unknown, path = ''): [string, unknown][] {
  if (Array.isArray(value)) return value.flatMap((v, i) => timesIn(v, `${path}/${i}`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) =>
    /At(Ms)?$/.test(k) ? [[`${path}/${k}`, v] as [string, unknown]] : timesIn(v, `${path}/${k}`),
  );
}

function expectBusinessTimes(answer: unknown): void {
  const times = timesIn(answer);
  expect(times.length).toBeGreaterThan(0);
  for (const [path, v] of times) {
    if (v !== null) expect(v, path).toMatch(BUSINESS_TIME);
  }
}

async function get(url: string, headers: Record<string, string> = {}) {
  const res = await p.app.inject({ method: 'GET', url, headers });
  expect(res.statusCode, url).toBe(200);
  return res.json() as Record<string, unknown>;
}

describe(`times in the job service's answers (${DIALECT})`, () => {
  it('answers every time in the business zone, whatever offset the request gave', async () => {
    const starts = p.clock.now() + 30 * 3_600_000;
    const job = await createJob(p, employer, {
      shifts: [
        // UTC and another offset in, +08:00 out, the same instant.
        { startsAt: new Date(starts).toISOString(), endsAt: at(p, 38), headcount: 2 },
        { startsAt: formatInstant(starts + 86_400_000, 'America/New_York'), endsAt: at(p, 62), headcount: 1 },
      ],
    });
    expectBusinessTimes(job);
    expect(job.shifts.map((s) => (s as unknown as { startsAt: string }).startsAt)).toEqual([
      formatInstant(starts, 'Asia/Shanghai'),
      formatInstant(starts + 86_400_000, 'Asia/Shanghai'),
    ]);

    const opened = await openJob(p, employer);
    const inReview = await createJob(p, employer, { description: '上岗前需交押金200元，工作结束后退还。' });
    await p.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${inReview.id}/submit`,
      headers: employer.auth,
      payload: { version: 1 },
    });
    const closed = await p.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${opened.id}/close`,
      headers: employer.auth,
      payload: { version: opened.version },
    });
    expectBusinessTimes(closed.json());
    expect(closed.json()).toMatchObject({ closedAt: expect.stringMatching(BUSINESS_TIME) });

    await openJob(p, employer); // for the feed of open jobs
    const service = { 'x-service-token': p.config.serviceToken };
    for (const answer of [
      await get(`/api/v1/jobs/${opened.id}`),
      await get(`/api/v1/jobs/${job.id}/manage`, employer.auth),
      await get('/api/v1/jobs/mine', employer.auth),
      await get('/api/v1/admin/jobs/review-queue', admin.auth),
      await get(`/internal/v1/jobs/${opened.id}/terms`, service),
      await get(`/internal/v1/jobs/${opened.id}/terms?version=2`, service),
      await get('/internal/v1/jobs/open', service),
    ]) {
      expectBusinessTimes(answer);
    }
  });

  it('keeps no time finer than the second it answers, so what it shows is what it stored', async () => {
    const starts = p.clock.now() + 30 * 3_600_000 + 250;
    const job = await createJob(p, employer, {
      shifts: [{ startsAt: new Date(starts).toISOString(), endsAt: at(p, 38), headcount: 1 }],
    });
    const shown = (job.shifts[0] as unknown as { startsAt: string }).startsAt;
    // An edit that sends back what was shown moves nothing (a shift with hires could not move).
    const terms = await get(`/internal/v1/jobs/${job.id}/terms`, {
      'x-service-token': p.config.serviceToken,
    });
    expect((terms.shifts as { startsAt: string }[])[0]!.startsAt).toBe(shown);
    await p.app.inject({
      method: 'POST',
      url: `/api/v1/jobs/${job.id}/submit`,
      headers: employer.auth,
      payload: { version: 1 },
    });
    await p.app.inject({
      method: 'PUT',
      url: `/internal/v1/jobs/${job.id}/shifts/${job.shifts[0]!.id}/hires`,
      headers: { 'x-service-token': p.config.serviceToken },
      payload: { hired: 1, version: 2 },
    });
    const edit = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: employer.auth,
      payload: {
        version: 3,
        title: '商场保洁 日结200元 急招',
        shifts: [{ id: job.shifts[0]!.id, startsAt: shown, endsAt: at(p, 38), headcount: 1 }],
      },
    });
    expect(edit.statusCode).toBe(200);
  });

  it('answers the time a draft was created as it stored it', async () => {
    const job = await createJob(p, employer);
    const stored = await get(`/api/v1/jobs/${job.id}/manage`, employer.auth);
    expect(job.createdAt).toBe(stored.createdAt);
    expect(job.updatedAt).toBe(stored.updatedAt);
  });
});
