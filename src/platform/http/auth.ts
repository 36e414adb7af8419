import type { FastifyInstance, FastifyRequest } from 'fastify';
import { defineErrors, PlatformErrors } from '../errors.js';

export type Role = 'worker' | 'employer' | 'admin';
export const ROLES: readonly Role[] = ['worker', 'employer', 'admin'];

/** The authenticated caller of a request. */
export interface Principal {
  userId: string;
  roles: Role[];
  sessionId: string;
}

/** Verifies an access token (the user service's JWKS); throws an AppError (401) when it is not valid. */
export interface AccessTokenVerifier {
  verify(token: string): Promise<Principal>;
}

/**
 * What an access-token verifier refuses with (the user service's throws these): one catalogue, so
 * every signed-in route's API description lists what it may answer.
 */
export const AccessTokenErrors = defineErrors({
  TOKEN_INVALID: { status: 401, zh: '登录凭证无效', en: 'The access token is not valid' },
  TOKEN_EXPIRED: { status: 401, zh: '登录已过期，请刷新凭证', en: 'The access token has expired' },
  SESSION_REVOKED: { status: 401, zh: '登录已失效，请重新登录', en: 'This session has ended; sign in again' },
  TOKEN_ROLES_CHANGED: {
    status: 401,
    zh: '账号角色已变更，请刷新登录凭证',
    en: "The account's roles changed; refresh the access token",
  },
});

/** Route-level access rule: `config: { auth: true }` (any signed-in user) or a list of roles. */
export type AuthRule = true | readonly Role[];

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
  interface FastifyInstance {
    /** Verifies an access token outside a route's `config.auth` (a WebSocket's first message). */
    verifyAccessToken(token: string): Promise<Principal>;
  }
  interface FastifyContextConfig {
    auth?: AuthRule;
    /** Internal service-to-service route: requires the service token. */
    internal?: boolean;
  }
}

/**
 * Adds authentication to every route that declares `config.auth`, and its security requirement to
 * the OpenAPI document. Must be registered before the routes.
 */
export function registerAuth(
  app: FastifyInstance,
  verifier: () => AccessTokenVerifier | undefined,
  serviceToken: string,
): void {
  app.decorateRequest('principal', null);
  app.decorate('verifyAccessToken', async (token: string) => {
    const v = verifier();
    if (!v) throw PlatformErrors.SERVICE_UNAVAILABLE();
    return v.verify(token);
  });
  app.addHook('onRoute', (route) => {
    const rule = route.config?.auth;
    const internal = route.config?.internal;
    if (!rule && !internal) return;
    const schema = (route.schema ??= {}) as Record<string, unknown>;
    schema.security = internal ? [{ serviceToken: [] }] : [{ bearerAuth: [] }];
    const hook = internal
      ? async (request: FastifyRequest) => checkServiceToken(request, serviceToken)
      : async (request: FastifyRequest) => {
          request.principal = await authenticate(request, verifier());
          if (rule !== true && rule && !rule.some((r) => request.principal!.roles.includes(r))) {
            throw PlatformErrors.FORBIDDEN();
          }
        };
    // Authentication runs before body validation and idempotency.
    const existing = route.preValidation;
    route.preValidation = existing ? [hook, ...(Array.isArray(existing) ? existing : [existing])] : [hook];
  });
}

async function authenticate(
  request: FastifyRequest,
  verifier: AccessTokenVerifier | undefined,
): Promise<Principal> {
  const header = request.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) {
    throw PlatformErrors.UNAUTHENTICATED({}, { headers: { 'www-authenticate': 'Bearer' } });
  }
  if (!verifier) throw PlatformErrors.SERVICE_UNAVAILABLE();
  return verifier.verify(header.slice('Bearer '.length).trim());
}

function checkServiceToken(request: FastifyRequest, token: string): void {
  const given = request.headers['x-service-token'];
  if (typeof given !== 'string' || !timingSafeStringEqual(given, token)) {
    throw PlatformErrors.SERVICE_TOKEN_INVALID();
  }
}

function timingSafeStringEqual(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  let diff = ab.length ^ bb.length;
  for (let i = 0; i < Math.max(ab.length, bb.length); i++) diff |= (ab[i] ?? 0) ^ (bb[i] ?? 0);
  return diff === 0;
}

/** The principal of a route that declared `config.auth` (throws if it did not). */
export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw PlatformErrors.UNAUTHENTICATED();
  return request.principal;
}
