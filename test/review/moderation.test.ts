import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { BUS, settle } from '../support/events.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  lastSmsCode,
  loginAsAdmin,
  loginWithSms,
  newPhone,
  requestCode,
  type LoggedIn,
} from '../support/users.js';
import { applyAndHire, applyUrl, call, fund, MINUTE, refresh, shiftJob, SITE } from '../order/support.js';
import { completeOrder, reviewsUrl } from './support.js';

/**
 * Around the reviews: reports and an admin's hiding (audited, out of averages and score), both
 * parties writing at the same moment, a dispute lost counting against the party at fault, a job's
 * minimum credit score for auto-hire, and the anonymising of a deleted account's reviews.
 */
let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_LOG_LEVEL: 'warn' } });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
});
afterAll(async () => {
  await p?.stop();
});

const creditOf = async (user: LoggedIn) =>
  (await call(p, user, 'GET', `/api/v1/users/${user.userId}/credit`)).body as {
    score: number;
    parts: { kind: string; points: number; events?: unknown[] }[];
  };

describe(`review moderation and credit on ${DIALECT}`, () => {
  it('hides a reported review on an admin decision, audited, and takes it out of the average', async () => {
    const { employer, worker, orderId } = await completeOrder(p, admin);
    await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 5 });
    const harsh = await call(p, employer, 'POST', reviewsUrl(orderId), {
      stars: 1,
      text: '加我微信 wx123456 详聊',
    });
    expect(harsh.body.status).toBe('published');
    const reviewId = harsh.body.id as string;

    // Contact details are accepted but queued; the worker reports it too, once.
    const own = await call(p, employer, 'POST', `/api/v1/reviews/${reviewId}/reports`, { reason: '误操作' });
    expect(own).toMatchObject({ status: 409, body: { code: 'OWN_REVIEW' } });
    const report = await call(p, worker, 'POST', `/api/v1/reviews/${reviewId}/reports`, {
      reason: '与事实不符',
    });
    expect(report).toMatchObject({ status: 201, body: { status: 'open' } });
    const again = await call(p, worker, 'POST', `/api/v1/reviews/${reviewId}/reports`, {
      reason: '再次举报',
    });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_REPORTED' } });
    await refresh(p, admin);
    const queue = await call(p, admin, 'GET', '/api/v1/admin/reviews/queue?limit=100');
    const queued = queue.body.items.find((i: { review: { id: string } }) => i.review.id === reviewId);
    expect(queued.reports).toEqual([
      expect.objectContaining({ reporterId: worker.userId, reason: '与事实不符' }),
    ]);

    const before = await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews/summary`);
    expect(before.body.asWorker).toMatchObject({ count: 1, average: 1 });
    const scoreBefore = (await creditOf(worker)).score;

    const hidden = await call(p, admin, 'POST', `/api/v1/admin/reviews/${reviewId}/hide`, {
      reason: '含联系方式',
    });
    expect(hidden.body.status).toBe('hidden');
    const twice = await call(p, admin, 'POST', `/api/v1/admin/reviews/${reviewId}/hide`, { reason: '重复' });
    expect(twice).toMatchObject({ status: 409, body: { code: 'REVIEW_ALREADY_HIDDEN' } });
    const after = await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews/summary`);
    expect(after.body.asWorker).toMatchObject({ count: 0, average: null });
    expect((await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews`)).body.items).toEqual(
      [],
    );
    // One 1-star rating took round((1 − 3) × 50 / 6) = −17; hidden, it takes nothing.
    expect((await creditOf(worker)).score).toBe(scoreBefore + 17);
    const left = await call(p, admin, 'GET', '/api/v1/admin/reviews/queue?limit=100');
    expect(left.body.items.map((i: { review: { id: string } }) => i.review.id)).not.toContain(reviewId);
    const audit = await p.services
      .get('review')!
      .db.untyped()
      .selectFrom('review_audit')
      .selectAll()
      .where('target_id', '=', reviewId)
      .execute();
    expect(audit).toEqual([expect.objectContaining({ action: 'review.hidden', actor_id: admin.userId })]);
  });

  it('publishes once when both parties write at the same moment', async () => {
    for (let round = 0; round < 3; round++) {
      const { employer, worker, orderId } = await completeOrder(p, admin);
      const [a, b] = await Promise.all([
        call(p, worker, 'POST', reviewsUrl(orderId), { stars: 4 }),
        call(p, employer, 'POST', reviewsUrl(orderId), { stars: 5 }),
      ]);
      expect([a.status, b.status]).toEqual([201, 201]);
      const seen = await call(p, worker, 'GET', reviewsUrl(orderId));
      expect(seen.body).toMatchObject({ published: true, mine: { stars: 4 }, others: [{ stars: 5 }] });
      const summary = await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews/summary`);
      expect(summary.body.asWorker).toMatchObject({ count: 1, average: 5 });
      const published = await p.services
        .get('review')!
        .db.untyped()
        .selectFrom('review_outbox')
        .select('id')
        .where('type', '=', 'review.published')
        .where('payload', 'like', `%${orderId}%`)
        .execute();
      expect(published).toHaveLength(1);
    }
  });

  it('counts a dispute lost against the party the admin found at fault', async () => {
    await refresh(p, admin);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 100_000);
    const worker = await verifiedUser(p, admin, '周小峰');
    const { job, shiftId, startsAt, endsAt } = await shiftJob(p, employer);
    const order = await applyAndHire(p, employer, worker, job.id, shiftId);
    p.clock.set(startsAt - 10 * MINUTE);
    await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, SITE);
    p.clock.set(endsAt + 5 * MINUTE);
    await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-out`, SITE);
    const opened = await call(p, worker, 'POST', `/api/v1/orders/${order.id}/disputes`, {
      reason: '拒绝确认',
    });
    expect(opened.status).toBe(201);
    await refresh(p, admin);
    const decided = await call(
      p,
      admin,
      'POST',
      `/api/v1/admin/orders/${order.id}/disputes/${opened.body.id}/decide`,
      { workerFen: 20_000, decision: '雇主无理拒付', fault: 'employer' },
    );
    expect(decided.body).toMatchObject({ status: 'decided', fault: 'employer' });
    // A decided dispute opens the review window too, and records the loss.
    await settle(p, async () => (await call(p, worker, 'GET', reviewsUrl(order.id))).status === 200);
    const lost = await creditOf(employer);
    expect(lost.parts.find((x) => x.kind === 'disputes_lost')).toMatchObject({ points: -60 });
    // 600 + 4 (the order counts as completed) − 60.
    expect(lost.score).toBe(544);
    const won = await creditOf(worker);
    expect(won.parts.find((x) => x.kind === 'disputes_lost')).toMatchObject({ points: 0 });
  });

  it("lets auto-hire take only workers with the job's minimum credit score", async () => {
    // One completed order rated 5 stars and a verified real name: 600 + 4 + 17 + 50 = 671.
    const { employer: other, worker: proven, orderId } = await completeOrder(p, admin);
    await call(p, proven, 'POST', reviewsUrl(orderId), { stars: 5 });
    await call(p, other, 'POST', reviewsUrl(orderId), { stars: 5 });
    await settle(p, async () => (await creditOf(proven)).score === 671);

    await refresh(p, admin);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 100_000);
    const auto = await shiftJob(p, employer, { headcount: 2, overrides: { requirements: { minAge: 16 } } });
    const settings = await call(p, employer, 'PUT', `/api/v1/jobs/${auto.job.id}/order-settings`, {
      autoHire: true,
      minCreditScore: 660,
    });
    expect(settings.body).toMatchObject({ autoHire: true, minCreditScore: 660 });
    const low = await call(p, employer, 'PUT', `/api/v1/jobs/${auto.job.id}/order-settings`, {
      minCreditScore: 1001,
    });
    expect(low.status).toBe(400);

    // A verified newcomer: 600 + 50 = 650, below 660: the application waits for the employer.
    const newcomer = await verifiedUser(p, admin, '钱小勇');
    await settle(p, async () => (await creditOf(newcomer)).score === 650);
    const waiting = await call(p, newcomer, 'POST', applyUrl(auto.job.id, auto.shiftId), {});
    expect(waiting.body).toMatchObject({ application: { status: 'pending' }, order: null });

    // The proven worker is hired at once.
    const grabbed = await call(p, proven, 'POST', applyUrl(auto.job.id, auto.shiftId), {});
    expect(grabbed.body).toMatchObject({ application: { status: 'hired' }, order: { state: 'hired' } });
  });

  it('anonymises what a deleted account wrote and hides what it received', async () => {
    await refresh(p, admin);
    const phone = newPhone();
    const leaving = await loginWithSms(p, phone, 'employer');
    await fund(p, leaving, 100_000);
    const { worker, orderId } = await completeOrder(p, admin, { employer: leaving });
    await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 5, tags: ['friendly'] });
    await call(p, leaving, 'POST', reviewsUrl(orderId), { stars: 4, tags: ['punctual'] });

    await requestCode(p, phone, 'delete_account');
    const deleted = await p.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: leaving.auth,
      payload: { code: lastSmsCode(p, phone) },
    });
    expect(deleted.statusCode).toBe(204);
    await settle(p, async () => {
      const items = (await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews`)).body.items;
      return items[0]?.authorId === null;
    });
    const received = await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews`);
    expect(received.body.items).toEqual([
      expect.objectContaining({ authorId: null, stars: 4, tags: ['punctual'] }),
    ]);
    const gone = await call(p, undefined, 'GET', `/api/v1/users/${leaving.userId}/reviews?as=employer`);
    expect(gone).toMatchObject({ status: 404, body: { code: 'USER_NOT_FOUND' } });
  });
});
