import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Critical notifications go by SMS too: when, and how it went. */
export const sms: ServiceMigration = {
  async up({ db, t }) {
    await db.schema.alterTable('message_notifications').addColumn('sms_due_at', t.bigint).execute();
    await db.schema.alterTable('message_notifications').addColumn('sms_sent_at', t.bigint).execute();
    await db.schema
      .alterTable('message_notifications')
      .addColumn('sms_attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema
      .createIndex('message_notifications_sms_idx')
      .on('message_notifications')
      .columns(['sms_due_at'])
      .execute();
  },
  async down({ db, dialect }) {
    // MySQL names the table of an index to drop; SQLite refuses the clause.
    const drop = db.schema.dropIndex('message_notifications_sms_idx');
    await (dialect === 'mysql' ? drop.on('message_notifications') : drop).execute();
    for (const column of ['sms_attempts', 'sms_sent_at', 'sms_due_at'])
      await db.schema.alterTable('message_notifications').dropColumn(column).execute();
  },
};
