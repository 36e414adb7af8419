import type { Static } from 'typebox';
import type {
  AdminUserPage,
  ExportResponse,
  JwksResponse,
  PrivateProfileSchema,
  PublicProfileSchema,
  TokenPairResponse,
} from './user.schemas.js';

/**
 * Example requests and answers of the user and auth routes, for the API description
 * (route-docs.ts): one account seen through each view; each is checked against its route's schema
 * (test/http/openapi.test.ts).
 */
export const EXAMPLE_USER_ID = '01JEXAMP1EW0RKER0000000001';
const KID = 'q3mT9xZ0bV7cR2sA';

export const tokenPairExample: Static<typeof TokenPairResponse> = {
  accessToken:
    'eyJhbGciOiJFZERTQSIsInR5cCI6ImF0K2p3dCIsImtpZCI6InEzbVQ5eFowYlY3Y1Iyc0EifQ.eyJzdWIiOiIwMUpFWEFNUDFFV1FSS0VSMDAwMDAwMDAwMSJ9.3tY…',
  refreshToken: 'rt_Xq0mZk8s2Jd9LwP4vT1bN6cR3yH5gA7eK0uF8iQ2oMw',
  tokenType: 'Bearer',
  expiresIn: 900,
  refreshExpiresAt: '2026-12-31T08:00:00+08:00',
  userId: EXAMPLE_USER_ID,
  isNewUser: false,
};

export const publicProfileExample: Static<typeof PublicProfileSchema> = {
  id: EXAMPLE_USER_ID,
  displayName: '李师傅',
  avatarUrl: `/api/v1/users/${EXAMPLE_USER_ID}/avatar?v=01JEXAMP1EAVATAR0000000001`,
  bio: '十年保洁经验，做事细致，周末可接单。',
  homeArea: '上海市浦东新区',
  skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'],
  roles: ['worker'],
  availability: [
    { weekday: 6, start: '08:00', end: '18:00' },
    { weekday: 0, start: '08:00', end: '18:00' },
  ],
  memberSince: '2026-03-14T19:22:05+08:00',
};

export const privateProfileExample: Static<typeof PrivateProfileSchema> = {
  ...publicProfileExample,
  phone: '138****1234',
  hasPassword: true,
  status: 'active',
  createdAt: '2026-03-14T19:22:05+08:00',
  updatedAt: '2026-11-20T09:41:37+08:00',
};

export const withRoleExample: Static<typeof PrivateProfileSchema> = {
  ...privateProfileExample,
  roles: ['worker', 'employer'],
};

export const newAvatarExample: Static<typeof PrivateProfileSchema> = {
  ...privateProfileExample,
  avatarUrl: `/api/v1/users/${EXAMPLE_USER_ID}/avatar?v=01JEXAMP1EAVATAR0000000002`,
  updatedAt: '2026-11-21T08:03:12+08:00',
};

export const adminGrantedExample: Static<typeof PrivateProfileSchema> = {
  ...privateProfileExample,
  roles: ['worker', 'admin'],
  updatedAt: '2026-11-21T10:00:00+08:00',
};
export const suspendedExample: Static<typeof PrivateProfileSchema> = {
  ...privateProfileExample,
  status: 'suspended',
  updatedAt: '2026-11-21T10:00:00+08:00',
};
export const reactivatedExample: Static<typeof PrivateProfileSchema> = {
  ...privateProfileExample,
  updatedAt: '2026-11-22T10:00:00+08:00',
};

export const adminUserPageExample: Static<typeof AdminUserPage> = {
  items: [
    {
      ...privateProfileExample,
      id: '01JEXAMP1EEMP10YER00000001',
      displayName: '王经理',
      avatarUrl: null,
      bio: null,
      homeArea: '上海市静安区',
      skills: [],
      roles: ['employer'],
      availability: [],
      phone: '139****5678',
      hasPassword: false,
      memberSince: '2026-05-02T11:05:48+08:00',
      createdAt: '2026-05-02T11:05:48+08:00',
      updatedAt: '2026-10-30T16:20:00+08:00',
    },
  ],
  nextCursor: 'eyJ1IjoxNzY0MDAwMDAwMDAwfQ',
};

export const exportExample: Static<typeof ExportResponse> = {
  exportedAt: '2026-11-21T08:10:00+08:00',
  profile: privateProfileExample,
  sessions: [
    {
      id: '01JEXAMP1ESESS10N000000001',
      createdAt: '2026-11-01T07:58:12+08:00',
      lastUsedAt: '2026-11-21T08:09:40+08:00',
      expiresAt: '2026-12-31T08:00:00+08:00',
      revokedAt: null,
      userAgent: 'Linggong/3.2.0 (iPhone; iOS 18.1)',
    },
  ],
};

export const jwksExample: Static<typeof JwksResponse> = {
  keys: [
    {
      kid: KID,
      kty: 'OKP',
      crv: 'Ed25519',
      x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
      alg: 'EdDSA',
      use: 'sig',
    },
  ],
};

export const rotatedKeyExample = { kid: 'Vb2kQ8nR0xT5mW1c' };
