import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobModule } from '../../src/services/job/index.js';
import { searchModule } from '../../src/services/search/index.js';
import { reviewModule } from '../../src/services/review/index.js';
import { userModule } from '../../src/services/user/index.js';
import type { VerificationEventMap } from '../../src/services/verification/index.js';
import {
  verificationEvent,
  verificationStub,
  verificationStubModule,
} from '../fixtures/verification-stub.js';
import { BUS, ids, searchJobs } from '../search/http-support.js';
import { DIALECT } from '../support/env.js';
import { createJob, openJob, type JobView } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/**
 * The verified-employer badge (认证企业): the verification service's enterprise events reach the
 * job service's consumer, every job of the employer gets a new version carrying the badge, and
 * search's `verified=true` follows. Events come from a stand-in producer's outbox
 * (test/fixtures/verification-stub.ts) and travel the bus of this run, with the platform's
 * background work running as in production.
 */
const CONSUMER = 'job.employer-verification';
let p: TestPlatform;
const searchDir = mkdtempSync(join(tmpdir(), 'lg-badge-'));

beforeAll(async () => {
  p = await startTestPlatform({
    modules: [userModule, jobModule, reviewModule, searchModule, verificationStubModule],
    env: { LINGGONG_SEARCH_DIR: searchDir, LINGGONG_LOG_LEVEL: 'warn' },
  });
  p.startBackground();
});
afterAll(async () => {
  await p?.stop();
  rmSync(searchDir, { recursive: true, force: true });
});

const jobDb = () => p.services.get('job')!.db.untyped();

type Approved = VerificationEventMap['verification.approved'];
type Revoked = VerificationEventMap['verification.revoked'];
const approved = (userId: string, version: number, over: Partial<Approved> = {}) =>
  verificationEvent('verification.approved')({
    userId,
    kind: 'enterprise',
    version,
    companyName: '上海洁美保洁服务有限公司',
    ...over,
  });
const revoked = (userId: string, version: number, over: Partial<Revoked> = {}) =>
  verificationEvent('verification.revoked')({
    userId,
    kind: 'enterprise',
    version,
    reason: '营业执照已注销',
    ...over,
  });

/** Publishes events through the stand-in's outbox (one transaction); returns their ids. */
const publish = (...events: ReturnType<typeof approved | typeof revoked>[]) =>
  p.client(verificationStub).publish(...events);

