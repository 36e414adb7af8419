import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { JobChanges, JobContext } from './job-context.js';
import type { JobDB } from './job.db.js';
import { JobErrors } from './job.errors.js';
import { checkPay, completeRequirements, normalizeTags, planShifts, resolvePlace } from './job.input.js';
import type { PlaceValues } from './job.input.js';
import type { JobRow, OwnerJob, ShiftRow } from './job.mappers.js';
import type { UpdateJobInput } from './job.schemas.js';
import { assertAllowed, isAllowed, nextStatus } from './job.states.js';

/**
 * Editing a job: any field of a draft or a live job, except that once someone is hired the pay,
 * settlement and place are fixed (and each hired shift's times, see planShifts). A live job whose
 * new text needs a look goes back to review.
 */
export function createJobEditing(ctx: JobContext) {
  const { sdb, repo, categories, geocoder, clock } = ctx;

  async function categoryChanges(row: JobRow, input: UpdateJobInput): Promise<JobChanges> {
    const changes: JobChanges = {};
    if (input.category !== undefined && input.category !== row.category) {
      await categories.assertUsable(input.category, row.category);
      changes.category = input.category;
    }
    if (input.requirements !== undefined || changes.category !== undefined) {
      const current = JSON.parse(row.requirements) as Parameters<typeof completeRequirements>[0];
      const category = changes.category ?? row.category;
      changes.requirements = JSON.stringify(completeRequirements(input.requirements ?? current, category));
    }
    return changes;
  }

  /** The new column values of everything the input changes, checked against the hires. */
  async function changesOf(
    row: JobRow,
    shifts: ShiftRow[],
    input: UpdateJobInput,
    place: PlaceValues | undefined,
  ): Promise<JobChanges> {
    const locked = shifts.some((s) => s.locked_at !== null);
    const changes: JobChanges = {};
    if (input.title !== undefined) changes.title = input.title.trim();
    if (input.description !== undefined) changes.description = input.description.trim();
    if (input.tags !== undefined) changes.tags = JSON.stringify(normalizeTags(input.tags));
    Object.assign(changes, await categoryChanges(row, input));
    if (input.contact !== undefined) Object.assign(changes, ctx.contactColumns(input.contact));
    Object.assign(changes, payChanges(row, input, locked));
    Object.assign(changes, placeChanges(row, place, locked));
    return changes;
  }

  async function replaceShifts(
    tx: Tx<JobDB>,
    id: string,
    shifts: ShiftRow[],
    input: NonNullable<UpdateJobInput['shifts']>,
    now: number,
  ): Promise<void> {
    const plan = planShifts(input, shifts, now);
    await repo.deleteShifts(plan.remove, tx.db);
    for (const { id: shiftId, ...values } of plan.update) await repo.updateShift(shiftId, values, tx.db);
    await repo.insertShifts(ctx.newShifts(id, plan.insert), tx.db);
  }

  return {
    async update(owner: Principal, id: string, input: UpdateJobInput): Promise<OwnerJob> {
      const now = clock.now();
      // The place is resolved before the transaction (a geocoder call must not hold locks).
      const place = input.place ? await resolvePlace(input.place, geocoder) : undefined;
      return sdb.transaction(async (tx) => {
        const row = await ctx.lockOwned(tx, id, owner);
        ctx.expectVersion(row, input.version);
        assertAllowed('edit', row.status);
        const shifts = await repo.findShifts(id, tx.db);
        const changes = await changesOf(row, shifts, input, place);
        if (input.shifts !== undefined) await replaceShifts(tx, id, shifts, input.shifts, now);
        const verdict = ctx.moderateRow({ ...row, ...changes } as JobRow);
        ctx.refuseIfProhibited(verdict);
        if (verdict.decision === 'review' && isAllowed('holdForReview', row.status)) {
          changes.status = nextStatus('holdForReview', row.status);
          changes.moderation_note = verdict.reason;
        }
        return ctx.ownerView(await ctx.commitVersion(tx, row, changes));
      });
    },
  };
}

/** New pay and settlement, refused once someone is hired unless they stay as they are. */
export function payChanges(
  row: Pick<JobRow, 'pay_type' | 'pay_amount_fen' | 'pay_unit' | 'settlement'>,
  input: Pick<UpdateJobInput, 'pay' | 'settlement'>,
  locked: boolean,
): JobChanges {
  if (input.pay === undefined && input.settlement === undefined) return {};
  const pay = input.pay ?? {
    type: row.pay_type,
    amountFen: Number(row.pay_amount_fen),
    unit: row.pay_unit ?? undefined,
  };
  const unit = checkPay(pay);
  const settlement = input.settlement ?? row.settlement;
  const payChanged =
    pay.type !== row.pay_type ||
    pay.amountFen !== Number(row.pay_amount_fen) ||
    unit !== row.pay_unit ||
    settlement !== row.settlement;
  if (payChanged && locked) throw JobErrors.JOB_TERMS_LOCKED({ term: 'pay' });
  return { pay_type: pay.type, pay_amount_fen: pay.amountFen, pay_unit: unit, settlement };
}

/** A new place, refused once someone is hired unless it stays where it is. */
export function placeChanges(row: PlaceValues, place: PlaceValues | undefined, locked: boolean): JobChanges {
  if (place === undefined || !placeChanged(row, place)) return {};
  if (locked) throw JobErrors.JOB_TERMS_LOCKED({ term: 'place' });
  return place;
}

function placeChanged(row: PlaceValues, place: PlaceValues): boolean {
  return (
    row.address !== place.address ||
    row.city !== place.city ||
    row.district !== place.district ||
    row.lng_e6 !== place.lng_e6 ||
    row.lat_e6 !== place.lat_e6
  );
}
