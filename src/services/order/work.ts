import { timingSafeEqual } from 'node:crypto';
import type { Updateable } from 'kysely';
import type { Tx } from '../../platform/db/service-database.js';
import { isAppError } from '../../platform/errors.js';
import { distanceMeters, toGcj02, type CoordinateSystem } from '../../platform/geo.js';
import { paymentClient } from '../payment/index.js';
import type { JobEnded } from '../job/index.js';
import type { Principal } from '../../platform/http/auth.js';
import {
  actingOn,
  lockOrder,
  moveOrder,
  orderFor,
  SYSTEM,
  type Acting,
  type OrderContext,
} from './order-context.js';
import type { OrderDB } from './order.db.js';
import { OrderErrors } from './order.errors.js';
import { OrderEvents } from './order.events.js';
import { minutesBetween, partPayFen, payFen, workedMinutes } from './order.pay.js';
import type { OrderRow } from './order.repository.js';
import type { Hiring } from './hiring.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const JOB_ENDED_BATCH = 500;

export interface Fix {
  lng?: number | undefined;
  lat?: number | undefined;
  coordinateSystem?: CoordinateSystem | undefined;
  /** The on-site fallback code, instead of (or besides) a fix. */
  code?: string | undefined;
}

/**
 * The order from hire to pay: attendance inside the fence and the window, submission,
 * confirmation (by the employer or the deadline), adjustments, cancellations by rule, no-shows,
 * jobs that end under live orders, and the escrow that follows every ending.
 */
