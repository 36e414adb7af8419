import { writeAudit } from '../../platform/audit.js';
import type { Principal } from '../../platform/http/auth.js';
import type { JobChanges, JobContext } from './job-context.js';
import type { JobStatus } from './job.db.js';
import { assertShiftsAhead } from './job.input.js';
import type { JobRow, OwnerJob } from './job.mappers.js';

const LIVE: readonly JobStatus[] = ['open', 'filled', 'in_review'];
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
    allowed: readonly JobStatus[],
    action: string,
    changes: (now: number) => JobChanges,
    reason: string | null = null,
  ): Promise<OwnerJob> {
    return sdb.transaction(async (tx) => {
      const row = await ctx.lockOwned(tx, id, owner);
      ctx.expectVersion(row, version);
      ctx.expectStatus(row, allowed, action);
      return ctx.ownerView(await ctx.commitVersion(tx, row, changes(tx.now), reason));
    });
  }

  async function adminAction(
    admin: Principal,
    id: string,
    allowed: readonly JobStatus[],
    action: string,
    changes: JobChanges,
    reason: string | undefined,
  ): Promise<OwnerJob> {
    return sdb.transaction(async (tx) => {
      const row = await ctx.lockJob(tx, id);
      ctx.expectStatus(row, allowed, action.replace('job.', ''));
      const extra = changes.status === 'closed' ? { closed_at: tx.now } : {};
      const result = await ctx.commitVersion(tx, row, { ...changes, ...extra }, reason ?? null);
      await writeAudit(tx, 'job_', ids, {
        actorId: admin.userId,
        actorRole: 'admin',
        action,
        targetType: 'job',
        targetId: id,
        data: { version: result.row.version, ...(reason ? { reason } : {}) },
      });
      return ctx.ownerView(result);
    });
  }

  /** Applies a state change to due jobs in batches, each job in its own transaction (re-checked under lock). */
  async function sweep(
    due: () => Promise<{ id: string }[]>,
    stillDue: (row: JobRow, now: number) => boolean,
    changes: JobChanges,
  ): Promise<number> {
    let done = 0;
    for (;;) {
      const batch = await due();
      let changed = 0;
      for (const { id } of batch) {
        changed += await sdb.transaction(async (tx) => {
          const row = await repo.lockJob(id, tx.db);
          if (!row || !stillDue(row, tx.now)) return 0;
          await ctx.commitVersion(tx, row, changes);
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
        ctx.expectStatus(row, ['draft'], 'submitted');
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
            status: toReview ? 'in_review' : 'open',
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
      return ownerAction(
        owner,
        id,
        version,
        LIVE,
        'closed',
        (now) => ({ status: 'closed', closed_at: now, close_reason: why }),
        why,
      );
    },

    async archive(owner: Principal, id: string, version: number): Promise<OwnerJob> {
      return ownerAction(owner, id, version, ['draft', 'closed', 'expired'], 'archived', () => ({
        status: 'archived',
      }));
    },

    // Admin (audited)
    async approve(admin: Principal, id: string, note: string | undefined): Promise<OwnerJob> {
      const changes = { status: 'open', moderation_note: null } as const;
      return adminAction(admin, id, ['in_review'], 'job.approved', changes, note);
    },
    async reject(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      const changes = { status: 'draft', moderation_note: reason } as const;
      return adminAction(admin, id, ['in_review'], 'job.rejected', changes, reason);
    },
    async takeDown(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      const changes = { status: 'closed', close_reason: reason } as const;
      return adminAction(admin, id, LIVE, 'job.taken_down', changes, reason);
    },

    /** The expiry schedule: live jobs whose last shift has ended become expired. */
    async expireEnded(): Promise<number> {
      return sweep(
        () => repo.findEnded(clock.now(), SWEEP_BATCH),
        (row, now) => LIVE.includes(row.status) && Number(row.ends_at) <= now,
        { status: 'expired' },
      );
    },

    /** The archive schedule: closed and expired jobs untouched for 30 days are archived. */
    async archiveOld(): Promise<number> {
      return sweep(
        () => repo.findArchivable(clock.now() - ARCHIVE_AFTER_MS, SWEEP_BATCH),
        (row, now) =>
          (row.status === 'closed' || row.status === 'expired') &&
          Number(row.updated_at) < now - ARCHIVE_AFTER_MS,
        { status: 'archived' },
      );
    },
  };
}
