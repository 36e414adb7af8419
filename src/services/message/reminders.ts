import type { Tx } from '../../platform/db/service-database.js';
import type { MessageContext } from './message-context.js';
import type { MessageDB } from './message.db.js';
import type { Notifications } from './notifications.js';

/** The deadline an hour before a hired order's shift: "your shift starts in an hour". */
export const SHIFT_REMINDER = 'message.shift-reminder';
/** The deadline 15 minutes after the start, unless the worker checked in: both parties are told. */
export const CHECK_IN_MISSING = 'message.check-in-missing';
const MINUTE = 60_000;
const REMIND_BEFORE = 60 * MINUTE;
const CHECK_IN_GRACE = 15 * MINUTE;

/**
 * Reminders of a hired order, as deadlines set when `order.hired` arrives (rows swept by the
 * platform, so a restart loses none) and cancelled by the check-in, a cancellation or a no-show.
 */
export function createReminders(ctx: MessageContext, notifications: Notifications) {
  const { repo, deadlines } = ctx;
  return {
    async onHired(
      tx: Tx<MessageDB>,
      o: { orderId: string; jobId: string; workerId: string; employerId: string; shiftStartsAt: number },
    ): Promise<void> {
      const row = {
        order_id: o.orderId,
        job_id: o.jobId,
        worker_id: o.workerId,
        employer_id: o.employerId,
        shift_starts_at: o.shiftStartsAt,
      };
      if (!(await repo.saveReminder(row, tx.db))) return;
      if (o.shiftStartsAt - REMIND_BEFORE > tx.now)
        await deadlines.set(tx, SHIFT_REMINDER, o.orderId, o.shiftStartsAt - REMIND_BEFORE);
      await deadlines.set(tx, CHECK_IN_MISSING, o.orderId, o.shiftStartsAt + CHECK_IN_GRACE);
    },

    /** The worker checked in, or the order ended before the work: no more reminders. */
    async stop(tx: Tx<MessageDB>, orderId: string): Promise<void> {
      for (const kind of [SHIFT_REMINDER, CHECK_IN_MISSING]) await deadlines.cancel(tx, kind, orderId);
    },

    async shiftSoon(tx: Tx<MessageDB>, orderId: string): Promise<void> {
      const r = await repo.findReminder(orderId, tx.db);
      if (!r) return;
      await notifications.notify(tx, `remind:${orderId}`, r.worker_id, 'shift_reminder', {
        orderId,
        jobId: r.job_id,
      });
    },

    async checkInMissing(tx: Tx<MessageDB>, orderId: string): Promise<void> {
      const r = await repo.findReminder(orderId, tx.db);
      if (!r) return;
      const params = { orderId, jobId: r.job_id };
      await notifications.notify(tx, `checkin:${orderId}`, r.worker_id, 'check_in_missing', {
        ...params,
        to: 'worker',
      });
      await notifications.notify(tx, `checkin:${orderId}`, r.employer_id, 'check_in_missing', {
        ...params,
        to: 'employer',
      });
    },
  };
}
