import type { FastifyReply } from 'fastify';
import { principalOf } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/server.js';
import { IMAGE_TYPES } from '../../platform/images.js';
import { DEFAULT_PAGE_SIZE, IdParams } from '../../platform/schemas.js';
import { VerificationErrors } from './verification.errors.js';
import * as examples from './verification.examples.js';
import {
  AdminRequestSchema,
  AgeAnswer,
  AgeQuery,
  EnterpriseBody,
  EnterpriseStatusSchema,
  EnterpriseViewSchema,
  IdentityBody,
  IdentityStatusSchema,
  IdentityViewSchema,
  QueuePage,
  QueueQuery,
  RejectBody,
  RequestSlotParams,
  RevokeAnswer,
  RevokeBody,
  SlotParams,
  UploadAnswer,
  UserParams,
} from './verification.schemas.js';
import { FILE_MAX_BYTES, type VerificationService } from './verification.service.js';

const tags = ['verification'];
const admin = { auth: ['admin'] as const };
const FILE_TYPES = Object.keys(IMAGE_TYPES);
const idErrors = [
  VerificationErrors.NAME_INVALID(),
  VerificationErrors.ID_FORMAT_INVALID(),
  VerificationErrors.ID_REGION_INVALID(),
  VerificationErrors.ID_BIRTH_DATE_INVALID(),
  VerificationErrors.ID_CHECK_DIGIT_INVALID(),
  VerificationErrors.ID_UNDERAGE({ minAge: 16 }),
];
const submitErrors = [
  VerificationErrors.VERIFICATION_PENDING(),
  VerificationErrors.VERIFICATION_ATTEMPTS_EXCEEDED({ limit: 3 }),
  VerificationErrors.VERIFICATION_CHANGED(),
];
const missing = VerificationErrors.VERIFICATION_NOT_FOUND();
const stateInvalid = VerificationErrors.VERIFICATION_STATE_INVALID({ status: 'approved' });
const requestParams = { id: examples.EXAMPLE_REQUEST_ID };

/** A private file: never cached by anyone on the way. */
const sendPrivate = (reply: FastifyReply, file: { data: Buffer; contentType: string }) =>
  reply.type(file.contentType).header('cache-control', 'private, no-store').send(file.data);

