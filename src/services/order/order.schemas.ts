import Type, { type Static } from 'typebox';
import {
  AmountFen,
  AnswerInstant,
  ListAnswer,
  Nullable,
  Text,
  Ulid,
  listQueryFields,
  literals,
} from '../../platform/schemas.js';
import { ORDER_STATES } from './order.states.js';

export const ApplicationStatusSchema = literals(
  ['pending', 'invited', 'hiring', 'hired', 'rejected', 'withdrawn', 'expired'] as const,
  'pending (waits for the employer) | invited (waits for the worker) | hiring (the hire is under way) | ' +
    'hired | rejected | withdrawn | expired (the shift started or the job ended)',
);

export const OrderStateSchema = literals(
  ORDER_STATES,
  'hiring → hired → checked_in → checked_out → submitted → completed; hiring → void (the hire was ' +
    'refused and undone); hired → cancelled | no_show; checked_in … submitted → cancelled (work ' +
    'stopped, hours paid); checked_out | submitted → disputed → resolved',
);

const PieceMax = Type.Integer({
  minimum: 1,
  maximum: 100_000,
  description: 'Piece work: the most pieces paid',
});
const Reason = Text({ maxLength: 200, description: 'Why (shown to the other party)' });

export const ApplicationViewSchema = Type.Object({
  id: Ulid,
  jobId: Ulid,
  shiftId: Ulid,
  workerId: Ulid,
  employerId: Ulid,
  status: ApplicationStatusSchema,
  source: literals(['apply', 'invite'] as const, 'apply: the worker applied; invite: the employer invited'),
  jobVersion: Type.Integer({ description: 'The job version whose terms the worker applied to' }),
  note: Nullable(Type.String()),
  pieceMax: Nullable(Type.Integer()),
  orderId: Nullable(Ulid),
  reason: Nullable(Type.String({ description: 'Why it ended, or the code that refused the last hire' })),
  shiftStartsAt: AnswerInstant(),
  createdAt: AnswerInstant(),
  updatedAt: AnswerInstant(),
});

export const ApplicantSchema = Type.Object({
  ...ApplicationViewSchema.properties,
  worker: Type.Object({
    id: Ulid,
    displayName: Type.String(),
    avatarUrl: Nullable(Type.String()),
    skills: Type.Array(Type.String()),
    memberSince: Type.String(),
    realNameVerified: Type.Boolean(),
    creditScore: Type.Integer({ minimum: 0, maximum: 1000, description: 'Credit score (信用分), 0–1000' }),
    creditLevel: literals(['poor', 'fair', 'good', 'very_good', 'excellent'] as const, 'Credit level'),
    rating: Type.Object({
      count: Type.Integer({ description: 'Star ratings received as a worker' }),
      average: Nullable(Type.Number()),
    }),
  }),
});

