import type { Static } from 'typebox';
import type {
  CreditSchema,
  OrderReviewsSchema,
  QueuePage,
  ReportSchema,
  ReviewPage,
  ReviewSchema,
  SummarySchema,
} from './review.schemas.js';

/**
 * Example requests and answers of the review routes, for the API description (route-docs.ts);
 * each is checked against its route's schema (test/http/openapi.test.ts).
 */
export const EXAMPLE_ORDER_ID = '01JEXAMP1E0RDER0000000001A';
export const EXAMPLE_REVIEW_ID = '01JEXAMP1ERV1EW00000000001';
export const EXAMPLE_WORKER_ID = '01JEXAMP1EW0RKER0000000001';
export const EXAMPLE_EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';

export const reviewExample: Static<typeof ReviewSchema> = {
  id: EXAMPLE_REVIEW_ID,
  orderId: EXAMPLE_ORDER_ID,
  direction: 'worker_to_employer',
  authorId: EXAMPLE_WORKER_ID,
  subjectId: EXAMPLE_EMPLOYER_ID,
  stars: 5,
  tags: ['paid_on_time', 'friendly'],
  text: '老板人很好，当天就结算了',
  status: 'published',
  publishedAt: '2026-12-03T18:30:00+08:00',
  reply: { text: '谢谢，欢迎再来！', at: '2026-12-04T09:00:00+08:00' },
  createdAt: '2026-12-03T18:30:00+08:00',
};

export const orderReviewsExample: Static<typeof OrderReviewsSchema> = {
  orderId: EXAMPLE_ORDER_ID,
  windowEndsAt: '2026-12-10T18:00:00+08:00',
  published: false,
  publishedAt: null,
  canReview: false,
  mine: { ...reviewExample, status: 'waiting', publishedAt: null, reply: null },
  others: [],
};

export const reviewPageExample: Static<typeof ReviewPage> = { items: [reviewExample], nextCursor: null };

export const summaryExample: Static<typeof SummarySchema> = {
  userId: EXAMPLE_EMPLOYER_ID,
  credit: { score: 712, level: 'very_good' },
  asWorker: { count: 0, average: null, tags: {} },
  asEmployer: { count: 31, average: 4.81, tags: { paid_on_time: 27, friendly: 12 } },
};

export const creditExample: Static<typeof CreditSchema> = {
  userId: EXAMPLE_WORKER_ID,
  score: 652,
  level: 'very_good',
  levelLabel: '优秀',
  computedAt: '2026-12-07T03:30:00+08:00',
  parts: [
    { kind: 'base', label: '基础分', rule: '每位用户从 600 分开始', points: 600 },
    { kind: 'completed_orders', label: '完成订单', rule: '每完成一单 +4，最多 +200', points: 40, count: 10 },
    {
      kind: 'ratings',
      label: '收到的评分',
      rule: '（收到的星数 − 3×评分数）× 50 ÷（评分数 + 5），四舍五入',
      points: 62,
      count: 10,
      average: 4.8,
    },
    {
      kind: 'verified',
      label: '实名与企业认证',
      rule: '实名认证 +50，企业认证 +30',
      points: 50,
      identity: true,
      enterprise: false,
    },
    {
      kind: 'no_shows',
      label: '爽约（未到岗）',
      rule: '每次 −80，每 90 天减半',
      points: -40,
      events: [
        {
          refId: EXAMPLE_ORDER_ID,
          at: '2026-09-08T09:00:00+08:00',
          fullPoints: 80,
          points: -40,
          halvesAt: '2027-03-07T09:00:00+08:00',
          fadedAt: '2028-06-28T09:00:00+08:00',
        },
      ],
    },
    { kind: 'late_cancellations', label: '临时取消', rule: '每次 −30，每 90 天减半', points: 0, events: [] },
    { kind: 'disputes_lost', label: '纠纷责任', rule: '每次 −60，每 90 天减半', points: 0, events: [] },
  ],
  projections: [
    { days: 30, at: '2027-01-06T03:30:00+08:00', score: 657 },
    { days: 90, at: '2027-03-07T03:30:00+08:00', score: 672 },
    { days: 180, at: '2027-06-05T03:30:00+08:00', score: 682 },
    { days: 365, at: '2027-12-07T03:30:00+08:00', score: 690 },
  ],
};

export const reportExample: Static<typeof ReportSchema> = {
  id: '01JEXAMP1ERERP0RT000000001',
  reviewId: EXAMPLE_REVIEW_ID,
  reason: '评价内容与事实不符',
  status: 'open',
  createdAt: '2026-12-04T10:00:00+08:00',
};

export const queueExample: Static<typeof QueuePage> = {
  items: [
    {
      review: reviewExample,
      reports: [
        {
          id: reportExample.id,
          reporterId: EXAMPLE_EMPLOYER_ID,
          reason: reportExample.reason,
          createdAt: reportExample.createdAt,
        },
      ],
    },
  ],
  nextCursor: null,
};
