import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { sendJsonText } from '../../platform/http/json-text.js';
import type { App } from '../../platform/http/server.js';
import { principalOf } from '../../platform/http/auth.js';
import { SMS_NOTICE_TEMPLATES } from '../../platform/sms/port.js';
import { DEFAULT_PAGE_SIZE, IdParams, literals } from '../../platform/schemas.js';
import { AVATAR_MAX_BYTES, AVATAR_TYPES } from './avatars.js';
import type { ProfileService } from './profile.service.js';
import {
  AddRoleBody,
  AdminListQuery,
  AdminRoleBody,
  AdminUserPage,
  DeleteAccountBody,
  ExportResponse,
  NoContent,
  PrivateProfileSchema,
  PublicProfileSchema,
  UpdateProfileBody,
} from './user.schemas.js';
import type { SmsNotices } from './sms-notices.js';
import type { TokenService } from './tokens.js';
import { UserErrors } from './user.errors.js';
import {
  EXAMPLE_USER_ID,
  adminGrantedExample,
  adminUserPageExample,
  exportExample,
  newAvatarExample,
  privateProfileExample,
  publicProfileExample,
  reactivatedExample,
  rotatedKeyExample,
  suspendedExample,
  withRoleExample,
} from './user.examples.js';

const tags = ['users'];
/** Examples of the errors the routes answer, for the API description (route-docs.ts). */
const missing = UserErrors.USER_NOT_FOUND();
const changed = UserErrors.ACCOUNT_CHANGED();
const smsCodeErrors = [UserErrors.SMS_CODE_INVALID(), UserErrors.SMS_CODE_ATTEMPTS_EXCEEDED()];
const params = { id: EXAMPLE_USER_ID };

