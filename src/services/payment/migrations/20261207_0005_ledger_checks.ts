import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/**
 * The scheduled ledger check's runs (payment.check-ledger): when each finished and how many
 * problems it found, so every payment process answers the same figures on /metrics.
 */
export const ledgerChecks: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'payment_ledger_checks')
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('started_at', t.bigint, (c) => c.notNull())
      .addColumn('finished_at', t.bigint, (c) => c.notNull())
      .addColumn('problems', t.integer, (c) => c.notNull())
      .addColumn('summary', t.varchar(1000), (c) => c.notNull())
      .execute();
    // The metrics read the latest run; the schedule deletes the old ones.
    await db.schema
      .createIndex('payment_ledger_checks_finished_idx')
      .ifNotExists()
      .on('payment_ledger_checks')
      .columns(['finished_at'])
      .execute();
  },
  async down({ db }) {
    await db.schema.dropTable('payment_ledger_checks').ifExists().execute();
  },
};
