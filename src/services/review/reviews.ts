import { writeAudit } from '../../platform/audit.js';
import { readPage, type PageRequest } from '../../platform/cursor.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import { moderate } from '../job/index.js';
import type { Credit } from './credit.js';
import { DAY, summaryKey, type ReviewContext } from './review-context.js';
import type { ReviewDB, ReviewDirection } from './review.db.js';
import { ReviewErrors } from './review.errors.js';
import { ReviewEvents } from './review.events.js';
import { toReviewView } from './review.mappers.js';
import type { ReviewOrderRow, ReviewRow } from './review.repository.js';
import { unknownTags } from './review.tags.js';

export const WINDOW_DEADLINE = 'review.window-close';

/** The role a review's subject was reviewed in. */
export const subjectRole = (d: ReviewDirection) => (d === 'employer_to_worker' ? 'worker' : 'employer');

export interface ReviewInput {
  stars: number;
  tags: string[];
  text: string | null;
}

/** A completed order as the order service's events tell it. */
export interface CompletedOrder {
  orderId: string;
  jobId: string;
  workerId: string;
  employerId: string;
  completedAt: number;
}

/**
 * Two-way reviews: a window opens when an order completes; each party writes once; both stay hidden
 * until both are written or the window closes (a deadline), then are published together, the
 * missing side recorded as "no review". Replies, reports, an admin's hiding, anonymising.
 */
