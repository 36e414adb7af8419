import Type, { type Static } from 'typebox';
import {
  AmountFen,
  AnswerInstant,
  Instant,
  ListAnswer,
  MaskedPhone,
  Nullable,
  Phone,
  Text,
  Ulid,
  listQueryFields,
} from '../../platform/schemas.js';

/**
 * Request and response schemas of the job service (bodies refuse unknown fields). Every string a
 * person writes is Text(): trimmed and normalised at the edge, blank and control characters refused.
 */
const CategoryCode = Type.String({ pattern: '^[a-z_]+(\\.[a-z_]+)?$', maxLength: 64 });

export const JOB_STATUSES = [
  'draft',
  'in_review',
  'open',
  'filled',
  'closed',
  'expired',
  'archived',
] as const;
export const PAY_TYPES = ['hourly', 'daily', 'piece', 'fixed'] as const;
export const SETTLEMENTS = ['daily', 'weekly', 'on_completion'] as const;
export const CERTIFICATES = [
  'health_certificate',
  'electrician',
  'forklift',
  'driver_license',
  'security_guard',
  'teacher',
  'first_aid',
] as const;
export const JobStatusSchema = Type.Enum(JOB_STATUSES);
export const MAX_SHIFTS = 50;
export const MAX_HEADCOUNT = 1000;
/** A tag's length in characters, also after normalizeTags folds it (job.input.ts). */
export const MAX_TAG_LENGTH = 12;
/** 100,000 yuan: more than any gig pays; a larger figure is a typo in fen. */
export const MAX_PAY_FEN = 10_000_000;