export async function registerVerificationRoutes(
  app: App,
  verifications: VerificationService,
): Promise<void> {
  app.get(
    '/api/v1/verifications/identity',
    {
      schema: {
        tags,
        summary: 'My real-name verification',
        description: 'My real-name status, the verified name and ID number (masked), and my latest request.',
        response: { 200: IdentityViewSchema },
        responseDescription: 'My real-name verification',
        example: { response: examples.identityApprovedExample },
      },
      config: { auth: true },
    },
    async (req) => verifications.identityOf(principalOf(req).userId),
  );
  app.post(
    '/api/v1/verifications/identity',
    {
      schema: {
        tags,
        summary: 'Submit my real name (name + resident ID number)',
        description:
          'Checks the ID number locally (format, region, birth date, check digit, age), then asks the ' +
          'identity provider, or an admin when it cannot decide. ID photos uploaded before go with ' +
          'the request. Once approved, a new submission is a change that an admin reviews.',
        body: IdentityBody,
        response: { 200: IdentityViewSchema },
        responseDescription: 'My real-name verification after the submission',
        errors: [...idErrors, VerificationErrors.ID_NUMBER_IN_USE(), ...submitErrors],
        example: {
          body: { name: '王小明', idNumber: examples.EXAMPLE_ID_NUMBER },
          response: examples.identityPendingExample,
        },
      },
      config: { auth: true },
    },
    async (req) => verifications.submitIdentity(principalOf(req), req.body),
  );
  app.get(
    '/api/v1/verifications/enterprise',
    {
      schema: {
        tags,
        summary: "My company's verification",
        description: "My company's status, its name and credit code, and my latest request.",
        response: { 200: EnterpriseViewSchema },
        responseDescription: "My company's verification",
        example: { response: examples.enterprisePendingExample },
      },
      config: { auth: true },
    },
    async (req) => verifications.enterpriseOf(principalOf(req).userId),
  );
  app.post(
    '/api/v1/verifications/enterprise',
    {
      schema: {
        tags,
        summary: 'Submit my company (employers; upload the licence first)',
        description:
          'Company name, unified social credit code (checked by its check character) and legal ' +
          'representative, with the licence photo uploaded before; an admin reviews every request. ' +
          "Once approved, the employer's jobs carry the verified badge.",
        body: EnterpriseBody,
        response: { 200: EnterpriseViewSchema },
        responseDescription: "My company's verification after the submission",
        errors: [
          VerificationErrors.EMPLOYER_ROLE_REQUIRED(),
          VerificationErrors.CREDIT_CODE_FORMAT_INVALID(),
          VerificationErrors.CREDIT_CODE_CHECK_INVALID(),
          VerificationErrors.NAME_INVALID(),
          VerificationErrors.LICENCE_REQUIRED(),
          VerificationErrors.CREDIT_CODE_IN_USE(),
          ...submitErrors,
        ],
        example: {
          body: {
            companyName: '福州市示例家政服务有限公司',
            creditCode: examples.EXAMPLE_CREDIT_CODE,
            legalRepresentative: '林建国',
          },
          response: examples.enterprisePendingExample,
        },
      },
      config: { auth: true },
    },
    async (req) => verifications.submitEnterprise(principalOf(req), req.body),
  );

  // ID photos and licences are uploaded as the raw image body, stored privately.
  await app.register(async (plain) => {
    const scope = plain as App;
    scope.addContentTypeParser(
      FILE_TYPES,
      { parseAs: 'buffer', bodyLimit: FILE_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.put(
      '/api/v1/verifications/files/:slot',
      {
        schema: {
          tags,
          summary: 'Upload an ID photo or the licence (raw image body)',
          description:
            'The body is the image itself: image/png, image/jpeg or image/webp, at most 5 MB. It goes ' +
            'with my next request of its kind (ID photos: real name; licence: company, employers only). ' +
            'Only I and admins can read it.',
          params: SlotParams,
          consumes: FILE_TYPES,
          response: { 200: UploadAnswer },
          responseDescription: 'The stored file',
          errors: [VerificationErrors.FILE_INVALID(), VerificationErrors.EMPLOYER_ROLE_REQUIRED()],
          example: { params: { slot: 'id_front' }, response: examples.uploadExample },
        },
        config: { auth: true },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body)) throw VerificationErrors.FILE_INVALID();
        const type = String(req.headers['content-type']).split(';')[0]!.trim();
        return verifications.upload(principalOf(req), req.params.slot, type, req.body);
      },
    );
  });
  app.get(
    '/api/v1/verifications/files/:slot',
    {
      schema: {
        tags,
        summary: 'My ID photo or licence',
        description:
          'The file I uploaded last for a slot, or the one my latest request holds (never cached).',
        params: SlotParams,
        produces: FILE_TYPES,
        responseDescription: 'The image',
        errors: [VerificationErrors.FILE_NOT_FOUND()],
        example: { params: { slot: 'id_front' } },
      },
      config: { auth: true },
    },
    async (req, reply) =>
      sendPrivate(reply, await verifications.ownFile(principalOf(req).userId, req.params.slot)),
  );

  // Admin (every decision and every read of personal data audited).
  app.get(
    '/api/v1/admin/verifications',
    {
      schema: {
        tags: ['admin'],
        summary: 'Verification requests (the review queue)',
        description:
          'Requests in a status (default pending), optionally of one kind, oldest first; personal ' +
          'fields masked.',
        querystring: QueueQuery,
        response: { 200: QueuePage },
        responseDescription: 'A page of requests',
        example: { query: { kind: 'identity', status: 'pending' }, response: examples.queuePageExample },
      },
      config: admin,
    },
    async (req) =>
      verifications.queue(
        { kind: req.query.kind, status: req.query.status ?? 'pending' },
        { limit: req.query.limit ?? DEFAULT_PAGE_SIZE, cursor: req.query.cursor },
      ),
  );
  app.get(
    '/api/v1/admin/verifications/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'One verification request in full (audited read)',
        description: 'The request with its personal fields in full, for review; the read is audited.',
        params: IdParams,
        response: { 200: AdminRequestSchema },
        responseDescription: 'The request',
        errors: [missing],
        example: { params: requestParams, response: examples.adminRequestExample },
      },
      config: admin,
    },
    async (req) => verifications.requestForAdmin(principalOf(req), req.params.id),
  );
  app.get(
    '/api/v1/admin/verifications/:id/files/:slot',
    {
      schema: {
        tags: ['admin'],
        summary: "A request's ID photo or licence (audited read)",
        description: 'The image that went with the request; the read is audited.',
        params: RequestSlotParams,
        produces: FILE_TYPES,
        responseDescription: 'The image',
        errors: [missing, VerificationErrors.FILE_NOT_FOUND()],
        example: { params: { ...requestParams, slot: 'id_front' } },
      },
      config: admin,
    },
    async (req, reply) =>
      sendPrivate(reply, await verifications.fileForAdmin(principalOf(req), req.params.id, req.params.slot)),
  );
  app.post(
    '/api/v1/admin/verifications/:id/approve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Approve a verification request',
        description:
          'Approves a pending request (audited) and publishes verification.approved; an approved ' +
          'change replaces the verification in force.',
        params: IdParams,
        response: { 200: AdminRequestSchema },
        responseDescription: 'The request, approved',
        errors: [
          missing,
          stateInvalid,
          VerificationErrors.ID_NUMBER_IN_USE(),
          VerificationErrors.CREDIT_CODE_IN_USE(),
          VerificationErrors.VERIFICATION_CHANGED(),
        ],
        example: { params: requestParams, response: examples.approvedRequestExample },
      },
      config: admin,
    },
    async (req) => verifications.approve(principalOf(req), req.params.id),
  );
  app.post(
    '/api/v1/admin/verifications/:id/reject',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reject a verification request',
        description:
          'Rejects a pending request with a reason shown to the user (audited); the user may submit ' +
          'again within the daily limit. A rejected change leaves the approval in force.',
        params: IdParams,
        body: RejectBody,
        response: { 200: AdminRequestSchema },
        responseDescription: 'The request, rejected',
        errors: [missing, stateInvalid, VerificationErrors.VERIFICATION_CHANGED()],
        example: {
          params: requestParams,
          body: { reason: '身份证照片模糊，请重新拍摄' },
          response: examples.rejectedRequestExample,
        },
      },
      config: admin,
    },
    async (req) => verifications.reject(principalOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/admin/verifications/revoke',
    {
      schema: {
        tags: ['admin'],
        summary: "Revoke a user's approved verification",
        description:
          'Withdraws an approval (audited) and publishes verification.revoked: a company loses the ' +
          'verified badge on its jobs. The ID number or credit code is free to verify again.',
        body: RevokeBody,
        response: { 200: RevokeAnswer },
        responseDescription: 'The revoked verification',
        errors: [VerificationErrors.VERIFICATION_NOT_APPROVED(), VerificationErrors.VERIFICATION_CHANGED()],
        example: {
          body: { userId: examples.EXAMPLE_EMPLOYER_ID, kind: 'enterprise', reason: '营业执照已被吊销' },
          response: examples.revokeExample,
        },
      },
      config: admin,
    },
    async (req) => verifications.revoke(principalOf(req), req.body.userId, req.body.kind, req.body.reason),
  );

  // Internal: the verification client over HTTP (service token required).
  const userParams = { userId: examples.EXAMPLE_USER_ID };
  app.get(
    '/internal/v1/verifications/:userId/identity',
    {
      schema: {
        tags: ['internal'],
        summary: "A user's real-name status and verified name",
        description: 'For the payment service (withdrawal name match) and others (service token).',
        params: UserParams,
        response: { 200: IdentityStatusSchema },
        responseDescription: 'The real-name status',
        example: { params: userParams, response: examples.identityStatusExample },
      },
      config: { internal: true },
    },
    async (req) => verifications.identityStatus(req.params.userId),
  );
  app.get(
    '/internal/v1/verifications/:userId/enterprise',
    {
      schema: {
        tags: ['internal'],
        summary: "An employer's enterprise status",
        description: "The company's verification status, name and credit code (service token).",
        params: UserParams,
        response: { 200: EnterpriseStatusSchema },
        responseDescription: 'The enterprise status',
        example: {
          params: { userId: examples.EXAMPLE_EMPLOYER_ID },
          response: examples.enterpriseStatusExample,
        },
      },
      config: { internal: true },
    },
    async (req) => verifications.enterpriseStatus(req.params.userId),
  );
  app.get(
    '/internal/v1/verifications/:userId/age',
    {
      schema: {
        tags: ['internal'],
        summary: "A user's age on a date",
        description:
          'Whole years on the date by the verified birth date (null when not verified); the birth ' +
          'date itself never leaves the service (service token).',
        params: UserParams,
        querystring: AgeQuery,
        response: { 200: AgeAnswer },
        responseDescription: 'The age',
        errors: [VerificationErrors.DATE_INVALID()],
        example: { params: userParams, query: { on: '2026-12-20' }, response: examples.ageExample },
      },
      config: { internal: true },
    },
    async (req) => ({
      userId: req.params.userId,
      on: req.query.on,
      age: await verifications.ageOn(req.params.userId, req.query.on),
    }),
  );
}
