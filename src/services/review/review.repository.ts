import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { affectedRows, insertIgnore } from '../../platform/db/helpers.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import type { FactKind, ReviewDB, ReviewDirection } from './review.db.js';

export type ReviewOrderRow = Selectable<ReviewDB['review_orders']>;
export type ReviewRow = Selectable<ReviewDB['review_reviews']>;
export type ReportRow = Selectable<ReviewDB['review_reports']>;
export type SummaryRow = Selectable<ReviewDB['review_summaries']>;
export type FactRow = Selectable<ReviewDB['review_credit_facts']>;
export type ScoreRow = Selectable<ReviewDB['review_credit_scores']>;

export const PENALTY_KINDS: FactKind[] = ['no_show', 'late_cancel', 'dispute_lost'];

/**
 * Every query of the review service's tables. A read given a transaction locks what it reads
 * (FOR UPDATE on MySQL; SQLite's transaction holds the one writer lock anyway): reads inside a
 * transaction here precede a change that depends on them, and a locking read sees the newest
 * committed rows even when the transaction's snapshot is older.
 */
export function createReviewRepository(sdb: ServiceDatabase<ReviewDB>) {
  const root = sdb.db;
  const mysql = sdb.dialect === 'mysql';
  const locking = (ex: Executor<ReviewDB>) => mysql && ex !== root;

  return {
    // Reviewable orders.
    insertOrder: (row: Insertable<ReviewDB['review_orders']>, ex: Executor<ReviewDB>) =>
      insertIgnore(ex, sdb.dialect, 'review_orders', row, ['order_id']),
    findOrder: (orderId: string, ex: Executor<ReviewDB> = root) =>
      ex
        .selectFrom('review_orders')
        .selectAll()
        .where('order_id', '=', orderId)
        .$if(locking(ex), (q) => q.forUpdate())
        .executeTakeFirst(),
    async markPublished(orderId: string, now: number, ex: Executor<ReviewDB>): Promise<boolean> {
      const result = await ex
        .updateTable('review_orders')
        .set({ published_at: now })
        .where('order_id', '=', orderId)
        .where('published_at', 'is', null)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },

    // Reviews.
    insertReview: (row: Insertable<ReviewDB['review_reviews']>, ex: Executor<ReviewDB>) =>
      insertIgnore(ex, sdb.dialect, 'review_reviews', row, ['order_id', 'direction']),
    reviewsOfOrder: (orderId: string, ex: Executor<ReviewDB> = root) =>
      ex
        .selectFrom('review_reviews')
        .selectAll()
        .where('order_id', '=', orderId)
        .orderBy('direction')
        .$if(locking(ex), (q) => q.forUpdate())
        .execute(),
    findReview: (id: string, ex: Executor<ReviewDB> = root) =>
      ex
        .selectFrom('review_reviews')
        .selectAll()
        .where('id', '=', id)
        .$if(locking(ex), (q) => q.forUpdate())
        .executeTakeFirst(),
    async updateReview(id: string, changes: Updateable<ReviewDB['review_reviews']>, ex: Executor<ReviewDB>) {
      await ex.updateTable('review_reviews').set(changes).where('id', '=', id).execute();
    },
    async publishReviews(orderId: string, now: number, ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_reviews')
        .set({ published_at: now })
        .where('order_id', '=', orderId)
        .where('published_at', 'is', null)
        .execute();
    },
    /** Published, visible star reviews a user received in one direction, newest first (before `beforeId`). */
    received: (subjectId: string, direction: ReviewDirection, beforeId: string | undefined, limit: number) =>
      root
        .selectFrom('review_reviews')
        .selectAll()
        .where('subject_id', '=', subjectId)
        .where('direction', '=', direction)
        .where('published_at', 'is not', null)
        .where('hidden_at', 'is', null)
        .where('stars', 'is not', null)
        .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    /** Reviews an admin should look at: reported, or flagged by moderation, and not hidden yet. */
    queue: (afterId: string | undefined, limit: number) =>
      root
        .selectFrom('review_reviews')
        .selectAll()
        .where((eb) => eb.or([eb('open_reports', '>', 0), eb('flagged', '=', 1)]))
        .where('hidden_at', 'is', null)
        .where('id', '>', afterId ?? '')
        .orderBy('id')
        .limit(limit)
        .execute(),
    async anonymiseAuthor(userId: string, ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_reviews')
        .set({ author_id: null })
        .where('author_id', '=', userId)
        .execute();
    },
    /** Hides every review about `userId` (an account deleted); returns how many were visible. */
    async hideAbout(userId: string, now: number, ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_reviews')
        .set({ hidden_at: now, hidden_reason: 'account_deleted', reply: null })
        .where('subject_id', '=', userId)
        .where('hidden_at', 'is', null)
        .execute();
    },

    // Reports.
    insertReport: (row: Insertable<ReviewDB['review_reports']>, ex: Executor<ReviewDB>) =>
      insertIgnore(ex, sdb.dialect, 'review_reports', row, ['review_id', 'reporter_id']),
    openReports: (reviewId: string) =>
      root
        .selectFrom('review_reports')
        .selectAll()
        .where('review_id', '=', reviewId)
        .where('status', '=', 'open')
        .orderBy('id')
        .limit(50)
        .execute(),
    async resolveReports(reviewId: string, status: 'upheld' | 'dismissed', ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_reports')
        .set({ status })
        .where('review_id', '=', reviewId)
        .where('status', '=', 'open')
        .execute();
    },

    // Rating summaries.
    /** The summary row of a user and role, created empty if missing and locked. */
    async lockSummary(userId: string, role: 'worker' | 'employer', now: number, ex: Executor<ReviewDB>) {
      const empty = { user_id: userId, role, count: 0, stars_sum: 0, tags: '{}', updated_at: now };
      const insert = ex.insertInto('review_summaries').values(empty);
      // One statement that takes the row's write lock on MySQL (an insert refused as a duplicate
      // would take a shared lock first, and two such transactions deadlock on the update after).
      if (mysql) await insert.onDuplicateKeyUpdate({ updated_at: sql<number>`updated_at` }).execute();
      else await insert.onConflict((oc) => oc.columns(['user_id', 'role']).doNothing()).execute();
      return (await ex
        .selectFrom('review_summaries')
        .selectAll()
        .where('user_id', '=', userId)
        .where('role', '=', role)
        .$if(locking(ex), (q) => q.forUpdate())
        .executeTakeFirst())!;
    },
    async saveSummary(row: SummaryRow, ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_summaries')
        .set({ count: row.count, stars_sum: row.stars_sum, tags: row.tags, updated_at: row.updated_at })
        .where('user_id', '=', row.user_id)
        .where('role', '=', row.role)
        .execute();
    },
    summaries: (userIds: readonly string[], ex: Executor<ReviewDB> = root) =>
      userIds.length === 0
        ? Promise.resolve([] as SummaryRow[])
        : ex
            .selectFrom('review_summaries')
            .selectAll()
            .where('user_id', 'in', userIds)
            .$if(locking(ex), (q) => q.forUpdate())
            .execute(),

    // Credit facts and scores.
    insertFact: (row: Insertable<ReviewDB['review_credit_facts']>, ex: Executor<ReviewDB>) =>
      insertIgnore(ex, sdb.dialect, 'review_credit_facts', row, ['fact_key']),
    findFact: (factKey: string, ex: Executor<ReviewDB>) =>
      ex
        .selectFrom('review_credit_facts')
        .selectAll()
        .where('fact_key', '=', factKey)
        .$if(locking(ex), (q) => q.forUpdate())
        .executeTakeFirst(),
    async updateFact(
      id: string,
      changes: Updateable<ReviewDB['review_credit_facts']>,
      ex: Executor<ReviewDB>,
    ) {
      await ex.updateTable('review_credit_facts').set(changes).where('id', '=', id).execute();
    },
    /** A user's facts except completed orders (counted apart: a long record has thousands). */
    async factsOf(userId: string, ex: Executor<ReviewDB>) {
      const [completed, others] = await Promise.all([
        ex
          .selectFrom('review_credit_facts')
          .select((eb) => eb.fn.countAll<number | string>().as('n'))
          .where('user_id', '=', userId)
          .where('kind', '=', 'completed')
          .$if(locking(ex), (q) => q.forUpdate())
          .executeTakeFirstOrThrow(),
        ex
          .selectFrom('review_credit_facts')
          .selectAll()
          .where('user_id', '=', userId)
          .where('kind', '<>', 'completed')
          .$if(locking(ex), (q) => q.forUpdate())
          .execute(),
      ]);
      return { completed: Number(completed.n), others };
    },
    /** Users with a penalty since `since`, after `afterUserId`, in id order (the nightly pass). */
    async usersWithPenalties(since: number, afterUserId: string, limit: number) {
      const rows = await root
        .selectFrom('review_credit_facts')
        .select('user_id')
        .distinct()
        .where('kind', 'in', PENALTY_KINDS)
        .where('at', '>=', since)
        .where('user_id', '>', afterUserId)
        .orderBy('user_id')
        .limit(limit)
        .execute();
      return rows.map((r) => r.user_id);
    },
    /** Locks (creating if missing) a user's score row: handlers of one user's facts queue on it. */
    async lockScore(userId: string, now: number, ex: Executor<ReviewDB>): Promise<ScoreRow> {
      const empty = { user_id: userId, score: -1, parts: '[]', computed_at: now };
      const insert = ex.insertInto('review_credit_scores').values(empty);
      if (mysql) await insert.onDuplicateKeyUpdate({ computed_at: sql<number>`computed_at` }).execute();
      else await insert.onConflict((oc) => oc.column('user_id').doNothing()).execute();
      return (await ex
        .selectFrom('review_credit_scores')
        .selectAll()
        .where('user_id', '=', userId)
        .$if(locking(ex), (q) => q.forUpdate())
        .executeTakeFirst())!;
    },
    async saveScore(row: ScoreRow, ex: Executor<ReviewDB>) {
      await ex
        .updateTable('review_credit_scores')
        .set({ score: row.score, parts: row.parts, computed_at: row.computed_at })
        .where('user_id', '=', row.user_id)
        .execute();
    },
    findScore: (userId: string) =>
      root.selectFrom('review_credit_scores').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    scores: (userIds: readonly string[]) =>
      userIds.length === 0
        ? Promise.resolve([] as ScoreRow[])
        : root
            .selectFrom('review_credit_scores')
            .select(['user_id', 'score'])
            .where('user_id', 'in', userIds)
            .where('score', '>=', 0)
            .execute(),
    /** Erases what the review service keeps of a deleted account's own record. */
    async eraseUser(userId: string, ex: Executor<ReviewDB>) {
      await ex.deleteFrom('review_credit_facts').where('user_id', '=', userId).execute();
      await ex.deleteFrom('review_credit_scores').where('user_id', '=', userId).execute();
      await ex.deleteFrom('review_summaries').where('user_id', '=', userId).execute();
    },
  };
}

export type ReviewRepository = ReturnType<typeof createReviewRepository>;
