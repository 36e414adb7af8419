import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Top-ups: one row per payment asked of a channel. */
export const topups: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'payment_topups')
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('channel', t.ascii(12), (c) => c.notNull())
      .addColumn('amount_fen', t.bigint, (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('start', t.text, (c) => c.notNull())
      .addColumn('channel_transaction_id', t.ascii(64))
      .addColumn('paid_amount_fen', t.bigint)
      .addColumn('note', t.varchar(200))
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('paid_at', t.bigint)
      .execute();
    // A channel's transaction credits once; the sweep reads pending top-ups and admins held ones,
    // each in id order.
    await db.schema
      .createIndex('payment_topups_transaction_idx')
      .ifNotExists()
      .on('payment_topups')
      .columns(['channel', 'channel_transaction_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex('payment_topups_status_idx')
      .ifNotExists()
      .on('payment_topups')
      .columns(['status', 'id'])
      .execute();
    await db.schema
      .createIndex('payment_topups_user_idx')
      .ifNotExists()
      .on('payment_topups')
      .columns(['user_id', 'id'])
      .execute();
  },
  async down({ db }) {
    await db.schema.dropTable('payment_topups').ifExists().execute();
  },
};
