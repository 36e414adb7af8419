import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Withdrawals: one row per payout to a user's channel account. */
export const withdrawals: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'payment_withdrawals')
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('channel', t.ascii(12), (c) => c.notNull())
      .addColumn('account_cipher', t.text, (c) => c.notNull())
      .addColumn('payee_name_cipher', t.text, (c) => c.notNull())
      .addColumn('amount_fen', t.bigint, (c) => c.notNull())
      .addColumn('fee_fen', t.bigint, (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('channel_transaction_id', t.ascii(64))
      .addColumn('user_confirmation', t.text)
      .addColumn('reason', t.varchar(200))
      .addColumn('reviewed_by', t.id)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('checked_at', t.bigint, (c) => c.notNull())
      .addColumn('finished_at', t.bigint)
      .execute();
    await db.schema
      .createIndex('payment_withdrawals_status_idx')
      .ifNotExists()
      .on('payment_withdrawals')
      .columns(['status', 'id'])
      .execute();
    // The poll: processing withdrawals, longest-unasked first.
    await db.schema
      .createIndex('payment_withdrawals_check_idx')
      .ifNotExists()
      .on('payment_withdrawals')
      .columns(['status', 'checked_at'])
      .execute();
    // A user's list (newest first by id) and a user's total of the day (by created_at).
    await db.schema
      .createIndex('payment_withdrawals_user_idx')
      .ifNotExists()
      .on('payment_withdrawals')
      .columns(['user_id', 'id'])
      .execute();
    await db.schema
      .createIndex('payment_withdrawals_user_day_idx')
      .ifNotExists()
      .on('payment_withdrawals')
      .columns(['user_id', 'created_at'])
      .execute();
  },
  async down({ db }) {
    await db.schema.dropTable('payment_withdrawals').ifExists().execute();
  },
};