export const OrderViewSchema = Type.Object({
  id: Ulid,
  state: OrderStateSchema,
  version: Type.Integer(),
  applicationId: Ulid,
  jobId: Ulid,
  shiftId: Ulid,
  workerId: Ulid,
  employerId: Ulid,
  terms: Type.Object({
    jobVersion: Type.Integer(),
    payType: literals(['hourly', 'daily', 'piece', 'fixed'] as const, 'How the pay is counted'),
    rateFen: AmountFen({ description: 'Per hour, day, piece, or the fixed amount' }),
    settlement: literals(['daily', 'weekly', 'on_completion'] as const, 'When the pay reaches the wallet'),
    pieceMax: Nullable(Type.Integer()),
    wageFen: AmountFen({ description: 'The most the shift can cost in wages: what the escrow holds' }),
    shift: Type.Object({ startsAt: AnswerInstant(), endsAt: AnswerInstant() }),
    place: Type.Object({ lng: Type.Number(), lat: Type.Number() }, { description: 'GCJ-02' }),
    fenceMeters: Type.Integer(),
    agreementSha256: Type.String({ description: 'SHA-256 of the labour agreement (GET …/agreement)' }),
  }),
  attendance: Type.Object({
    checkedInAt: Nullable(AnswerInstant()),
    checkInMeters: Nullable(
      Type.Integer({ description: 'Distance from the place; null with the on-site code' }),
    ),
    checkedOutAt: Nullable(AnswerInstant()),
    checkOutMeters: Nullable(Type.Integer()),
    workedMinutes: Nullable(Type.Integer()),
    adjustedMinutes: Nullable(Type.Integer({ description: "The employer's correction, which the pay uses" })),
    adjustReason: Nullable(Type.String()),
    contestUntil: Nullable(AnswerInstant('Until when the worker may contest the adjustment')),
  }),
  pieceCount: Nullable(Type.Integer()),
  submittedAt: Nullable(AnswerInstant()),
  completedAt: Nullable(AnswerInstant()),
  payFen: Nullable(
    AmountFen({ description: 'The pay (or compensation) released to the worker, before a worker-paid fee' }),
  ),
  escrow: Type.Object({
    action: Nullable(literals(['release', 'refund'] as const, 'What the escrow does now the order ended')),
    pendingSettlement: Type.Boolean({ description: 'Weekly settlement: the pay waits for the weekly run' }),
    movedAt: Nullable(AnswerInstant()),
    settledAt: Nullable(AnswerInstant()),
  }),
  cancelledBy: Nullable(literals(['worker', 'employer', 'admin', 'system'] as const, 'Who cancelled')),
  reason: Nullable(Type.String()),
  createdAt: AnswerInstant(),
  updatedAt: AnswerInstant(),
});

export const TransitionSchema = Type.Object({
  from: OrderStateSchema,
  to: OrderStateSchema,
  actor: literals(['worker', 'employer', 'admin', 'system'] as const, 'Who moved it'),
  actorId: Nullable(Ulid),
  reason: Nullable(Type.String()),
  detail: Nullable(Type.Object({}, { additionalProperties: true })),
  at: AnswerInstant(),
});

export const OrderDetailSchema = Type.Object({
  ...OrderViewSchema.properties,
  transitions: Type.Array(TransitionSchema),
});

export const AgreementSchema = Type.Object({
  orderId: Ulid,
  sha256: Type.String(),
  canonical: Type.String({ description: 'The canonical JSON text the hash is of' }),
  agreement: Type.Record(Type.String(), Type.Unknown(), { description: 'The same, parsed' }),
});

export const DisputeSchema = Type.Object({
  id: Ulid,
  orderId: Ulid,
  openedAs: literals(['worker', 'employer'] as const, 'Who opened it'),
  reason: Type.String(),
  evidence: Type.Array(
    Type.Object({
      index: Type.Integer(),
      contentType: Type.String(),
      size: Type.Integer(),
      by: literals(['worker', 'employer'] as const, 'Who added it'),
    }),
  ),
  response: Nullable(Type.String()),
  respondBy: AnswerInstant(),
  status: literals(['open', 'decided'] as const, 'open | decided'),
  workerFen: Nullable(Type.Integer()),
  decision: Nullable(Type.String()),
  decidedAt: Nullable(AnswerInstant()),
  fault: Nullable(literals(['worker', 'employer', 'none'] as const, 'Who the decision found at fault')),
  createdAt: AnswerInstant(),
});

export const JobSettingsSchema = Type.Object({
  jobId: Ulid,
  autoHire: Type.Boolean({
    description: '抢单: applicants meeting the requirements with a verified real name are hired at once',
  }),
  pieceMax: Nullable(Type.Integer()),
  fenceMeters: Type.Integer(),
  minCreditScore: Nullable(
    Type.Integer({ description: 'Auto-hire takes only workers with at least this credit score (null: any)' }),
  ),
});