/** Waits (real time) until `check` holds; returns how long it took in ms. */
async function waitFor(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const start = performance.now();
  for (;;) {
    if (await check()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Waits until the job service's consumer has handled every one of these events (its inbox). */
async function handled(eventIds: string[]): Promise<void> {
  await waitFor(async () => {
    const rows = await jobDb()
      .selectFrom('job_inbox')
      .select('event_id')
      .where('consumer', '=', CONSUMER)
      .where('event_id', 'in', eventIds)
      .execute();
    return rows.length === eventIds.length;
  });
}

/** The public view (cached: a change shows once its commit dropped the cached view). */
async function publicJob(
  id: string,
): Promise<JobView & { employerVerified: boolean; employerReputation: unknown }> {
  const res = await p.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}` });
  expect(res.statusCode).toBe(200);
  return res.json();
}
/** The employer's view, read from the database: what a handled event left. */
async function ownerJob(employer: LoggedIn, id: string): Promise<JobView & { employerVerified: boolean }> {
  const res = await p.app.inject({ method: 'GET', url: `/api/v1/jobs/${id}/manage`, headers: employer.auth });
  expect(res.statusCode).toBe(200);
  return res.json();
}

/** Ids search finds for a job's unique token, with only verified employers or all of them. */
async function found(token: string, verified: boolean): Promise<string[]> {
  const res = await searchJobs(p, { q: token, city: '上海', ...(verified ? { verified: true } : {}) });
  expect(res.status).toBe(200);
  return ids(res.body);
}

/** An open job whose title and description carry `token`, once search shows it. */
async function postedJob(employer: LoggedIn, token: string): Promise<JobView> {
  const job = await openJob(p, employer, {
    title: `商场保洁 ${token} 日结`,
    description: `负责商场公共区域日常保洁 ${token}，包午餐。`,
  });
  await waitFor(async () => (await found(token, false)).includes(job.id));
  return job;
}

let tokens = 0;
const newToken = (): string => `lgbadge${++tokens}q`;

async function badgeOf(employerId: string) {
  return jobDb()
    .selectFrom('job_employers')
    .selectAll()
    .where('employer_id', '=', employerId)
    .executeTakeFirst();
}

describe(`the verified-employer badge (${DIALECT}, ${BUS} bus)`, () => {
  it("badges an approved employer's jobs with a new version; search's verified filter finds them within a second", async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const token = newToken();
    const a = await postedJob(employer, token);
    const b = await postedJob(employer, token);
    const draft = await createJob(p, employer, { title: `仓库理货 ${token}` });
    const before = [await publicJob(a.id), await publicJob(b.id)];
    expect(before.map((v) => v.employerVerified)).toEqual([false, false]);
    expect(await found(token, true)).toEqual([]);

    await publish(approved(employer.userId, 1));
    const elapsed = await waitFor(async () => {
      const views = [await publicJob(a.id), await publicJob(b.id)];
      if (!views.every((v) => v.employerVerified)) return false;
      return (await found(token, true)).length === 2;
    });
    expect(elapsed).toBeLessThan(1000);

    // One new version each, with nothing but the badge changed (the employer's reputation is the
    // review service's, which counts the verified company on its own time: test/review).
    for (const was of before) {
      const now = await publicJob(was.id);
      expect(now).toEqual({
        ...was,
        version: was.version + 1,
        employerVerified: true,
        viewCount: now.viewCount,
        employerReputation: now.employerReputation,
      });
    }
    expect((await found(token, true)).sort()).toEqual([a.id, b.id].sort());
    const card = (await searchJobs(p, { q: token, city: '上海', verified: true })).body.items[0]!;
    expect(card.employerVerified).toBe(true);
    // A draft carries it too (no event: it was never public).
    expect(await ownerJob(employer, draft.id)).toMatchObject({ version: 2, employerVerified: true });
    expect(await badgeOf(employer.userId)).toMatchObject({ verified: 1, verification_version: 1 });
  });

  it('gives a job posted by a verified employer the badge from its first version', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await handled(await publish(approved(employer.userId, 1)));
    const token = newToken();
    const draft = await createJob(p, employer, { title: `商场保洁 ${token} 日结` });
    expect(draft).toMatchObject({ version: 1, employerVerified: true });
    const job = await postedJob(employer, token);
    expect(await ownerJob(employer, job.id)).toMatchObject({ version: 2, employerVerified: true });
    expect(await found(token, true)).toEqual([job.id]);
  });

  it('removes the badge on a newer revocation, and ignores an older approval delivered after it', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const token = newToken();
    const job = await postedJob(employer, token);
    await handled(await publish(approved(employer.userId, 2)));
    expect(await ownerJob(employer, job.id)).toMatchObject({
      version: job.version + 1,
      employerVerified: true,
    });

    // Search shows the badge first, so that its going away below is the revocation's doing.
    await waitFor(async () => (await found(token, true)).length === 1);
    await publish(revoked(employer.userId, 4));
    await waitFor(async () => (await found(token, true)).length === 0);
    expect(await ownerJob(employer, job.id)).toMatchObject({
      version: job.version + 2,
      employerVerified: false,
    });
    await waitFor(async () => !(await publicJob(job.id)).employerVerified);
    expect(await found(token, false)).toEqual([job.id]);

    // Approval 3 was decided before revocation 4 but arrives after it: nothing changes.
    await handled(await publish(approved(employer.userId, 3)));
    await handled(await publish(approved(employer.userId, 4)));
    expect(await ownerJob(employer, job.id)).toMatchObject({
      version: job.version + 2,
      employerVerified: false,
    });
    expect(await badgeOf(employer.userId)).toMatchObject({ verified: 0, verification_version: 4 });
    expect(await found(token, true)).toEqual([]);
  });

  it('changes nothing when the same event comes twice', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const token = newToken();
    const job = await postedJob(employer, token);
    // The same change delivered as two events (a producer retry), in one batch and then again.
    await handled(await publish(approved(employer.userId, 1), approved(employer.userId, 1)));
    await handled(await publish(approved(employer.userId, 1)));
    expect(await ownerJob(employer, job.id)).toMatchObject({
      version: job.version + 1,
      employerVerified: true,
    });
    const versions = await jobDb()
      .selectFrom('job_versions')
      .select('version')
      .where('job_id', '=', job.id)
      .execute();
    expect(versions).toHaveLength(job.version + 1);
  });

  it('ignores identity verification, approved or revoked', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const token = newToken();
    const job = await postedJob(employer, token);
    await handled(
      await publish(
        approved(employer.userId, 7, { kind: 'identity', companyName: null }),
        revoked(employer.userId, 8, { kind: 'identity' }),
      ),
    );
    expect(await ownerJob(employer, job.id)).toMatchObject({ version: job.version, employerVerified: false });
    expect(await badgeOf(employer.userId)).toBeUndefined();
    // The enterprise version is its own sequence: version 1 still applies.
    await handled(await publish(approved(employer.userId, 1)));
    expect(await ownerJob(employer, job.id)).toMatchObject({
      version: job.version + 1,
      employerVerified: true,
    });
  });

  it('re-badges a large employer 100 jobs per transaction, the rest through a deadline', async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const count = 110;
    const created: JobView[] = [];
    for (let i = 0; i < count; i++)
      created.push(await createJob(p, employer, { title: `仓库理货 第${i}号` }));
    const jobIds = created.map((j) => j.id);
    const badged = async () =>
      (
        await jobDb()
          .selectFrom('job_jobs')
          .select('id')
          .where('id', 'in', jobIds)
          .where('employer_verified', '=', 1)
          .where('version', '=', 2)
          .execute()
      ).length;
    // Run every schedule tick due now, so none is pending when the event arrives.
    await p.scheduler.runDue();

    await handled(await publish(approved(employer.userId, 1)));
    expect(await badged()).toBe(100); // the event's transaction
    const deadline = () =>
      jobDb()
        .selectFrom('job_deadlines')
        .select(['kind', 'state'])
        .where('ref_id', '=', employer.userId)
        .executeTakeFirstOrThrow();
    expect(await deadline()).toEqual({ kind: 'job.rebadge-employer', state: 'pending' });

    p.clock.advance(5_000); // the deadline sweep's next tick (run here, or by the background)
    await p.scheduler.runDue();
    await waitFor(async () => (await badged()) === count && (await deadline()).state === 'done');
  });
});