export async function registerUserRoutes(
  app: App,
  profiles: ProfileService,
  tokens: TokenService,
  notices: SmsNotices,
): Promise<void> {
  /**
   * The public profile, sent as the JSON text it is cached as (public and internal routes). A hit
   * held in memory is sent synchronously; otherwise the handler returns a promise that settles
   * once the reply is sent. A "not found" thrown either way becomes a 404.
   */
  const publicProfile = (
    req: FastifyRequest<{ Params: Static<typeof IdParams> }>,
    reply: FastifyReply,
  ): Promise<void> | void => {
    const json = profiles.getPublicJson(req.params.id);
    if (typeof json === 'string') return sendJsonText(reply, json);
    return json.then((text) => sendJsonText(reply, text));
  };
  app.get(
    '/api/v1/users/me',
    {
      schema: {
        tags,
        summary: 'My profile (private view)',
        description: "The signed-in user's own profile, with the phone number and the roles.",
        response: { 200: PrivateProfileSchema },
        responseDescription: 'My profile',
        errors: [missing],
        example: { response: privateProfileExample },
      },
      config: { auth: true },
    },
    async (req) => profiles.getPrivate(principalOf(req).userId),
  );
  app.patch(
    '/api/v1/users/me',
    {
      schema: {
        tags,
        summary: 'Update my profile',
        description: 'Changes the fields sent (display name, bio, home area, skills, availability).',
        body: UpdateProfileBody,
        response: { 200: PrivateProfileSchema },
        responseDescription: 'My profile after the change',
        errors: [
          missing,
          UserErrors.SKILL_UNKNOWN({ code: 'space.pilot' }),
          UserErrors.AVAILABILITY_INVALID(),
          changed,
        ],
        example: {
          body: { displayName: '李师傅', skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'] },
          response: privateProfileExample,
        },
      },
      config: { auth: true },
    },
    async (req) => profiles.update(principalOf(req).userId, req.body),
  );
  app.post(
    '/api/v1/users/me/roles',
    {
      schema: {
        tags,
        summary: 'Become a worker or an employer too (refresh the token to use the new role)',
        description:
          'Adds a self-chosen role (worker or employer); the access token carries it once refreshed.',
        body: AddRoleBody,
        response: { 200: PrivateProfileSchema },
        responseDescription: 'My profile with the new role',
        errors: [missing, changed],
        example: { body: { role: 'employer' }, response: withRoleExample },
      },
      config: { auth: true },
    },
    async (req) => profiles.changeRoles(principalOf(req), principalOf(req).userId, req.body.role, true),
  );
  app.get(
    '/api/v1/users/me/export',
    {
      schema: {
        tags,
        summary: 'Export my personal data',
        description: 'Everything the user service holds about me, as one JSON document (PIPL access right).',
        response: { 200: ExportResponse },
        responseDescription: 'My personal data',
        errors: [missing],
        example: { response: exportExample },
      },
      config: { auth: true },
    },
    async (req) => profiles.exportData(principalOf(req).userId),
  );
  app.delete(
    '/api/v1/users/me',
    {
      schema: {
        tags,
        summary: 'Delete my account (needs an SMS code with purpose delete_account)',
        description:
          'Erases my account and personal data, confirmed by an SMS code requested with purpose ' +
          '`delete_account`; every session ends.',
        body: DeleteAccountBody,
        response: { 204: NoContent },
        responseDescription: 'The account is deleted',
        errors: [missing, ...smsCodeErrors, UserErrors.USER_LAST_ADMIN()],
        example: { body: { code: '123456' } },
      },
      config: { auth: true },
    },
    async (req, reply) => {
      await profiles.deleteAccount(principalOf(req).userId, req.body.code);
      return reply.code(204).send(null);
    },
  );

  // Avatars are uploaded as the raw image body (image/png, image/jpeg, image/webp; at most 2 MB).
  await app.register(async (scope) => {
    scope.addContentTypeParser(
      AVATAR_TYPES,
      { parseAs: 'buffer', bodyLimit: AVATAR_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.put(
      '/api/v1/users/me/avatar',
      {
        schema: {
          tags,
          summary: 'Upload my avatar (raw image body)',
          description:
            'The request body is the image itself, not JSON: Content-Type image/png, image/jpeg or ' +
            'image/webp, at most 2 MB. It replaces the current avatar.',
          consumes: AVATAR_TYPES,
          response: { 200: PrivateProfileSchema },
          responseDescription: 'My profile with the new avatar URL',
          errors: [missing, UserErrors.AVATAR_INVALID()],
          example: { response: newAvatarExample },
        },
        config: { auth: true },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body)) throw UserErrors.AVATAR_INVALID();
        return profiles.setAvatar(
          principalOf(req).userId,
          String(req.headers['content-type']).split(';')[0]!,
          req.body,
        );
      },
    );
  });

  app.get(
    '/api/v1/users/:id',
    {
      schema: {
        tags,
        summary: 'Public profile',
        description: "A user's public profile (no phone number); cached.",
        params: IdParams,
        response: { 200: PublicProfileSchema },
        responseDescription: 'The public profile',
        errors: [missing],
        example: { params, response: publicProfileExample },
      },
    },
    publicProfile,
  );
  app.get(
    '/api/v1/users/:id/avatar',
    {
      schema: {
        tags,
        summary: 'Avatar image',
        description: "A user's avatar, as the image bytes it was uploaded as (cached for a day).",
        params: IdParams,
        produces: AVATAR_TYPES,
        responseDescription: 'The image',
        errors: [missing, UserErrors.AVATAR_NOT_FOUND()],
        example: { params },
      },
    },
    async (req, reply) => {
      const file = await profiles.getAvatar(req.params.id);
      return reply.type(file.contentType).header('cache-control', 'public, max-age=86400').send(file.data);
    },
  );

  // Admin (audited).
  const admin = { auth: ['admin'] as const };
  app.get(
    '/api/v1/admin/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'List accounts',
        description: 'Accounts, newest first, optionally those holding one role, a page at a time.',
        querystring: AdminListQuery,
        response: { 200: AdminUserPage },
        responseDescription: 'A page of accounts',
        example: { query: { role: 'employer', limit: 20 }, response: adminUserPageExample },
      },
      config: admin,
    },
    async (req) =>
      profiles.listForAdmin({
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
        role: req.query.role,
      }),
  );
  app.post(
    '/api/v1/admin/users/:id/roles',
    {
      schema: {
        tags: ['admin'],
        summary: 'Grant or revoke a role',
        description:
          'Grants or revokes a role of an account (audited). A revocation ends its access tokens at once ' +
          '(TOKEN_ROLES_CHANGED until refreshed); a grant reaches them at the next refresh.',
        params: IdParams,
        body: AdminRoleBody,
        response: { 200: PrivateProfileSchema },
        responseDescription: 'The account after the change',
        errors: [missing, changed, UserErrors.USER_CANNOT_CHANGE_SELF(), UserErrors.USER_LAST_ADMIN()],
        example: { params, body: { role: 'admin', action: 'grant' }, response: adminGrantedExample },
      },
      config: admin,
    },
    async (req) =>
      profiles.changeRoles(principalOf(req), req.params.id, req.body.role, req.body.action === 'grant'),
  );
  app.post(
    '/api/v1/admin/users/:id/suspend',
    {
      schema: {
        tags: ['admin'],
        summary: 'Suspend an account',
        description: 'Suspends an account (audited): its sessions end and it cannot sign in.',
        params: IdParams,
        response: { 200: PrivateProfileSchema },
        responseDescription: 'The suspended account',
        errors: [missing, changed, UserErrors.USER_CANNOT_CHANGE_SELF(), UserErrors.USER_LAST_ADMIN()],
        example: { params, response: suspendedExample },
      },
      config: admin,
    },
    async (req) => profiles.setStatus(principalOf(req), req.params.id, 'suspended'),
  );
  app.post(
    '/api/v1/admin/users/:id/reactivate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reactivate an account',
        description: 'Lets a suspended account sign in again (audited).',
        params: IdParams,
        response: { 200: PrivateProfileSchema },
        responseDescription: 'The active account',
        errors: [missing, changed],
        example: { params, response: reactivatedExample },
      },
      config: admin,
    },
    async (req) => profiles.setStatus(principalOf(req), req.params.id, 'active'),
  );
  app.post(
    '/api/v1/admin/signing-keys/rotate',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rotate the token signing key now',
        description:
          'Signs new tokens with a new key; tokens signed with the old one stay valid until they expire.',
        response: { 200: Type.Object({ kid: Type.String() }) },
        responseDescription: 'The id of the new signing key',
        example: { response: rotatedKeyExample },
      },
      config: admin,
    },
    async () => ({ kid: await tokens.rotate() }),
  );

  // Internal: other services read profiles through the user client (service token required).
  app.get(
    '/internal/v1/users/:id',
    {
      schema: {
        tags: ['internal'],
        summary: 'Public profile for other services',
        description: 'The public profile, for services in other processes (service token).',
        params: IdParams,
        response: { 200: PublicProfileSchema },
        responseDescription: 'The public profile',
        errors: [missing],
        example: { params, response: publicProfileExample },
      },
      config: { internal: true },
    },
    publicProfile,
  );
  app.post(
    '/internal/v1/users/:id/sms-notices',
    {
      schema: {
        tags: ['internal'],
        summary: 'Send a user a notice by SMS',
        description:
          "For the message service's critical notifications (service token): the phone stays in the user " +
          'service. `sent: false` when the account has no phone or is not active.',
        params: IdParams,
        body: SmsNoticeBody,
        response: { 200: Type.Object({ sent: Type.Boolean() }) },
        responseDescription: 'Whether a message went out',
        example: {
          params,
          body: { template: 'order_hired', params: { orderId: '01JEXAMP1E0RDER0000000001A' } },
          response: { sent: true },
        },
      },
      config: { internal: true },
    },
    async (req) => ({ sent: await notices.send(req.params.id, req.body.template, req.body.params) }),
  );
}

const SmsNoticeBody = Type.Object(
  {
    template: literals(SMS_NOTICE_TEMPLATES, 'The notice'),
    params: Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 100 }), {
      maxProperties: 10,
      description: "The template's variables (ids and amounts)",
    }),
  },
  { additionalProperties: false },
);
