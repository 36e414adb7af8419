import type { Config } from '../../platform/config.js';
import type { App } from '../../platform/http/server.js';
import { principalOf } from '../../platform/http/auth.js';
import type { AuthService } from './auth.service.js';
import type { TokenService } from './tokens.js';
import {
  ChangePasswordBody,
  JwksResponse,
  NoContent,
  PasswordLoginBody,
  RefreshBody,
  RequestCodeBody,
  RequestCodeResponse,
  ResetPasswordBody,
  SmsLoginBody,
  TokenPairResponse,
} from './user.schemas.js';

const tags = ['auth'];

export async function registerAuthRoutes(
  app: App,
  auth: AuthService,
  tokens: TokenService,
  config: Config,
): Promise<void> {
  /** Tighter per-IP limits on the endpoints an attacker would hammer. */
  const AUTH_RATE_LIMIT = {
    rateLimit: { max: config.rateLimit.authMax, windowMs: config.rateLimit.windowMs },
  };
  app.post(
    '/api/v1/auth/sms-codes',
    {
      schema: {
        tags,
        summary: 'Send an SMS code (login, reset_password, delete_account)',
        body: RequestCodeBody,
        response: { 202: RequestCodeResponse },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req, reply) => reply.code(202).send(await auth.requestCode({ ...req.body, ip: req.ip })),
  );
  app.post(
    '/api/v1/auth/login/sms',
    {
      schema: {
        tags,
        summary: 'Sign in (or sign up) with an SMS code',
        body: SmsLoginBody,
        response: { 200: TokenPairResponse },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req) => auth.loginWithSms({ ...req.body, userAgent: req.headers['user-agent'] }),
  );
  app.post(
    '/api/v1/auth/login/password',
    {
      schema: {
        tags,
        summary: 'Sign in with a password',
        body: PasswordLoginBody,
        response: { 200: TokenPairResponse },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req) => auth.loginWithPassword({ ...req.body, userAgent: req.headers['user-agent'] }),
  );
  app.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Rotate a refresh token for a new token pair',
        body: RefreshBody,
        response: { 200: TokenPairResponse },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req) => auth.refresh(req.body.refreshToken),
  );
  app.post(
    '/api/v1/auth/logout',
    {
      schema: { tags, summary: 'End the current session', response: { 204: NoContent } },
      config: { auth: true },
    },
    async (req, reply) => {
      await auth.logout(principalOf(req).sessionId);
      return reply.code(204).send(null);
    },
  );
  app.post(
    '/api/v1/auth/password/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with an SMS code',
        body: ResetPasswordBody,
        response: { 204: NoContent },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req, reply) => {
      await auth.resetPassword(req.body);
      return reply.code(204).send(null);
    },
  );
  app.put(
    '/api/v1/users/me/password',
    {
      schema: {
        tags,
        summary: 'Set or change my password',
        body: ChangePasswordBody,
        response: { 204: NoContent },
      },
      config: { auth: true },
    },
    async (req, reply) => {
      await auth.changePassword(principalOf(req).userId, req.body);
      return reply.code(204).send(null);
    },
  );
  app.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags,
        summary: 'Public keys that verify access tokens (JWKS)',
        response: { 200: JwksResponse },
      },
    },
    async (_req, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return tokens.jwks();
    },
  );
}
