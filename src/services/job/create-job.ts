import type { Principal } from '../../platform/http/auth.js';
import type { JobContext } from './job-context.js';
import { checkPay, completeRequirements, normalizeTags, planShifts, resolvePlace } from './job.input.js';
import type { PlaceValues, ShiftPlan } from './job.input.js';
import { toPublicJob, type JobRow, type OwnerJob } from './job.mappers.js';
import type { CreateJobInput } from './job.schemas.js';

/** Drafting a job: checked, moderated (prohibited content is refused), stored as version 1. */
export function createJobCreation(ctx: JobContext) {
  const { sdb, repo, categories, geocoder, clock, ids } = ctx;

  /** The draft's row: the input trimmed and normalised, its times spanning the planned shifts. */
  function draftRow(
    owner: Principal,
    input: CreateJobInput,
    derived: Pick<JobRow, 'id' | 'pay_unit' | 'requirements'> & {
      now: number;
      place: PlaceValues;
      plan: ShiftPlan;
    },
  ): JobRow {
    const { now, place, plan, ...columns } = derived;
    return {
      id: columns.id,
      employer_id: owner.userId,
      status: 'draft',
      version: 1,
      title: input.title.trim(),
      description: input.description.trim(),
      category: input.category,
      tags: JSON.stringify(normalizeTags(input.tags)),
      pay_type: input.pay.type,
      pay_amount_fen: input.pay.amountFen,
      pay_unit: columns.pay_unit,
      settlement: input.settlement,
      requirements: columns.requirements,
      ...ctx.contactColumns(input.contact),
      ...place,
      starts_at: Math.min(...plan.insert.map((s) => s.starts_at)),
      ends_at: Math.max(...plan.insert.map((s) => s.ends_at)),
      moderation_note: null,
      close_reason: null,
      view_count: 0,
      created_at: now,
      updated_at: now,
      published_at: null,
      closed_at: null,
      taken_down_at: null,
      employer_verified: 0,
    };
  }

  return {
    async create(owner: Principal, input: CreateJobInput): Promise<OwnerJob> {
      const now = clock.now();
      await categories.assertUsable(input.category);
      const unit = checkPay(input.pay);
      const plan = planShifts(input.shifts, [], now);
      const requirements = JSON.stringify(completeRequirements(input.requirements, input.category));
      const place = await resolvePlace(input.place, geocoder);
      const id = ids();
      const row = draftRow(owner, input, { id, pay_unit: unit, requirements, now, place, plan });
      ctx.refuseIfProhibited(ctx.moderateRow(row));
      return sdb.transaction(async (tx) => {
        // Answered as stored: created at the transaction's instant, not when the request began.
        // The employer's badge as of now; a change of it in flight waits for this job (lockEmployer).
        const employer = await repo.lockEmployer(owner.userId, tx.db);
        const stored = {
          ...row,
          employer_verified: employer?.verified ?? 0,
          created_at: tx.now,
          updated_at: tx.now,
        };
        await repo.insertJob(stored, tx.db);
        await repo.insertShifts(ctx.newShifts(id, plan.insert), tx.db);
        const shifts = await repo.findShifts(id, tx.db);
        await repo.insertVersion(toPublicJob(stored, shifts, await ctx.mapper()), tx.now, tx.db);
        return ctx.ownerView({ row: stored, shifts });
      });
    },
  };
}
