/** Who reviews whom: a worker the employer (worker_to_employer) or an employer the worker. */
export type ReviewDirection = 'worker_to_employer' | 'employer_to_worker';

/** What a credit fact records (see credit.formula.ts for the points of each). */
export type FactKind = 'completed' | 'no_show' | 'late_cancel' | 'dispute_lost' | 'verified';

/** The review service's tables, as Kysely sees them. Only review.repository.ts queries them. */
export interface ReviewDB {
  /**
   * A completed order as the review service knows it (from order.completed / dispute.decided): its
   * parties and the review window. `published_at` is set once, when both reviewed or the window
   * closed; the reviews are hidden until then.
   */
  review_orders: {
    order_id: string;
    job_id: string;
    worker_id: string;
    employer_id: string;
    completed_at: number;
    window_ends_at: number;
    published_at: number | null;
  };
  /**
   * One review per order and direction. `stars` null is the default a party who did not review by
   * the window's end gets ("no review"), which counts in no average.
   */
  review_reviews: {
    id: string;
    order_id: string;
    direction: ReviewDirection;
    /** Null once the author's account was deleted (anonymised). */
    author_id: string | null;
    subject_id: string;
    stars: number | null;
    /** JSON array of tag codes (review.tags.ts). */
    tags: string;
    text: string | null;
    /** 1 when moderation found contact details or pay-to-work words: shown, and queued for an admin. */
    flagged: number;
    published_at: number | null;
    reply: string | null;
    replied_at: number | null;
    hidden_at: number | null;
    hidden_reason: string | null;
    /** Open reports (reset when an admin hides the review or dismisses them). */
    open_reports: number;
    created_at: number;
  };
  /** One report per user and review. */
  review_reports: {
    id: string;
    review_id: string;
    reporter_id: string;
    reason: string;
    status: 'open' | 'upheld' | 'dismissed';
    created_at: number;
  };
  /**
   * Received published star ratings per user and role (the subject's side: 'worker' for reviews
   * written by employers), kept in the transaction that publishes or hides a review.
   */
  review_summaries: {
    user_id: string;
    role: 'worker' | 'employer';
    count: number;
    stars_sum: number;
    /** JSON object tag → count. */
    tags: string;
    updated_at: number;
  };
  /**
   * What the credit score is made of, one row per fact, unique by `fact_key` (the order and kind,
   * or the user and verification kind), so an event handled twice records nothing twice.
   */
  review_credit_facts: {
    id: string;
    fact_key: string;
    user_id: string;
    kind: FactKind;
    ref_id: string;
    at: number;
    /** Verification facts: 1 while approved, and the verification's version (the newest wins). */
    active: number;
    version: number;
  };
  /** Each user's score as last computed, with its parts (JSON) for the explanation. */
  review_credit_scores: {
    user_id: string;
    score: number;
    parts: string;
    computed_at: number;
  };
}
