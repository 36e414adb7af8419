import { principalOf } from '../../platform/http/auth.js';
import type { IdempotencyHooks } from '../../platform/http/idempotency.js';
import { requestLang } from '../../platform/http/problem.js';
import type { App } from '../../platform/http/server.js';
import { pageOf, IdParams } from '../../platform/schemas.js';
import type { ReviewReads } from './review-reads.js';
import { ReviewErrors as E } from './review.errors.js';
import * as ex from './review.examples.js';
import {
  CreditSchema,
  ListOnly,
  OrderParams,
  OrderReviewsSchema,
  QueuePage,
  ReasonBody,
  ReceivedQuery,
  ReplyBody,
  ReportSchema,
  ReviewBody,
  ReviewPage,
  ReviewSchema,
  SummariesAnswer,
  SummariesQuery,
  SummarySchema,
  TagsSchema,
  UserParams,
} from './review.schemas.js';
import { REVIEW_TAGS } from './review.tags.js';
import type { Reviews } from './reviews.js';

const tags = ['review'];
const admin = { auth: ['admin'] as const };
const orderParams = { orderId: ex.EXAMPLE_ORDER_ID };
const reviewParams = { id: ex.EXAMPLE_REVIEW_ID };

export async function registerReviewRoutes(
  app: App,
  parts: { reviews: Reviews; reads: ReviewReads },
  idempotency: IdempotencyHooks,
): Promise<void> {
  const { reviews, reads } = parts;

  app.post(
    '/api/v1/orders/:orderId/reviews',
    {
      schema: {
        tags,
        summary: 'Review the other party of a completed order (Idempotency-Key supported)',
        description:
          'Once per order and side, within the review window (7 days after completion by default): ' +
          'stars, tags of my side (GET /api/v1/reviews/tags) and text. Hidden from the other party ' +
          'until they have reviewed too or the window closes; then both are published together. Text ' +
          'with prohibited content is refused; contact details or pay-to-work words are accepted and ' +
          'queued for an admin.',
        params: OrderParams,
        body: ReviewBody,
        response: { 201: ReviewSchema },
        responseDescription: 'My review (status waiting until published)',
        errors: [
          E.REVIEW_ORDER_NOT_FOUND(),
          E.ALREADY_REVIEWED(),
          E.REVIEW_WINDOW_CLOSED({ closedAt: '2026-12-10T18:00:00+08:00' }),
          E.REVIEW_TAGS_INVALID({ tags: 'punctual' }),
          E.REVIEW_TEXT_REFUSED({ terms: '刷单' }),
        ],
        example: {
          params: orderParams,
          body: { stars: 5, tags: ['paid_on_time', 'friendly'], text: '老板人很好，当天就结算了' },
          response: { ...ex.reviewExample, status: 'waiting', publishedAt: null, reply: null },
        },
      },
      config: { auth: true },
      ...idempotency,
    },
    async (req, reply) => {
      const b = req.body;
      const review = await reviews.write(principalOf(req), req.params.orderId, {
        stars: b.stars,
        tags: b.tags ?? [],
        text: b.text ?? null,
      });
      return reply.code(201).send(review);
    },
  );
  app.get(
    '/api/v1/orders/:orderId/reviews',
    {
      schema: {
        tags,
        summary: "An order's reviews (its parties, admins)",
        description:
          "My review always; the other side's only once published. canReview says whether I may still write.",
        params: OrderParams,
        response: { 200: OrderReviewsSchema },
        responseDescription: "The order's reviews as I may see them",
        errors: [E.REVIEW_ORDER_NOT_FOUND()],
        example: { params: orderParams, response: ex.orderReviewsExample },
      },
      config: { auth: true },
    },
    async (req) => reviews.ofOrder(principalOf(req), req.params.orderId),
  );
  app.post(
    '/api/v1/reviews/:id/reply',
    {
      schema: {
        tags,
        summary: 'Answer a review I received (once)',
        description: 'Only the reviewed party, once the review is published, once.',
        params: IdParams,
        body: ReplyBody,
        response: { 200: ReviewSchema },
        responseDescription: 'The review with my answer',
        errors: [E.REVIEW_NOT_FOUND(), E.REPLY_FORBIDDEN(), E.REVIEW_NOT_PUBLISHED(), E.ALREADY_REPLIED()],
        example: { params: reviewParams, body: { text: '谢谢，欢迎再来！' }, response: ex.reviewExample },
      },
      config: { auth: true },
    },
    async (req) => reviews.reply(principalOf(req), req.params.id, req.body.text),
  );
  app.post(
    '/api/v1/reviews/:id/reports',
    {
      schema: {
        tags,
        summary: 'Report a published review',
        description: 'Any signed-in user but its author, once per review; an admin decides.',
        params: IdParams,
        body: ReasonBody,
        response: { 201: ReportSchema },
        responseDescription: 'The report',
        errors: [E.REVIEW_NOT_FOUND(), E.OWN_REVIEW(), E.ALREADY_REPORTED()],
        example: { params: reviewParams, body: { reason: '评价内容与事实不符' }, response: ex.reportExample },
      },
      config: { auth: true },
    },
    async (req, reply) =>
      reply.code(201).send(await reviews.report(principalOf(req), req.params.id, req.body.reason)),
  );
  app.get(
    '/api/v1/reviews/tags',
    {
      schema: {
        tags,
        summary: 'The tags each side may give',
        description: 'Codes to send, with labels in Chinese and English.',
        response: { 200: TagsSchema },
        responseDescription: 'Tags per direction',
        example: {
          response: {
            worker_to_employer: [...REVIEW_TAGS.worker_to_employer],
            employer_to_worker: [...REVIEW_TAGS.employer_to_worker],
          },
        },
      },
    },
    async () => ({
      worker_to_employer: [...REVIEW_TAGS.worker_to_employer],
      employer_to_worker: [...REVIEW_TAGS.employer_to_worker],
    }),
  );
  app.get(
    '/api/v1/users/:userId/reviews',
    {
      schema: {
        tags,
        summary: 'Reviews a user received (public)',
        description:
          'Published star reviews received as a worker (default) or an employer, newest first; ' +
          '"no review" defaults and hidden reviews are not listed.',
        params: UserParams,
        querystring: ReceivedQuery,
        response: { 200: ReviewPage },
        responseDescription: 'A page of reviews',
        errors: [E.USER_NOT_FOUND()],
        example: {
          params: { userId: ex.EXAMPLE_EMPLOYER_ID },
          query: { as: 'employer' },
          response: ex.reviewPageExample,
        },
      },
    },
    async (req) => {
      await reads.assertUser(req.params.userId);
      return reviews.received(req.params.userId, req.query.as ?? 'worker', pageOf(req.query));
    },
  );
  app.get(
    '/api/v1/users/:userId/reviews/summary',
    {
      schema: {
        tags,
        summary: "A user's reputation at a glance (public)",
        description: 'Credit score and level, ratings received as a worker and as an employer, tag counts.',
        params: UserParams,
        response: { 200: SummarySchema },
        responseDescription: 'The summary',
        errors: [E.USER_NOT_FOUND()],
        example: { params: { userId: ex.EXAMPLE_EMPLOYER_ID }, response: ex.summaryExample },
      },
    },
    async (req) => reads.summary(req.params.userId),
  );
  app.get(
    '/api/v1/users/:userId/credit',
    {
      schema: {
        tags,
        summary: "A user's credit score (信用分), explained to its owner",
        description:
          'Anyone signed in sees the score and level. The user (and admins) also see every part, ' +
          'its rule and points, the events behind each penalty with when it halves and fades, and ' +
          'the score in 30/90/180/365 days if nothing new happens. The formula: docs/credit.md.',
        params: UserParams,
        response: { 200: CreditSchema },
        responseDescription: 'The score',
        errors: [E.USER_NOT_FOUND()],
        example: { params: { userId: ex.EXAMPLE_WORKER_ID }, response: ex.creditExample },
      },
      config: { auth: true },
    },
    async (req) => reads.credit(principalOf(req), req.params.userId, requestLang(req)),
  );

  // Admin.
  app.get(
    '/api/v1/admin/reviews/queue',
    {
      schema: {
        tags,
        summary: 'Reviews to look at: reported or flagged by moderation (admin)',
        description: 'Oldest first, each with its open reports.',
        querystring: ListOnly,
        response: { 200: QueuePage },
        responseDescription: 'A page of the queue',
        example: { query: {}, response: ex.queueExample },
      },
      config: admin,
    },
    async (req) => reviews.queue(pageOf(req.query)),
  );
  app.post(
    '/api/v1/admin/reviews/:id/hide',
    {
      schema: {
        tags,
        summary: 'Hide a review (admin, audited)',
        description: 'It leaves public lists, averages and the score; its reports are upheld.',
        params: IdParams,
        body: ReasonBody,
        response: { 200: ReviewSchema },
        responseDescription: 'The hidden review',
        errors: [E.REVIEW_NOT_FOUND(), E.REVIEW_ALREADY_HIDDEN()],
        example: {
          params: reviewParams,
          body: { reason: '含有辱骂内容' },
          response: { ...ex.reviewExample, status: 'hidden' },
        },
      },
      config: admin,
    },
    async (req) => reviews.hide(principalOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/admin/reviews/:id/dismiss',
    {
      schema: {
        tags,
        summary: "Dismiss a review's reports and flag (admin, audited)",
        description: 'The review stays; it leaves the queue.',
        params: IdParams,
        body: ReasonBody,
        response: { 200: ReviewSchema },
        responseDescription: 'The review',
        errors: [E.REVIEW_NOT_FOUND(), E.REVIEW_ALREADY_HIDDEN()],
        example: { params: reviewParams, body: { reason: '评价属实' }, response: ex.reviewExample },
      },
      config: admin,
    },
    async (req) => reviews.dismiss(principalOf(req), req.params.id, req.body.reason),
  );

  // Internal.
  app.get(
    '/internal/v1/reviews/summaries',
    {
      schema: {
        tags: ['internal'],
        summary: 'Reputation summaries of many users',
        description: 'For the order and job services (service token).',
        querystring: SummariesQuery,
        response: { 200: SummariesAnswer },
        responseDescription: 'One summary per id',
        example: { query: { ids: ex.EXAMPLE_EMPLOYER_ID }, response: { items: [ex.summaryExample] } },
      },
      config: { internal: true },
    },
    async (req) => ({ items: [...(await reads.summaries(req.query.ids.split(','))).values()] }),
  );
}
