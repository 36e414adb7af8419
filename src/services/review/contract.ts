import { clientOf } from '../../platform/service.js';
import type { ReviewSummary } from './review.mappers.js';

/*
 * The review service's contract without its module: the order and job services call the review
 * client, and the review service consumes the order service's events, so they import this file
 * rather than each other's index.ts (which would make a cycle).
 */
export type { ReviewEventMap, PublishedReview } from './review.events.js';
export type { ReviewSummary, RatingSummary } from './review.mappers.js';
export type { CreditLevel } from './credit.formula.js';

/**
 * What other services may ask of the review service: reputation summaries (credit score and level,
 * ratings received) for applicant lists, job pages and auto-hire. Cached in the review service and
 * dropped on every change. Never call it inside a transaction.
 */
export interface ReviewClient {
  /** One summary per distinct id (at most 100); a user with no record has 600 and no ratings. */
  summaries(userIds: readonly string[]): Promise<Map<string, ReviewSummary>>;
}

export const reviewClient = clientOf<ReviewClient>('review');
