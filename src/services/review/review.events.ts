import { eventsOf } from '../../platform/events/types.js';
import type { CreditLevel } from './credit.formula.js';
import type { ReviewDirection } from './review.db.js';

export interface PublishedReview {
  reviewId: string;
  direction: ReviewDirection;
  /** Null once the author's account was deleted. */
  authorId: string | null;
  subjectId: string;
  /** Null: the party did not review within the window ("no review"). */
  stars: number | null;
}

/** Events the review service publishes (through its outbox). */
export interface ReviewEventMap {
  /** An order's reviews became visible together: both were written, or the window closed. */
  'review.published': {
    orderId: string;
    jobId: string;
    workerId: string;
    employerId: string;
    reviews: PublishedReview[];
  };
  /** The reviewed party answered a review. */
  'review.replied': { reviewId: string; orderId: string; authorId: string | null; subjectId: string };
  /** An admin hid a review (it no longer counts in averages or the score). */
  'review.hidden': { reviewId: string; orderId: string; subjectId: string; reason: string };
  /** A user's credit score changed (`previous` null for the first score). */
  'credit.changed': { userId: string; score: number; level: CreditLevel; previous: number | null };
}

const event = eventsOf<ReviewEventMap>();

export const ReviewEvents = {
  published: event('review.published'),
  replied: event('review.replied'),
  hidden: event('review.hidden'),
  creditChanged: event('credit.changed'),
};
