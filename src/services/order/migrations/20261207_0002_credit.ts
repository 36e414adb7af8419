import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** A job's least credit score for auto-hire, and whom a dispute's decision found at fault. */
export const credit: ServiceMigration = {
  async up({ db, t }) {
    await db.schema.alterTable('order_job_settings').addColumn('min_credit_score', t.integer).execute();
    await db.schema.alterTable('order_disputes').addColumn('fault', t.ascii(10)).execute();
  },
  async down({ db }) {
    await db.schema.alterTable('order_disputes').dropColumn('fault').execute();
    await db.schema.alterTable('order_job_settings').dropColumn('min_credit_score').execute();
  },
};
