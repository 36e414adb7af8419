import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Subjects, requests, claims of ID numbers and credit codes, and uploads awaiting a submission. */
export const verifications: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'verification_subjects')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('kind', t.ascii(12), (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('approved_request_id', t.id)
      .addColumn('pending_request_id', t.id)
      .addColumn('verified_at', t.bigint)
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('verification_subjects_pk', ['user_id', 'kind'])
      .execute();

    await createTable(db, dialect, 'verification_requests')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('kind', t.ascii(12), (c) => c.notNull())
      .addColumn('purpose', t.ascii(8), (c) => c.notNull())
      .addColumn('status', t.ascii(12), (c) => c.notNull())
      .addColumn('name_cipher', t.text)
      .addColumn('id_number_cipher', t.text)
      .addColumn('birth_date_cipher', t.text)
      .addColumn('subject_hash', t.ascii(64))
      .addColumn('company_name', t.varchar(100))
      .addColumn('credit_code', t.ascii(18))
      .addColumn('legal_rep_cipher', t.text)
      .addColumn('files', t.text, (c) => c.notNull())
      .addColumn('provider', t.ascii(16), (c) => c.notNull())
      .addColumn('provider_result', t.ascii(12))
      .addColumn('provider_reference', t.ascii(100))
      .addColumn('provider_detail', t.varchar(200))
      .addColumn('previously_erased', t.boolean, (c) => c.notNull().defaultTo(0))
      .addColumn('reason', t.varchar(200))
      .addColumn('decided_by', t.id)
      .addColumn('decided_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('erased_at', t.bigint)
      .execute();
    // The admin queues (pending, oldest first) and a user's history and daily count.
    await db.schema
      .createIndex('verification_requests_queue_idx')
      .on('verification_requests')
      .columns(['kind', 'status', 'id'])
      .execute();
    await db.schema
      .createIndex('verification_requests_user_idx')
      .on('verification_requests')
      .columns(['user_id', 'kind', 'id'])
      .execute();

    await createTable(db, dialect, 'verification_claims')
      .addColumn('kind', t.ascii(12), (c) => c.notNull())
      .addColumn('subject_hash', t.ascii(64), (c) => c.notNull())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('state', t.ascii(8), (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('verification_claims_pk', ['kind', 'subject_hash'])
      .execute();
    await db.schema
      .createIndex('verification_claims_user_idx')
      .on('verification_claims')
      .columns(['user_id'])
      .execute();

    await createTable(db, dialect, 'verification_uploads')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('slot', t.ascii(12), (c) => c.notNull())
      .addColumn('storage_key', t.ascii(200), (c) => c.notNull())
      .addColumn('content_type', t.ascii(40), (c) => c.notNull())
      .addColumn('size', t.integer, (c) => c.notNull())
      .addColumn('uploaded_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('verification_uploads_pk', ['user_id', 'slot'])
      .execute();
  },
  async down({ db }) {
    for (const table of [
      'verification_uploads',
      'verification_claims',
      'verification_requests',
      'verification_subjects',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
