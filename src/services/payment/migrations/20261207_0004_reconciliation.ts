import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Reconciliation runs per channel and day, and the differences they found. */
export const reconciliation: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'payment_reconciliation_runs')
      .ifNotExists()
      .addColumn('channel', t.ascii(12), (c) => c.notNull())
      .addColumn('day', t.ascii(10), (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('statement_lines', t.integer, (c) => c.notNull())
      .addColumn('differences', t.integer, (c) => c.notNull())
      .addColumn('note', t.varchar(200))
      .addColumn('ran_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('payment_reconciliation_runs_pk', ['channel', 'day'])
      .execute();
    await createTable(db, dialect, 'payment_reconciliation_items')
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('channel', t.ascii(12), (c) => c.notNull())
      .addColumn('day', t.ascii(10), (c) => c.notNull())
      .addColumn('kind', t.ascii(24), (c) => c.notNull())
      .addColumn('reference', t.ascii(64), (c) => c.notNull())
      .addColumn('transaction_id', t.ascii(64))
      .addColumn('statement_fen', t.bigint)
      .addColumn('ledger_fen', t.bigint)
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('resolution', t.varchar(200))
      .addColumn('resolved_by', t.id)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('resolved_at', t.bigint)
      .execute();
    // A run repeated finds the same differences: one item each.
    await db.schema
      .createIndex('payment_reconciliation_items_unique_idx')
      .ifNotExists()
      .on('payment_reconciliation_items')
      .columns(['channel', 'day', 'kind', 'reference'])
      .unique()
      .execute();
    await db.schema
      .createIndex('payment_reconciliation_items_status_idx')
      .ifNotExists()
      .on('payment_reconciliation_items')
      .columns(['status', 'id'])
      .execute();
  },
  async down({ db }) {
    await db.schema.dropTable('payment_reconciliation_items').ifExists().execute();
    await db.schema.dropTable('payment_reconciliation_runs').ifExists().execute();
  },
};
