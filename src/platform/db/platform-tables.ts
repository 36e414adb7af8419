import type { Kysely } from 'kysely';
import type { Dialect } from './connect.js';
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

/** Second platform migration: event delivery bookkeeping, dead letters and schedule runs. */
export const PLATFORM_EVENTS_MIGRATION_NAME = '00000000_0001_events_and_schedules';

export const platformEventsMigration: ServiceMigration = {
  async up({ db, dialect, t, prefix }) {
    // Set once every consumer has the event (embedded) or its queue holds it for sure (BullMQ).
    await db.schema.alterTable(`${prefix}outbox`).addColumn('confirmed_at', t.bigint).execute();

    // Per-consumer retry state of the in-process bus (only failures create rows).
    await createTable(db, dialect, `${prefix}outbox_deliveries`)
      .addColumn('event_id', t.id, (c) => c.notNull())
      .addColumn('consumer', t.ascii(100), (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('next_attempt_at', t.bigint, (c) => c.notNull())
      .addColumn('last_error', t.text)
      .addPrimaryKeyConstraint(`${prefix}outbox_deliveries_pk`, ['event_id', 'consumer'])
      .execute();

    // Events a consumer of this service gave up on, kept for admins to inspect, replay or discard.
    await createTable(db, dialect, `${prefix}dead_letters`)
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('event_id', t.id, (c) => c.notNull())
      .addColumn('consumer', t.ascii(100), (c) => c.notNull())
      .addColumn('event_type', t.ascii(100), (c) => c.notNull())
      .addColumn('envelope', t.longText, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull())
      .addColumn('error', t.text, (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('resolved_at', t.bigint)
      .addColumn('resolved_by', t.ascii(26))
      .execute();
    await db.schema
      .createIndex(`${prefix}dead_letters_state_idx`)
      .on(`${prefix}dead_letters`)
      .columns(['state', 'id'])
      .execute();
    await db.schema
      .createIndex(`${prefix}dead_letters_event_idx`)
      .on(`${prefix}dead_letters`)
      .columns(['consumer', 'event_id'])
      .unique()
      .execute();

    // One row per schedule tick: the unique key makes a tick run once across processes.
    await createTable(db, dialect, `${prefix}schedule_runs`)
      .addColumn('schedule', t.ascii(100), (c) => c.notNull())
      .addColumn('tick_at', t.bigint, (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('owner', t.ascii(64), (c) => c.notNull())
      .addColumn('lease_until', t.bigint, (c) => c.notNull())
      .addColumn('started_at', t.bigint, (c) => c.notNull())
      .addColumn('finished_at', t.bigint)
      .addColumn('error', t.text)
      .addPrimaryKeyConstraint(`${prefix}schedule_runs_pk`, ['schedule', 'tick_at'])
      .execute();
  },
  async down({ db, prefix }) {
    for (const table of ['schedule_runs', 'dead_letters', 'outbox_deliveries']) {
      await db.schema.dropTable(`${prefix}${table}`).ifExists().execute();
    }
    await db.schema.alterTable(`${prefix}outbox`).dropColumn('confirmed_at').execute();
  },
};

/** Third platform migration: deadlines, the rows a scheduled sweep acts on when they fall due. */
export const PLATFORM_DEADLINES_MIGRATION_NAME = '00000000_0002_deadlines';

export const platformDeadlinesMigration: ServiceMigration = {
  async up({ db, dialect, t, prefix }) {
    await createTable(db, dialect, `${prefix}deadlines`)
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('kind', t.ascii(64), (c) => c.notNull())
      .addColumn('ref_id', t.ascii(64), (c) => c.notNull())
      .addColumn('due_at', t.bigint, (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull())
      .addColumn('last_error', t.text)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex(`${prefix}deadlines_ref_idx`)
      .on(`${prefix}deadlines`)
      .columns(['kind', 'ref_id'])
      .unique()
      .execute();
    await db.schema
      .createIndex(`${prefix}deadlines_due_idx`)
      .on(`${prefix}deadlines`)
      .columns(['state', 'due_at'])
      .execute();
  },
  async down({ db, prefix }) {
    await db.schema.dropTable(`${prefix}deadlines`).ifExists().execute();
  },
};

/** Fourth platform migration: the relay's batch of each event (BullMQ jobs carry batches). */
export const PLATFORM_BATCHES_MIGRATION_NAME = '00000000_0003_outbox_batches';

export const platformBatchesMigration: ServiceMigration = {
  async up({ db, t, prefix }) {
    await db.schema.alterTable(`${prefix}outbox`).addColumn('batch_id', t.ascii(26)).execute();
    // The confirmation pass looks for published rows not yet confirmed; without this index it
    // would scan every delivered row still kept for retention.
    await db.schema
      .createIndex(`${prefix}outbox_unconfirmed_idx`)
      .on(`${prefix}outbox`)
      .columns(['confirmed_at', 'published_at', 'id'])
      .execute();
  },
  async down({ db, dialect, prefix }) {
    await dropIndex(db, dialect, `${prefix}outbox_unconfirmed_idx`, `${prefix}outbox`);
    await db.schema.alterTable(`${prefix}outbox`).dropColumn('batch_id').execute();
  },
};

/**
 * Fifth platform migration: the relay reads due events in id order. The first index,
 * (published_at, available_at, id), made every poll read and sort the whole backlog of pending
 * events before taking the first batch, so a relay that fell behind fell further behind; with
 * (published_at, id, available_at) a poll reads one batch in order and checks `available_at` in
 * the index, and the oldest pending event is one index probe away.
 */
export const PLATFORM_DUE_ORDER_MIGRATION_NAME = '00000000_0004_outbox_due_order';

export const platformDueOrderMigration: ServiceMigration = {
  async up({ db, dialect, prefix }) {
    await db.schema
      .createIndex(`${prefix}outbox_due_idx`)
      .on(`${prefix}outbox`)
      .columns(['published_at', 'id', 'available_at'])
      .execute();
    await dropIndex(db, dialect, `${prefix}outbox_pending_idx`, `${prefix}outbox`);
  },
  async down({ db, dialect, prefix }) {
    await db.schema
      .createIndex(`${prefix}outbox_pending_idx`)
      .on(`${prefix}outbox`)
      .columns(['published_at', 'available_at', 'id'])
      .execute();
    await dropIndex(db, dialect, `${prefix}outbox_due_idx`, `${prefix}outbox`);
  },
};

/**
 * Sixth platform migration: durable workflows (src/platform/workflow). One row per instance with
 * its input, the result of each step done, where it stands and who drives it (a lease), so a
 * process that dies between two steps leaves a row a sweep finishes or compensates.
 */
export const PLATFORM_WORKFLOWS_MIGRATION_NAME = '00000000_0005_workflows';

export const platformWorkflowsMigration: ServiceMigration = {
  async up({ db, dialect, t, prefix }) {
    await createTable(db, dialect, `${prefix}workflows`)
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('name', t.ascii(100), (c) => c.notNull())
      .addColumn('business_key', t.ascii(200), (c) => c.notNull())
      .addColumn('state', t.ascii(16), (c) => c.notNull())
      .addColumn('input', t.longText, (c) => c.notNull())
      .addColumn('results', t.longText, (c) => c.notNull())
      .addColumn('step', t.integer, (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull())
      .addColumn('error', t.text)
      .addColumn('history', t.longText, (c) => c.notNull())
      .addColumn('next_at', t.bigint, (c) => c.notNull())
      .addColumn('lease_owner', t.ascii(64))
      .addColumn('lease_until', t.bigint, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('ended_at', t.bigint)
      .execute();
    await db.schema
      .createIndex(`${prefix}workflows_key_idx`)
      .on(`${prefix}workflows`)
      .columns(['name', 'business_key'])
      .unique()
      .execute();
    await db.schema
      .createIndex(`${prefix}workflows_due_idx`)
      .on(`${prefix}workflows`)
      .columns(['state', 'next_at'])
      .execute();
  },
  async down({ db, prefix }) {
    await db.schema.dropTable(`${prefix}workflows`).ifExists().execute();
  },
};

/** DROP INDEX names the table on MySQL and must not on SQLite. */
async function dropIndex(
  // Migrations run before any typed schema exists.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  dialect: Dialect,
  index: string,
  table: string,
): Promise<void> {
  const drop = db.schema.dropIndex(index);
  await (dialect === 'mysql' ? drop.on(table) : drop).execute();
}