export function createWork(ctx: OrderContext, hiring: Hiring) {
  const { sdb, repo, clock, settings } = ctx;
  const payments = () => ctx.clients.get(paymentClient);

  /** Where the worker is, against the order's fence; the fallback code stands for a fix. */
  function checkPlace(order: OrderRow, fix: Fix): number | null {
    if (fix.code !== undefined) {
      const given = Buffer.from(fix.code);
      const expected = Buffer.from(order.fallback_code);
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw OrderErrors.FALLBACK_CODE_INVALID();
      return null;
    }
    const at = toGcj02({ lng: fix.lng!, lat: fix.lat! }, fix.coordinateSystem ?? 'wgs84');
    const meters = Math.round(
      distanceMeters(at, { lng: order.place_lng_e6 / 1e6, lat: order.place_lat_e6 / 1e6 }),
    );
    if (meters > order.fence_meters)
      throw OrderErrors.OUTSIDE_GEOFENCE({ distance: meters, fence: order.fence_meters });
    return meters;
  }

  /**
   * Runs `fn` on the order locked in a transaction, with how `principal` acts on it, then moves
   * its escrow if it ended.
   */
  async function change(
    id: string,
    principal: Principal,
    fn: (tx: Tx<OrderDB>, order: OrderRow, user: Acting) => Promise<OrderRow>,
  ) {
    await orderFor(ctx, id, principal);
    const next = await sdb.transaction(async (tx) => {
      const order = await lockOrder(ctx, tx, id);
      return fn(tx, order, actingOn(order, principal));
    });
    return afterEnding(next);
  }

  /**
   * An order that just ended moves its escrow before the answer, so the answer shows the money
   * moved; if the payment service is away the follow-up sweep moves it later.
   */
  async function afterEnding(row: OrderRow): Promise<OrderRow> {
    if (!row.escrow_action || row.escrow_done_at !== null) return row;
    try {
      await followEscrow(row.id);
    } catch (e) {
      ctx.log.warn({ err: e, orderId: row.id }, 'order: escrow follow-up failed; the sweep retries it');
    }
    return (await repo.findOrder(row.id))!;
  }

  /** The pay for the order's hours as they stand (adjusted, else worked). */
  const minutesOf = (o: OrderRow) => o.adjusted_minutes ?? o.worked_minutes ?? 0;

  /** Completion: the pay computed from the terms at hire is released from the escrow. */
  async function complete(
    tx: Tx<OrderDB>,
    order: OrderRow,
    by: Acting,
    pieces: number | null,
    reason: string | null,
  ) {
    const pay = payFen(order, minutesOf(order), pieces ?? order.piece_count);
    await ctx.deadlines.cancel(tx, 'order.auto-confirm', order.id);
    return moveOrder(ctx, tx, order, 'confirm', by, {
      changes: {
        completed_at: tx.now,
        piece_count: pieces ?? order.piece_count,
        pay_fen: pay,
        ...releaseOf(order),
      },
      reason,
      event: (c) => OrderEvents.completed({ ...c, payFen: pay }),
    });
  }

  const releaseOf = (order: OrderRow): Updateable<OrderDB['order_orders']> => ({
    escrow_action: 'release',
    escrow_pending: order.settlement === 'weekly' ? 1 : 0,
  });

  /**
   * Ends a hired order before work: free or compensated (a late employer), counted against a late
   * worker; the place goes back to the shift when the shift has not started.
   */
  async function cancelHired(
    tx: Tx<OrderDB>,
    order: OrderRow,
    by: Acting,
    rule: 'employer' | 'worker' | 'refund',
    reason: string | null,
  ) {
    const before = order.shift_starts_at - tx.now;
    const late =
      rule === 'employer'
        ? before < settings.employerFreeCancelHours * HOUR
        : rule === 'worker'
          ? before < settings.workerFreeCancelHours * HOUR
          : false;
    const compensation =
      rule === 'employer' && late ? partPayFen(order, settings.lateCancelCompensationMinutes) : 0;
    await ctx.deadlines.cancel(tx, 'order.no-show', order.id);
    if (before > 0 && (await repo.flipPlace(order.id, 0, tx.db))) {
      await repo.freePlace(order.shift_id, tx.now, tx.db);
      // The job hears the lower count now; if that fails the shift stays dirty for the sweep.
      tx.afterCommit(async () => {
        await hiring.reportHires(order.job_id, order.shift_id).catch(() => undefined);
      });
    }
    return moveOrder(ctx, tx, order, 'cancel', by, {
      changes: {
        // A job its employer closed is the employer's cancellation, whoever delivers it.
        cancelled_by: rule === 'refund' ? by.as : rule,
        reason,
        ...(compensation > 0
          ? { pay_fen: compensation, ...releaseOf(order) }
          : { pay_fen: 0, escrow_action: 'refund' as const }),
      },
      reason,
      detail: { rule, late, compensationFen: compensation },
      event: (c) =>
        OrderEvents.cancelled({
          ...c,
          by: rule === 'refund' ? by.as : rule,
          late,
          compensationFen: compensation,
        }),
    });
  }

  /** Stops work under way (take-down, an operator): the hours worked so far are paid. */
  async function stop(tx: Tx<OrderDB>, order: OrderRow, by: Acting, reason: string | null) {
    const minutes =
      order.checked_out_at !== null
        ? minutesOf(order)
        : workedMinutes(order, order.checked_in_at ?? tx.now, tx.now);
    const pay = partPayFen(order, minutes);
    for (const kind of ['order.auto-check-out', 'order.auto-submit', 'order.auto-confirm'])
      await ctx.deadlines.cancel(tx, kind, order.id);
    return moveOrder(ctx, tx, order, 'stop', by, {
      changes: { cancelled_by: by.as, reason, worked_minutes: minutes, pay_fen: pay, ...releaseOf(order) },
      reason,
      detail: { minutes, payFen: pay },
      event: (c) => OrderEvents.cancelled({ ...c, by: by.as, late: false, compensationFen: pay }),
    });
  }

  /**
   * Moves the escrow of an ended order: release (pay to the worker, the rest to the employer) or
   * refund. Idempotent by the order id at the payment service; run after the commit that ended the
   * order and by a sweep until it is done.
   */
  async function followEscrow(orderId: string): Promise<void> {
    const order = await repo.findOrder(orderId);
    if (!order?.escrow_action || order.escrow_done_at !== null) return;
    if (order.escrow_action === 'release') {
      await payments().release({
        orderId,
        workerId: order.worker_id,
        employerId: order.employer_id,
        payFen: order.pay_fen ?? 0,
        pending: order.escrow_pending === 1,
      });
    } else {
      try {
        await payments().refund({ orderId, employerId: order.employer_id });
      } catch (e) {
        // Nothing was held (a hire that never reached its hold): nothing to give back.
        if (!(isAppError(e) && e.code === 'ESCROW_NOT_HELD')) throw e;
      }
    }
    await repo.markEscrowDone(orderId, clock.now());
  }

  return {
    followEscrow,

    async checkIn(principal: Principal, id: string, fix: Fix): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => {
        if (order.state === 'hired') {
          const opens = order.shift_starts_at - settings.checkInEarlyMinutes * MINUTE;
          const closes = order.shift_starts_at + settings.checkInLateMinutes * MINUTE;
          if (tx.now < opens || tx.now > closes)
            throw OrderErrors.OUTSIDE_CHECK_IN_WINDOW({ from: ctx.at(opens), until: ctx.at(closes) });
        }
        const meters = order.state === 'hired' ? checkPlace(order, fix) : null;
        const next = await moveOrder(ctx, tx, order, 'check_in', user, {
          changes: { checked_in_at: tx.now, check_in_meters: meters },
          detail: { method: meters === null ? 'code' : 'gps', meters },
        });
        await ctx.deadlines.cancel(tx, 'order.no-show', order.id);
        await ctx.deadlines.set(
          tx,
          'order.auto-check-out',
          order.id,
          order.shift_ends_at + settings.checkOutLateMinutes * MINUTE,
        );
        return next;
      });
    },

    async checkOut(principal: Principal, id: string, fix: Fix): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => {
        const closes = order.shift_ends_at + settings.checkOutLateMinutes * MINUTE;
        if (order.state === 'checked_in' && tx.now > closes)
          throw OrderErrors.OUTSIDE_CHECK_OUT_WINDOW({ until: ctx.at(closes) });
        const meters = order.state === 'checked_in' ? checkPlace(order, fix) : null;
        const minutes = workedMinutes(order, order.checked_in_at ?? tx.now, tx.now);
        const next = await moveOrder(ctx, tx, order, 'check_out', user, {
          changes: { checked_out_at: tx.now, check_out_meters: meters, worked_minutes: minutes },
          detail: { method: meters === null ? 'code' : 'gps', meters, minutes },
          event: (c) => OrderEvents.checkedOut({ ...c, workedMinutes: minutes }),
        });
        await ctx.deadlines.cancel(tx, 'order.auto-check-out', order.id);
        await ctx.deadlines.set(tx, 'order.auto-submit', order.id, tx.now + settings.autoConfirmHours * HOUR);
        return next;
      });
    },

    async submit(principal: Principal, id: string, pieces: number | null): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => submit(tx, order, user, pieces));
    },

    async confirm(principal: Principal, id: string, pieces: number | null): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => {
        if (
          order.state === 'submitted' &&
          order.contest_until !== null &&
          tx.now < order.contest_until &&
          user.as === 'employer'
        )
          throw OrderErrors.CONTEST_WINDOW_OPEN({ until: ctx.at(order.contest_until) });
        checkPieces(order, pieces);
        return complete(tx, order, user, pieces, null);
      });
    },

    /** The employer corrects the worked minutes (audited as a transition); the worker may contest. */
    async adjust(principal: Principal, id: string, minutes: number, reason: string): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => {
        if (user.as !== 'employer' && user.as !== 'admin')
          throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action: 'adjust' });
        if (order.state !== 'checked_out' && order.state !== 'submitted')
          throw OrderErrors.ORDER_STATE_INVALID({ state: order.state, action: 'adjust' });
        const max = minutesBetween(order.shift_starts_at, order.shift_ends_at);
        if (minutes > max) throw OrderErrors.ADJUST_MINUTES_INVALID({ max });
        const contestUntil = tx.now + settings.contestHours * HOUR;
        const changes = {
          adjusted_minutes: minutes,
          adjust_reason: reason,
          contest_until: contestUntil,
          updated_at: tx.now,
        };
        if (!(await repo.updateOrder(order.id, order.version, changes, tx.db)))
          throw OrderErrors.ORDER_STATE_INVALID({ state: order.state, action: 'adjust' });
        const next = { ...order, ...changes, version: order.version + 1 };
        await repo.insertTransition(
          {
            id: ctx.ids(),
            order_id: order.id,
            from_state: order.state,
            to_state: order.state,
            actor_id: user.id,
            actor: user.as,
            reason,
            detail: JSON.stringify({ action: 'adjust', minutes, previousMinutes: minutesOf(order) }),
            at: tx.now,
          },
          tx.db,
        );
        await tx.publish(
          OrderEvents.hoursAdjusted({
            orderId: order.id,
            jobId: order.job_id,
            shiftId: order.shift_id,
            workerId: order.worker_id,
            employerId: order.employer_id,
            from: order.state,
            to: order.state,
            actor: user.as,
            reason,
            version: next.version,
            minutes,
            previousMinutes: order.adjusted_minutes ?? order.worked_minutes,
          }),
        );
        if (order.state === 'submitted') {
          const due = Math.max(
            contestUntil,
            (order.submitted_at ?? tx.now) + settings.autoConfirmHours * HOUR,
          );
          await ctx.deadlines.set(tx, 'order.auto-confirm', order.id, due);
        }
        return next;
      });
    },

    async cancel(principal: Principal, id: string, reason: string | null): Promise<OrderRow> {
      return change(id, principal, async (tx, order, user) => {
        if (user.as === 'admin' && order.state !== 'hired') return stop(tx, order, user, reason);
        const rule = user.as === 'worker' ? 'worker' : user.as === 'employer' ? 'employer' : 'refund';
        if (order.state !== 'hired')
          throw OrderErrors.ORDER_STATE_INVALID({ state: order.state, action: 'cancel' });
        return cancelHired(tx, order, user, rule, reason);
      });
    },

    /** An admin's forced transition, audited: the escrow follows the target state. */
    async force(
      principal: Principal,
      id: string,
      to: 'completed' | 'cancelled' | 'no_show',
      reason: string,
    ): Promise<OrderRow> {
      const admin: Acting = { id: principal.userId, as: 'admin' };
      return change(id, principal, async (tx, order) => {
        if (to === 'completed') {
          if (order.state === 'checked_out') order = await submit(tx, order, admin, order.piece_count);
          return complete(tx, order, admin, null, reason);
        }
        if (to === 'no_show') return noShow(tx, order, admin, reason);
        if (order.state === 'hired') return cancelHired(tx, order, admin, 'refund', reason);
        return stop(tx, order, admin, reason);
      });
    },

    // Deadlines (each runs in the sweep's transaction; the escrow follows after its commit).
    async onNoShow(tx: Tx<OrderDB>, id: string): Promise<void> {
      const order = await repo.findOrder(id, tx.db);
      if (order?.state !== 'hired') return;
      await noShow(tx, order, SYSTEM, null);
      tx.afterCommit(() => followEscrow(id));
    },
    async onAutoCheckOut(tx: Tx<OrderDB>, id: string): Promise<void> {
      const order = await repo.findOrder(id, tx.db);
      if (order?.state !== 'checked_in') return;
      const minutes = workedMinutes(order, order.checked_in_at!, order.shift_ends_at);
      await moveOrder(ctx, tx, order, 'check_out', SYSTEM, {
        changes: { checked_out_at: order.shift_ends_at, worked_minutes: minutes },
        reason: 'AUTO_CHECK_OUT',
        event: (c) => OrderEvents.checkedOut({ ...c, workedMinutes: minutes }),
      });
      await ctx.deadlines.set(tx, 'order.auto-submit', id, tx.now + settings.autoConfirmHours * HOUR);
    },
    async onAutoSubmit(tx: Tx<OrderDB>, id: string): Promise<void> {
      const order = await repo.findOrder(id, tx.db);
      if (order?.state !== 'checked_out') return;
      await submit(tx, order, SYSTEM, order.pay_type === 'piece' ? 0 : null);
    },
    async onAutoConfirm(tx: Tx<OrderDB>, id: string): Promise<void> {
      const order = await repo.findOrder(id, tx.db);
      if (order?.state !== 'submitted') return;
      await complete(tx, order, SYSTEM, null, 'AUTO_CONFIRM');
      tx.afterCommit(() => followEscrow(id));
    },

    /**
     * A job closed under live orders (its consumer's transaction): open applications expire;
     * hired orders are cancelled — by the employer's rule when the employer closed it, refunded in
     * full when an admin took it down; work under way on a taken-down job stops with the hours
     * worked paid. Work under way on a job its employer closed goes on to completion.
     */
    async onJobClosed(tx: Tx<OrderDB>, event: JobEnded): Promise<void> {
      for (;;) {
        const open = await repo.openApplicationsOfJob(event.jobId, JOB_ENDED_BATCH, tx.db);
        for (const a of open)
          await repo.moveApplication(
            a.id,
            ['pending', 'invited'],
            { status: 'expired', reason: 'JOB_CLOSED', updated_at: tx.now },
            tx.db,
          );
        if (open.length < JOB_ENDED_BATCH) break;
      }
      const states = event.takenDown
        ? (['hired', 'checked_in', 'checked_out', 'submitted'] as const)
        : (['hired'] as const);
      const by: Acting = event.takenDown
        ? { id: null, as: 'system' }
        : { id: event.employerId, as: 'system' };
      for (const { id } of await repo.liveOrdersOfJob(event.jobId, states, tx.db)) {
        const order = (await repo.findOrder(id, tx.db))!;
        const reason = event.takenDown ? 'JOB_TAKEN_DOWN' : 'JOB_CLOSED';
        if (order.state === 'hired')
          await cancelHired(tx, order, by, event.takenDown ? 'refund' : 'employer', reason);
        else await stop(tx, order, by, reason);
        tx.afterCommit(() => followEscrow(id));
      }
    },
    /** A job expired or was archived: its open applications expire (orders go on by themselves). */
    async onJobEnded(tx: Tx<OrderDB>, event: JobEnded): Promise<void> {
      for (const a of await repo.openApplicationsOfJob(event.jobId, JOB_ENDED_BATCH, tx.db))
        await repo.moveApplication(
          a.id,
          ['pending', 'invited'],
          { status: 'expired', reason: 'JOB_ENDED', updated_at: tx.now },
          tx.db,
        );
    },

    /** Ended orders whose escrow has not moved yet (a schedule; the commit's own hook usually did). */
    async followDue(): Promise<number> {
      const due = await repo.escrowDue(100);
      for (const { id } of due) {
        try {
          await followEscrow(id);
        } catch (e) {
          ctx.log.warn({ err: e, orderId: id }, 'order: escrow follow-up failed; will retry');
        }
      }
      return due.length;
    },

    /** The weekly settlement run: released pay waiting in pending settlement reaches the wallets. */
    async settleWeekly(): Promise<number> {
      let after = '';
      let settled = 0;
      for (;;) {
        const due = await repo.settlementDue(after, 200);
        if (due.length === 0) return settled;
        for (const o of due) {
          await payments().settle({ orderId: o.id, workerId: o.worker_id });
          await repo.markSettled(o.id, clock.now());
          settled++;
        }
        after = due.at(-1)!.id;
      }
    },
  };

  function checkPieces(order: OrderRow, pieces: number | null): void {
    if (order.pay_type !== 'piece') return;
    if (pieces !== null && (pieces < 0 || pieces > order.piece_max!))
      throw OrderErrors.PIECE_COUNT_INVALID({ max: order.piece_max! });
  }

  async function submit(tx: Tx<OrderDB>, order: OrderRow, by: Acting, pieces: number | null) {
    checkPieces(order, pieces);
    if (order.pay_type === 'piece' && pieces === null && order.state === 'checked_out')
      throw OrderErrors.PIECE_COUNT_INVALID({ max: order.piece_max! });
    await ctx.deadlines.cancel(tx, 'order.auto-submit', order.id);
    const next = await moveOrder(ctx, tx, order, 'submit', by, {
      changes: { submitted_at: tx.now, piece_count: pieces ?? order.piece_count },
    });
    await ctx.deadlines.set(tx, 'order.auto-confirm', order.id, tx.now + settings.autoConfirmHours * HOUR);
    return next;
  }

  async function noShow(tx: Tx<OrderDB>, order: OrderRow, by: Acting, reason: string | null) {
    await ctx.deadlines.cancel(tx, 'order.no-show', order.id);
    return moveOrder(ctx, tx, order, 'no_show', by, {
      changes: { pay_fen: 0, escrow_action: 'refund', reason },
      reason,
    });
  }
}

export type Work = ReturnType<typeof createWork>;
