import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/platform/cache.js';
import { reviewClient, reviewModule, type ReviewClient } from '../../src/services/review/index.js';
import { DIALECT } from '../support/env.js';
import { BUS, settle } from '../support/events.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { applyUrl, call, HOUR, MINUTE, shiftJob } from '../order/support.js';
import { completeOrder, reviewsUrl } from './support.js';

/**
 * Reviews end to end through the HTTP API: an order completes, both parties review, each review is
 * hidden from the other until both are written (or the window closes on the fake clock), then they
 * appear together; the summaries, the credit scores and the employer's applicant list follow.
 */
let p: TestPlatform;
let admin: LoggedIn;
const DAY = 24 * HOUR;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_LOG_LEVEL: 'warn' } });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
});
afterAll(async () => {
  await p?.stop();
});

describe(`reviews on ${DIALECT}`, () => {
  it('keeps each review hidden until both are written, then publishes both together', async () => {
    const { employer, worker, orderId } = await completeOrder(p, admin);
    const stranger = await loginWithSms(p, newPhone(), 'worker');

    const body = { stars: 5, tags: ['paid_on_time', 'friendly'], text: '老板人很好，当天就结算了' };
    const key = { 'idempotency-key': `review-${orderId}` };
    const byWorker = await call(p, worker, 'POST', reviewsUrl(orderId), body, key);
    expect(byWorker.status, JSON.stringify(byWorker.body)).toBe(201);
    // A retry with the same Idempotency-Key answers the first answer, not ALREADY_REVIEWED.
    const replay = await call(p, worker, 'POST', reviewsUrl(orderId), body, key);
    expect(replay).toMatchObject({ status: 201, body: byWorker.body });
    expect(byWorker.body).toMatchObject({ stars: 5, status: 'waiting', direction: 'worker_to_employer' });

    // The employer cannot see it yet; a stranger cannot see the order at all.
    const before = await call(p, employer, 'GET', reviewsUrl(orderId));
    expect(before.body).toMatchObject({ published: false, canReview: true, mine: null, others: [] });
    const strange = await call(p, stranger, 'GET', reviewsUrl(orderId));
    expect(strange).toMatchObject({ status: 404, body: { code: 'REVIEW_ORDER_NOT_FOUND' } });
    const byStranger = await call(p, stranger, 'POST', reviewsUrl(orderId), { stars: 1 });
    expect(byStranger).toMatchObject({ status: 404, body: { code: 'REVIEW_ORDER_NOT_FOUND' } });
    // A second review in the same direction, and tags of the other direction, are refused.
    const again = await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 1 });
    expect(again).toMatchObject({ status: 409, body: { code: 'ALREADY_REVIEWED' } });
    const wrongTags = await call(p, employer, 'POST', reviewsUrl(orderId), {
      stars: 4,
      tags: ['paid_on_time'],
    });
    expect(wrongTags).toMatchObject({ status: 400, body: { code: 'REVIEW_TAGS_INVALID' } });
    const refused = await call(p, employer, 'POST', reviewsUrl(orderId), {
      stars: 4,
      text: '有刷单任务找我',
    });
    expect(refused).toMatchObject({ status: 400, body: { code: 'REVIEW_TEXT_REFUSED' } });
    expect(
      (await call(p, worker, 'GET', `/api/v1/users/${employer.userId}/reviews?as=employer`)).body.items,
    ).toEqual([]);

    const byEmployer = await call(p, employer, 'POST', reviewsUrl(orderId), {
      stars: 4,
      tags: ['punctual', 'diligent'],
    });
    expect(byEmployer.status).toBe(201);
    expect(byEmployer.body.status).toBe('published');

    const seenByWorker = await call(p, worker, 'GET', reviewsUrl(orderId));
    expect(seenByWorker.body).toMatchObject({
      published: true,
      canReview: false,
      mine: { stars: 5, status: 'published' },
      others: [{ stars: 4, tags: ['punctual', 'diligent'], status: 'published' }],
    });
    const publishedAt = seenByWorker.body.publishedAt as string;
    expect(seenByWorker.body.mine.publishedAt).toBe(publishedAt);
    expect(seenByWorker.body.others[0].publishedAt).toBe(publishedAt);

    // Public lists and summaries.
    const received = await call(p, undefined, 'GET', `/api/v1/users/${worker.userId}/reviews`);
    expect(received.body.items).toEqual([expect.objectContaining({ stars: 4, authorId: employer.userId })]);
    const summary = await call(p, undefined, 'GET', `/api/v1/users/${employer.userId}/reviews/summary`);
    expect(summary.body).toMatchObject({
      asEmployer: { count: 1, average: 5, tags: { paid_on_time: 1, friendly: 1 } },
      asWorker: { count: 0, average: null },
    });

    // The reply: only the reviewed party, once.
    const reviewOfEmployer = byWorker.body.id as string;
    const notMine = await call(p, worker, 'POST', `/api/v1/reviews/${reviewOfEmployer}/reply`, {
      text: '谢谢',
    });
    expect(notMine).toMatchObject({ status: 403, body: { code: 'REPLY_FORBIDDEN' } });
    const reply = await call(p, employer, 'POST', `/api/v1/reviews/${reviewOfEmployer}/reply`, {
      text: '欢迎再来',
    });
    expect(reply.body.reply).toMatchObject({ text: '欢迎再来' });
    const twice = await call(p, employer, 'POST', `/api/v1/reviews/${reviewOfEmployer}/reply`, {
      text: '再次',
    });
    expect(twice).toMatchObject({ status: 409, body: { code: 'ALREADY_REPLIED' } });
  });

  it('publishes what was written when the window closes, the silent side as "no review"', async () => {
    const { employer, worker, orderId } = await completeOrder(p, admin);
    const written = await call(p, employer, 'POST', reviewsUrl(orderId), { stars: 2, tags: ['late'] });
    expect(written.status).toBe(201);
    p.clock.advance(6 * DAY);
    await p.scheduler.runDue();
    expect((await call(p, worker, 'GET', reviewsUrl(orderId))).body).toMatchObject({
      published: false,
      canReview: true,
      others: [],
    });
    p.clock.advance(DAY + MINUTE);
    await p.scheduler.runDue();
    const after = await call(p, worker, 'GET', reviewsUrl(orderId));
    expect(after.body).toMatchObject({
      published: true,
      canReview: false,
      mine: { stars: null, status: 'published', direction: 'worker_to_employer' },
      others: [{ stars: 2, tags: ['late'] }],
    });
    const late = await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 5 });
    expect(late).toMatchObject({ status: 409, body: { code: 'REVIEW_WINDOW_CLOSED' } });
    // "No review" counts in no average.
    const summary = await call(p, undefined, 'GET', `/api/v1/users/${employer.userId}/reviews/summary`);
    expect(summary.body.asEmployer).toMatchObject({ count: 0, average: null });
  });

  it('shows the scores in the credit explanation and in the applicant list', async () => {
    const { employer, worker, orderId } = await completeOrder(p, admin);
    await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 5 });
    await call(p, employer, 'POST', reviewsUrl(orderId), { stars: 5, tags: ['punctual'] });
    // The real name's approval reaches the score through its event.
    await settle(p, async () => {
      const credit = await call(p, worker, 'GET', `/api/v1/users/${worker.userId}/credit`);
      return credit.body.parts.some((x: { kind: string; identity?: boolean }) => x.identity === true);
    });

    // 600 + 4 (one completed order) + round((5 − 3) × 50 / 6) = 17 + 50 (verified real name).
    const own = await call(p, worker, 'GET', `/api/v1/users/${worker.userId}/credit`);
    expect(own.body).toMatchObject({ score: 671, level: 'very_good' });
    expect(own.body.parts.map((x: { kind: string; points: number }) => [x.kind, x.points])).toEqual([
      ['base', 600],
      ['completed_orders', 4],
      ['ratings', 17],
      ['verified', 50],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
    const seenByOther = await call(p, employer, 'GET', `/api/v1/users/${worker.userId}/credit`);
    expect(seenByOther.body).toEqual({
      userId: worker.userId,
      score: 671,
      level: 'very_good',
      levelLabel: '优秀',
    });
    // The employer: 600 + 4 + 17, no verification.
    const employerCredit = await call(p, employer, 'GET', `/api/v1/users/${employer.userId}/credit`);
    expect(employerCredit.body.score).toBe(621);

    // The worker applies to the employer's next job: the applicant list shows score and rating.
    const { job, shiftId } = await shiftJob(p, employer);
    expect((await call(p, worker, 'POST', applyUrl(job.id, shiftId), {})).status).toBe(201);
    const applicants = await call(p, employer, 'GET', applyUrl(job.id, shiftId));
    expect(applicants.body.items[0].worker).toMatchObject({
      creditScore: 671,
      creditLevel: 'very_good',
      rating: { count: 1, average: 5 },
    });
    // The job's public view shows the employer's reputation.
    const view = await call(p, worker, 'GET', `/api/v1/jobs/${job.id}`);
    expect(view.body.employerReputation).toMatchObject({
      creditScore: 621,
      rating: { count: 1, average: 5 },
    });
  });

  it('serves reputation summaries over HTTP to a process elsewhere, behind the service token', async () => {
    const { employer, worker, orderId } = await completeOrder(p, admin);
    await call(p, worker, 'POST', reviewsUrl(orderId), { stars: 4, tags: ['friendly'] });
    await call(p, employer, 'POST', reviewsUrl(orderId), { stars: 5 });
    // Both reads below must see one state: the real name's approval has reached the score first.
    await settle(p, async () => {
      const credit = await call(p, worker, 'GET', `/api/v1/users/${worker.userId}/credit`);
      return credit.body.parts.some((x: { kind: string; identity?: boolean }) => x.identity === true);
    });
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    const remote = (token: string) =>
      reviewModule.remote!({
        baseUrl,
        config: { ...p.config, serviceToken: token },
        clock: p.clock,
        log: p.log,
        cache: new MemoryCache(),
      }).client as ReviewClient;
    const ids = [worker.userId, employer.userId, worker.userId];
    const over = await remote(p.config.serviceToken).summaries(ids);
    const here = await p.client(reviewClient).summaries(ids);
    expect([...over.entries()]).toEqual([...here.entries()]);
    expect(over.get(employer.userId)).toMatchObject({
      asEmployer: { count: 1, average: 4, tags: { friendly: 1 } },
      credit: { level: 'good' },
    });
    await expect(remote('wrong-token').summaries([worker.userId])).rejects.toMatchObject({
      code: 'SERVICE_TOKEN_INVALID',
    });
  });
});
