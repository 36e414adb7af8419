import { eventsOf } from '../../platform/events/types.js';

/** What is verified: a person's real name (实名) or an employer's company (企业). */
export type VerificationKind = 'identity' | 'enterprise';

/**
 * Events the verification service publishes (through its outbox). `version` is the subject's
 * version (per user and kind) after the change: a consumer keeps the highest it has applied and
 * ignores older ones, so redelivery and reordering cannot bring back a revoked badge. No event
 * carries an ID number or a name.
 */
export interface VerificationEventMap {
  /** A real name or a company was verified (first time, or a change an admin approved). */
  'verification.approved': VerificationChanged & { companyName: string | null };
  /** A request was refused; an earlier approval, if any, stays in force. */
  'verification.rejected': VerificationChanged & { reason: string };
  /** An approval was withdrawn by an admin, or its account was deleted. */
  'verification.revoked': VerificationChanged & { reason: string };
}

export interface VerificationChanged {
  userId: string;
  kind: VerificationKind;
  version: number;
}

const event = eventsOf<VerificationEventMap>();

export const VerificationEvents = {
  approved: event('verification.approved'),
  rejected: event('verification.rejected'),
  revoked: event('verification.revoked'),
};
