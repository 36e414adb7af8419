import { writeAudit } from '../../platform/audit.js';
import type { Principal } from '../../platform/http/auth.js';
import type { JobChanges, JobContext } from './job-context.js';
import { assertShiftsAhead } from './job.input.js';
import type { JobRow, OwnerJob } from './job.mappers.js';
import { assertAllowed, isAllowed, nextStatus, type JobAction } from './job.states.js';

export const ARCHIVE_AFTER_MS = 30 * 24 * 3_600_000;
const SWEEP_BATCH = 100;

/**
 * A job's way through its states: the employer submits, closes and archives it; an admin approves,
 * rejects or takes it down (audited); schedules expire ended jobs and archive old ones.
 */
export function createJobLifecycle(ctx: JobContext) {
  const { sdb, repo, clock, ids, options } = ctx;

  /** An employer's change of state: the job is theirs, at the version they saw, in a state that allows it. */
  async function ownerAction(
    owner: Principal,
    id: string,
    version: number,
    action: JobAction,
    changes: (now: number) => JobChanges,
    reason: string | null = null,
  ): Promise<OwnerJob> {
    return sdb.transaction(async (tx) => {
      const row = await ctx.lockOwned(tx, id, owner);
      ctx.expectVersion(row, version);
      const status = nextStatus(action, row.status);
      return ctx.ownerView(await ctx.commitVersion(tx, row, { status, ...changes(tx.now) }, reason));
    });
  }

  /** An admin's change of state, audited as `audit` (`job.approved` …). */
  async function adminAction(
    admin: Principal,
    id: string,
    action: JobAction,
    audit: string,
    changes: (now: number) => JobChanges,
    reason: string | undefined,
  ): Promise<OwnerJob> {
    return sdb.transaction(async (tx) => {
      const row = await ctx.lockJob(tx, id);
      const status = nextStatus(action, row.status);
      const result = await ctx.commitVersion(tx, row, { status, ...changes(tx.now) }, reason ?? null);
      await writeAudit(tx, 'job_', ids, {
        actorId: admin.userId,
        actorRole: 'admin',
        action: audit,
        targetType: 'job',
        targetId: id,
        data: { version: result.row.version, ...(reason ? { reason } : {}) },
      });
      return ctx.ownerView(result);
    });
  }

  /**
   * Applies `action` to due jobs in batches, each job in its own transaction and re-checked under its
   * lock (a job an edit or a hire changed meanwhile may no longer be due).
   */
  async function sweep(
    due: () => Promise<{ id: string }[]>,
    action: JobAction,
    stillDue: (row: JobRow, now: number) => boolean,
  ): Promise<number> {
    let done = 0;
    for (;;) {
      const batch = await due();
      let changed = 0;
      for (const { id } of batch) {
        changed += await sdb.transaction(async (tx) => {
          const row = await repo.lockJob(id, tx.db);
          if (!row || !isAllowed(action, row.status) || !stillDue(row, tx.now)) return 0;
          await ctx.commitVersion(tx, row, { status: nextStatus(action, row.status) });
          return 1;
        });
      }
      done += changed;
      if (batch.length < SWEEP_BATCH || changed === 0) return done;
    }
  }

  return {
    /** Draft → automatic moderation → open, or the admin review queue, or refused with the reason. */
    async submit(owner: Principal, id: string, version: number): Promise<OwnerJob> {
      return sdb.transaction(async (tx) => {
        const row = await ctx.lockOwned(tx, id, owner);
        ctx.expectVersion(row, version);
        assertAllowed('submit', row.status);
        assertShiftsAhead(await repo.findShifts(id, tx.db), tx.now);
        const verdict = ctx.moderateRow(row);
        ctx.refuseIfProhibited(verdict);
        const toReview = verdict.decision === 'review' || options.review === 'manual';
        await writeAudit(tx, 'job_', ids, {
          actorId: owner.userId,
          actorRole: 'employer',
          action: toReview ? 'job.submitted_for_review' : 'job.auto_approved',
          targetType: 'job',
          targetId: id,
          data: { version: row.version + 1, findings: verdict.findings },
        });
        return ctx.ownerView(
          await ctx.commitVersion(tx, row, {
            status: nextStatus(toReview ? 'submitForReview' : 'submit', row.status),
            moderation_note: toReview ? (verdict.reason ?? '等待人工审核') : null,
          }),
        );
      });
    },

    async close(
      owner: Principal,
      id: string,
      version: number,
      reason: string | undefined,
    ): Promise<OwnerJob> {
      const why = reason ?? null;
      return ownerAction(owner, id, version, 'close', () => ({ close_reason: why }), why);
    },

    async archive(owner: Principal, id: string, version: number): Promise<OwnerJob> {
      return ownerAction(owner, id, version, 'archive', () => ({}));
    },

    // Admin (audited)
    async approve(admin: Principal, id: string, note: string | undefined): Promise<OwnerJob> {
      return adminAction(admin, id, 'approve', 'job.approved', () => ({ moderation_note: null }), note);
    },
    async reject(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      return adminAction(admin, id, 'reject', 'job.rejected', () => ({ moderation_note: reason }), reason);
    },
    /** Closes a live job for a policy reason; it leaves public view for good (see isPublic). */
    async takeDown(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      const changes = (now: number) => ({ close_reason: reason, taken_down_at: now });
      return adminAction(admin, id, 'takeDown', 'job.taken_down', changes, reason);
    },

    /** The expiry schedule: live jobs whose last shift has ended become expired. */
    async expireEnded(): Promise<number> {
      return sweep(
        () => repo.findEnded(clock.now(), SWEEP_BATCH),
        'expire',
        (row, now) => Number(row.ends_at) <= now,
      );
    },

    /** The archive schedule: closed and expired jobs untouched for 30 days are archived. */
    async archiveOld(): Promise<number> {
      return sweep(
        () => repo.findArchivable(clock.now() - ARCHIVE_AFTER_MS, SWEEP_BATCH),
        'archiveOld',
        (row, now) => Number(row.updated_at) < now - ARCHIVE_AFTER_MS,
      );
    },
  };
}
