import type { Updateable } from 'kysely';
import { writeAudit } from '../../platform/audit.js';
import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec, Page } from '../../platform/cursor.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { CategoryService } from './categories.js';
import type { Geocoder } from './geocoding.js';
import type { JobDB, JobStatus } from './job.db.js';
import { JobErrors } from './job.errors.js';
import { JobEvents } from './job.events.js';
import {
  assertShiftsAhead,
  checkPay,
  completeRequirements,
  normalizeTags,
  planShifts,
  resolvePlace,
  type PlaceValues,
  type ShiftPlan,
} from './job.input.js';
import {
  toOwnerJob,
  toPublicJob,
  toSummary,
  toTerms,
  type JobRow,
  type JobSummary,
  type JobTerms,
  type MapperContext,
  type OwnerJob,
  type PublicJob,
  type ShiftRow,
} from './job.mappers.js';
import type { JobRepository } from './job.repository.js';
import type { CreateJobInput, UpdateJobInput } from './job.schemas.js';
import { moderate, type ModerationVerdict } from './moderation.js';

const PUBLIC_TTL_MS = 60_000;
const publicKey = (id: string): string => `job:public:${id}`;
/** States in which a job can be seen by anyone (others are the employer's business). */
const VISIBLE: ReadonlySet<JobStatus> = new Set(['open', 'filled', 'closed', 'expired']);
const LIVE: readonly JobStatus[] = ['open', 'filled', 'in_review'];
export const ARCHIVE_AFTER_MS = 30 * 24 * 3_600_000;
const SWEEP_BATCH = 100;

export type PublicJobDetail = PublicJob & { viewCount: number };

export interface JobServiceOptions {
  timeZone: string;
  /** 'manual': every submission waits for an admin, whatever automatic moderation says. */
  review: 'auto' | 'manual';
}

/**
 * The job service's use cases. Every change to a job runs in one transaction that locks the job
 * row, bumps its version, stores the public view of that version (job_versions) and publishes the
 * matching event once the job has ever been public.
 */
