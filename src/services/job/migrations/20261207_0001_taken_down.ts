import type { Kysely } from 'kysely';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema of their time, untyped
async function hasColumn(db: Kysely<any>): Promise<boolean> {
  const tables = await db.introspection.getTables();
  return tables.some((t) => t.name === 'job_jobs' && t.columns.some((c) => c.name === 'taken_down_at'));
}

/**
 * `job_jobs.taken_down_at`: when an admin took the job down. A job taken down is closed like one its
 * employer closed, but it leaves public view for good (only its employer and admins read it).
 * Both directions can run again after failing (each is one DDL statement, checked first).
 */
export const takenDown: ServiceMigration = {
  async up({ db, t }) {
    if (await hasColumn(db)) return;
    await db.schema.alterTable('job_jobs').addColumn('taken_down_at', t.bigint).execute();
  },
  async down({ db }) {
    if (!(await hasColumn(db))) return;
    await db.schema.alterTable('job_jobs').dropColumn('taken_down_at').execute();
  },
};
