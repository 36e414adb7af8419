import type { JobStatus } from './job.db.js';
import { JobErrors } from './job.errors.js';

/**
 * The job lifecycle as data: every action on a job, the states it is allowed from and the state it
 * leaves the job in. The use cases ask this table; nothing else decides whether a state allows an
 * action. Pure, so the whole lifecycle is tested without a database.
 */
export type JobAction =
  | 'edit'
  | 'holdForReview'
  | 'submit'
  | 'submitForReview'
  | 'close'
  | 'archive'
  | 'approve'
  | 'reject'
  | 'takeDown'
  | 'hire'
  | 'expire'
  | 'archiveOld';

export interface Transition {
  from: readonly JobStatus[];
  /** The state the action sets; `same` keeps the job's state (open and filled follow the hires). */
  to: JobStatus | 'same';
  /** The action as a refusal names it: "A job in state closed cannot be edited". */
  verb: string;
}

/** States in which a job is live: public or about to be, and still to be worked. */
const LIVE: readonly JobStatus[] = ['open', 'filled', 'in_review'];

export const TRANSITIONS: Readonly<Record<JobAction, Transition>> = {
  // The employer's
  edit: { from: ['draft', 'open', 'filled'], to: 'same', verb: 'edited' },
  /** A live job whose edited text needs a look leaves the public until an admin approves it. */
  holdForReview: { from: ['open', 'filled'], to: 'in_review', verb: 'edited' },
  submit: { from: ['draft'], to: 'open', verb: 'submitted' },
  /** Submitted text that moderation flags, or any submission when review is manual. */
  submitForReview: { from: ['draft'], to: 'in_review', verb: 'submitted' },
  close: { from: LIVE, to: 'closed', verb: 'closed' },
  archive: { from: ['draft', 'closed', 'expired'], to: 'archived', verb: 'archived' },
  // An admin's (audited)
  approve: { from: ['in_review'], to: 'open', verb: 'approved' },
  reject: { from: ['in_review'], to: 'draft', verb: 'rejected' },
  takeDown: { from: LIVE, to: 'closed', verb: 'taken_down' },
  // The order service's: a new hire needs a job that takes hires (fewer hires are always accepted).
  hire: { from: ['open', 'filled'], to: 'same', verb: 'hired on' },
  // The schedules': a job not in these states is skipped rather than refused.
  expire: { from: LIVE, to: 'expired', verb: 'expired' },
  archiveOld: { from: ['closed', 'expired'], to: 'archived', verb: 'archived' },
};

/** States in which anyone may see a job (the others are the employer's business). */
export const PUBLIC_STATES: readonly JobStatus[] = ['open', 'filled', 'closed', 'expired'];

/**
 * Whether anyone may read a job: it is in a public state and no admin took it down. A job taken
 * down is closed, but unlike one its employer closed, its text stays out of public view for good:
 * only its employer and admins read it (the owner's view).
 */
export function isPublic(job: { status: JobStatus; taken_down_at: number | null }): boolean {
  return PUBLIC_STATES.includes(job.status) && job.taken_down_at === null;
}

export function isAllowed(action: JobAction, status: JobStatus): boolean {
  return TRANSITIONS[action].from.includes(status);
}

/** Refuses with JOB_STATE_INVALID when a job in `status` does not allow `action`. */
export function assertAllowed(action: JobAction, status: JobStatus): void {
  if (!isAllowed(action, status)) {
    throw JobErrors.JOB_STATE_INVALID({ status, action: TRANSITIONS[action].verb });
  }
}

/** The state `action` leaves a job in that is now in `status` (refused as assertAllowed refuses). */
export function nextStatus(action: JobAction, status: JobStatus): JobStatus {
  assertAllowed(action, status);
  const { to } = TRANSITIONS[action];
  return to === 'same' ? status : to;
}

/** Open and filled follow the hires: a job whose every shift is full is filled, else open. */
export function settle(status: JobStatus, allShiftsFull: boolean): JobStatus {
  if (status !== 'open' && status !== 'filled') return status;
  return allShiftsFull ? 'filled' : 'open';
}

export type JobChangeKind =
  'published' | 'updated' | 'filled' | 'reopened' | 'closed' | 'expired' | 'archived';

/** Which event a new version of a job publishes, by the state it had and the state it has now. */
export function changeKind(previous: JobStatus, next: JobStatus): JobChangeKind {
  if (next !== previous) {
    if (next === 'open') return previous === 'filled' ? 'reopened' : 'published';
    if (next === 'filled' && previous === 'open') return 'filled';
    if (next === 'closed' || next === 'expired' || next === 'archived') return next;
  }
  return 'updated';
}
