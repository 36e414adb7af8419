import type { FastifyReply, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { sendJsonText } from '../../platform/http/json-text.js';
import type { App } from '../../platform/http/server.js';
import { principalOf } from '../../platform/http/auth.js';
import { IdParams } from '../../platform/schemas.js';
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
import type { TokenService } from './tokens.js';
import { UserErrors } from './user.errors.js';

const tags = ['users'];

export async function registerUserRoutes(
  app: App,
  profiles: ProfileService,
  tokens: TokenService,
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
      schema: { tags, summary: 'My profile (private view)', response: { 200: PrivateProfileSchema } },
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
        body: UpdateProfileBody,
        response: { 200: PrivateProfileSchema },
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
        body: AddRoleBody,
        response: { 200: PrivateProfileSchema },
      },
      config: { auth: true },
    },
    async (req) => profiles.changeRoles(principalOf(req), principalOf(req).userId, req.body.role, true),
  );
  app.get(
    '/api/v1/users/me/export',
    {
      schema: { tags, summary: 'Export my personal data', response: { 200: ExportResponse } },
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
        body: DeleteAccountBody,
        response: { 204: NoContent },
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
          consumes: AVATAR_TYPES,
          response: { 200: PrivateProfileSchema },
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
    { schema: { tags, summary: 'Public profile', params: IdParams, response: { 200: PublicProfileSchema } } },
    publicProfile,
  );
  app.get(
    '/api/v1/users/:id/avatar',
    { schema: { tags, summary: 'Avatar image', params: IdParams } },
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
        querystring: AdminListQuery,
        response: { 200: AdminUserPage },
      },
      config: admin,
    },
    async (req) =>
      profiles.listForAdmin({ limit: req.query.limit ?? 20, cursor: req.query.cursor, role: req.query.role }),
  );
  app.post(
    '/api/v1/admin/users/:id/roles',
    {
      schema: {
        tags: ['admin'],
        summary: 'Grant or revoke a role',
        params: IdParams,
        body: AdminRoleBody,
        response: { 200: PrivateProfileSchema },
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
        params: IdParams,
        response: { 200: PrivateProfileSchema },
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
        params: IdParams,
        response: { 200: PrivateProfileSchema },
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
        response: { 200: Type.Object({ kid: Type.String() }) },
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
        params: IdParams,
        response: { 200: PublicProfileSchema },
      },
      config: { internal: true },
    },
    publicProfile,
  );
}
