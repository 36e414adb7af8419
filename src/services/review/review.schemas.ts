import Type, { type Static } from 'typebox';
import {
  AnswerInstant,
  ListAnswer,
  Nullable,
  Text,
  Ulid,
  listQueryFields,
  literals,
} from '../../platform/schemas.js';
import { MAX_TAGS } from './review.tags.js';
import { MAX_SUMMARY_IDS } from './review-reads.js';

const Direction = literals(
  ['worker_to_employer', 'employer_to_worker'] as const,
  'worker_to_employer: the worker reviews the employer; employer_to_worker: the reverse',
);
const Reason = Text({ maxLength: 200, description: 'Why' });

export const OrderParams = Type.Object({ orderId: Ulid });
export const UserParams = Type.Object({ userId: Ulid });

export const ReviewBody = Type.Object(
  {
    stars: Type.Integer({ minimum: 1, maximum: 5, description: '1–5 stars' }),
    tags: Type.Optional(
      Type.Array(Type.String({ maxLength: 40 }), {
        maxItems: MAX_TAGS,
        uniqueItems: true,
        description: `Up to ${MAX_TAGS} tag codes of the review's direction (GET /api/v1/reviews/tags)`,
      }),
    ),
    text: Type.Optional(Text({ maxLength: 500, multiline: true, description: 'What happened, in words' })),
  },
  { additionalProperties: false },
);
export type ReviewBody = Static<typeof ReviewBody>;

export const ReplyBody = Type.Object(
  { text: Text({ maxLength: 500, multiline: true, description: 'The answer, shown under the review' }) },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object({ reason: Reason }, { additionalProperties: false });

export const ReviewSchema = Type.Object({
  id: Ulid,
  orderId: Ulid,
  direction: Direction,
  authorId: Nullable(Type.String({ description: 'Null once the author deleted the account' })),
  subjectId: Ulid,
  stars: Nullable(
    Type.Integer({ minimum: 1, maximum: 5, description: 'Null: no review (none written in the window)' }),
  ),
  tags: Type.Array(Type.String()),
  text: Nullable(Type.String()),
  status: literals(
    ['waiting', 'published', 'hidden'] as const,
    'waiting (hidden until the other side writes or the window closes) | published | hidden (by an admin)',
  ),
  publishedAt: Nullable(AnswerInstant()),
  reply: Nullable(Type.Object({ text: Type.String(), at: AnswerInstant() })),
  createdAt: AnswerInstant(),
});

export const OrderReviewsSchema = Type.Object({
  orderId: Ulid,
  windowEndsAt: AnswerInstant('Reviews may be written until then'),
  published: Type.Boolean({ description: 'Both sides are visible (both wrote, or the window closed)' }),
  publishedAt: Nullable(AnswerInstant()),
  canReview: Type.Boolean({ description: 'I am a party and may still write my review' }),
  mine: Nullable(ReviewSchema),
  others: Type.Array(ReviewSchema, { description: "The other side's review, once published" }),
});

export const ReceivedQuery = Type.Object(
  {
    as: Type.Optional(
      literals(['worker', 'employer'] as const, 'Reviews received as a worker (default) or as an employer'),
    ),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export const ReviewPage = ListAnswer(ReviewSchema);

const Rating = Type.Object({
  count: Type.Integer({ description: 'Published star ratings received' }),
  average: Nullable(Type.Number({ description: 'Mean stars, two decimals' })),
  tags: Type.Record(Type.String(), Type.Integer(), { description: 'How often each tag was given' }),
});
const Level = literals(
  ['poor', 'fair', 'good', 'very_good', 'excellent'] as const,
  'poor < 450 ≤ fair < 550 ≤ good < 650 ≤ very_good < 750 ≤ excellent',
);
export const SummarySchema = Type.Object({
  userId: Ulid,
  credit: Type.Object({ score: Type.Integer({ minimum: 0, maximum: 1000 }), level: Level }),
  asWorker: Rating,
  asEmployer: Rating,
});
export const SummariesQuery = Type.Object(
  {
    ids: Type.String({
      pattern: `^[0-9A-HJKMNP-TV-Z]{26}(,[0-9A-HJKMNP-TV-Z]{26}){0,${MAX_SUMMARY_IDS - 1}}$`,
      description: `Up to ${MAX_SUMMARY_IDS} user ids, comma-separated`,
    }),
  },
  { additionalProperties: false },
);
export const SummariesAnswer = Type.Object({ items: Type.Array(SummarySchema) });

const PenaltyEvent = Type.Object({
  refId: Type.String({ description: 'The order' }),
  at: AnswerInstant(),
  fullPoints: Type.Integer(),
  points: Type.Number({ description: 'What it takes off now (one decimal)' }),
  halvesAt: AnswerInstant(),
  fadedAt: AnswerInstant('From then on it is worth less than half a point on its own'),
});
const Part = Type.Object({
  kind: literals(
    [
      'base',
      'completed_orders',
      'ratings',
      'verified',
      'no_shows',
      'late_cancellations',
      'disputes_lost',
    ] as const,
    'The part of the score',
  ),
  label: Type.String(),
  rule: Type.String({ description: 'How the part is counted' }),
  points: Type.Integer(),
  count: Type.Optional(Type.Integer()),
  average: Type.Optional(Nullable(Type.Number())),
  identity: Type.Optional(Type.Boolean()),
  enterprise: Type.Optional(Type.Boolean()),
  events: Type.Optional(Type.Array(PenaltyEvent)),
});
export const CreditSchema = Type.Object({
  userId: Ulid,
  score: Type.Integer({ minimum: 0, maximum: 1000 }),
  level: Level,
  levelLabel: Type.String(),
  computedAt: Type.Optional(AnswerInstant()),
  parts: Type.Optional(
    Type.Array(Part, { description: 'Only to the user and admins: the lines add up to the score' }),
  ),
  projections: Type.Optional(
    Type.Array(Type.Object({ days: Type.Integer(), at: AnswerInstant(), score: Type.Integer() }), {
      description: 'The score in so many days if nothing new happens (penalties fade)',
    }),
  ),
});

const Tag = Type.Object({ code: Type.String(), zh: Type.String(), en: Type.String() });
export const TagsSchema = Type.Object({
  worker_to_employer: Type.Array(Tag),
  employer_to_worker: Type.Array(Tag),
});

export const ReportSchema = Type.Object({
  id: Ulid,
  reviewId: Ulid,
  reason: Type.String(),
  status: literals(['open', 'upheld', 'dismissed'] as const, 'open | upheld (hidden) | dismissed'),
  createdAt: AnswerInstant(),
});
export const QueueItem = Type.Object({
  review: ReviewSchema,
  reports: Type.Array(
    Type.Object({ id: Ulid, reporterId: Ulid, reason: Type.String(), createdAt: AnswerInstant() }),
  ),
});
export const QueuePage = ListAnswer(QueueItem);
export const ListOnly = Type.Object(listQueryFields(), { additionalProperties: false });
