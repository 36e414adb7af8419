import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Reviewable orders, reviews, reports, rating summaries, credit facts and scores. */
export const reviews: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'review_orders')
      .addColumn('order_id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('worker_id', t.id, (c) => c.notNull())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('completed_at', t.bigint, (c) => c.notNull())
      .addColumn('window_ends_at', t.bigint, (c) => c.notNull())
      .addColumn('published_at', t.bigint)
      .execute();

    await createTable(db, dialect, 'review_reviews')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('order_id', t.id, (c) => c.notNull())
      .addColumn('direction', t.ascii(20), (c) => c.notNull())
      .addColumn('author_id', t.id)
      .addColumn('subject_id', t.id, (c) => c.notNull())
      .addColumn('stars', t.integer)
      .addColumn('tags', t.varchar(400), (c) => c.notNull())
      .addColumn('text', t.varchar(500))
      .addColumn('flagged', t.boolean, (c) => c.notNull())
      .addColumn('published_at', t.bigint)
      .addColumn('reply', t.varchar(500))
      .addColumn('replied_at', t.bigint)
      .addColumn('hidden_at', t.bigint)
      .addColumn('hidden_reason', t.varchar(200))
      .addColumn('open_reports', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addUniqueConstraint('review_reviews_order_direction_uq', ['order_id', 'direction'])
      .execute();
    // A user's received reviews (newest first), what an author wrote (anonymising), the admin queue.
    await db.schema
      .createIndex('review_reviews_subject_idx')
      .on('review_reviews')
      .columns(['subject_id', 'direction', 'id'])
      .execute();
    await db.schema
      .createIndex('review_reviews_author_idx')
      .on('review_reviews')
      .columns(['author_id'])
      .execute();
    await db.schema
      .createIndex('review_reviews_queue_idx')
      .on('review_reviews')
      .columns(['open_reports', 'id'])
      .execute();

    await createTable(db, dialect, 'review_reports')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('review_id', t.id, (c) => c.notNull())
      .addColumn('reporter_id', t.id, (c) => c.notNull())
      .addColumn('reason', t.varchar(200), (c) => c.notNull())
      .addColumn('status', t.ascii(10), (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addUniqueConstraint('review_reports_review_reporter_uq', ['review_id', 'reporter_id'])
      .execute();

    await createTable(db, dialect, 'review_summaries')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('role', t.ascii(10), (c) => c.notNull())
      .addColumn('count', t.integer, (c) => c.notNull())
      .addColumn('stars_sum', t.integer, (c) => c.notNull())
      .addColumn('tags', t.varchar(2000), (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('review_summaries_pk', ['user_id', 'role'])
      .execute();

    await createTable(db, dialect, 'review_credit_facts')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('fact_key', t.ascii(80), (c) => c.notNull().unique())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('kind', t.ascii(16), (c) => c.notNull())
      .addColumn('ref_id', t.ascii(40), (c) => c.notNull())
      .addColumn('at', t.bigint, (c) => c.notNull())
      .addColumn('active', t.boolean, (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .execute();
    // A user's facts; the nightly pass finds users with penalties still fading by (kind, at).
    await db.schema
      .createIndex('review_credit_facts_user_idx')
      .on('review_credit_facts')
      .columns(['user_id', 'kind'])
      .execute();
    await db.schema
      .createIndex('review_credit_facts_kind_idx')
      .on('review_credit_facts')
      .columns(['kind', 'at', 'user_id'])
      .execute();

    await createTable(db, dialect, 'review_credit_scores')
      .addColumn('user_id', t.id, (c) => c.primaryKey())
      .addColumn('score', t.integer, (c) => c.notNull())
      .addColumn('parts', t.text, (c) => c.notNull())
      .addColumn('computed_at', t.bigint, (c) => c.notNull())
      .execute();
  },
  async down({ db }) {
    for (const table of [
      'review_credit_scores',
      'review_credit_facts',
      'review_summaries',
      'review_reports',
      'review_reviews',
      'review_orders',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
