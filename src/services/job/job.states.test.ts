import { describe, expect, it } from 'vitest';
import { AppError } from '../../platform/errors.js';
import type { JobStatus } from './job.db.js';
import { JOB_STATUSES } from './job.schemas.js';
import {
  TRANSITIONS,
  changeKind,
  isAllowed,
  isPublic,
  nextStatus,
  settle,
  type JobAction,
  type JobChangeKind,
} from './job.states.js';

/**
 * The lifecycle as a reader checks it: the state each action leaves a job in, from each state in
 * the header's columns; `-` where the action is refused.
 */
const LIFECYCLE = `
  action           draft      in_review  open       filled     closed     expired    archived
  edit             draft      -          open       filled     -          -          -
  holdForReview    -          -          in_review  in_review  -          -          -
  submit           open       -          -          -          -          -          -
  submitForReview  in_review  -          -          -          -          -          -
  close            -          closed     closed     closed     -          -          -
  archive          archived   -          -          -          archived   archived   -
  approve          -          open       -          -          -          -          -
  reject           -          draft      -          -          -          -          -
  takeDown         -          closed     closed     closed     -          -          -
  hire             -          -          open       filled     -          -          -
  expire           -          expired    expired    expired    -          -          -
  archiveOld       -          -          -          -          archived   archived   -
`;

/** A text table's rows, each as its words. */
const words = (table: string): string[][] =>
  table
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/));

const [header, ...rows] = words(LIFECYCLE);
const STATES = header!.slice(1) as JobStatus[];
const ACTIONS = rows.map((row) => row[0] as JobAction);
const cases = rows.flatMap(([action, ...targets]) =>
  targets.map((to, i) => ({
    action: action as JobAction,
    from: STATES[i]!,
    to: to === '-' ? undefined : (to as JobStatus),
  })),
);

describe('the job lifecycle table', () => {
  it('covers every state and every action', () => {
    expect([...STATES].sort()).toEqual([...JOB_STATUSES].sort());
    expect([...ACTIONS].sort()).toEqual(Object.keys(TRANSITIONS).sort());
    expect(cases).toHaveLength(ACTIONS.length * STATES.length);
  });

  it.each(cases.filter((c) => c.to !== undefined))('$action: $from → $to', ({ action, from, to }) => {
    expect(isAllowed(action, from)).toBe(true);
    expect(nextStatus(action, from)).toBe(to);
  });

  it.each(cases.filter((c) => c.to === undefined))('$action: refused from $from', ({ action, from }) => {
    expect(isAllowed(action, from)).toBe(false);
    let refusal: unknown;
    try {
      nextStatus(action, from);
    } catch (e) {
      refusal = e;
    }
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({
      code: 'JOB_STATE_INVALID',
      status: 409,
      message: `A job in state ${from} cannot be ${TRANSITIONS[action].verb}`,
    });
  });
});

describe('open and filled follow the hires', () => {
  it.each([
    ['open', true, 'filled'],
    ['open', false, 'open'],
    ['filled', true, 'filled'],
    ['filled', false, 'open'],
    ...(['draft', 'in_review', 'closed', 'expired', 'archived'] as const).flatMap((s) => [
      [s, true, s],
      [s, false, s],
    ]),
  ] as [JobStatus, boolean, JobStatus][])('%s with every shift full: %s → %s', (status, full, expected) => {
    expect(settle(status, full)).toBe(expected);
  });
});

/** A new version's state before and after it, and the event it publishes. */
const EVENTS = `
  draft      open       published
  in_review  open       published
  filled     open       reopened
  open       filled     filled
  in_review  filled     updated
  open       in_review  updated
  in_review  draft      updated
  open       closed     closed
  in_review  closed     closed
  filled     expired    expired
  closed     archived   archived
  open       open       updated
  closed     closed     updated
`;

describe('the event a new version publishes', () => {
  it.each(words(EVENTS) as [JobStatus, JobStatus, JobChangeKind][])(
    '%s → %s: job.%s',
    (before, after, kind) => {
      expect(changeKind(before, after)).toBe(kind);
    },
  );
});

describe('who may read a job', () => {
  const PUBLIC: Record<JobStatus, boolean> = {
    draft: false,
    in_review: false,
    open: true,
    filled: true,
    closed: true,
    expired: true,
    archived: false,
  };
  it.each(JOB_STATUSES.map((s) => [s, PUBLIC[s]] as const))('a job %s is public: %s', (status, expected) => {
    expect(isPublic({ status, taken_down_at: null })).toBe(expected);
  });
  it.each(JOB_STATUSES)('a job taken down is never public, %s or otherwise', (status) => {
    expect(isPublic({ status, taken_down_at: Date.UTC(2026, 11, 7) })).toBe(false);
  });
});
