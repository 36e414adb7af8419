import type { Kysely } from 'kysely';
import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Where an earlier, failed attempt left the column and the table. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- migrations see the schema of their time, untyped
async function state(db: Kysely<any>): Promise<{ column: boolean; table: boolean }> {
  const tables = await db.introspection.getTables();
  return {
    column: tables.some(
      (t) => t.name === 'job_jobs' && t.columns.some((c) => c.name === 'employer_verified'),
    ),
    table: tables.some((t) => t.name === 'job_employers'),
  };
}

/**
 * The verified-employer badge (认证企业): `job_jobs.employer_verified`, and `job_employers`, the job
 * service's own read model of each employer's enterprise verification (fed by the verification
 * service's events; `verification_version` is the newest version applied, so older events are
 * ignored). Both directions can run again after failing part-way (each step is one DDL statement,
 * checked first).
 */
export const employerVerified: ServiceMigration = {
  async up({ db, dialect, t }) {
    const before = await state(db);
    if (!before.column) {
      await db.schema
        .alterTable('job_jobs')
        .addColumn('employer_verified', t.boolean, (c) => c.notNull().defaultTo(0))
        .execute();
    }
    if (!before.table) {
      await createTable(db, dialect, 'job_employers')
        .addColumn('employer_id', t.id, (c) => c.primaryKey())
        .addColumn('verified', t.boolean, (c) => c.notNull())
        .addColumn('verification_version', t.integer, (c) => c.notNull())
        .addColumn('updated_at', t.bigint, (c) => c.notNull())
        .execute();
    }
  },
  async down({ db }) {
    const before = await state(db);
    if (before.table) await db.schema.dropTable('job_employers').execute();
    if (before.column) await db.schema.alterTable('job_jobs').dropColumn('employer_verified').execute();
  },
};
