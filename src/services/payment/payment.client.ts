/** An order's escrow as the payment service keeps it (amounts in fen). */
export interface EscrowState {
  orderId: string;
  /** none: never held; held: money in escrow; released / refunded: final, escrow zero. */
  status: 'none' | 'held' | 'released' | 'refunded';
  /** What the escrow holds now. */
  balanceFen: number;
  /** What the hold took from the employer's wallet: the wage, plus the fee when the employer pays it. */
  heldFen: number;
  /** The wage part of `heldFen`: the most a release may pay the worker. */
  wageFen: number;
  /** Who pays the fee, as fixed when the escrow was held (null: never held). */
  feePayer: 'employer' | 'worker' | null;
  /** Earned by the worker at release (before a worker-paid fee). */
  payFen: number;
  feeFen: number;
  /** Back to the employer (a refund, or the rest of a partial release). */
  refundFen: number;
  /** The worker's pay waits in pending settlement until `settle`. */
  pendingSettlement: boolean;
}

/**
 * What other services (the order service) ask of the payment service. Every call is idempotent by
 * the order id: a repeat answers the state and moves nothing. In one process it calls the service
 * directly; split, it is an HTTP client to the internal routes. Never call it inside a transaction.
 */
export interface PaymentClient {
  /**
   * The employer's wallet → the order's escrow: `wageFen` plus the fee when the employer pays it.
   * Refused with 409 ESCROW_INSUFFICIENT_FUNDS when the wallet is short ("no escrow, no hire").
   */
  hold(request: { orderId: string; employerId: string; wageFen: number }): Promise<EscrowState>;
  /**
   * Pays the order out: `payFen` (at most the wage held) to the worker — into pending settlement
   * when `pending` — the fee to the platform, the rest back to the employer. Final. A dispute's
   * split and a late cancellation's compensation are releases too.
   */
  release(request: {
    orderId: string;
    workerId: string;
    employerId: string;
    payFen: number;
    pending: boolean;
  }): Promise<EscrowState>;
  /** The whole escrow back to the employer. Final. */
  refund(request: { orderId: string; employerId: string }): Promise<EscrowState>;
  /** Pay released into pending settlement moves to the worker's wallet (weekly settlement). */
  settle(request: { orderId: string; workerId: string }): Promise<EscrowState>;
  escrow(orderId: string): Promise<EscrowState>;
}
