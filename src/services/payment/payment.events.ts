import { eventsOf } from '../../platform/events/types.js';

/**
 * Events the payment service publishes (through its outbox), each in the transaction that moved
 * the money. Amounts in fen.
 */
export interface PaymentEventMap {
  /** A top-up was credited to the wallet. */
  'payment.topped_up': { userId: string; paymentId: string; amountFen: number };
  /** An order's wage (and the employer's fee) left the employer's wallet for its escrow. */
  'payment.escrow_held': { orderId: string; employerId: string; amountFen: number };
  /** The escrow was paid out: `payFen` earned by the worker (less `feeFen` when the worker pays it), the rest back to the employer. */
  'payment.escrow_released': {
    orderId: string;
    workerId: string;
    employerId: string;
    payFen: number;
    feeFen: number;
    refundFen: number;
    /** true: the worker's pay waits in pending settlement (weekly settlement). */
    pending: boolean;
  };
  /** The whole escrow went back to the employer. */
  'payment.escrow_refunded': { orderId: string; employerId: string; amountFen: number };
  /** Pay waiting in pending settlement moved to the worker's wallet. */
  'payment.settled': { orderId: string; workerId: string; amountFen: number };
  'payment.withdrawal_succeeded': { withdrawalId: string; userId: string; amountFen: number };
  /** The money is back in the wallet. */
  'payment.withdrawal_failed': { withdrawalId: string; userId: string; amountFen: number; reason: string };
}

const event = eventsOf<PaymentEventMap>();

export const PaymentEvents = {
  toppedUp: event('payment.topped_up'),
  escrowHeld: event('payment.escrow_held'),
  escrowReleased: event('payment.escrow_released'),
  escrowRefunded: event('payment.escrow_refunded'),
  settled: event('payment.settled'),
  withdrawalSucceeded: event('payment.withdrawal_succeeded'),
  withdrawalFailed: event('payment.withdrawal_failed'),
};
