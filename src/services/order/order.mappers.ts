import type { ApplicationRow, DisputeRow, OrderRow, TransitionRow } from './order.repository.js';

type At = (instant: number) => string;
const maybe = (at: At, instant: number | null) => (instant === null ? null : at(instant));

export interface ApplicationView {
  id: string;
  jobId: string;
  shiftId: string;
  workerId: string;
  employerId: string;
  status: ApplicationRow['status'];
  source: ApplicationRow['source'];
  jobVersion: number;
  note: string | null;
  pieceMax: number | null;
  orderId: string | null;
  reason: string | null;
  shiftStartsAt: string;
  createdAt: string;
  updatedAt: string;
}

export function toApplicationView(row: ApplicationRow, at: At): ApplicationView {
  return {
    id: row.id,
    jobId: row.job_id,
    shiftId: row.shift_id,
    workerId: row.worker_id,
    employerId: row.employer_id,
    status: row.status,
    source: row.source,
    jobVersion: Number(row.job_version),
    note: row.note,
    pieceMax: row.piece_max === null ? null : Number(row.piece_max),
    orderId: row.order_id,
    reason: row.reason,
    shiftStartsAt: at(Number(row.shift_starts_at)),
    createdAt: at(Number(row.created_at)),
    updatedAt: at(Number(row.updated_at)),
  };
}

export interface OrderView {
  id: string;
  state: OrderRow['state'];
  version: number;
  applicationId: string;
  jobId: string;
  shiftId: string;
  workerId: string;
  employerId: string;
  terms: {
    jobVersion: number;
    payType: OrderRow['pay_type'];
    rateFen: number;
    settlement: OrderRow['settlement'];
    pieceMax: number | null;
    /** The most the shift can cost in wages: what the escrow holds (the fee comes on top). */
    wageFen: number;
    shift: { startsAt: string; endsAt: string };
    place: { lng: number; lat: number };
    fenceMeters: number;
    agreementSha256: string;
  };
  attendance: {
    checkedInAt: string | null;
    checkInMeters: number | null;
    checkedOutAt: string | null;
    checkOutMeters: number | null;
    workedMinutes: number | null;
    adjustedMinutes: number | null;
    adjustReason: string | null;
    contestUntil: string | null;
  };
  pieceCount: number | null;
  submittedAt: string | null;
  completedAt: string | null;
  /** What the order paid or pays the worker (before a worker-paid fee); null while open. */
  payFen: number | null;
  escrow: {
    action: OrderRow['escrow_action'];
    pendingSettlement: boolean;
    movedAt: string | null;
    settledAt: string | null;
  };
  cancelledBy: OrderRow['cancelled_by'];
  reason: string | null;
  createdAt: string;
  updatedAt: string;
}

export function toOrderView(row: OrderRow, at: At): OrderView {
  const n = (v: number | null) => (v === null ? null : Number(v));
  return {
    id: row.id,
    state: row.state,
    version: Number(row.version),
    applicationId: row.application_id,
    jobId: row.job_id,
    shiftId: row.shift_id,
    workerId: row.worker_id,
    employerId: row.employer_id,
    terms: {
      jobVersion: Number(row.job_version),
      payType: row.pay_type,
      rateFen: Number(row.rate_fen),
      settlement: row.settlement,
      pieceMax: n(row.piece_max),
      wageFen: Number(row.wage_fen),
      shift: { startsAt: at(Number(row.shift_starts_at)), endsAt: at(Number(row.shift_ends_at)) },
      place: { lng: Number(row.place_lng_e6) / 1e6, lat: Number(row.place_lat_e6) / 1e6 },
      fenceMeters: Number(row.fence_meters),
      agreementSha256: row.agreement_sha256,
    },
    attendance: {
      checkedInAt: maybe(at, n(row.checked_in_at)),
      checkInMeters: n(row.check_in_meters),
      checkedOutAt: maybe(at, n(row.checked_out_at)),
      checkOutMeters: n(row.check_out_meters),
      workedMinutes: n(row.worked_minutes),
      adjustedMinutes: n(row.adjusted_minutes),
      adjustReason: row.adjust_reason,
      contestUntil: maybe(at, n(row.contest_until)),
    },
    pieceCount: n(row.piece_count),
    submittedAt: maybe(at, n(row.submitted_at)),
    completedAt: maybe(at, n(row.completed_at)),
    payFen: n(row.pay_fen),
    escrow: {
      action: row.escrow_action,
      pendingSettlement: Number(row.escrow_pending) === 1 && row.settled_at === null,
      movedAt: maybe(at, n(row.escrow_done_at)),
      settledAt: maybe(at, n(row.settled_at)),
    },
    cancelledBy: row.cancelled_by,
    reason: row.reason,
    createdAt: at(Number(row.created_at)),
    updatedAt: at(Number(row.updated_at)),
  };
}

export interface TransitionView {
  from: TransitionRow['from_state'];
  to: TransitionRow['to_state'];
  actor: TransitionRow['actor'];
  actorId: string | null;
  reason: string | null;
  detail: Record<string, unknown> | null;
  at: string;
}

export function toTransitionView(row: TransitionRow, at: At): TransitionView {
  return {
    from: row.from_state,
    to: row.to_state,
    actor: row.actor,
    actorId: row.actor_id,
    reason: row.reason,
    detail: row.detail ? (JSON.parse(row.detail) as Record<string, unknown>) : null,
    at: at(Number(row.at)),
  };
}

export interface DisputeView {
  id: string;
  orderId: string;
  openedAs: DisputeRow['opened_as'];
  reason: string;
  evidence: { index: number; contentType: string; size: number; by: 'worker' | 'employer' }[];
  response: string | null;
  respondBy: string;
  status: DisputeRow['status'];
  workerFen: number | null;
  decision: string | null;
  decidedAt: string | null;
  fault: 'worker' | 'employer' | 'none' | null;
  createdAt: string;
}

export interface EvidenceFile {
  key: string;
  contentType: string;
  size: number;
  by: 'worker' | 'employer';
}

export function toDisputeView(row: DisputeRow, at: At): DisputeView {
  const files = JSON.parse(row.evidence) as EvidenceFile[];
  return {
    id: row.id,
    orderId: row.order_id,
    openedAs: row.opened_as,
    reason: row.reason,
    evidence: files.map((f, index) => ({ index, contentType: f.contentType, size: f.size, by: f.by })),
    response: row.response,
    respondBy: at(Number(row.respond_by)),
    status: row.status,
    workerFen: row.worker_fen === null ? null : Number(row.worker_fen),
    decision: row.decision,
    decidedAt: maybe(at, row.decided_at === null ? null : Number(row.decided_at)),
    fault: row.fault,
    createdAt: at(Number(row.created_at)),
  };
}
