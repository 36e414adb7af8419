import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Shift places, job settings, applications, orders, their transitions and disputes. */
export const orders: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'order_shifts')
      .addColumn('shift_id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('headcount', t.integer, (c) => c.notNull())
      .addColumn('reserved', t.integer, (c) => c.notNull())
      .addColumn('dirty', t.boolean, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema.createIndex('order_shifts_dirty_idx').on('order_shifts').columns(['dirty']).execute();

    await createTable(db, dialect, 'order_job_settings')
      .addColumn('job_id', t.id, (c) => c.primaryKey())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('auto_hire', t.boolean, (c) => c.notNull())
      .addColumn('piece_max', t.integer)
      .addColumn('fence_meters', t.integer, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();

    await createTable(db, dialect, 'order_applications')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('shift_id', t.id, (c) => c.notNull())
      .addColumn('worker_id', t.id, (c) => c.notNull())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('source', t.ascii(8), (c) => c.notNull())
      .addColumn('job_version', t.integer, (c) => c.notNull())
      .addColumn('terms_hash', t.ascii(64), (c) => c.notNull())
      .addColumn('note', t.varchar(200))
      .addColumn('piece_max', t.integer)
      .addColumn('order_id', t.id)
      .addColumn('reason', t.varchar(200))
      .addColumn('shift_starts_at', t.bigint, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addUniqueConstraint('order_applications_worker_shift_uq', ['shift_id', 'worker_id'])
      .execute();
    // The employer's list per shift, the worker's list, and the open count and expiry sweep.
    await db.schema
      .createIndex('order_applications_shift_idx')
      .on('order_applications')
      .columns(['shift_id', 'status', 'id'])
      .execute();
    await db.schema
      .createIndex('order_applications_worker_idx')
      .on('order_applications')
      .columns(['worker_id', 'status', 'id'])
      .execute();
    await db.schema
      .createIndex('order_applications_job_idx')
      .on('order_applications')
      .columns(['job_id', 'status'])
      .execute();

    await createTable(db, dialect, 'order_orders')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('application_id', t.id, (c) => c.notNull())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('shift_id', t.id, (c) => c.notNull())
      .addColumn('worker_id', t.id, (c) => c.notNull())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('state', t.ascii(12), (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('job_version', t.integer, (c) => c.notNull())
      .addColumn('agreement', t.text, (c) => c.notNull())
      .addColumn('agreement_sha256', t.ascii(64), (c) => c.notNull())
      .addColumn('worker_accepted_at', t.bigint, (c) => c.notNull())
      .addColumn('employer_accepted_at', t.bigint, (c) => c.notNull())
      .addColumn('pay_type', t.ascii(8), (c) => c.notNull())
      .addColumn('rate_fen', t.bigint, (c) => c.notNull())
      .addColumn('settlement', t.ascii(16), (c) => c.notNull())
      .addColumn('piece_max', t.integer)
      .addColumn('wage_fen', t.bigint, (c) => c.notNull())
      .addColumn('shift_starts_at', t.bigint, (c) => c.notNull())
      .addColumn('shift_ends_at', t.bigint, (c) => c.notNull())
      .addColumn('place_lng_e6', t.integer, (c) => c.notNull())
      .addColumn('place_lat_e6', t.integer, (c) => c.notNull())
      .addColumn('fence_meters', t.integer, (c) => c.notNull())
      .addColumn('place_reserved', t.boolean, (c) => c.notNull())
      .addColumn('fallback_code', t.ascii(8), (c) => c.notNull())
      .addColumn('checked_in_at', t.bigint)
      .addColumn('check_in_meters', t.integer)
      .addColumn('checked_out_at', t.bigint)
      .addColumn('check_out_meters', t.integer)
      .addColumn('worked_minutes', t.integer)
      .addColumn('adjusted_minutes', t.integer)
      .addColumn('adjust_reason', t.varchar(200))
      .addColumn('contest_until', t.bigint)
      .addColumn('piece_count', t.integer)
      .addColumn('submitted_at', t.bigint)
      .addColumn('completed_at', t.bigint)
      .addColumn('escrow_action', t.ascii(8))
      .addColumn('pay_fen', t.bigint)
      .addColumn('escrow_pending', t.boolean, (c) => c.notNull())
      .addColumn('escrow_done_at', t.bigint)
      .addColumn('settled_at', t.bigint)
      .addColumn('cancelled_by', t.ascii(8))
      .addColumn('reason', t.varchar(200))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addUniqueConstraint('order_orders_application_uq', ['application_id'])
      .execute();
    // Each party's orders, the admin's list by state, a job's live orders, and the runs that
    // find escrow left to move and weekly pay to settle.
    for (const [name, columns] of [
      ['order_orders_worker_idx', ['worker_id', 'id']],
      ['order_orders_employer_idx', ['employer_id', 'id']],
      ['order_orders_state_idx', ['state', 'id']],
      ['order_orders_job_idx', ['job_id', 'state']],
      ['order_orders_escrow_idx', ['escrow_action', 'escrow_done_at']],
      ['order_orders_settle_idx', ['settlement', 'escrow_pending', 'settled_at']],
    ] as const) {
      await db.schema
        .createIndex(name)
        .on('order_orders')
        .columns([...columns])
        .execute();
    }

    await createTable(db, dialect, 'order_transitions')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('order_id', t.id, (c) => c.notNull())
      .addColumn('from_state', t.ascii(12), (c) => c.notNull())
      .addColumn('to_state', t.ascii(12), (c) => c.notNull())
      .addColumn('actor_id', t.id)
      .addColumn('actor', t.ascii(8), (c) => c.notNull())
      .addColumn('reason', t.varchar(200))
      .addColumn('detail', t.text)
      .addColumn('at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('order_transitions_order_idx')
      .on('order_transitions')
      .columns(['order_id', 'id'])
      .execute();

    await createTable(db, dialect, 'order_disputes')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('order_id', t.id, (c) => c.notNull())
      .addColumn('opened_by', t.id, (c) => c.notNull())
      .addColumn('opened_as', t.ascii(8), (c) => c.notNull())
      .addColumn('reason', t.varchar(500), (c) => c.notNull())
      .addColumn('evidence', t.text, (c) => c.notNull())
      .addColumn('response', t.varchar(500))
      .addColumn('respond_by', t.bigint, (c) => c.notNull())
      .addColumn('from_state', t.ascii(12), (c) => c.notNull())
      .addColumn('status', t.ascii(8), (c) => c.notNull())
      .addColumn('worker_fen', t.bigint)
      .addColumn('decision', t.varchar(500))
      .addColumn('decided_by', t.id)
      .addColumn('decided_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('order_disputes_queue_idx')
      .on('order_disputes')
      .columns(['status', 'id'])
      .execute();
    await db.schema
      .createIndex('order_disputes_order_idx')
      .on('order_disputes')
      .columns(['order_id', 'id'])
      .execute();
  },
  async down({ db }) {
    for (const table of [
      'order_disputes',
      'order_transitions',
      'order_orders',
      'order_applications',
      'order_job_settings',
      'order_shifts',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
