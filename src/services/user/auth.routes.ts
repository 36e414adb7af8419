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
import { UserErrors } from './user.errors.js';
import { jwksExample, tokenPairExample } from './user.examples.js';

const tags = ['auth'];
/** Examples of the errors the routes answer, for the API description (route-docs.ts). */
const smsCodeErrors = [UserErrors.SMS_CODE_INVALID(), UserErrors.SMS_CODE_ATTEMPTS_EXCEEDED()];

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
        description:
          'Sends a 6-digit code to the phone for one purpose: at most one a minute and a few a day per ' +
          'phone (SMS_TOO_FREQUENT, SMS_DAILY_LIMIT).',
        body: RequestCodeBody,
        response: { 202: RequestCodeResponse },
        responseDescription: 'The code is on its way',
        errors: [
          UserErrors.SMS_TOO_FREQUENT({ seconds: 42 }),
          UserErrors.SMS_DAILY_LIMIT(),
          UserErrors.SMS_SEND_FAILED(),
        ],
        example: {
          body: { phone: '13800138000', purpose: 'login' },
          response: { expiresIn: 300, resendAfter: 60 },
        },
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
        description:
          'Signs in with a code sent for `login`; an unknown phone number gets a new account with the ' +
          'role chosen (worker by default).',
        body: SmsLoginBody,
        response: { 200: TokenPairResponse },
        responseDescription: 'An access token and a refresh token',
        errors: [...smsCodeErrors, UserErrors.ACCOUNT_SUSPENDED()],
        example: {
          body: { phone: '13800138000', code: '123456', role: 'worker' },
          response: { ...tokenPairExample, isNewUser: true },
        },
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
        description:
          'Signs in with the phone number and password; repeated wrong passwords lock it for a while.',
        body: PasswordLoginBody,
        response: { 200: TokenPairResponse },
        responseDescription: 'An access token and a refresh token',
        errors: [
          UserErrors.INVALID_CREDENTIALS(),
          UserErrors.ACCOUNT_LOCKED({ minutes: 15 }),
          UserErrors.ACCOUNT_SUSPENDED(),
        ],
        example: { body: { phone: '13800138000', password: 'gongzuo2026' }, response: tokenPairExample },
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
        description:
          'Exchanges a refresh token for a new pair; each is used once, and a reused one ends the whole ' +
          'session (REFRESH_TOKEN_REUSED).',
        body: RefreshBody,
        response: { 200: TokenPairResponse },
        responseDescription: 'A new access token and refresh token',
        errors: [UserErrors.REFRESH_TOKEN_INVALID(), UserErrors.REFRESH_TOKEN_REUSED()],
        example: {
          body: { refreshToken: 'rt_Kc7vN2pQ9sW4xB1mZ8dF5gH3jL6tY0rE2aU9oI7wS4e' },
          response: tokenPairExample,
        },
      },
      config: AUTH_RATE_LIMIT,
    },
    async (req) => auth.refresh(req.body.refreshToken),
  );
  app.post(
    '/api/v1/auth/logout',
    {
      schema: {
        tags,
        summary: 'End the current session',
        description: 'Ends the session of the access token; its tokens stop working at once.',
        response: { 204: NoContent },
        responseDescription: 'The session has ended',
      },
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
        description: 'Sets a new password with a code sent for `reset_password`; other sessions end.',
        body: ResetPasswordBody,
        response: { 204: NoContent },
        responseDescription: 'The password is set',
        errors: [...smsCodeErrors, UserErrors.PASSWORD_WEAK()],
        example: { body: { phone: '13800138000', code: '123456', newPassword: 'gongzuo2026' } },
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
        description: 'Sets a first password, or changes it given the current one.',
        body: ChangePasswordBody,
        response: { 204: NoContent },
        responseDescription: 'The password is set',
        errors: [
          UserErrors.USER_NOT_FOUND(),
          UserErrors.PASSWORD_WEAK(),
          UserErrors.CURRENT_PASSWORD_WRONG(),
        ],
        example: { body: { currentPassword: 'gongzuo2026', newPassword: 'lingGong2027' } },
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
        description:
          'The public keys of the token signing keys in use (RFC 7517), for services that verify tokens.',
        response: { 200: JwksResponse },
        responseDescription: 'The key set',
        example: { response: jwksExample },
      },
    },
    async (_req, reply) => {
      void reply.header('cache-control', 'public, max-age=300');
      return tokens.jwks();
    },
  );
}