const ShiftInput = Type.Object(
  {
    id: Type.Optional(Ulid),
    startsAt: Instant,
    endsAt: Instant,
    headcount: Type.Integer({ minimum: 1, maximum: MAX_HEADCOUNT }),
  },
  { additionalProperties: false },
);
const PayInput = Type.Object(
  {
    type: Type.Enum(PAY_TYPES, { description: 'hourly 时薪, daily 日薪, piece 计件, fixed 一口价' }),
    amountFen: AmountFen({ minimum: 1, maximum: MAX_PAY_FEN }),
    // Required with `type: piece`, checked by the service (PAY_UNIT_REQUIRED) rather than by an
    // if/then here, which would answer VALIDATION_FAILED instead of the code clients handle.
    unit: Type.Optional(
      Text({
        minLength: 1,
        maxLength: 8,
        description: 'Piece unit, e.g. 件 or 单: required when `type` is piece (PAY_UNIT_REQUIRED)',
      }),
    ),
  },
  { additionalProperties: false },
);
const PlaceInput = Type.Object(
  {
    address: Text({ minLength: 2, maxLength: 200 }),
    city: Text({ minLength: 2, maxLength: 40, description: 'e.g. 上海市' }),
    district: Type.Optional(Text({ minLength: 1, maxLength: 40 })),
    location: Type.Optional(
      Type.Object(
        {
          lng: Type.Number({ minimum: -180, maximum: 180 }),
          lat: Type.Number({ minimum: -90, maximum: 90 }),
          system: Type.Enum(['wgs84', 'gcj02'] as const, {
            description: 'wgs84 from GPS, gcj02 from Amap/Tencent maps',
          }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
const RequirementsInput = Type.Object(
  {
    skills: Type.Optional(Type.Array(CategoryCode, { maxItems: 10 })),
    minAge: Type.Optional(Type.Integer({ minimum: 16, maximum: 70 })),
    certificates: Type.Optional(Type.Array(Type.Enum(CERTIFICATES), { maxItems: CERTIFICATES.length })),
  },
  { additionalProperties: false },
);
const ContactInput = Type.Object(
  { name: Text({ minLength: 1, maxLength: 20 }), phone: Phone },
  { additionalProperties: false },
);
const Tags = Type.Array(Text({ minLength: 1, maxLength: MAX_TAG_LENGTH }), { maxItems: 10 });

const jobFields = {
  title: Text({ minLength: 4, maxLength: 60 }),
  description: Text({ minLength: 10, maxLength: 2000, multiline: true }),
  category: CategoryCode,
  tags: Type.Optional(Tags),
  pay: PayInput,
  settlement: Type.Enum(SETTLEMENTS, { description: 'daily 日结, weekly 周结, on_completion 完工结' }),
  shifts: Type.Array(ShiftInput, { minItems: 1, maxItems: MAX_SHIFTS }),
  requirements: Type.Optional(RequirementsInput),
  contact: ContactInput,
  place: PlaceInput,
};

export const CreateJobBody = Type.Object(jobFields, { additionalProperties: false });
export type CreateJobInput = Static<typeof CreateJobBody>;

export const UpdateJobBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1, description: 'The version being edited (optimistic lock)' }),
    title: Type.Optional(jobFields.title),
    description: Type.Optional(jobFields.description),
    category: Type.Optional(CategoryCode),
    tags: Type.Optional(Tags),
    pay: Type.Optional(PayInput),
    settlement: Type.Optional(jobFields.settlement),
    shifts: Type.Optional(jobFields.shifts),
    requirements: Type.Optional(RequirementsInput),
    contact: Type.Optional(ContactInput),
    place: Type.Optional(PlaceInput),
  },
  { additionalProperties: false, minProperties: 2 },
);
export type UpdateJobInput = Static<typeof UpdateJobBody>;

export const VersionBody = Type.Object(
  { version: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export const CloseBody = Type.Object(
  {
    version: Type.Integer({ minimum: 1 }),
    reason: Type.Optional(Text({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
export const ReasonBody = Type.Object(
  { reason: Text({ minLength: 2, maxLength: 200 }) },
  { additionalProperties: false },
);
export const ApproveBody = Type.Object(
  { note: Type.Optional(Text({ minLength: 1, maxLength: 200 })) },
  { additionalProperties: false },
);
export const ShiftParams = Type.Object({ id: Ulid, shiftId: Ulid });
export const CodeParams = Type.Object({ code: CategoryCode });
export const TermsQuery = Type.Object(
  { version: Type.Optional(Type.Integer({ minimum: 1 })) },
  { additionalProperties: false },
);
export const OpenJobsQuery = Type.Object(
  {
    after: Type.Optional(Ulid),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  },
  { additionalProperties: false },
);
export const HiresBody = Type.Object(
  {
    hired: Type.Integer({ minimum: 0, maximum: MAX_HEADCOUNT }),
    version: Type.Integer({ minimum: 1, description: 'The job version the order read its terms at' }),
  },
  { additionalProperties: false },
);
export const MineQuery = Type.Object(
  { status: Type.Optional(JobStatusSchema), ...listQueryFields() },
  { additionalProperties: false },
);
export const CategoryPatchBody = Type.Object(
  {
    zh: Type.Optional(Text({ minLength: 1, maxLength: 40 })),
    en: Type.Optional(Text({ minLength: 1, maxLength: 60 })),
    enabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);

// Responses
const PaySchema = Type.Object({
  type: Type.Enum(PAY_TYPES),
  amountFen: Type.Integer(),
  unit: Nullable(Type.String({ description: 'The piece unit (件, 单) of a piece rate; null otherwise' })),
  display: Type.String({ description: 'e.g. 200元/天' }),
});
const PlaceSchema = Type.Object({
  address: Type.String(),
  city: Type.String(),
  district: Nullable(Type.String()),
  location: Type.Object({ lng: Type.Number(), lat: Type.Number() }, { description: 'GCJ-02' }),
});
const ShiftSchema = Type.Object({
  id: Type.String(),
  startsAt: AnswerInstant(),
  endsAt: AnswerInstant(),
  headcount: Type.Integer(),
  openings: Type.Integer({ description: 'Places not yet filled' }),
  locked: Type.Boolean({ description: 'Someone is hired: times, pay and place are fixed' }),
});
const RequirementsSchema = Type.Object({
  skills: Type.Array(Type.String()),
  minAge: Type.Integer(),
  certificates: Type.Array(Type.String()),
});
const publicFields = {
  id: Type.String(),
  version: Type.Integer(),
  status: JobStatusSchema,
  employerId: Type.String(),
  title: Type.String(),
  description: Type.String(),
  category: Type.String(),
  categoryName: Type.String(),
  tags: Type.Array(Type.String()),
  pay: PaySchema,
  settlement: Type.Enum(SETTLEMENTS),
  shifts: Type.Array(ShiftSchema),
  requirements: RequirementsSchema,
  contact: Type.Object({ name: Type.String(), phone: MaskedPhone }),
  place: PlaceSchema,
  startsAt: AnswerInstant(),
  endsAt: AnswerInstant(),
  publishedAt: Nullable(AnswerInstant()),
  employerVerified: Type.Boolean({ description: "认证企业: the employer's company is verified" }),
};
export const PublicJobSchema = Type.Object({
  ...publicFields,
  viewCount: Type.Integer(),
  employerReputation: Nullable(
    Type.Object(
      {
        creditScore: Type.Integer({ description: "The employer's credit score (信用分), 0–1000" }),
        creditLevel: Type.String({ description: 'poor | fair | good | very_good | excellent' }),
        rating: Type.Object({
          count: Type.Integer({ description: 'Star ratings received from workers' }),
          average: Nullable(Type.Number()),
        }),
      },
      { description: 'Null when the review service could not be read' },
    ),
  ),
});
export const OpenJobsResponse = Type.Object({ items: Type.Array(Type.Object(publicFields)) });
export const OwnerJobSchema = Type.Object({
  ...publicFields,
  viewCount: Type.Integer(),
  contact: Type.Object({ name: Type.String(), phone: Type.String() }),
  shifts: Type.Array(Type.Object({ ...ShiftSchema.properties, hired: Type.Integer() })),
  moderationNote: Nullable(Type.String()),
  closeReason: Nullable(Type.String()),
  createdAt: AnswerInstant(),
  updatedAt: AnswerInstant(),
  closedAt: Nullable(AnswerInstant()),
  takenDownAt: Nullable(AnswerInstant('When an admin took the job down: it is out of public view for good')),
});
export const JobSummarySchema = Type.Object({
  id: Type.String(),
  version: Type.Integer(),
  status: JobStatusSchema,
  title: Type.String(),
  category: Type.String(),
  pay: PaySchema,
  city: Type.String(),
  startsAt: AnswerInstant(),
  endsAt: AnswerInstant(),
  headcount: Type.Integer(),
  hired: Type.Integer(),
  viewCount: Type.Integer(),
  moderationNote: Nullable(Type.String()),
  updatedAt: AnswerInstant(),
});
export const MineResponse = ListAnswer(JobSummarySchema, {
  counts: Type.Record(Type.String(), Type.Integer(), { description: 'Jobs per state (all of mine)' }),
});
export const ReviewQueueResponse = ListAnswer(JobSummarySchema);
export const TermsSchema = Type.Object(publicFields);
export const HiresResponse = Type.Object({
  jobId: Type.String(),
  shiftId: Type.String(),
  version: Type.Integer(),
  status: JobStatusSchema,
  hired: Type.Integer(),
  headcount: Type.Integer(),
});
const CategoryNode = Type.Object({
  code: Type.String(),
  zh: Type.String(),
  en: Type.String(),
  children: Type.Array(Type.Object({ code: Type.String(), zh: Type.String(), en: Type.String() })),
});
export const CategoriesResponse = Type.Object({
  taxonomyVersion: Type.String(),
  items: Type.Array(CategoryNode),
});
export const CategorySchema = Type.Object({
  code: Type.String(),
  parent: Nullable(Type.String()),
  zh: Type.String(),
  en: Type.String(),
  enabled: Type.Boolean(),
});
