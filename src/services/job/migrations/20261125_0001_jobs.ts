import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';
import { GIG_CATEGORIES } from '../../../platform/reference/gig-categories.js';

/** Jobs, shifts, term versions and the category tree (seeded from the reference taxonomy). */
export const jobs: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'job_jobs')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('employer_id', t.id, (c) => c.notNull())
      .addColumn('status', t.ascii(16), (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('title', t.varchar(60), (c) => c.notNull())
      .addColumn('description', t.text, (c) => c.notNull())
      .addColumn('category', t.ascii(64), (c) => c.notNull())
      .addColumn('tags', t.text, (c) => c.notNull())
      .addColumn('pay_type', t.ascii(8), (c) => c.notNull())
      .addColumn('pay_amount_fen', t.bigint, (c) => c.notNull())
      .addColumn('pay_unit', t.varchar(8))
      .addColumn('settlement', t.ascii(16), (c) => c.notNull())
      .addColumn('requirements', t.text, (c) => c.notNull())
      .addColumn('contact_name', t.varchar(20), (c) => c.notNull())
      .addColumn('contact_phone_cipher', t.text, (c) => c.notNull())
      .addColumn('address', t.varchar(200), (c) => c.notNull())
      .addColumn('city', t.varchar(40), (c) => c.notNull())
      .addColumn('district', t.varchar(40))
      .addColumn('lng_e6', t.integer, (c) => c.notNull())
      .addColumn('lat_e6', t.integer, (c) => c.notNull())
      .addColumn('starts_at', t.bigint, (c) => c.notNull())
      .addColumn('ends_at', t.bigint, (c) => c.notNull())
      .addColumn('moderation_note', t.varchar(200))
      .addColumn('close_reason', t.varchar(200))
      .addColumn('view_count', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('published_at', t.bigint)
      .addColumn('closed_at', t.bigint)
      .execute();
    await db.schema
      .createIndex('job_jobs_employer_idx')
      .on('job_jobs')
      .columns(['employer_id', 'status', 'id'])
      .execute();
    // The expiry sweep ("live jobs whose last shift has ended") and the archive sweep.
    await db.schema
      .createIndex('job_jobs_status_end_idx')
      .on('job_jobs')
      .columns(['status', 'ends_at'])
      .execute();
    await db.schema
      .createIndex('job_jobs_status_updated_idx')
      .on('job_jobs')
      .columns(['status', 'updated_at'])
      .execute();

    await createTable(db, dialect, 'job_shifts')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('starts_at', t.bigint, (c) => c.notNull())
      .addColumn('ends_at', t.bigint, (c) => c.notNull())
      .addColumn('headcount', t.integer, (c) => c.notNull())
      .addColumn('hired', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('locked_at', t.bigint)
      .execute();
    await db.schema
      .createIndex('job_shifts_job_idx')
      .on('job_shifts')
      .columns(['job_id', 'starts_at'])
      .execute();

    await createTable(db, dialect, 'job_versions')
      .addColumn('job_id', t.id, (c) => c.notNull())
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('snapshot', t.longText, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addPrimaryKeyConstraint('job_versions_pk', ['job_id', 'version'])
      .execute();

    await createTable(db, dialect, 'job_categories')
      .addColumn('code', t.ascii(64), (c) => c.primaryKey())
      .addColumn('parent', t.ascii(64))
      .addColumn('zh', t.varchar(40), (c) => c.notNull())
      .addColumn('en', t.varchar(60), (c) => c.notNull())
      .addColumn('enabled', t.boolean, (c) => c.notNull())
      .addColumn('sort_order', t.integer, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .execute();
    // Reference data: the taxonomy as of this migration. Later taxonomy changes ship as migrations.
    await db
      .insertInto('job_categories')
      .values(
        GIG_CATEGORIES.map((c, i) => ({
          code: c.code,
          parent: c.parent,
          zh: c.zh,
          en: c.en,
          enabled: 1,
          sort_order: i,
          updated_at: 0,
        })),
      )
      .execute();
  },
  async down({ db }) {
    for (const table of ['job_categories', 'job_versions', 'job_shifts', 'job_jobs']) {
      await db.schema.dropTable(table).execute();
    }
  },
};