export function createReviews(ctx: ReviewContext, credit: Credit) {
  const { sdb, repo, ids } = ctx;
  const view = (row: ReviewRow) => toReviewView(row, ctx.at);

  function directionOf(order: ReviewOrderRow, userId: string): ReviewDirection | null {
    if (userId === order.worker_id) return 'worker_to_employer';
    if (userId === order.employer_id) return 'employer_to_worker';
    return null;
  }

  /** Adds (+1) or takes back (−1) a published star review in its subject's summary. */
  async function countInSummary(tx: Tx<ReviewDB>, review: ReviewRow, sign: 1 | -1): Promise<void> {
    if (review.stars === null) return;
    const row = await repo.lockSummary(review.subject_id, subjectRole(review.direction), tx.now, tx.db);
    const tags = JSON.parse(row.tags) as Record<string, number>;
    for (const t of JSON.parse(review.tags) as string[]) {
      const n = (tags[t] ?? 0) + sign;
      if (n > 0) tags[t] = n;
      else delete tags[t];
    }
    await repo.saveSummary(
      {
        ...row,
        count: row.count + sign,
        stars_sum: row.stars_sum + sign * review.stars,
        tags: JSON.stringify(tags),
        updated_at: tx.now,
      },
      tx.db,
    );
  }

  /** Publishes an order's reviews (the order row is locked by the caller); "no review" for a missing side. */
  async function publish(tx: Tx<ReviewDB>, order: ReviewOrderRow): Promise<void> {
    if (!(await repo.markPublished(order.order_id, tx.now, tx.db))) return;
    const written = await repo.reviewsOfOrder(order.order_id, tx.db);
    const sides: [ReviewDirection, string, string][] = [
      ['worker_to_employer', order.worker_id, order.employer_id],
      ['employer_to_worker', order.employer_id, order.worker_id],
    ];
    for (const [direction, author, subject] of sides) {
      if (written.some((r) => r.direction === direction)) continue;
      const none: ReviewRow = {
        id: ids(),
        order_id: order.order_id,
        direction,
        author_id: author,
        subject_id: subject,
        stars: null,
        tags: '[]',
        text: null,
        flagged: 0,
        published_at: null,
        reply: null,
        replied_at: null,
        hidden_at: null,
        hidden_reason: null,
        open_reports: 0,
        created_at: tx.now,
      };
      await repo.insertReview(none, tx.db);
      written.push(none);
    }
    await repo.publishReviews(order.order_id, tx.now, tx.db);
    await ctx.deadlines.cancel(tx, WINDOW_DEADLINE, order.order_id);
    // Score rows before summaries, in user order: the order every writer of both takes them in.
    const users = [order.worker_id, order.employer_id].sort();
    for (const user of users) await repo.lockScore(user, tx.now, tx.db);
    for (const r of written) await countInSummary(tx, { ...r, published_at: tx.now }, 1);
    for (const user of users) await credit.recompute(tx, user);
    await tx.publish(
      ReviewEvents.published({
        orderId: order.order_id,
        jobId: order.job_id,
        workerId: order.worker_id,
        employerId: order.employer_id,
        reviews: written.map((r) => ({
          reviewId: r.id,
          direction: r.direction,
          authorId: r.author_id,
          subjectId: r.subject_id,
          stars: r.stars,
        })),
      }),
    );
  }

  /** The order locked, with the caller's side of it; 404 to anyone who is not a party. */
  async function partyOrder(tx: Tx<ReviewDB> | undefined, orderId: string, userId: string) {
    const order = await repo.findOrder(orderId, tx?.db);
    const direction = order && directionOf(order, userId);
    if (!order || !direction) throw ReviewErrors.REVIEW_ORDER_NOT_FOUND();
    return { order, direction };
  }

  return {
    publish,

    /** order.completed / dispute.decided: the window opens (idempotent by order). */
    async open(tx: Tx<ReviewDB>, o: CompletedOrder): Promise<void> {
      const windowEndsAt = o.completedAt + ctx.settings.windowDays * DAY;
      const row = {
        order_id: o.orderId,
        job_id: o.jobId,
        worker_id: o.workerId,
        employer_id: o.employerId,
        completed_at: o.completedAt,
        window_ends_at: windowEndsAt,
        published_at: null,
      };
      if (await repo.insertOrder(row, tx.db))
        await ctx.deadlines.set(tx, WINDOW_DEADLINE, o.orderId, windowEndsAt);
    },

    /** The window closed: what was written is published, a missing side as "no review". */
    async onWindowClosed(tx: Tx<ReviewDB>, orderId: string): Promise<void> {
      const order = await repo.findOrder(orderId, tx.db);
      if (order && order.published_at === null) await publish(tx, order);
    },

    async write(principal: Principal, orderId: string, input: ReviewInput) {
      const { direction } = await partyOrder(undefined, orderId, principal.userId);
      const bad = unknownTags(direction, input.tags);
      if (bad.length) throw ReviewErrors.REVIEW_TAGS_INVALID({ tags: bad.join(', ') });
      const verdict = input.text ? moderate({ text: input.text }) : null;
      if (verdict?.decision === 'refuse')
        throw ReviewErrors.REVIEW_TEXT_REFUSED({ terms: verdict.findings.map((f) => f.term).join('、') });
      return sdb.transaction(async (tx) => {
        const { order } = await partyOrder(tx, orderId, principal.userId);
        if (order.published_at !== null || tx.now >= order.window_ends_at)
          throw ReviewErrors.REVIEW_WINDOW_CLOSED({
            closedAt: ctx.at(order.published_at ?? order.window_ends_at),
          });
        const row: ReviewRow = {
          id: ids(),
          order_id: orderId,
          direction,
          author_id: principal.userId,
          subject_id: direction === 'worker_to_employer' ? order.employer_id : order.worker_id,
          stars: input.stars,
          tags: JSON.stringify([...new Set(input.tags)]),
          text: input.text,
          flagged: verdict?.decision === 'review' ? 1 : 0,
          published_at: null,
          reply: null,
          replied_at: null,
          hidden_at: null,
          hidden_reason: null,
          open_reports: 0,
          created_at: tx.now,
        };
        if (!(await repo.insertReview(row, tx.db))) throw ReviewErrors.ALREADY_REVIEWED();
        const both = (await repo.reviewsOfOrder(orderId, tx.db)).length === 2;
        if (both) await publish(tx, order);
        return view({ ...row, published_at: both ? tx.now : null });
      });
    },

    /** An order's reviews as a party sees them: mine always, the other's once published. */
    async ofOrder(principal: Principal, orderId: string) {
      const order = await repo.findOrder(orderId);
      const direction = order && directionOf(order, principal.userId);
      const admin = principal.roles.includes('admin');
      if (!order || (!direction && !admin)) throw ReviewErrors.REVIEW_ORDER_NOT_FOUND();
      const rows = await repo.reviewsOfOrder(orderId);
      const published = order.published_at !== null;
      const mine = direction ? rows.find((r) => r.direction === direction) : undefined;
      const other = rows.filter((r) => r !== mine);
      return {
        orderId,
        windowEndsAt: ctx.at(order.window_ends_at),
        published,
        publishedAt: order.published_at === null ? null : ctx.at(order.published_at),
        canReview: !!direction && !mine && !published && ctx.clock.now() < order.window_ends_at,
        mine: mine ? view(mine) : null,
        // Hidden until published, even from an admin reading as one of the parties would.
        others: published || (admin && !direction) ? other.map(view) : [],
      };
    },

    async reply(principal: Principal, reviewId: string, text: string) {
      return sdb.transaction(async (tx) => {
        const row = await repo.findReview(reviewId, tx.db);
        if (!row || row.hidden_at !== null) throw ReviewErrors.REVIEW_NOT_FOUND();
        if (row.subject_id !== principal.userId) throw ReviewErrors.REPLY_FORBIDDEN();
        if (row.published_at === null) throw ReviewErrors.REVIEW_NOT_PUBLISHED();
        if (row.reply !== null) throw ReviewErrors.ALREADY_REPLIED();
        const changes = { reply: text, replied_at: tx.now };
        await repo.updateReview(reviewId, changes, tx.db);
        await tx.publish(
          ReviewEvents.replied({
            reviewId,
            orderId: row.order_id,
            authorId: row.author_id,
            subjectId: row.subject_id,
          }),
        );
        return view({ ...row, ...changes });
      });
    },

    async report(principal: Principal, reviewId: string, reason: string) {
      return sdb.transaction(async (tx) => {
        const row = await repo.findReview(reviewId, tx.db);
        if (!row || row.published_at === null || row.hidden_at !== null)
          throw ReviewErrors.REVIEW_NOT_FOUND();
        if (row.author_id === principal.userId) throw ReviewErrors.OWN_REVIEW();
        const report = {
          id: ids(),
          review_id: reviewId,
          reporter_id: principal.userId,
          reason,
          status: 'open' as const,
          created_at: tx.now,
        };
        if (!(await repo.insertReport(report, tx.db))) throw ReviewErrors.ALREADY_REPORTED();
        await repo.updateReview(reviewId, { open_reports: row.open_reports + 1 }, tx.db);
        return { id: report.id, reviewId, reason, status: report.status, createdAt: ctx.at(tx.now) };
      });
    },

    /** Admin: reviews reported or flagged by moderation, oldest first, each with its open reports. */
    queue(page: PageRequest) {
      return readPage(ctx.cursors, 'review-queue', page, repo.queue, (rows) =>
        Promise.all(
          rows.map(async (r) => ({
            review: view(r),
            reports: (await repo.openReports(r.id)).map((p) => ({
              id: p.id,
              reporterId: p.reporter_id,
              reason: p.reason,
              createdAt: ctx.at(p.created_at),
            })),
          })),
        ),
      );
    },

    /** Admin: hides a review with a reason (audited); it leaves the averages and the score. */
    async hide(principal: Principal, reviewId: string, reason: string) {
      return sdb.transaction(async (tx) => {
        const row = await repo.findReview(reviewId, tx.db);
        if (!row) throw ReviewErrors.REVIEW_NOT_FOUND();
        if (row.hidden_at !== null) throw ReviewErrors.REVIEW_ALREADY_HIDDEN();
        const changes = { hidden_at: tx.now, hidden_reason: reason, open_reports: 0, flagged: 0 };
        await repo.updateReview(reviewId, changes, tx.db);
        await repo.resolveReports(reviewId, 'upheld', tx.db);
        if (row.published_at !== null) {
          await repo.lockScore(row.subject_id, tx.now, tx.db);
          await countInSummary(tx, row, -1);
          await credit.recompute(tx, row.subject_id);
        }
        await writeAudit(tx, 'review_', ids, {
          actorId: principal.userId,
          actorRole: 'admin',
          action: 'review.hidden',
          targetType: 'review',
          targetId: reviewId,
          data: { reason, orderId: row.order_id },
        });
        await tx.publish(
          ReviewEvents.hidden({ reviewId, orderId: row.order_id, subjectId: row.subject_id, reason }),
        );
        return view({ ...row, ...changes });
      });
    },

    /** Admin: the reports and the moderation flag were unfounded; the review stays (audited). */
    async dismiss(principal: Principal, reviewId: string, reason: string) {
      return sdb.transaction(async (tx) => {
        const row = await repo.findReview(reviewId, tx.db);
        if (!row) throw ReviewErrors.REVIEW_NOT_FOUND();
        if (row.hidden_at !== null) throw ReviewErrors.REVIEW_ALREADY_HIDDEN();
        const changes = { open_reports: 0, flagged: 0 };
        await repo.updateReview(reviewId, changes, tx.db);
        await repo.resolveReports(reviewId, 'dismissed', tx.db);
        await writeAudit(tx, 'review_', ids, {
          actorId: principal.userId,
          actorRole: 'admin',
          action: 'review.reports_dismissed',
          targetType: 'review',
          targetId: reviewId,
          data: { reason },
        });
        return view({ ...row, ...changes });
      });
    },

    /** Published reviews `userId` received in `as` role, newest first. */
    received(userId: string, as: 'worker' | 'employer', page: PageRequest) {
      const direction: ReviewDirection = as === 'worker' ? 'employer_to_worker' : 'worker_to_employer';
      return readPage(
        ctx.cursors,
        `reviews-received:${userId}:${as}`,
        page,
        (before, limit) => repo.received(userId, direction, before, limit),
        (rows) => rows.map(view),
      );
    },

    /** user.deleted: what they wrote loses its author; what they received is hidden; their record erased. */
    async erase(tx: Tx<ReviewDB>, userId: string): Promise<void> {
      await repo.anonymiseAuthor(userId, tx.db);
      await repo.hideAbout(userId, tx.now, tx.db);
      await repo.eraseUser(userId, tx.db);
      tx.afterCommit(() => ctx.cache.delete(summaryKey(userId)));
    },
  };
}

export type Reviews = ReturnType<typeof createReviews>;
