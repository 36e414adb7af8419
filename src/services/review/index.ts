import { createInstantFormatter } from '../../platform/clock.js';
import type { Tx } from '../../platform/db/service-database.js';
import { consumerOf } from '../../platform/events/types.js';
import { createServiceHttpClient } from '../../platform/http-client.js';
import { createIdempotencyHooks } from '../../platform/http/idempotency.js';
import type { ServiceModule } from '../../platform/service.js';
import type { OrderEventMap } from '../order/index.js';
import { userClient, type UserEventMap } from '../user/index.js';
import type { VerificationEventMap } from '../verification/index.js';
import { reviewClient, type ReviewClient } from './contract.js';
import { createCredit, type Fact } from './credit.js';
import { reviewMigrations } from './migrations/index.js';
import { summaryKey, type ReviewContext } from './review-context.js';
import { createReviewReads } from './review-reads.js';
import { reviewConfig } from './review.config.js';
import type { ReviewDB } from './review.db.js';
import type { ReviewEventMap } from './review.events.js';
import type { ReviewSummary } from './review.mappers.js';
import { createReviewRepository } from './review.repository.js';
import { registerReviewRoutes } from './review.routes.js';
import { createReviews, WINDOW_DEADLINE } from './reviews.js';

export * from './contract.js';
export { reviewConfig, type ReviewConfig } from './review.config.js';

// Facts of the credit score, and the review window of every completed order.
const orderFacts = consumerOf<OrderEventMap>()('review.order-facts', [
  'order.completed',
  'dispute.decided',
  'order.no_show',
  'order.cancelled',
]);
const verificationFacts = consumerOf<VerificationEventMap>()('review.verification-facts', [
  'verification.approved',
  'verification.revoked',
]);
// A deleted account: what it wrote is anonymised, what it received hidden, its record erased.
const eraseDeleted = consumerOf<UserEventMap>()('review.erase-deleted', ['user.deleted']);
// Cached summaries are dropped in every process serving the review service (the writer did after commit).
const dropSummaries = consumerOf<ReviewEventMap>()('review.drop-summaries', [
  'review.published',
  'review.hidden',
  'credit.changed',
]);

/** The review service (评价服务): two-way hidden reviews, replies and reports, the credit score. */
export const reviewModule: ServiceModule<ReviewDB, ReviewClient> = {
  name: 'review',
  migrations: reviewMigrations,
  config: reviewConfig,
  client: reviewClient,
  uses: [userClient],
  consumers: [orderFacts, verificationFacts, eraseDeleted, dropSummaries],
  create(sctx) {
    const { db: sdb, config, clock, ids, log, cache } = sctx;
    const ctx: ReviewContext = {
      sdb,
      repo: createReviewRepository(sdb),
      settings: reviewConfig.of(config),
      clients: sctx.clients,
      clock,
      ids,
      log,
      cursors: sctx.cursors,
      deadlines: sctx.deadlines,
      cache,
      at: createInstantFormatter(config.businessTimeZone),
    };
    const credit = createCredit(ctx);
    const reviews = createReviews(ctx, credit);
    const reads = createReviewReads(ctx);
    sctx.deadlines.register(WINDOW_DEADLINE, (d, tx: Tx<ReviewDB>) => reviews.onWindowClosed(tx, d.refId));

    return {
      client: { summaries: (userIds) => reads.summaries(userIds) },
      schedules: [
        // Penalties fade day by day: scores that still carry one are computed again each night.
        { name: 'review.credit-fade', cron: '30 3 * * *', run: async () => void (await credit.fadeAll()) },
      ],
      handlers: [
        orderFacts.handle<ReviewDB>(async (event, tx) => {
          const o = event.payload;
          const at = event.createdAt;
          const facts: Fact[] = [];
          const fact = (kind: Fact['kind'], userId: string, key = `${kind}:${o.orderId}`) =>
            facts.push({ key, userId, kind, refId: o.orderId, at });
          if (event.type === 'order.completed' || event.type === 'dispute.decided') {
            await reviews.open(tx, { ...o, completedAt: at });
            fact('completed', o.workerId, `completed:${o.orderId}:worker`);
            fact('completed', o.employerId, `completed:${o.orderId}:employer`);
            // Events written before decisions named a fault carry none: nobody lost.
            const fault = event.type === 'dispute.decided' ? event.payload.fault : undefined;
            if (fault === 'worker' || fault === 'employer')
              fact('dispute_lost', fault === 'worker' ? o.workerId : o.employerId);
          } else if (event.type === 'order.no_show') {
            fact('no_show', o.workerId);
          } else if (
            event.payload.late &&
            (event.payload.by === 'worker' || event.payload.by === 'employer')
          ) {
            fact('late_cancel', event.payload.by === 'worker' ? o.workerId : o.employerId);
          }
          if (facts.length) await credit.record(tx, facts);
        }),
        verificationFacts.handle<ReviewDB>(async ({ type, payload, createdAt }, tx) =>
          credit.verification(tx, {
            userId: payload.userId,
            kind: payload.kind,
            version: payload.version,
            approved: type === 'verification.approved',
            at: createdAt,
          }),
        ),
        eraseDeleted.handle<ReviewDB>(async ({ payload }, tx) => reviews.erase(tx, payload.userId)),
        dropSummaries.handle(async ({ type, payload }) => {
          const users =
            type === 'review.published'
              ? [payload.workerId, payload.employerId]
              : [type === 'review.hidden' ? payload.subjectId : payload.userId];
          await cache.delete(...users.map(summaryKey));
        }),
      ],
      async routes(app) {
        await registerReviewRoutes(
          app,
          { reviews, reads },
          createIdempotencyHooks(sdb, clock, log, { successStatus: 201 }),
        );
      },
    };
  },
  remote({ baseUrl, config, clock, log }) {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    const client: ReviewClient = {
      async summaries(userIds) {
        const ids = [...new Set(userIds)];
        if (ids.length === 0) return new Map();
        const query = new URLSearchParams({ ids: ids.join(',') });
        const answer = await http.request<{ items: ReviewSummary[] }>(
          'GET',
          `/internal/v1/reviews/summaries?${query.toString()}`,
        );
        return new Map(answer.body.items.map((s) => [s.userId, s]));
      },
    };
    return { client };
  },
};
