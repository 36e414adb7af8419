import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Hired orders the message service reminds about (the shift in an hour, a missing check-in). */
export const reminders: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'message_reminders')
      .addColumn('order_id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('worker_id', t.id, (c) => c.notNull())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('shift_starts_at', t.bigint, (c) => c.notNull())
      .execute();
  },
  async down({ db }) {
    await db.schema.dropTable('message_reminders').ifExists().execute();
  },
};