// Bodies and queries.
export const ApplyBody = Type.Object(
  { note: Type.Optional(Text({ maxLength: 200, multiline: true, description: 'A word to the employer' })) },
  { additionalProperties: false },
);
export const InviteBody = Type.Object(
  { workerId: Ulid, pieceMax: Type.Optional(PieceMax) },
  { additionalProperties: false },
);
export const HireBody = Type.Object({ pieceMax: Type.Optional(PieceMax) }, { additionalProperties: false });
export const EndApplicationBody = Type.Object(
  { reason: Type.Optional(Reason) },
  { additionalProperties: false },
);
export const FixBody = Type.Object(
  {
    lng: Type.Optional(Type.Number({ minimum: -180, maximum: 180 })),
    lat: Type.Optional(Type.Number({ minimum: -90, maximum: 90 })),
    coordinateSystem: Type.Optional(
      literals(['wgs84', 'gcj02'] as const, 'Of the fix (default wgs84, as GPS gives it)'),
    ),
    code: Type.Optional(
      Type.String({ pattern: '^[0-9]{6}$', description: "The on-site code from the employer's contact" }),
    ),
  },
  { additionalProperties: false },
);
export type FixBody = Static<typeof FixBody>;
export const PiecesBody = Type.Object(
  { pieceCount: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000 })) },
  { additionalProperties: false },
);
export const AdjustBody = Type.Object(
  { minutes: Type.Integer({ minimum: 0, maximum: 1440 }), reason: Reason },
  { additionalProperties: false },
);
export const CancelBody = Type.Object({ reason: Type.Optional(Reason) }, { additionalProperties: false });
export const DisputeBody = Type.Object(
  { reason: Text({ maxLength: 500, multiline: true, description: 'What is disputed, and why' }) },
  { additionalProperties: false },
);
export const RespondBody = Type.Object(
  { response: Text({ maxLength: 500, multiline: true }) },
  { additionalProperties: false },
);
export const DecideBody = Type.Object(
  {
    workerFen: Type.Integer({
      minimum: 0,
      maximum: 10_000_000_000,
      description: "The worker's share of the wage held",
    }),
    decision: Text({ maxLength: 500, multiline: true }),
    fault: Type.Optional(
      literals(
        ['worker', 'employer', 'none'] as const,
        "Who was at fault (default none): counts as a dispute lost in that party's credit score",
      ),
    ),
  },
  { additionalProperties: false },
);
export const ForceBody = Type.Object(
  {
    to: literals(['completed', 'cancelled', 'no_show'] as const, 'The state to move the order to'),
    reason: Reason,
  },
  { additionalProperties: false },
);
export const JobSettingsBody = Type.Object(
  {
    autoHire: Type.Optional(Type.Boolean()),
    pieceMax: Type.Optional(Nullable(PieceMax)),
    fenceMeters: Type.Optional(Type.Integer({ minimum: 100, maximum: 3000 })),
    minCreditScore: Type.Optional(Nullable(Type.Integer({ minimum: 0, maximum: 1000 }))),
  },
  { additionalProperties: false },
);

export const JobShiftParams = Type.Object({ jobId: Ulid, shiftId: Ulid });
export const JobParams = Type.Object({ jobId: Ulid });
export const DisputeParams = Type.Object({ id: Ulid, disputeId: Ulid });
export const EvidenceParams = Type.Object({
  id: Ulid,
  disputeId: Ulid,
  index: Type.Integer({ minimum: 0, maximum: 8 }),
});

export const ApplicantsQuery = Type.Object(
  { status: Type.Optional(ApplicationStatusSchema), ...listQueryFields() },
  { additionalProperties: false },
);
export const MyOrdersQuery = Type.Object(
  {
    as: Type.Optional(
      literals(['worker', 'employer'] as const, 'My orders as the worker (default) or the employer'),
    ),
    state: Type.Optional(OrderStateSchema),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export const AdminOrdersQuery = Type.Object(
  { state: OrderStateSchema, ...listQueryFields() },
  { additionalProperties: false },
);
export const DisputeQueueQuery = Type.Object(
  { status: Type.Optional(literals(['open', 'decided'] as const, 'default open')), ...listQueryFields() },
  { additionalProperties: false },
);

export const ApplyAnswer = Type.Object({
  application: ApplicationViewSchema,
  order: Nullable(OrderViewSchema),
});
export const ApplicationPage = ListAnswer(ApplicationViewSchema);
export const ApplicantPage = ListAnswer(ApplicantSchema);
export const OrderPage = ListAnswer(OrderViewSchema);
export const DisputePage = ListAnswer(DisputeSchema);
