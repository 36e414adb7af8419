import Type, { type Static } from 'typebox';
import { ROLES } from '../../platform/http/auth.js';
import {
  AnswerInstant,
  ListAnswer,
  listQueryFields,
  MaskedPhone,
  Nullable,
  Phone,
  Text,
} from '../../platform/schemas.js';
import { SELF_ROLES } from './account.rules.js';

/** The length of a display name (the text rule applies too). */
export const DISPLAY_NAME_RULE = { minLength: 1, maxLength: 40 };

/** Request and response schemas of the user service (bodies refuse unknown fields). */
export const SmsCode = Type.String({ pattern: '^[0-9]{6}$', description: '6-digit SMS code' });
export const Password = Type.String({ minLength: 1, maxLength: 128 });
/** A role an account holder may choose for themselves (account.rules.ts). */
const RoleSelf = Type.Union(SELF_ROLES.map((role) => Type.Literal(role)));
const AnyRole = Type.Union(ROLES.map((role) => Type.Literal(role)));

export const NoContent = Type.Null({ description: 'No content' });

export const RequestCodeBody = Type.Object(
  {
    phone: Phone,
    purpose: Type.Union([
      Type.Literal('login'),
      Type.Literal('reset_password'),
      Type.Literal('delete_account'),
    ]),
  },
  { additionalProperties: false },
);
export const RequestCodeResponse = Type.Object({
  expiresIn: Type.Integer({ description: 'Seconds the code stays valid' }),
  resendAfter: Type.Integer({ description: 'Seconds before another code can be requested' }),
});

export const SmsLoginBody = Type.Object(
  { phone: Phone, code: SmsCode, role: Type.Optional(RoleSelf) },
  { additionalProperties: false },
);
export const PasswordLoginBody = Type.Object(
  { phone: Phone, password: Password },
  { additionalProperties: false },
);
export const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 10, maxLength: 200 }) },
  { additionalProperties: false },
);
export const ResetPasswordBody = Type.Object(
  { phone: Phone, code: SmsCode, newPassword: Password },
  { additionalProperties: false },
);
export const ChangePasswordBody = Type.Object(
  { currentPassword: Type.Optional(Password), newPassword: Password },
  { additionalProperties: false },
);

export const TokenPairResponse = Type.Object({
  accessToken: Type.String(),
  refreshToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer({ description: 'Access token lifetime in seconds' }),
  refreshExpiresAt: AnswerInstant('End of this login session (ISO 8601 in the business time zone)'),
  userId: Type.String(),
  isNewUser: Type.Boolean(),
});

const AvailabilitySlot = Type.Object(
  {
    weekday: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday' }),
    start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }),
    end: Type.String({ pattern: '^([01][0-9]|2[0-4]):[0-5][0-9]$' }),
  },
  { additionalProperties: false },
);

export const PublicProfileSchema = Type.Object({
  id: Type.String(),
  displayName: Type.String(),
  avatarUrl: Nullable(Type.String()),
  bio: Nullable(Type.String()),
  homeArea: Nullable(Type.String()),
  skills: Type.Array(Type.String()),
  roles: Type.Array(Type.String()),
  availability: Type.Array(AvailabilitySlot),
  memberSince: AnswerInstant('When the account was made (ISO 8601 in the business time zone)'),
});

export const PrivateProfileSchema = Type.Object({
  ...PublicProfileSchema.properties,
  phone: MaskedPhone,
  hasPassword: Type.Boolean(),
  status: Type.String(),
  createdAt: AnswerInstant(),
  updatedAt: AnswerInstant(),
});

export const UpdateProfileBody = Type.Object(
  {
    displayName: Type.Optional(Text({ ...DISPLAY_NAME_RULE, description: 'Name shown to others' })),
    bio: Type.Optional(
      Nullable(Text({ maxLength: 500, multiline: true, description: 'About me (lines kept); null clears' })),
    ),
    homeArea: Type.Optional(
      Nullable(Text({ maxLength: 100, description: 'Where I live or work; null clears' })),
    ),
    skills: Type.Optional(Type.Array(Type.String({ pattern: '^[a-z_.]{1,64}$' }), { maxItems: 20 })),
    availability: Type.Optional(Type.Array(AvailabilitySlot, { maxItems: 21 })),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const AddRoleBody = Type.Object({ role: RoleSelf }, { additionalProperties: false });
export const AdminRoleBody = Type.Object(
  { role: AnyRole, action: Type.Union([Type.Literal('grant'), Type.Literal('revoke')]) },
  { additionalProperties: false },
);
export const DeleteAccountBody = Type.Object({ code: SmsCode }, { additionalProperties: false });

export const AdminListQuery = Type.Object(
  { ...listQueryFields(), role: Type.Optional(AnyRole) },
  { additionalProperties: false },
);
export const AdminUserPage = ListAnswer(PrivateProfileSchema);

export const ExportResponse = Type.Object({
  exportedAt: AnswerInstant(),
  profile: PrivateProfileSchema,
  sessions: Type.Array(
    Type.Object({
      id: Type.String(),
      createdAt: AnswerInstant(),
      lastUsedAt: AnswerInstant(),
      expiresAt: AnswerInstant(),
      revokedAt: Nullable(AnswerInstant()),
      userAgent: Nullable(Type.String()),
    }),
  ),
});

export const PublicJwk = Type.Object({
  kid: Type.String(),
  kty: Type.String(),
  crv: Type.String(),
  x: Type.String(),
  alg: Type.String(),
  use: Type.String(),
});
export type PublicJwk = Static<typeof PublicJwk>;
export const JwksResponse = Type.Object({ keys: Type.Array(PublicJwk) });
