import { sql } from 'kysely';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

const CONSTRAINT = /,\s*constraint\s+"order_orders_application_uq"\s+unique\s*\("application_id"\)/i;

/**
 * An application may have several orders: a hire that was refused and undone leaves a void order,
 * and the employer may hire the application again (a new order, a new escrow hold). One live order
 * per application is kept by the hire's conditional move of the application (open → hiring) in
 * the transaction that inserts the order; the unique key on application_id becomes an index.
 */
export const rehire: ServiceMigration = {
  async up({ db, dialect }) {
    if (dialect === 'mysql') {
      await sql`alter table order_orders drop index order_orders_application_uq`.execute(db);
    } else {
      const table = await sql<{ sql: string }>`
        select sql from sqlite_master where type = 'table' and name = 'order_orders'`.execute(db);
      const create = table.rows[0]!.sql;
      if (CONSTRAINT.test(create)) {
        // SQLite cannot drop a table's constraint: the table is made again without it, as SQLite's
        // documentation describes (create the new table, copy, drop, rename, indexes again).
        const indexes = await sql<{ sql: string }>`
          select sql from sqlite_master
          where type = 'index' and tbl_name = 'order_orders' and sql is not null`.execute(db);
        const next = create
          .replace(CONSTRAINT, '')
          .replace(/^create table "order_orders"/i, 'create table "order_orders_next"');
        await sql.raw(next).execute(db);
        await sql`insert into order_orders_next select * from order_orders`.execute(db);
        await sql`drop table order_orders`.execute(db);
        await sql`alter table order_orders_next rename to order_orders`.execute(db);
        for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
      } else {
        // As this migration's down left it: a unique index of its own.
        await sql`drop index order_orders_application_uq`.execute(db);
      }
    }
    await db.schema
      .createIndex('order_orders_application_idx')
      .on('order_orders')
      .column('application_id')
      .execute();
  },
  async down({ db, dialect }) {
    const drop = db.schema.dropIndex('order_orders_application_idx');
    await (dialect === 'mysql' ? drop.on('order_orders') : drop).execute();
    await db.schema
      .createIndex('order_orders_application_uq')
      .unique()
      .on('order_orders')
      .column('application_id')
      .execute();
  },
};
