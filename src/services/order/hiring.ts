import { randomInt } from 'node:crypto';
import { businessDay, parseInstant } from '../../platform/clock.js';
import { isAppError, AppError } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/auth.js';
import type { WorkflowInstance } from '../../platform/workflow/runner.js';
import { workflow } from '../../platform/workflow/workflow.js';
import { jobClient, type JobTerms } from '../job/index.js';
import { paymentClient } from '../payment/index.js';
import { reviewClient } from '../review/contract.js';
import { userClient } from '../user/index.js';
import { verificationClient } from '../verification/index.js';
import { canonicalJson } from '../../platform/canonical-json.js';
import { moveOrder, sha256, SYSTEM, type OrderContext } from './order-context.js';
import type { ApplicationStatus } from './order.db.js';
import { OrderErrors } from './order.errors.js';
import { OrderEvents } from './order.events.js';
import { maxWageFen } from './order.pay.js';
import { toOrderView } from './order.mappers.js';
import type { ApplicationRow, OrderRow } from './order.repository.js';

/** The legal working age: a job asking no more needs no verified age. */
const LEGAL_WORKING_AGE = 16;
const OPEN: ApplicationStatus[] = ['pending', 'invited'];
/** Ended applications a worker may apply again with (an invitation may also reach them). */
const REOPENABLE: ApplicationStatus[] = ['withdrawn', 'expired'];
const HIRE_WAIT_MS = 10_000;
const REFUSALS_KEPT = 1_000;
const MAX_REPORT_ROUNDS = 5;
/** A hire still `hiring` this long after its order was written, with no workflow, is resumed. */
const STUCK_HIRE_MS = 60_000;

type Shift = JobTerms['shifts'][number];

/** The terms a hire must keep from the application: pay, settlement, place and the shift's times. */
export function hireTermsHash(terms: JobTerms, shift: Shift): string {
  return sha256(
    canonicalJson({
      pay: { type: terms.pay.type, amountFen: terms.pay.amountFen, unit: terms.pay.unit },
      settlement: terms.settlement,
      place: { address: terms.place.address, location: terms.place.location },
      shift: { id: shift.id, startsAt: shift.startsAt, endsAt: shift.endsAt },
    }),
  );
}

export interface HireInput {
  orderId: string;
  jobId: string;
  shiftId: string;
  headcount: number;
  termsHash: string;
  /** The job version whose terms the hire checked, and the shift's start. */
  version: number;
  startsAt: number;
}

/**
 * Applications (报名), invitations and the hire (录用): apply → the employer hires → the `order.hire`
 * workflow reserves a place, reports the count to the job service, holds the wage in escrow and
 * makes the order `hired`; any refusal compensates in reverse and voids the order.
 */