export function createJobService(deps: {
  sdb: ServiceDatabase<JobDB>;
  repo: JobRepository;
  categories: CategoryService;
  geocoder: Geocoder;
  pii: PiiCipher;
  cache: Cache;
  cursors: CursorCodec;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  options: JobServiceOptions;
}) {
  const { sdb, repo, categories, geocoder, pii, cache, cursors, clock, ids, log, options } = deps;

  async function mapper(): Promise<MapperContext> {
    const cats = await categories.all();
    return {
      timeZone: options.timeZone,
      categoryName: (code) => cats.get(code)?.zh ?? code,
      decryptPhone: (cipher) => pii.decrypt(cipher),
    };
  }

  /** Loads and locks a job the caller owns; another employer's job is "not found". */
  async function lockOwned(tx: Tx<JobDB>, id: string, owner: Principal): Promise<JobRow> {
    const row = await repo.lockJob(id, tx.db);
    if (!row || row.employer_id !== owner.userId) throw JobErrors.JOB_NOT_FOUND();
    return row;
  }

  const newShifts = (jobId: string, shifts: ShiftPlan['insert']) =>
    shifts.map((s) => ({ id: ids(), job_id: jobId, ...s, locked_at: null }));

  function expectVersion(row: JobRow, version: number): void {
    if (row.version !== version) throw JobErrors.JOB_VERSION_CONFLICT({ current: row.version });
  }

  function expectStatus(row: JobRow, allowed: readonly JobStatus[], action: string): void {
    if (!allowed.includes(row.status)) throw JobErrors.JOB_STATE_INVALID({ status: row.status, action });
  }

  function moderateRow(
    row: Pick<JobRow, 'title' | 'description' | 'tags' | 'contact_name' | 'address' | 'pay_unit'>,
  ) {
    return moderate({
      title: row.title,
      description: row.description,
      tags: JSON.parse(row.tags) as string[],
      contact: row.contact_name,
      address: row.address,
      unit: row.pay_unit ?? '',
    });
  }

  function refuseIfProhibited(verdict: ModerationVerdict): void {
    if (verdict.decision === 'refuse') throw JobErrors.JOB_CONTENT_REFUSED({ reason: verdict.reason! });
  }

  /**
   * Writes a new version of a job: shift-derived columns, open ↔ filled from the hires, the version
   * snapshot, the event, and the cache invalidation after commit. `changes` are the job's new values.
   */
  async function commitVersion(
    tx: Tx<JobDB>,
    before: JobRow,
    changes: Updateable<JobDB['job_jobs']>,
    reason: string | null = null,
  ): Promise<{ row: JobRow; shifts: ShiftRow[] }> {
    const shifts = await repo.findShifts(before.id, tx.db);
    const after = { ...before, ...changes } as JobRow;
    if (after.status === 'open' || after.status === 'filled') {
      after.status = shifts.every((s) => s.hired >= s.headcount) ? 'filled' : 'open';
    }
    if (after.status === 'open' && after.published_at === null) after.published_at = tx.now;
    after.starts_at = Math.min(...shifts.map((s) => Number(s.starts_at)));
    after.ends_at = Math.max(...shifts.map((s) => Number(s.ends_at)));
    after.version = before.version + 1;
    after.updated_at = tx.now;
    const { id: _id, view_count: _views, created_at: _created, employer_id: _employer, ...columns } = after;
    await repo.updateJob(before.id, columns, tx.db);
    const view = toPublicJob(after, shifts, await mapper());
    await repo.insertVersion(view, tx.now, tx.db);
    const event = eventFor(before.status, after, view, reason);
    if (event) await tx.publish(event);
    tx.afterCommit(() => cache.delete(publicKey(before.id)));
    return { row: after, shifts };
  }

  function eventFor(previous: JobStatus, after: JobRow, job: PublicJob, reason: string | null) {
    if (after.published_at === null) return undefined; // never public: nobody to tell
    const changed = { jobId: after.id, version: after.version, status: after.status, job };
    const ended = {
      jobId: after.id,
      version: after.version,
      status: after.status,
      employerId: after.employer_id,
      reason,
    };
    if (after.status !== previous) {
      if (after.status === 'open' && previous === 'filled') return JobEvents.reopened(changed);
      if (after.status === 'open') return JobEvents.published(changed);
      if (after.status === 'filled' && previous === 'open') return JobEvents.filled(changed);
      if (after.status === 'closed') return JobEvents.closed(ended);
      if (after.status === 'expired') return JobEvents.expired(ended);
      if (after.status === 'archived') return JobEvents.archived(ended);
    }
    return JobEvents.updated(changed);
  }

  async function ownerView(result: { row: JobRow; shifts: ShiftRow[] }): Promise<OwnerJob> {
    return toOwnerJob(result.row, result.shifts, await mapper());
  }

  function placeChanged(row: JobRow, place: PlaceValues): boolean {
    return (
      row.address !== place.address ||
      row.city !== place.city ||
      row.district !== place.district ||
      row.lng_e6 !== place.lng_e6 ||
      row.lat_e6 !== place.lat_e6
    );
  }

  // View counts are buffered per process and added in batches (lost only on a crash, ≤ 5 s).
  let views = new Map<string, number>();
  let viewTimer: NodeJS.Timeout | undefined;
  async function flushViews(): Promise<void> {
    if (views.size === 0) return;
    const batch = views;
    views = new Map();
    try {
      await repo.addViews(batch);
    } catch (e) {
      log.warn({ err: e, jobs: batch.size }, 'job view counts could not be saved');
    }
  }
  function countView(id: string): void {
    views.set(id, (views.get(id) ?? 0) + 1);
    viewTimer ??= setInterval(() => void flushViews(), 5_000).unref();
  }

  return {
    async create(owner: Principal, input: CreateJobInput): Promise<OwnerJob> {
      const now = clock.now();
      await categories.assertUsable(input.category);
      const unit = checkPay(input.pay);
      const plan = planShifts(input.shifts, [], now);
      const requirements = completeRequirements(input.requirements, input.category);
      const place = await resolvePlace(input.place, geocoder);
      const id = ids();
      const row: JobRow = {
        id,
        employer_id: owner.userId,
        status: 'draft',
        version: 1,
        title: input.title.trim(),
        description: input.description.trim(),
        category: input.category,
        tags: JSON.stringify(normalizeTags(input.tags)),
        pay_type: input.pay.type,
        pay_amount_fen: input.pay.amountFen,
        pay_unit: unit,
        settlement: input.settlement,
        requirements: JSON.stringify(requirements),
        contact_name: input.contact.name.trim(),
        contact_phone_cipher: pii.encrypt(input.contact.phone.replace(/^\+86/, '')),
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
      };
      refuseIfProhibited(moderateRow(row));
      return sdb.transaction(async (tx) => {
        await repo.insertJob({ ...row, created_at: tx.now, updated_at: tx.now }, tx.db);
        await repo.insertShifts(newShifts(id, plan.insert), tx.db);
        const shifts = await repo.findShifts(id, tx.db);
        await repo.insertVersion(toPublicJob(row, shifts, await mapper()), tx.now, tx.db);
        return ownerView({ row, shifts });
      });
    },

    async update(owner: Principal, id: string, input: UpdateJobInput): Promise<OwnerJob> {
      const now = clock.now();
      // The place is resolved before the transaction (a geocoder call must not hold locks).
      const place = input.place ? await resolvePlace(input.place, geocoder) : undefined;
      return sdb.transaction(async (tx) => {
        const row = await lockOwned(tx, id, owner);
        expectVersion(row, input.version);
        expectStatus(row, ['draft', 'open', 'filled'], 'edited');
        const shifts = await repo.findShifts(id, tx.db);
        const locked = shifts.some((s) => s.locked_at !== null);
        const changes: Updateable<JobDB['job_jobs']> = {};
        if (input.title !== undefined) changes.title = input.title.trim();
        if (input.description !== undefined) changes.description = input.description.trim();
        if (input.tags !== undefined) changes.tags = JSON.stringify(normalizeTags(input.tags));
        if (input.category !== undefined && input.category !== row.category) {
          await categories.assertUsable(input.category, row.category);
          changes.category = input.category;
        }
        const category = changes.category ?? row.category;
        if (input.requirements !== undefined || changes.category !== undefined) {
          const current = JSON.parse(row.requirements) as Parameters<typeof completeRequirements>[0];
          changes.requirements = JSON.stringify(
            completeRequirements(input.requirements ?? current, category),
          );
        }
        if (input.contact !== undefined) {
          changes.contact_name = input.contact.name.trim();
          changes.contact_phone_cipher = pii.encrypt(input.contact.phone.replace(/^\+86/, ''));
        }
        if (input.pay !== undefined || input.settlement !== undefined) {
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
          Object.assign(changes, {
            pay_type: pay.type,
            pay_amount_fen: pay.amountFen,
            pay_unit: unit,
            settlement,
          });
        }
        if (place !== undefined && placeChanged(row, place)) {
          if (locked) throw JobErrors.JOB_TERMS_LOCKED({ term: 'place' });
          Object.assign(changes, place);
        }
        if (input.shifts !== undefined) {
          const plan = planShifts(input.shifts, shifts, now);
          await repo.deleteShifts(plan.remove, tx.db);
          for (const { id: shiftId, ...values } of plan.update)
            await repo.updateShift(shiftId, values, tx.db);
          await repo.insertShifts(newShifts(id, plan.insert), tx.db);
        }
        const verdict = moderateRow({ ...row, ...changes } as JobRow);
        refuseIfProhibited(verdict);
        if (row.status !== 'draft' && verdict.decision === 'review') {
          // A public job whose new text needs a look leaves the public until an admin approves it.
          changes.status = 'in_review';
          changes.moderation_note = verdict.reason;
        }
        return ownerView(await commitVersion(tx, row, changes));
      });
    },

    /** Draft → automatic moderation → open, or the admin review queue, or refused with the reason. */
    async submit(owner: Principal, id: string, version: number): Promise<OwnerJob> {
      return sdb.transaction(async (tx) => {
        const row = await lockOwned(tx, id, owner);
        expectVersion(row, version);
        expectStatus(row, ['draft'], 'submitted');
        assertShiftsAhead(await repo.findShifts(id, tx.db), tx.now);
        const verdict = moderateRow(row);
        refuseIfProhibited(verdict);
        const toReview = verdict.decision === 'review' || options.review === 'manual';
        await writeAudit(tx, 'job_', ids, {
          actorId: owner.userId,
          actorRole: 'employer',
          action: toReview ? 'job.submitted_for_review' : 'job.auto_approved',
          targetType: 'job',
          targetId: id,
          data: { version: row.version + 1, findings: verdict.findings },
        });
        return ownerView(
          await commitVersion(tx, row, {
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
      return sdb.transaction(async (tx) => {
        const row = await lockOwned(tx, id, owner);
        expectVersion(row, version);
        expectStatus(row, LIVE, 'closed');
        const why = reason ?? null;
        return ownerView(
          await commitVersion(tx, row, { status: 'closed', closed_at: tx.now, close_reason: why }, why),
        );
      });
    },

    async archive(owner: Principal, id: string, version: number): Promise<OwnerJob> {
      return sdb.transaction(async (tx) => {
        const row = await lockOwned(tx, id, owner);
        expectVersion(row, version);
        expectStatus(row, ['draft', 'closed', 'expired'], 'archived');
        return ownerView(await commitVersion(tx, row, { status: 'archived' }));
      });
    },

    // Admin (audited)
    async approve(admin: Principal, id: string, note: string | undefined): Promise<OwnerJob> {
      return adminAction(
        admin,
        id,
        ['in_review'],
        'job.approved',
        { status: 'open', moderation_note: null },
        note,
      );
    },
    async reject(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      return adminAction(
        admin,
        id,
        ['in_review'],
        'job.rejected',
        { status: 'draft', moderation_note: reason },
        reason,
      );
    },
    async takeDown(admin: Principal, id: string, reason: string): Promise<OwnerJob> {
      return adminAction(
        admin,
        id,
        LIVE,
        'job.taken_down',
        { status: 'closed', close_reason: reason },
        reason,
      );
    },

    /**
     * The order service reports the hires on a shift (an absolute count, so a retry changes nothing).
     * The first hire locks the shift's times and the job's pay and place. `version` is the version
     * whose terms the order showed the worker: if the job changed since, the hire is refused.
     */
    async recordHires(jobId: string, shiftId: string, hired: number, version: number) {
      return sdb.transaction(async (tx) => {
        const row = await repo.lockJob(jobId, tx.db);
        if (!row) throw JobErrors.JOB_NOT_FOUND();
        expectVersion(row, version);
        const shift = (await repo.findShifts(jobId, tx.db)).find((s) => s.id === shiftId);
        if (!shift) throw JobErrors.SHIFT_NOT_FOUND();
        if (hired > shift.hired) expectStatus(row, ['open', 'filled'], 'hired on');
        if (hired > shift.headcount) throw JobErrors.SHIFT_FULL();
        await repo.updateShift(
          shiftId,
          { hired, locked_at: shift.locked_at ?? (hired > 0 ? tx.now : null) },
          tx.db,
        );
        let result = { row, version: row.version, status: row.status };
        const shifts = await repo.findShifts(jobId, tx.db);
        const full = shifts.every((s) => s.hired >= s.headcount);
        if ((row.status === 'open' && full) || (row.status === 'filled' && !full)) {
          const next = await commitVersion(tx, row, { status: full ? 'filled' : 'open' });
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

    // Reading
    async getPublic(id: string): Promise<PublicJobDetail> {
      const job = await cache.getOrLoad<PublicJobDetail>(publicKey(id), PUBLIC_TTL_MS, async () => {
        const row = await repo.findJob(id);
        if (!row || !VISIBLE.has(row.status)) return undefined;
        return {
          ...toPublicJob(row, await repo.findShifts(id), await mapper()),
          viewCount: Number(row.view_count),
        };
      });
      if (!job) throw JobErrors.JOB_NOT_FOUND();
      countView(id);
      return job;
    },

    async getOwned(caller: Principal, id: string): Promise<OwnerJob> {
      await flushViews();
      const row = await repo.findJob(id);
      if (!row || (row.employer_id !== caller.userId && !caller.roles.includes('admin'))) {
        throw JobErrors.JOB_NOT_FOUND();
      }
      return ownerView({ row, shifts: await repo.findShifts(id) });
    },

    async listMine(
      owner: Principal,
      query: { status?: JobStatus; limit: number; cursor?: string },
    ): Promise<Page<JobSummary> & { counts: Record<string, number> }> {
      await flushViews();
      const scope = `jobs-mine:${owner.userId}:${query.status ?? ''}`;
      const beforeId = query.cursor ? String(cursors.decode(query.cursor, scope).id) : undefined;
      const rows = await repo.listByEmployer(owner.userId, {
        ...(query.status ? { status: query.status } : {}),
        ...(beforeId ? { beforeId } : {}),
        limit: query.limit + 1,
      });
      const page = rows.slice(0, query.limit);
      const totals = await repo.shiftTotals(page.map((r) => r.id));
      const last = page.at(-1);
      return {
        items: page.map((r) =>
          toSummary(r, totals.get(r.id) ?? { headcount: 0, hired: 0 }, options.timeZone),
        ),
        nextCursor: rows.length > query.limit && last ? cursors.encodeFor(scope, { id: last.id }) : null,
        counts: await repo.countByStatus(owner.userId),
      };
    },

    async reviewQueue(query: { limit: number; cursor?: string }): Promise<Page<JobSummary>> {
      const afterId = query.cursor ? String(cursors.decode(query.cursor, 'jobs-review').id) : undefined;
      const rows = await repo.listInReview({ ...(afterId ? { afterId } : {}), limit: query.limit + 1 });
      const page = rows.slice(0, query.limit);
      const totals = await repo.shiftTotals(page.map((r) => r.id));
      const last = page.at(-1);
      return {
        items: page.map((r) =>
          toSummary(r, totals.get(r.id) ?? { headcount: 0, hired: 0 }, options.timeZone),
        ),
        nextCursor:
          rows.length > query.limit && last ? cursors.encodeFor('jobs-review', { id: last.id }) : null,
      };
    },

    /** The terms of a job at a version (the current one when none is given), for the order service. */
    async getTerms(id: string, version?: number): Promise<JobTerms> {
      if (version !== undefined) {
        const snapshot = await repo.findVersion(id, version);
        if (!snapshot) throw JobErrors.JOB_NOT_FOUND();
        return toTerms(snapshot);
      }
      const row = await repo.findJob(id);
      if (!row) throw JobErrors.JOB_NOT_FOUND();
      return toTerms(toPublicJob(row, await repo.findShifts(id), await mapper()));
    },

    /**
     * Open jobs in id order, a page at a time, for read models that rebuild from scratch (the search
     * index). Pass the last id of a page to get the next; an empty page is the end.
     */
    async listOpen(afterId: string, limit: number): Promise<PublicJob[]> {
      const rows = await repo.listOpen(afterId, limit);
      const shifts = await repo.findShiftsOf(rows.map((r) => r.id));
      const ctx = await mapper();
      return rows.map((r) => toPublicJob(r, shifts.get(r.id)!, ctx));
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

    invalidate: (id: string) => cache.delete(publicKey(id)),
    flushViews,
    async shutdown(): Promise<void> {
      if (viewTimer) clearInterval(viewTimer);
      await flushViews();
    },
  };

  async function adminAction(
    admin: Principal,
    id: string,
    allowed: readonly JobStatus[],
    action: string,
    changes: Updateable<JobDB['job_jobs']>,
    reason: string | undefined,
  ): Promise<OwnerJob> {
    return sdb.transaction(async (tx) => {
      const row = await repo.lockJob(id, tx.db);
      if (!row) throw JobErrors.JOB_NOT_FOUND();
      expectStatus(row, allowed, action.replace('job.', ''));
      const extra = changes.status === 'closed' ? { closed_at: tx.now } : {};
      const result = await commitVersion(tx, row, { ...changes, ...extra }, reason ?? null);
      await writeAudit(tx, 'job_', ids, {
        actorId: admin.userId,
        actorRole: 'admin',
        action,
        targetType: 'job',
        targetId: id,
        data: { version: result.row.version, ...(reason ? { reason } : {}) },
      });
      return ownerView(result);
    });
  }

  /** Applies a state change to due jobs in batches, each job in its own transaction (re-checked under lock). */
  async function sweep(
    due: () => Promise<{ id: string }[]>,
    stillDue: (row: JobRow, now: number) => boolean,
    changes: Updateable<JobDB['job_jobs']>,
  ): Promise<number> {
    let done = 0;
    for (;;) {
      const batch = await due();
      let changed = 0;
      for (const { id } of batch) {
        changed += await sdb.transaction(async (tx) => {
          const row = await repo.lockJob(id, tx.db);
          if (!row || !stillDue(row, tx.now)) return 0;
          await commitVersion(tx, row, changes);
          return 1;
        });
      }
      done += changed;
      if (batch.length < SWEEP_BATCH || changed === 0) return done;
    }
  }
}

export type JobService = ReturnType<typeof createJobService>;
