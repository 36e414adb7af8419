import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

const ACCOUNTS = 'payment_ledger_accounts';
const TRANSFERS = 'payment_ledger_transfers';
const LEGS = 'payment_ledger_legs';

/**
 * The double-entry ledger: accounts with their balances, immutable transfers, and their legs.
 * Every statement is IF NOT EXISTS, so on MySQL (which commits each DDL statement) the migration
 * runs again after failing part-way.
 */
export const ledger: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, ACCOUNTS)
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('kind', t.ascii(32), (c) => c.notNull())
      .addColumn('owner', t.ascii(64), (c) => c.notNull())
      .addColumn('may_go_negative', t.boolean, (c) => c.notNull())
      .addColumn('balance', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('seq', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      // Accounts are made on first use: the key makes that idempotent, and resolves (kind, owner).
      .addUniqueConstraint('payment_ledger_accounts_kind_owner_uq', ['kind', 'owner'])
      .execute();

    await createTable(db, dialect, TRANSFERS)
      .ifNotExists()
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('business_key', t.ascii(200), (c) => c.notNull())
      .addColumn('kind', t.ascii(64), (c) => c.notNull())
      .addColumn('description', t.varchar(200))
      .addColumn('order_id', t.ascii(64))
      .addColumn('payment_id', t.ascii(64))
      .addColumn('withdrawal_id', t.ascii(64))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      // A request carries its business key: a repeat finds the transfer instead of moving money twice.
      .addUniqueConstraint('payment_ledger_transfers_key_uq', ['business_key'])
      .execute();
    // The transfers of an order, a payment or a withdrawal, in the order they were made.
    for (const link of ['order_id', 'payment_id', 'withdrawal_id']) {
      await db.schema
        .createIndex(`${TRANSFERS}_${link}_idx`)
        .ifNotExists()
        .on(TRANSFERS)
        .columns([link, 'id'])
        .execute();
    }

    await createTable(db, dialect, LEGS)
      .ifNotExists()
      .addColumn('account_id', t.id, (c) => c.notNull())
      .addColumn('seq', t.bigint, (c) => c.notNull())
      .addColumn('transfer_id', t.id, (c) => c.notNull())
      .addColumn('position', t.integer, (c) => c.notNull())
      .addColumn('amount', t.bigint, (c) => c.notNull())
      .addColumn('balance_after', t.bigint, (c) => c.notNull())
      // An account's history, newest first by seq; a second writer of the same seq fails here.
      .addPrimaryKeyConstraint('payment_ledger_legs_pk', ['account_id', 'seq'])
      // The legs of a transfer, in the caller's order.
      .addUniqueConstraint('payment_ledger_legs_transfer_uq', ['transfer_id', 'position'])
      .execute();
  },
  async down({ db }) {
    for (const table of [LEGS, TRANSFERS, ACCOUNTS]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
