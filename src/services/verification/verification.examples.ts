import type { Static } from 'typebox';
import type {
  AdminRequestSchema,
  AgeAnswer,
  EnterpriseStatusSchema,
  EnterpriseViewSchema,
  IdentityStatusSchema,
  IdentityViewSchema,
  QueuePage,
  RevokeAnswer,
  UploadAnswer,
} from './verification.schemas.js';

/**
 * Example requests and answers of the verification routes, for the API description
 * (route-docs.ts); each is checked against its route's schema (test/http/openapi.test.ts). The ID
 * number is GB 11643's own example, the credit code a widely published one.
 */
export const EXAMPLE_USER_ID = '01JEXAMP1EW0RKER0000000001';
export const EXAMPLE_EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';
export const EXAMPLE_REQUEST_ID = '01JEXAMP1EVER1F1CAT1000001';
export const EXAMPLE_ID_NUMBER = '11010519491231002X';
export const EXAMPLE_CREDIT_CODE = '91350100M000100Y43';

const submitted = {
  id: EXAMPLE_REQUEST_ID,
  purpose: 'initial' as const,
  submittedAt: '2026-12-07T10:00:00+08:00',
  reason: null,
  files: ['id_front' as const, 'id_back' as const],
};

export const identityPendingExample: Static<typeof IdentityViewSchema> = {
  status: 'pending',
  name: null,
  idNumber: null,
  verifiedAt: null,
  request: { ...submitted, status: 'pending', decidedAt: null, name: '王**', idNumber: '1101**********002X' },
};

export const identityApprovedExample: Static<typeof IdentityViewSchema> = {
  status: 'approved',
  name: '王**',
  idNumber: '1101**********002X',
  verifiedAt: '2026-12-07T10:20:00+08:00',
  request: {
    ...submitted,
    status: 'approved',
    decidedAt: '2026-12-07T10:20:00+08:00',
    name: '王**',
    idNumber: '1101**********002X',
  },
};

export const enterprisePendingExample: Static<typeof EnterpriseViewSchema> = {
  status: 'pending',
  companyName: null,
  creditCode: null,
  legalRepresentative: null,
  verifiedAt: null,
  request: {
    ...submitted,
    files: ['licence'],
    status: 'pending',
    decidedAt: null,
    companyName: '福州市示例家政服务有限公司',
    creditCode: EXAMPLE_CREDIT_CODE,
    legalRepresentative: '林**',
  },
};

export const uploadExample: Static<typeof UploadAnswer> = {
  slot: 'id_front',
  contentType: 'image/jpeg',
  size: 482113,
  uploadedAt: '2026-12-07T09:58:00+08:00',
};

const adminBase: Static<typeof AdminRequestSchema> = {
  id: EXAMPLE_REQUEST_ID,
  userId: EXAMPLE_USER_ID,
  kind: 'identity',
  purpose: 'initial',
  status: 'pending',
  provider: 'manual',
  providerResult: 'review',
  providerReference: null,
  providerDetail: 'queued for manual review',
  previouslyErased: false,
  identity: { name: '王小明', idNumber: EXAMPLE_ID_NUMBER, birthDate: '1949-12-31' },
  enterprise: null,
  files: ['id_front', 'id_back'],
  reason: null,
  decidedBy: null,
  decidedAt: null,
  submittedAt: '2026-12-07T10:00:00+08:00',
  erased: false,
};

export const adminRequestExample = adminBase;

export const queuePageExample: Static<typeof QueuePage> = {
  items: [
    { ...adminBase, identity: { name: '王**', idNumber: '1101**********002X', birthDate: '1949-**-**' } },
  ],
  nextCursor: null,
};

export const approvedRequestExample: Static<typeof AdminRequestSchema> = {
  ...adminBase,
  status: 'approved',
  identity: { name: '王**', idNumber: '1101**********002X', birthDate: '1949-**-**' },
  decidedBy: '01JEXAMP1EADM1N00000000001',
  decidedAt: '2026-12-07T10:20:00+08:00',
};

export const rejectedRequestExample: Static<typeof AdminRequestSchema> = {
  ...approvedRequestExample,
  status: 'rejected',
  reason: '身份证照片模糊，请重新拍摄',
};

export const revokeExample: Static<typeof RevokeAnswer> = {
  userId: EXAMPLE_EMPLOYER_ID,
  kind: 'enterprise',
  status: 'revoked',
  version: 4,
};

export const identityStatusExample: Static<typeof IdentityStatusSchema> = {
  userId: EXAMPLE_USER_ID,
  status: 'approved',
  name: '王小明',
  verifiedAt: '2026-12-07T10:20:00+08:00',
};

export const enterpriseStatusExample: Static<typeof EnterpriseStatusSchema> = {
  userId: EXAMPLE_EMPLOYER_ID,
  status: 'approved',
  companyName: '福州市示例家政服务有限公司',
  creditCode: EXAMPLE_CREDIT_CODE,
  verifiedAt: '2026-12-07T11:00:00+08:00',
};

export const ageExample: Static<typeof AgeAnswer> = { userId: EXAMPLE_USER_ID, on: '2026-12-20', age: 76 };
