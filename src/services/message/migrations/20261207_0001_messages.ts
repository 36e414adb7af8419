import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Conversations, their participants and messages, blocks, and the notification inbox. */
export const messages: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'message_conversations')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('worker_id', t.id, (c) => c.notNull())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('last_message_id', t.id)
      .addColumn('last_message_at', t.bigint)
      .addUniqueConstraint('message_conversations_job_worker_uq', ['job_id', 'worker_id'])
      .execute();

    await createTable(db, dialect, 'message_participants')
      .addColumn('conversation_id', t.id, (c) => c.notNull())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('other_id', t.id, (c) => c.notNull())
      .addColumn('unread', t.integer, (c) => c.notNull())
      .addColumn('last_read_id', t.id)
      .addColumn('last_message_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_participants_pk', ['conversation_id', 'user_id'])
      .execute();
    // My conversations, most recent first; my total unread.
    await db.schema
      .createIndex('message_participants_user_idx')
      .on('message_participants')
      .columns(['user_id', 'last_message_at', 'conversation_id'])
      .execute();

    await createTable(db, dialect, 'message_messages')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('conversation_id', t.id, (c) => c.notNull())
      .addColumn('sender_id', t.id)
      .addColumn('kind', t.ascii(8), (c) => c.notNull())
      .addColumn('body', t.varchar(2000), (c) => c.notNull())
      .addColumn('params', t.varchar(1000))
      .addColumn('flagged', t.boolean, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('message_messages_conversation_idx')
      .on('message_messages')
      .columns(['conversation_id', 'id'])
      .execute();
    // The per-sender rate limit counts a sender's last minute.
    await db.schema
      .createIndex('message_messages_sender_idx')
      .on('message_messages')
      .columns(['sender_id', 'created_at'])
      .execute();

    await createTable(db, dialect, 'message_blocks')
      .addColumn('blocker_id', t.id, (c) => c.notNull())
      .addColumn('blocked_id', t.id, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_blocks_pk', ['blocker_id', 'blocked_id'])
      .execute();

    await createTable(db, dialect, 'message_notifications')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('kind', t.ascii(32), (c) => c.notNull())
      .addColumn('params', t.varchar(1000), (c) => c.notNull())
      .addColumn('dedupe_key', t.ascii(120), (c) => c.notNull().unique())
      .addColumn('read_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('push_due_at', t.bigint)
      .addColumn('pushed_at', t.bigint)
      .addColumn('push_attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .execute();
    // Pushes due: only notifications still to push have push_due_at.
    await db.schema
      .createIndex('message_notifications_push_idx')
      .on('message_notifications')
      .columns(['push_due_at'])
      .execute();

    await createTable(db, dialect, 'message_preferences')
      .addColumn('user_id', t.id, (c) => c.primaryKey())
      .addColumn('muted_kinds', t.varchar(500), (c) => c.notNull())
      .addColumn('push', t.boolean, (c) => c.notNull())
      .addColumn('quiet_start', t.ascii(5))
      .addColumn('quiet_end', t.ascii(5))
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();

    await createTable(db, dialect, 'message_devices')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('registration_id', t.ascii(64), (c) => c.notNull())
      .addColumn('platform', t.ascii(8), (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('message_devices_pk', ['user_id', 'registration_id'])
      .execute();
    await db.schema
      .createIndex('message_notifications_user_idx')
      .on('message_notifications')
      .columns(['user_id', 'id'])
      .execute();
    await db.schema
      .createIndex('message_notifications_unread_idx')
      .on('message_notifications')
      .columns(['user_id', 'read_at'])
      .execute();
  },
  async down({ db }) {
    for (const table of [
      'message_devices',
      'message_preferences',
      'message_notifications',
      'message_blocks',
      'message_messages',
      'message_participants',
      'message_conversations',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
