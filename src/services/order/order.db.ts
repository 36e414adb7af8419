import type { PayType, Settlement } from '../job/index.js';

/** The order service's tables, as Kysely sees them. Only order.repository.ts queries them. */
export interface OrderDB {
  /**
   * The order service's own count of each shift's places: `reserved` counts live orders (hiring,
   * hired and on). A hire reserves with one conditional update (reserved < headcount), so
   * concurrent hires cannot pass the headcount; the job service is told the absolute count.
   */
  order_shifts: {
    shift_id: string;
    job_id: string;
    headcount: number;
    reserved: number;
    /** 1 while `reserved` has not yet been reported to the job service (a sweep reports it). */
    dirty: number;
    updated_at: number;
  };
  /** An employer's order settings per job: auto-hire (抢单) and the check-in fence. */
  order_job_settings: {
    job_id: string;
    employer_id: string;
    auto_hire: number;
    /** Piece work hired automatically: the most pieces paid per order. */
    piece_max: number | null;
    fence_meters: number;
    /** Auto-hire takes only workers whose credit score is at least this (null: anyone verified). */
    min_credit_score: number | null;
    updated_at: number;
  };
  /** A worker's application to a shift (or an employer's invitation), one per worker and shift. */
  order_applications: {
    id: string;
    job_id: string;
    shift_id: string;
    worker_id: string;
    employer_id: string;
    status: ApplicationStatus;
    /** apply: the worker applied; invite: the employer invited and the worker accepts. */
    source: 'apply' | 'invite';
    /** The job version whose terms the worker saw, and the hash of the terms a hire must keep. */
    job_version: number;
    terms_hash: string;
    note: string | null;
    /** An invitation to piece work: the most pieces paid, stated by the employer. */
    piece_max: number | null;
    /** The order of the latest hire attempt. */
    order_id: string | null;
    /** Why it was rejected, expired or a hire failed (an error code or the employer's words). */
    reason: string | null;
    shift_starts_at: number;
    created_at: number;
    updated_at: number;
  };
  /** A work order (工单): one worker on one shift, from the hire to the pay. */
  order_orders: {
    id: string;
    application_id: string;
    job_id: string;
    shift_id: string;
    worker_id: string;
    employer_id: string;
    state: OrderState;
    /** Bumped by every transition. */
    version: number;
    job_version: number;
    /** The labour agreement: the canonical JSON of the terms and its SHA-256. */
    agreement: string;
    agreement_sha256: string;
    worker_accepted_at: number;
    employer_accepted_at: number;
    pay_type: PayType;
    rate_fen: number;
    settlement: Settlement;
    /** Piece work: the most pieces paid (the employer states it when hiring); null otherwise. */
    piece_max: number | null;
    /** The most the shift can cost in wages: what the escrow holds (the fee comes on top). */
    wage_fen: number;
    shift_starts_at: number;
    shift_ends_at: number;
    /** The job's place (GCJ-02, degrees × 10⁶) and the check-in fence around it. */
    place_lng_e6: number;
    place_lat_e6: number;
    fence_meters: number;
    /** 1 while this order holds one of the shift's places in order_shifts. */
    place_reserved: number;
    /** The code the employer's on-site contact shows a worker whose GPS fails. */
    fallback_code: string;
    checked_in_at: number | null;
    check_in_meters: number | null;
    checked_out_at: number | null;
    check_out_meters: number | null;
    /** Worked minutes from check-in and check-out; an employer's adjustment replaces them. */
    worked_minutes: number | null;
    adjusted_minutes: number | null;
    adjust_reason: string | null;
    /** Until when the worker may contest the adjustment. */
    contest_until: number | null;
    piece_count: number | null;
    submitted_at: number | null;
    completed_at: number | null;
    /** What the escrow is to do now that the order ended, and when it was done. */
    escrow_action: 'release' | 'refund' | null;
    pay_fen: number | null;
    escrow_pending: number;
    escrow_done_at: number | null;
    /** Weekly settlement: when the pay left pending settlement for the wallet. */
    settled_at: number | null;
    cancelled_by: 'worker' | 'employer' | 'admin' | 'system' | null;
    reason: string | null;
    created_at: number;
    updated_at: number;
  };
  /** Every transition of every order: who, when, why, from which state to which. */
  order_transitions: {
    id: string;
    order_id: string;
    from_state: OrderState;
    to_state: OrderState;
    actor_id: string | null;
    actor: Actor;
    reason: string | null;
    detail: string | null;
    at: number;
  };
  /** Disputes: one open at a time per order; an admin's decision splits the escrow. */
  order_disputes: {
    id: string;
    order_id: string;
    opened_by: string;
    opened_as: 'worker' | 'employer';
    reason: string;
    /** JSON: [{ key, contentType, size, by }] — evidence in private storage. */
    evidence: string;
    response: string | null;
    respond_by: number;
    /** The state the order was in when the dispute opened (hours or completion contested). */
    from_state: OrderState;
    status: 'open' | 'decided';
    worker_fen: number | null;
    decision: string | null;
    decided_by: string | null;
    decided_at: number | null;
    /** Whom the decision found at fault (a dispute lost counts against that party's credit). */
    fault: DisputeFault | null;
    created_at: number;
  };
}

export type DisputeFault = 'worker' | 'employer' | 'none';

export type ApplicationStatus =
  'pending' | 'invited' | 'hiring' | 'hired' | 'rejected' | 'withdrawn' | 'expired';

export type OrderState =
  | 'hiring'
  | 'void'
  | 'hired'
  | 'checked_in'
  | 'checked_out'
  | 'submitted'
  | 'completed'
  | 'cancelled'
  | 'no_show'
  | 'disputed'
  | 'resolved';

export type Actor = 'worker' | 'employer' | 'admin' | 'system';
