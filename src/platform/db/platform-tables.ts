import type { ServiceMigration } from './migrator.js';
import { createTable } from './schema.js';

/** Name of the migration that creates each service's own platform tables. It sorts first. */
export const PLATFORM_MIGRATION_NAME = '00000000_0000_platform_tables';

/**
 * Tables every service has, prefixed with its name: the outbox (events written with the change
 * they announce), the inbox (event ids a consumer handled), idempotency keys, and the audit log.
 */
export const platformTablesMigration: ServiceMigration = {
  async up({ db, dialect, t, prefix }) {
    await createTable(db, dialect, `${prefix}outbox`)
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('type', t.ascii(100), (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('payload', t.longText, (c) => c.notNull())
      .addColumn('traceparent', t.ascii(64))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('available_at', t.bigint, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('published_at', t.bigint)
      .execute();
    await db.schema
      .createIndex(`${prefix}outbox_pending_idx`)
      .on(`${prefix}outbox`)
      .columns(['published_at', 'available_at', 'id'])
      .execute();

    await createTable(db, dialect, `${prefix}inbox`)
      .addColumn('consumer', t.ascii(100), (c) => c.notNull())
      .addColumn('event_id', t.id, (c) => c.notNull())
      .addColumn('processed_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint(`${prefix}inbox_pk`, ['consumer', 'event_id'])
      .execute();

    await createTable(db, dialect, `${prefix}idempotency`)
      .addColumn('key_hash', t.ascii(64), (c) => c.primaryKey())
      .addColumn('fingerprint', t.ascii(64), (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('status_code', t.integer)
      .addColumn('response', t.longText)
      .addColumn('locked_until', t.bigint, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex(`${prefix}idempotency_expires_idx`)
      .on(`${prefix}idempotency`)
      .column('expires_at')
      .execute();

    await createTable(db, dialect, `${prefix}audit`)
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('actor_id', t.ascii(26))
      .addColumn('actor_role', t.ascii(16))
      .addColumn('action', t.ascii(100), (c) => c.notNull())
      .addColumn('target_type', t.ascii(50), (c) => c.notNull())
      .addColumn('target_id', t.ascii(64), (c) => c.notNull())
      .addColumn('data', t.text)
      .addColumn('request_id', t.ascii(64))
      .addColumn('trace_id', t.ascii(32))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex(`${prefix}audit_target_idx`)
      .on(`${prefix}audit`)
      .columns(['target_type', 'target_id', 'id'])
      .execute();
    await db.schema
      .createIndex(`${prefix}audit_actor_idx`)
      .on(`${prefix}audit`)
      .columns(['actor_id', 'id'])
      .execute();
  },
  async down({ db, prefix }) {
    for (const table of ['audit', 'idempotency', 'inbox', 'outbox']) {
      await db.schema.dropTable(`${prefix}${table}`).ifExists().execute();
    }
  },
};
