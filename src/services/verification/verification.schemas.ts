import Type, { type Static } from 'typebox';
import { AnswerInstant, ListAnswer, Nullable, Text, Ulid, listQueryFields } from '../../platform/schemas.js';

const Kind = Type.Union([Type.Literal('identity'), Type.Literal('enterprise')], {
  description: 'identity: real name (实名); enterprise: company (企业)',
});
const SubjectStatus = Type.Union(
  [
    Type.Literal('none'),
    Type.Literal('pending'),
    Type.Literal('approved'),
    Type.Literal('rejected'),
    Type.Literal('revoked'),
  ],
  { description: 'none → pending → approved | rejected; approved → revoked (by an admin)' },
);
const RequestStatus = Type.Union(
  [Type.Literal('pending'), Type.Literal('approved'), Type.Literal('rejected'), Type.Literal('superseded')],
  { description: 'superseded: an approval replaced by a later approved change' },
);
export const FileSlotSchema = Type.Union(
  [Type.Literal('id_front'), Type.Literal('id_back'), Type.Literal('licence')],
  { description: 'id_front / id_back: the ID card photos; licence: the business licence' },
);

const Masked = (description: string) => Nullable(Type.String({ description }));

const OwnRequestFields = {
  id: Ulid,
  purpose: Type.Union([Type.Literal('initial'), Type.Literal('change')], {
    description: 'change: replaces an approved verification (always reviewed by an admin)',
  }),
  status: RequestStatus,
  submittedAt: AnswerInstant(),
  decidedAt: Nullable(AnswerInstant()),
  reason: Nullable(Type.String({ description: 'Why it was rejected' })),
  files: Type.Array(FileSlotSchema, { description: 'Files that went with the request' }),
};

export const IdentityViewSchema = Type.Object({
  status: SubjectStatus,
  name: Masked('The verified name, masked (王**)'),
  idNumber: Masked('The verified ID number, masked (1101**********1234)'),
  verifiedAt: Nullable(AnswerInstant()),
  request: Nullable(
    Type.Object({
      ...OwnRequestFields,
      name: Masked('The submitted name, masked'),
      idNumber: Masked('The submitted ID number, masked'),
    }),
  ),
});

export const EnterpriseViewSchema = Type.Object({
  status: SubjectStatus,
  companyName: Nullable(Type.String()),
  creditCode: Nullable(Type.String({ description: 'Unified social credit code (统一社会信用代码)' })),
  legalRepresentative: Masked('The legal representative, masked'),
  verifiedAt: Nullable(AnswerInstant()),
  request: Nullable(
    Type.Object({
      ...OwnRequestFields,
      companyName: Nullable(Type.String()),
      creditCode: Nullable(Type.String()),
      legalRepresentative: Masked('Masked'),
    }),
  ),
});

export const IdentityBody = Type.Object(
  {
    name: Text({ minLength: 2, maxLength: 30, description: 'The name as on the ID card' }),
    idNumber: Type.String({ maxLength: 32, description: '18-digit resident ID number (居民身份证号)' }),
  },
  { additionalProperties: false },
);

export const EnterpriseBody = Type.Object(
  {
    companyName: Text({ minLength: 2, maxLength: 100, description: 'As on the business licence' }),
    creditCode: Type.String({ maxLength: 32, description: 'Unified social credit code, 18 characters' }),
    legalRepresentative: Text({ minLength: 2, maxLength: 30, description: 'As on the business licence' }),
  },
  { additionalProperties: false },
);

export const UploadAnswer = Type.Object({
  slot: FileSlotSchema,
  contentType: Type.String(),
  size: Type.Integer({ description: 'Bytes' }),
  uploadedAt: AnswerInstant(),
});

export const SlotParams = Type.Object({ slot: FileSlotSchema }, { additionalProperties: false });
export const RequestSlotParams = Type.Object(
  { id: Ulid, slot: FileSlotSchema },
  { additionalProperties: false },
);

export const AdminRequestSchema = Type.Object({
  id: Ulid,
  userId: Ulid,
  kind: Kind,
  purpose: Type.Union([Type.Literal('initial'), Type.Literal('change')]),
  status: RequestStatus,
  provider: Type.String({ description: 'manual, or the automatic provider asked (tencent)' }),
  providerResult: Nullable(
    Type.Union([Type.Literal('match'), Type.Literal('mismatch'), Type.Literal('review')], {
      description: "The provider's answer; review: it could not decide",
    }),
  ),
  providerReference: Nullable(Type.String({ description: "The provider's request id" })),
  providerDetail: Nullable(Type.String()),
  previouslyErased: Type.Boolean({
    description: 'The number was verified before by an account since deleted',
  }),
  identity: Nullable(
    Type.Object({
      name: Type.String(),
      idNumber: Type.String(),
      birthDate: Type.String({ description: 'YYYY-MM-DD (masked in the queue)' }),
    }),
  ),
  enterprise: Nullable(
    Type.Object({
      companyName: Type.String(),
      creditCode: Type.String(),
      legalRepresentative: Type.String(),
    }),
  ),
  files: Type.Array(FileSlotSchema),
  reason: Nullable(Type.String()),
  decidedBy: Nullable(Type.String({ description: 'The admin; null when the provider decided' })),
  decidedAt: Nullable(AnswerInstant()),
  submittedAt: AnswerInstant(),
  erased: Type.Boolean({ description: 'The account was deleted and its personal fields erased' }),
});

export const QueueQuery = Type.Object(
  {
    kind: Type.Optional(Kind),
    status: Type.Optional(RequestStatus),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
export type QueueQuery = Static<typeof QueueQuery>;
export const QueuePage = ListAnswer(AdminRequestSchema);

export const RejectBody = Type.Object(
  { reason: Text({ minLength: 2, maxLength: 200, description: 'Shown to the user' }) },
  { additionalProperties: false },
);

export const RevokeBody = Type.Object(
  {
    userId: Ulid,
    kind: Kind,
    reason: Text({ minLength: 2, maxLength: 200, description: 'Recorded in the audit trail and the event' }),
  },
  { additionalProperties: false },
);

export const RevokeAnswer = Type.Object({
  userId: Ulid,
  kind: Kind,
  status: Type.Literal('revoked'),
  version: Type.Integer(),
});

// Internal (other services through VerificationClient).
export const UserParams = Type.Object({ userId: Ulid }, { additionalProperties: false });
export const IdentityStatusSchema = Type.Object({
  userId: Ulid,
  status: SubjectStatus,
  name: Nullable(Type.String({ description: 'The verified name in full (internal only)' })),
  verifiedAt: Nullable(AnswerInstant()),
});
export const EnterpriseStatusSchema = Type.Object({
  userId: Ulid,
  status: SubjectStatus,
  companyName: Nullable(Type.String()),
  creditCode: Nullable(Type.String()),
  verifiedAt: Nullable(AnswerInstant()),
});
export const AgeQuery = Type.Object(
  { on: Type.String({ maxLength: 10, description: 'A date, YYYY-MM-DD' }) },
  { additionalProperties: false },
);
export const AgeAnswer = Type.Object({
  userId: Ulid,
  on: Type.String(),
  age: Nullable(Type.Integer({ description: 'Whole years; null when the real name is not verified' })),
});
