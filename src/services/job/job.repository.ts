import type { Insertable, Updateable } from 'kysely';
import { toSafeInt } from '../../platform/money.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import type { JobDB, JobStatus } from './job.db.js';
import type { JobRow, PublicJob, ShiftRow } from './job.mappers.js';
import { TRANSITIONS } from './job.states.js';

export type CategoryRow = JobDB['job_categories'];

/**
 * The only code that touches the job service's tables. Methods take an optional executor: the
 * transaction when the caller holds one.
 */
export function createJobRepository(sdb: ServiceDatabase<JobDB>) {
  const root = sdb.db;
  const mysql = sdb.dialect === 'mysql';
  return {
    findJob: (id: string, ex: Executor<JobDB> = root) =>
      ex.selectFrom('job_jobs').selectAll().where('id', '=', id).executeTakeFirst(),
    /**
     * Reads a job and locks its row until the transaction ends, so changes to one job (edits, hires,
     * sweeps) apply one after another. SQLite serialises write transactions already.
     */
    lockJob: (id: string, ex: Executor<JobDB>) =>
      ex
        .selectFrom('job_jobs')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql, (q) => q.forUpdate())
        .executeTakeFirst(),
    findShifts: (jobId: string, ex: Executor<JobDB> = root): Promise<ShiftRow[]> =>
      ex
        .selectFrom('job_shifts')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('starts_at')
        .orderBy('id')
        .execute(),
    /**
     * A job's shifts as committed now, locked with the job (MySQL): a new version is written from
     * them, sometimes in a transaction whose snapshot is older than the job's lock (an event
     * handler's batch read its inbox first), where a plain read could see shifts an edit replaced.
     */
    lockShifts: (jobId: string, ex: Executor<JobDB>): Promise<ShiftRow[]> =>
      ex
        .selectFrom('job_shifts')
        .selectAll()
        .where('job_id', '=', jobId)
        .orderBy('starts_at')
        .orderBy('id')
        .$if(mysql, (q) => q.forUpdate())
        .execute(),
    insertJob: async (row: Insertable<JobDB['job_jobs']>, ex: Executor<JobDB>) => {
      await ex.insertInto('job_jobs').values(row).execute();
    },
    updateJob: async (id: string, changes: Updateable<JobDB['job_jobs']>, ex: Executor<JobDB>) => {
      await ex.updateTable('job_jobs').set(changes).where('id', '=', id).execute();
    },
    insertShifts: async (rows: Insertable<JobDB['job_shifts']>[], ex: Executor<JobDB>) => {
      if (rows.length > 0) await ex.insertInto('job_shifts').values(rows).execute();
    },
    updateShift: async (id: string, changes: Updateable<JobDB['job_shifts']>, ex: Executor<JobDB>) => {
      await ex.updateTable('job_shifts').set(changes).where('id', '=', id).execute();
    },
    deleteShifts: async (ids: string[], ex: Executor<JobDB>) => {
      if (ids.length > 0) await ex.deleteFrom('job_shifts').where('id', 'in', ids).execute();
    },
    insertVersion: async (job: PublicJob, now: number, ex: Executor<JobDB>) => {
      await ex
        .insertInto('job_versions')
        .values({ job_id: job.id, version: job.version, snapshot: JSON.stringify(job), created_at: now })
        .execute();
    },
    findVersion: async (jobId: string, version: number, ex: Executor<JobDB> = root) => {
      const row = await ex
        .selectFrom('job_versions')
        .select('snapshot')
        .where('job_id', '=', jobId)
        .where('version', '=', version)
        .executeTakeFirst();
      if (!row) return undefined;
      const job = JSON.parse(row.snapshot) as PublicJob;
      // Versions stored before the badge existed have no employerVerified: nobody had it then.
      return { ...job, employerVerified: job.employerVerified ?? false };
    },

    /**
     * An employer's jobs, newest first, optionally in one state. `after` is the last id of the page
     * before: the list continues after it in its own order, with older jobs.
     */
    listByEmployer: (
      employerId: string,
      opts: { status?: JobStatus | undefined; after?: string | undefined; limit: number },
    ): Promise<JobRow[]> =>
      root
        .selectFrom('job_jobs')
        .selectAll()
        .where('employer_id', '=', employerId)
        .$if(opts.status !== undefined, (q) => q.where('status', '=', opts.status!))
        .$if(opts.status === undefined, (q) => q.where('status', '!=', 'archived'))
        .$if(opts.after !== undefined, (q) => q.where('id', '<', opts.after!))
        .orderBy('id', 'desc')
        .limit(opts.limit)
        .execute(),
    countByStatus: async (employerId: string): Promise<Record<string, number>> => {
      const rows = await root
        .selectFrom('job_jobs')
        .select(['status', (eb) => eb.fn.countAll().as('n')])
        .where('employer_id', '=', employerId)
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.status, toSafeInt(r.n)]));
    },
    /** Headcount and hires per job, for a page of summaries (one query). */
    shiftTotals: async (jobIds: string[]): Promise<Map<string, { headcount: number; hired: number }>> => {
      if (jobIds.length === 0) return new Map();
      const rows = await root
        .selectFrom('job_shifts')
        .select([
          'job_id',
          (eb) => eb.fn.sum<number>('headcount').as('headcount'),
          (eb) => eb.fn.sum<number>('hired').as('hired'),
        ])
        .where('job_id', 'in', jobIds)
        .groupBy('job_id')
        .execute();
      return new Map(
        rows.map((r) => [r.job_id, { headcount: toSafeInt(r.headcount), hired: toSafeInt(r.hired) }]),
      );
    },
    /** Shifts of many jobs in one query, grouped by job. */
    findShiftsOf: async (jobIds: string[]): Promise<Map<string, ShiftRow[]>> => {
      const out = new Map<string, ShiftRow[]>(jobIds.map((id) => [id, []]));
      if (jobIds.length === 0) return out;
      const rows = await root
        .selectFrom('job_shifts')
        .selectAll()
        .where('job_id', 'in', jobIds)
        .orderBy('starts_at')
        .orderBy('id')
        .execute();
      for (const r of rows) out.get(r.job_id)!.push(r);
      return out;
    },
    /** Open jobs in id order after `afterId` (the search index's full rebuild reads them all). */
    listOpen: (afterId: string, limit: number): Promise<JobRow[]> =>
      root
        .selectFrom('job_jobs')
        .selectAll()
        .where('status', '=', 'open')
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute(),
    /** The admin review queue, oldest first; `after` continues after that id. */
    listInReview: (opts: { after?: string | undefined; limit: number }): Promise<JobRow[]> =>
      root
        .selectFrom('job_jobs')
        .selectAll()
        .where('status', '=', 'in_review')
        .$if(opts.after !== undefined, (q) => q.where('id', '>', opts.after!))
        .orderBy('id')
        .limit(opts.limit)
        .execute(),
    /** Jobs that may expire whose last shift has ended (the expiry sweep). */
    findEnded: (now: number, limit: number) =>
      root
        .selectFrom('job_jobs')
        .select('id')
        .where('status', 'in', TRANSITIONS.expire.from)
        .where('ends_at', '<=', now)
        .orderBy('ends_at')
        .limit(limit)
        .execute(),
    /** Jobs that may be archived (closed, expired) untouched since `before` (the archive sweep). */
    findArchivable: (before: number, limit: number) =>
      root
        .selectFrom('job_jobs')
        .select('id')
        .where('status', 'in', TRANSITIONS.archiveOld.from)
        .where('updated_at', '<', before)
        .orderBy('updated_at')
        .limit(limit)
        .execute(),
    /**
     * Ids of an employer's jobs, archived ones aside, whose badge is not `verified` (0 or 1). On MySQL
     * a locking read, so the list is as committed now (jobs created while the caller waited for the
     * employer's row included), not as the transaction's snapshot saw it.
     */
    findBadgesToChange: (employerId: string, verified: number, limit: number, ex: Executor<JobDB>) =>
      ex
        .selectFrom('job_jobs')
        .select('id')
        .where('employer_id', '=', employerId)
        .where('status', '!=', 'archived')
        .where('employer_verified', '!=', verified)
        .orderBy('id')
        .limit(limit)
        .$if(mysql, (q) => q.forUpdate())
        .execute(),
    addViews: async (counts: Map<string, number>) => {
      for (const [id, n] of counts) {
        await root
          .updateTable('job_jobs')
          .set((eb) => ({ view_count: eb('view_count', '+', n) }))
          .where('id', '=', id)
          .execute();
      }
    },

    // Employers' enterprise verification (the badge's source)
    /**
     * An employer's verification as the job service last applied it, its row locked until the
     * transaction ends (MySQL; a missing row locks its gap, so a first insert waits too). Job
     * creation reads it so as well: a change of the badge then either commits first, and the new job
     * gets the new badge, or waits for the new job, and finds it among the jobs to re-badge.
     */
    lockEmployer: (employerId: string, ex: Executor<JobDB>) =>
      ex
        .selectFrom('job_employers')
        .selectAll()
        .where('employer_id', '=', employerId)
        .$if(mysql, (q) => q.forUpdate())
        .executeTakeFirst(),
    insertEmployer: async (row: JobDB['job_employers'], ex: Executor<JobDB>) => {
      await ex.insertInto('job_employers').values(row).execute();
    },
    updateEmployer: async ({ employer_id, ...changes }: JobDB['job_employers'], ex: Executor<JobDB>) => {
      await ex.updateTable('job_employers').set(changes).where('employer_id', '=', employer_id).execute();
    },

    // Categories
    listCategories: (): Promise<CategoryRow[]> =>
      root.selectFrom('job_categories').selectAll().orderBy('sort_order').execute(),
    findCategory: (code: string, ex: Executor<JobDB> = root) =>
      ex.selectFrom('job_categories').selectAll().where('code', '=', code).executeTakeFirst(),
    updateCategory: async (
      code: string,
      changes: Updateable<JobDB['job_categories']>,
      ex: Executor<JobDB>,
    ) => {
      await ex.updateTable('job_categories').set(changes).where('code', '=', code).execute();
    },
  };
}

export type JobRepository = ReturnType<typeof createJobRepository>;
