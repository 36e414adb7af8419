import { allFull, publicKey, type JobContext } from './job-context.js';
import { JobErrors } from './job.errors.js';
import { toPublicJob, type JobTerms } from './job.mappers.js';
import { assertAllowed, settle } from './job.states.js';

/** The seam with the order service: the terms a worker is hired under, and the hires per shift. */
export function createJobHires(ctx: JobContext) {
  const { sdb, repo, cache } = ctx;

  return {
    /**
     * The order service reports the hires on a shift (an absolute count, so a retry changes nothing).
     * The first hire locks the shift's times and the job's pay and place. `version` is the version
     * whose terms the order showed the worker: if the job changed since, the hire is refused.
     */
    async recordHires(jobId: string, shiftId: string, hired: number, version: number) {
      return sdb.transaction(async (tx) => {
        const row = await ctx.lockJob(tx, jobId);
        ctx.expectVersion(row, version);
        const shift = (await repo.findShifts(jobId, tx.db)).find((s) => s.id === shiftId);
        if (!shift) throw JobErrors.SHIFT_NOT_FOUND();
        if (hired > shift.hired) assertAllowed('hire', row.status);
        if (hired > shift.headcount) throw JobErrors.SHIFT_FULL();
        await repo.updateShift(
          shiftId,
          { hired, locked_at: shift.locked_at ?? (hired > 0 ? tx.now : null) },
          tx.db,
        );
        let result = { row, version: row.version, status: row.status };
        const status = settle(row.status, allFull(await repo.findShifts(jobId, tx.db)));
        if (status !== row.status) {
          const next = await ctx.commitVersion(tx, row, { status });
          result = { row: next.row, version: next.row.version, status: next.row.status };
        } else {
          tx.afterCommit(() => cache.delete(publicKey(jobId)));
        }
        return {
          jobId,
          shiftId,
          version: result.version,
          status: result.status,
          hired,
          headcount: shift.headcount,
        };
      });
    },

    /** The terms of a job at a version (the current one when none is given), for the order service. */
    async getTerms(id: string, version?: number): Promise<JobTerms> {
      if (version !== undefined) {
        const snapshot = await repo.findVersion(id, version);
        if (!snapshot) throw JobErrors.JOB_NOT_FOUND();
        return snapshot;
      }
      const row = await repo.findJob(id);
      if (!row) throw JobErrors.JOB_NOT_FOUND();
      return toPublicJob(row, await repo.findShifts(id), await ctx.mapper());
    },
  };
}
