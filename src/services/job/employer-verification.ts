import type { Tx } from '../../platform/db/service-database.js';
import type { JobContext } from './job-context.js';
import type { JobDB } from './job.db.js';

/** Jobs re-badged in one transaction at most: an event's batch, then each deadline run. */
const BATCH = 100;
/** The deadline that goes on re-badging an employer's jobs (refId: the employer) in later transactions. */
const REBADGE_DEADLINE = 'job.rebadge-employer';

/**
 * Deadlines take a transaction of any schema, and `Tx` is invariant in its schema: the job service's
 * own transaction is widened to hand it over.
 */

/** An employer's enterprise verification as the verification service announced it. */
export interface EmployerVerification {
  employerId: string;
  verified: boolean;
  /** The verification service's version of this employer's enterprise verification. */
  version: number;
}

/**
 * The verified-employer badge (认证企业). job_employers keeps each employer's enterprise
 * verification at the newest version applied; every job of the employer but the archived ones
 * follows it through a new version (snapshot, `job.updated`, cache), which is how search learns it.
 *
 * An event is applied in the consumer's transaction: the row, then up to BATCH jobs (a budget the
 * events of one consumer batch share). An employer with more jobs is finished by a deadline set in
 * the same transaction, BATCH jobs per run, each run setting it again while jobs are left. So the
 * version commits before every job has the badge, and the work is resumable instead: each step
 * re-reads job_employers and changes only jobs that differ from it, so a step run again (a batch
 * retried, a deadline after a crash) changes nothing twice, and a newer event arriving mid-way
 * simply changes the target the remaining steps converge on.
 */
export function createEmployerVerification(ctx: JobContext) {
  const { repo, deadlines } = ctx;
  // What is left of the budget of each open transaction.
  const budgets = new WeakMap<Tx<JobDB>, number>();

  /** Re-badges up to `limit` jobs of an employer; reports how many it looked at and whether more wait. */
  async function rebadge(
    tx: Tx<JobDB>,
    employerId: string,
    verified: boolean,
    limit: number,
  ): Promise<{ seen: number; more: boolean }> {
    const flag = verified ? 1 : 0;
    const due = await repo.findBadgesToChange(employerId, flag, limit + 1, tx.db);
    const batch = due.slice(0, limit);
    for (const { id } of batch) {
      // Locked and checked again, as every change to a job is.
      const row = await repo.lockJob(id, tx.db);
      if (!row || row.status === 'archived' || Boolean(row.employer_verified) === verified) continue;
      await ctx.commitVersion(tx, row, { employer_verified: flag });
    }
    return { seen: batch.length, more: due.length > limit };
  }

  deadlines.register(REBADGE_DEADLINE, async ({ refId }, tx: Tx<JobDB>) => {
    const employer = await repo.lockEmployer(refId, tx.db);
    if (!employer) return;
    const { more } = await rebadge(tx, refId, Boolean(employer.verified), BATCH);
    if (more) await deadlines.set(tx, REBADGE_DEADLINE, refId, tx.now);
  });

  return {
    /**
     * Applies an employer's enterprise verification in the caller's transaction (the consumer's);
     * a version not newer than the one stored changes nothing.
     */
    async applyEmployerVerification(tx: Tx<JobDB>, change: EmployerVerification): Promise<void> {
      const stored = await repo.lockEmployer(change.employerId, tx.db);
      if (stored && stored.verification_version >= change.version) return;
      const row = {
        employer_id: change.employerId,
        verified: change.verified ? 1 : 0,
        verification_version: change.version,
        updated_at: tx.now,
      };
      await (stored ? repo.updateEmployer(row, tx.db) : repo.insertEmployer(row, tx.db));
      const budget = budgets.get(tx) ?? BATCH;
      const { seen, more } = await rebadge(tx, change.employerId, change.verified, budget);
      budgets.set(tx, budget - seen);
      if (more) await deadlines.set(tx, REBADGE_DEADLINE, change.employerId, tx.now);
    },
  };
}