export function createHiring(ctx: OrderContext) {
  const { sdb, repo, clock, ids, settings } = ctx;
  const jobs = () => ctx.clients.get(jobClient);
  const payments = () => ctx.clients.get(paymentClient);
  // The refusal that voided a hire started here, to answer it in full (both languages). Kept for
  // the waiting request only: a hire nobody waits for (resumed by a sweep, or answered "hiring")
  // would leave its entry, so the oldest go beyond REFUSALS_KEPT.
  const refusals = new Map<string, AppError>();

  const shiftOf = (terms: JobTerms, shiftId: string): Shift => {
    const shift = terms.shifts.find((s) => s.id === shiftId);
    if (!shift) throw OrderErrors.SHIFT_NOT_FOUND();
    return shift;
  };
  const startOf = (shift: Shift): number => parseInstant(shift.startsAt)!;
  const endOf = (shift: Shift): number => parseInstant(shift.endsAt)!;

  /** The job's requirements against the worker: age through a verified real name, and skills. */
  async function checkRequirements(workerId: string, terms: JobTerms, shift: Shift): Promise<void> {
    const { minAge, skills } = terms.requirements;
    if (minAge > LEGAL_WORKING_AGE) {
      const age = await ctx.clients
        .get(verificationClient)
        .ageOn(workerId, businessDay(startOf(shift), ctx.timeZone));
      if (age === null || age < minAge) throw OrderErrors.AGE_REQUIREMENT({ minAge });
    }
    if (skills.length > 0) {
      const profile = await ctx.clients.get(userClient).getPublicProfile(workerId);
      const missing = skills.filter((s) => !profile.skills.includes(s));
      if (missing.length > 0) throw OrderErrors.SKILLS_REQUIRED({ missing: missing.join(', ') });
    }
  }

  /** The job open and the shift not started, as `terms` say. */
  function checkOpen(terms: JobTerms, shift: Shift): void {
    if (terms.status !== 'open' && terms.status !== 'filled')
      throw OrderErrors.JOB_NOT_OPEN({ status: terms.status });
    if (clock.now() >= startOf(shift)) throw OrderErrors.SHIFT_STARTED();
  }

  /** Applies (or is invited) to a shift: one application per worker and shift. */
  async function open(
    workerId: string,
    terms: JobTerms,
    shift: Shift,
    fields: { source: 'apply' | 'invite'; note: string | null; pieceMax: number | null },
  ): Promise<ApplicationRow> {
    const status: ApplicationStatus = fields.source === 'apply' ? 'pending' : 'invited';
    return sdb.transaction(async (tx) => {
      if ((await repo.openApplications(workerId, tx.db)) >= settings.maxOpenApplications)
        throw OrderErrors.APPLICATION_LIMIT({ limit: settings.maxOpenApplications });
      const row: ApplicationRow = {
        id: ids(),
        job_id: terms.id,
        shift_id: shift.id,
        worker_id: workerId,
        employer_id: terms.employerId,
        status,
        source: fields.source,
        job_version: terms.version,
        terms_hash: hireTermsHash(terms, shift),
        note: fields.note,
        piece_max: fields.pieceMax,
        order_id: null,
        reason: null,
        shift_starts_at: startOf(shift),
        created_at: tx.now,
        updated_at: tx.now,
      };
      // Inserted first, the existing one read after: on MySQL a locking read of a row not there yet
      // locks the gap, and concurrent applications to the shift would deadlock inserting into it.
      if (!(await repo.insertApplication(row, tx.db))) {
        const existing = await repo.findApplicationOf(shift.id, workerId, tx.db);
        if (!existing || !REOPENABLE.includes(existing.status)) throw OrderErrors.ALREADY_APPLIED();
        const { id: _id, created_at: _created, ...again } = row;
        await repo.moveApplication(existing.id, REOPENABLE, again, tx.db);
        Object.assign(row, { id: existing.id, created_at: existing.created_at });
      }
      await repo.ensureShift(terms.id, shift.id, shift.headcount, tx.now, tx.db);
      await tx.publish(
        OrderEvents.applied({
          applicationId: row.id,
          jobId: terms.id,
          shiftId: shift.id,
          workerId,
          employerId: terms.employerId,
        }),
      );
      return row;
    });
  }

  /** Runs a step's action, keeping a refusal it meets for the hire request's answer. */
  async function remembering<T>(orderId: string, action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (e) {
      if (isAppError(e) && e.status < 500) {
        if (refusals.size >= REFUSALS_KEPT) refusals.delete(refusals.keys().next().value!);
        refusals.set(orderId, e);
      }
      throw e;
    }
  }

  const hireFlow = workflow<HireInput>('order.hire')
    .step('reserve', {
      // One of the shift's places, in the order service's own count; a full shift is refused by the
      // next step, so that this step's compensation — voiding the order — runs for every refusal.
      action: async ({ input }) => ({ reserved: await reserve(input) }),
      compensate: async ({ input, instanceId }) => {
        const instance = await ctx.workflows.get(instanceId);
        await voidHire(input, instance?.error?.code ?? null);
      },
    })
    .step('record', {
      // The job service hears the absolute count at the version whose terms the hire checked (on a
      // conflict: a later version, if the terms the worker applied to are unchanged).
      action: ({ input, results }) =>
        remembering(input.orderId, async () => {
          if (!results.reserve.reserved) throw OrderErrors.SHIFT_FULL();
          if (clock.now() >= input.startsAt) throw OrderErrors.SHIFT_STARTED();
          const count = await reportHires(input.jobId, input.shiftId, {
            version: input.version,
            check: (terms) => {
              if (hireTermsHash(terms, shiftOf(terms, input.shiftId)) !== input.termsHash)
                throw OrderErrors.TERMS_CHANGED();
            },
            mark: false,
          });
          return { count };
        }),
    })
    .step('hold', {
      action: ({ input }) =>
        remembering(input.orderId, async () => {
          const order = (await repo.findOrder(input.orderId))!;
          const escrow = await payments().hold({
            orderId: order.id,
            employerId: order.employer_id,
            wageFen: order.wage_fen,
          });
          return { heldFen: escrow.heldFen };
        }),
      compensate: async ({ input }) => {
        const order = (await repo.findOrder(input.orderId))!;
        try {
          await payments().refund({ orderId: order.id, employerId: order.employer_id });
        } catch (e) {
          if (!(isAppError(e) && e.code === 'ESCROW_NOT_HELD')) throw e;
        }
      },
    })
    .step('confirm', {
      action: async ({ input, results }) => {
        await confirmHire(input, results.record.count);
        return {};
      },
    })
    .build();

  /** Takes one of the shift's places for the order (once); false when none is left. */
  async function reserve(input: HireInput): Promise<boolean> {
    return sdb.transaction(async (tx) => {
      const order = await repo.findOrder(input.orderId, tx.db);
      if (!order || order.state !== 'hiring')
        throw OrderErrors.ORDER_STATE_INVALID({ state: order?.state ?? 'void', action: 'hire' });
      if (order.place_reserved) return true;
      await repo.ensureShift(input.jobId, input.shiftId, input.headcount, tx.now, tx.db);
      if (!(await repo.reservePlace(input.shiftId, tx.now, tx.db))) return false;
      await repo.flipPlace(order.id, 1, tx.db);
      return true;
    });
  }

  /**
   * The hire was refused and undone: the place goes back to the shift, the order is void and the
   * application open again; then the job hears the count.
   */
  async function voidHire(input: HireInput, reason: string | null): Promise<void> {
    await sdb.transaction(async (tx) => {
      const order = await repo.findOrder(input.orderId, tx.db);
      if (!order) return;
      if (await repo.flipPlace(order.id, 0, tx.db)) await repo.freePlace(order.shift_id, tx.now, tx.db);
      if (order.state !== 'hiring') return;
      await moveOrder(ctx, tx, order, 'void', SYSTEM, { reason });
      await repo.moveApplication(
        order.application_id,
        ['hiring'],
        { status: 'pending', reason, updated_at: tx.now },
        tx.db,
      );
    });
    await reportHires(input.jobId, input.shiftId).catch(() => undefined);
  }

  async function confirmHire(input: HireInput, reported: number | null | undefined): Promise<void> {
    await sdb.transaction(async (tx) => {
      if (reported != null) await repo.markReported(input.shiftId, reported, tx.db);
      const order = (await repo.findOrder(input.orderId, tx.db))!;
      if (order.state === 'hired') return;
      await moveOrder(ctx, tx, order, 'hire', SYSTEM, {
        changes: { employer_accepted_at: tx.now },
        event: (c) => OrderEvents.hired({ ...c, shiftStartsAt: order.shift_starts_at }),
      });
      await repo.moveApplication(
        order.application_id,
        ['hiring'],
        { status: 'hired', reason: null, updated_at: tx.now },
        tx.db,
      );
      await ctx.deadlines.set(
        tx,
        'order.no-show',
        order.id,
        order.shift_starts_at + settings.noShowMinutes * 60_000,
      );
    });
  }

  /**
   * Tells the job service the shift's count of places taken, as an absolute number at the job's
   * current version (re-read on a version conflict; `check` may refuse the terms). Repeats until the
   * count it reported is still the count, so concurrent hires cannot leave an older count last.
   */
  async function reportHires(
    jobId: string,
    shiftId: string,
    options: {
      /** A version whose terms the caller has checked: the first round reports at it unread. */
      version?: number;
      /** Refuses terms re-read after a version conflict. */
      check?: (terms: JobTerms) => void;
      /** false: the caller marks the count reported in its own transaction. */
      mark?: boolean;
    } = {},
  ): Promise<number | undefined> {
    let version = options.version;
    for (let round = 1; ; round++) {
      if (version === undefined) {
        const terms = await jobs().getTerms(jobId);
        options.check?.(terms);
        version = terms.version;
      }
      const count = await repo.reservedPlaces(shiftId);
      try {
        await jobs().recordHires(jobId, shiftId, count, version);
      } catch (e) {
        if (isAppError(e) && e.code === 'JOB_VERSION_CONFLICT' && round < MAX_REPORT_ROUNDS) {
          version = undefined;
          continue;
        }
        throw e;
      }
      if ((await repo.reservedPlaces(shiftId)) === count) {
        if (options.mark !== false) await repo.markReported(shiftId, count);
        return count;
      }
      if (round >= MAX_REPORT_ROUNDS * 4) return undefined; // still moving: the sweep reports it
    }
  }

  /** The employer (or auto-hire) hires an applicant: a work order, through the hire workflow. */
  async function hire(app: ApplicationRow, pieceMax: number | null): Promise<OrderRow> {
    if (app.status === 'hired' && app.order_id) return (await repo.findOrder(app.order_id))!;
    if (app.status === 'hiring' && app.order_id) return finish(app.order_id, await waitForHire(app.order_id));
    // Before the status: a started shift's applications expire by a sweep, whenever it runs.
    if (clock.now() >= Number(app.shift_starts_at)) throw OrderErrors.SHIFT_STARTED();
    if (!OPEN.includes(app.status)) throw OrderErrors.APPLICATION_STATE_INVALID({ status: app.status });
    const terms = await jobs().getTerms(app.job_id);
    const shift = shiftOf(terms, app.shift_id);
    if (hireTermsHash(terms, shift) !== app.terms_hash) throw OrderErrors.TERMS_CHANGED();
    checkOpen(terms, shift);
    const fence = await repo.findSettings(app.job_id);
    const base = {
      pay_type: terms.pay.type,
      rate_fen: terms.pay.amountFen,
      shift_starts_at: startOf(shift),
      shift_ends_at: endOf(shift),
      piece_max: terms.pay.type === 'piece' ? (pieceMax ?? app.piece_max ?? fence?.piece_max ?? null) : null,
    };
    if (terms.pay.type === 'piece' && !base.piece_max) throw OrderErrors.PIECE_MAX_REQUIRED();
    const wage = maxWageFen(base);
    const orderId = ids();
    const now = clock.now();
    const agreement = canonicalJson({
      orderId,
      jobId: terms.id,
      jobVersion: terms.version,
      title: terms.title,
      category: terms.category,
      employerId: terms.employerId,
      workerId: app.worker_id,
      pay: terms.pay,
      settlement: terms.settlement,
      place: terms.place,
      shift: { id: shift.id, startsAt: shift.startsAt, endsAt: shift.endsAt },
      requirements: terms.requirements,
      pieceMax: base.piece_max,
      wageFen: wage,
      workerAcceptedAt: ctx.at(app.updated_at),
      employerAcceptedAt: ctx.at(now),
    });
    // The transaction's value is what a replay of the request answers should the process die
    // before answering: the order, hiring (the sweep below finishes it).
    await sdb.transaction(async (tx) => {
      // The conditional move is what keeps one live order per application: of two hires at
      // once, the second finds the application no longer open (an undone hire's order is void,
      // and the application open again for a new one).
      const moved = await repo.moveApplication(
        app.id,
        OPEN,
        { status: 'hiring', order_id: orderId, updated_at: tx.now },
        tx.db,
      );
      if (!moved) {
        const fresh = await repo.findApplication(app.id, tx.db);
        throw OrderErrors.APPLICATION_STATE_INVALID({ status: fresh?.status ?? app.status });
      }
      const row: OrderRow = {
        id: orderId,
        application_id: app.id,
        job_id: app.job_id,
        shift_id: app.shift_id,
        worker_id: app.worker_id,
        employer_id: app.employer_id,
        state: 'hiring',
        version: 1,
        job_version: terms.version,
        agreement,
        agreement_sha256: sha256(agreement),
        worker_accepted_at: app.updated_at,
        employer_accepted_at: tx.now,
        pay_type: base.pay_type,
        rate_fen: base.rate_fen,
        settlement: terms.settlement,
        piece_max: base.piece_max,
        wage_fen: wage,
        shift_starts_at: base.shift_starts_at,
        shift_ends_at: base.shift_ends_at,
        place_lng_e6: Math.round(terms.place.location.lng * 1e6),
        place_lat_e6: Math.round(terms.place.location.lat * 1e6),
        fence_meters: fence?.fence_meters ?? settings.fenceMeters,
        place_reserved: 0,
        fallback_code: String(randomInt(0, 1_000_000)).padStart(6, '0'),
        checked_in_at: null,
        check_in_meters: null,
        checked_out_at: null,
        check_out_meters: null,
        worked_minutes: null,
        adjusted_minutes: null,
        adjust_reason: null,
        contest_until: null,
        piece_count: null,
        submitted_at: null,
        completed_at: null,
        escrow_action: null,
        pay_fen: null,
        escrow_pending: 0,
        escrow_done_at: null,
        settled_at: null,
        cancelled_by: null,
        reason: null,
        created_at: tx.now,
        updated_at: tx.now,
      };
      await repo.insertOrder(row, tx.db);
      return toOrderView(row, ctx.at);
    });
    const input: HireInput = {
      orderId,
      jobId: app.job_id,
      shiftId: app.shift_id,
      headcount: shift.headcount,
      termsHash: app.terms_hash,
      version: terms.version,
      startsAt: base.shift_starts_at,
    };
    return finish(
      orderId,
      await ctx.workflows.start(hireFlow, input, { key: `hire:${orderId}`, waitMs: HIRE_WAIT_MS }),
    );
  }

  async function waitForHire(orderId: string): Promise<WorkflowInstance> {
    const instance = await ctx.workflows.findByKey(hireFlow, `hire:${orderId}`);
    return instance
      ? ctx.workflows.wait(instance.id, HIRE_WAIT_MS)
      : Promise.reject(OrderErrors.ORDER_NOT_FOUND());
  }

  /** The order once the workflow ended (or still hiring after the wait); a refusal is thrown. */
  async function finish(orderId: string, instance: WorkflowInstance): Promise<OrderRow> {
    const order = (await repo.findOrder(orderId))!;
    const known = refusals.get(orderId);
    refusals.delete(orderId);
    if (order.state !== 'void') return order;
    if (known) throw known;
    const error = instance.error;
    if (error?.status)
      throw new AppError(error.code, error.status, { 'zh-CN': error.message, en: error.message });
    throw OrderErrors.HIRE_FAILED();
  }

  return {
    hireFlow,
    reportHires,

    async apply(
      worker: Principal,
      jobId: string,
      shiftId: string,
      note: string | null,
    ): Promise<{ application: ApplicationRow; order: OrderRow | null }> {
      if (!worker.roles.includes('worker')) throw OrderErrors.WORKER_ROLE_REQUIRED();
      const terms = await jobs().getTerms(jobId);
      if (terms.employerId === worker.userId) throw OrderErrors.OWN_JOB();
      const shift = shiftOf(terms, shiftId);
      checkOpen(terms, shift);
      await checkRequirements(worker.userId, terms, shift);
      const application = await open(worker.userId, terms, shift, { source: 'apply', note, pieceMax: null });
      const auto = await repo.findSettings(jobId);
      if (!auto?.auto_hire) return { application, order: null };
      // 抢单: a verified real name (and the job's least credit score) is hired at once, first come
      // first served. The application is written already: if a check cannot be made, it waits for
      // the employer rather than the request failing.
      const minScore = auto.min_credit_score;
      const qualifies = await (async () => {
        const identity = await ctx.clients.get(verificationClient).identity(worker.userId);
        if (identity.status !== 'approved') return false;
        if (minScore === null) return true;
        const reputation = await ctx.clients.get(reviewClient).summaries([worker.userId]);
        return reputation.get(worker.userId)!.credit.score >= minScore;
      })().catch((e: unknown) => {
        ctx.log.warn(
          { err: e, applicationId: application.id },
          'auto-hire checks failed; the application waits',
        );
        return false;
      });
      if (!qualifies) return { application, order: null };
      try {
        const order = await hire(application, null);
        return { application: (await repo.findApplication(application.id))!, order };
      } catch (e) {
        if (!isAppError(e)) throw e;
        return { application: (await repo.findApplication(application.id))!, order: null };
      }
    },

    async invite(
      employer: Principal,
      jobId: string,
      shiftId: string,
      workerId: string,
      pieceMax: number | null,
    ) {
      const terms = await jobs().getTerms(jobId);
      if (terms.employerId !== employer.userId) throw OrderErrors.JOB_NOT_FOUND();
      const shift = shiftOf(terms, shiftId);
      checkOpen(terms, shift);
      const profile = await ctx.clients
        .get(userClient)
        .getPublicProfile(workerId)
        .catch((e: unknown) => {
          if (isAppError(e) && e.status === 404) return undefined; // no such account
          throw e;
        });
      if (!profile?.roles.includes('worker') || workerId === employer.userId)
        throw OrderErrors.INVITEE_NOT_WORKER();
      return open(workerId, terms, shift, { source: 'invite', note: null, pieceMax });
    },

    /** The worker accepts an invitation: that is the hire. */
    async accept(worker: Principal, id: string): Promise<OrderRow> {
      const app = await repo.findApplication(id);
      if (!app || app.worker_id !== worker.userId) throw OrderErrors.APPLICATION_NOT_FOUND();
      if (app.status !== 'invited' && !(app.status === 'hiring' || app.status === 'hired'))
        throw OrderErrors.APPLICATION_STATE_INVALID({ status: app.status });
      const terms = await jobs().getTerms(app.job_id);
      await checkRequirements(worker.userId, terms, shiftOf(terms, app.shift_id));
      return hire(app, null);
    },

    async hire(employer: Principal, id: string, pieceMax: number | null): Promise<OrderRow> {
      const app = await repo.findApplication(id);
      if (!app || app.employer_id !== employer.userId) throw OrderErrors.APPLICATION_NOT_FOUND();
      if (app.status === 'invited') throw OrderErrors.APPLICATION_STATE_INVALID({ status: app.status });
      return hire(app, pieceMax);
    },

    /** The worker withdraws, or the employer rejects: the application ends. */
    async end(
      user: Principal,
      id: string,
      as: 'worker' | 'employer',
      reason: string | null,
    ): Promise<ApplicationRow> {
      const app = await repo.findApplication(id);
      if (!app || (as === 'worker' ? app.worker_id : app.employer_id) !== user.userId)
        throw OrderErrors.APPLICATION_NOT_FOUND();
      const status: ApplicationStatus = as === 'worker' ? 'withdrawn' : 'rejected';
      return sdb.transaction(async (tx) => {
        if (!(await repo.moveApplication(id, OPEN, { status, reason, updated_at: tx.now }, tx.db))) {
          const now = await repo.findApplication(id, tx.db);
          throw OrderErrors.APPLICATION_STATE_INVALID({ status: now?.status ?? app.status });
        }
        return { ...app, status, reason, updated_at: tx.now };
      });
    },

    /** Open applications whose shift has started expire (a schedule). */
    async expireStarted(): Promise<number> {
      const due = await repo.startedApplications(clock.now(), 200);
      if (due.length === 0) return 0;
      await sdb.transaction(async (tx) => {
        for (const { id } of due)
          await repo.moveApplication(
            id,
            OPEN,
            { status: 'expired', reason: 'SHIFT_STARTED', updated_at: tx.now },
            tx.db,
          );
      });
      return due.length;
    },

    /**
     * Starts the workflow of a hire whose order was written but whose process died before the
     * workflow row was (a schedule; a started workflow is found by its key and left alone).
     */
    async resumeHires(): Promise<number> {
      const stuck = await repo.stuckHires(clock.now() - STUCK_HIRE_MS, 50);
      for (const o of stuck) {
        const instance = await ctx.workflows.findByKey(hireFlow, `hire:${o.id}`);
        if (instance) continue;
        const input: HireInput = {
          orderId: o.id,
          jobId: o.job_id,
          shiftId: o.shift_id,
          headcount: o.headcount,
          termsHash: o.terms_hash,
          version: o.job_version,
          startsAt: o.shift_starts_at,
        };
        await ctx.workflows.start(hireFlow, input, { key: `hire:${o.id}`, waitMs: 0 });
      }
      return stuck.length;
    },

    /** Reports every shift whose count changed but was not reported yet (a schedule). */
    async reportDirty(): Promise<number> {
      const dirty = await repo.dirtyShifts(100);
      for (const s of dirty) {
        try {
          await reportHires(s.job_id, s.shift_id);
        } catch (e) {
          ctx.log.warn({ err: e, shiftId: s.shift_id }, 'order: reporting hires failed; will retry');
        }
      }
      return dirty.length;
    },
  };
}

export type Hiring = ReturnType<typeof createHiring>;
