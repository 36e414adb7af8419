import { eventsOf } from '../../platform/events/types.js';
import type { Actor, DisputeFault, OrderState } from './order.db.js';

/** An order's transition as events carry it (amounts in fen). */
export interface OrderChanged {
  orderId: string;
  jobId: string;
  shiftId: string;
  workerId: string;
  employerId: string;
  from: OrderState;
  to: OrderState;
  actor: Actor;
  reason: string | null;
  /** The order's version after the transition: consumers keep the highest they applied. */
  version: number;
}

/**
 * Events the order service publishes (through its outbox). `order.cancelled` says who cancelled and
 * whether late (a worker's late cancellation counts against the worker's credit; the review
 * service reads it); `order.no_show` likewise.
 */
export interface OrderEventMap {
  'order.applied': {
    applicationId: string;
    jobId: string;
    shiftId: string;
    workerId: string;
    employerId: string;
  };
  /** `shiftStartsAt`: the shift's start (epoch ms), for reminders. */
  'order.hired': OrderChanged & { shiftStartsAt: number };
  'order.checked_in': OrderChanged;
  'order.checked_out': OrderChanged & { workedMinutes: number };
  'order.submitted': OrderChanged;
  'order.completed': OrderChanged & { payFen: number };
  /** `by`: whose cancellation it counts as (a job its employer closed is the employer's). */
  'order.cancelled': OrderChanged & { by: Actor; late: boolean; compensationFen: number };
  'order.no_show': OrderChanged;
  'order.disputed': OrderChanged & { disputeId: string };
  'order.hours_adjusted': OrderChanged & { minutes: number; previousMinutes: number | null };
  /** `fault`: whom the admin found at fault (the review service counts it as a dispute lost). */
  'dispute.decided': OrderChanged & { disputeId: string; workerFen: number; fault: DisputeFault };
}

const event = eventsOf<OrderEventMap>();

export const OrderEvents = {
  applied: event('order.applied'),
  hired: event('order.hired'),
  checkedIn: event('order.checked_in'),
  checkedOut: event('order.checked_out'),
  submitted: event('order.submitted'),
  completed: event('order.completed'),
  cancelled: event('order.cancelled'),
  noShow: event('order.no_show'),
  disputed: event('order.disputed'),
  hoursAdjusted: event('order.hours_adjusted'),
  disputeDecided: event('dispute.decided'),
};

/** The events that end an order with money to move (the escrow consumer follows them). */
export const ORDER_ENDING_EVENTS = [
  'order.completed',
  'order.cancelled',
  'order.no_show',
  'dispute.decided',
] as const satisfies readonly (keyof OrderEventMap)[];
