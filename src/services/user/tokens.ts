import { createHash, randomBytes } from 'node:crypto';
import {
  SignJWT,
  createLocalJWKSet,
  createRemoteJWKSet,
  errors as joseErrors,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JSONWebKeySet,
  type JWK,
  type JWTVerifyGetKey,
} from 'jose';
import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import {
  AccessTokenErrors,
  ROLES,
  type AccessTokenVerifier,
  type Principal,
  type Role,
} from '../../platform/http/auth.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { UserDB } from './user.db.js';
import type { PublicJwk } from './user.schemas.js';
import type { UserRepository } from './user.repository.js';

/**
 * Access tokens: short-lived EdDSA (Ed25519) JWTs with `kid`, `iss`, `aud`, `typ: at+jwt`, `exp`,
 * the user id (`sub`), session id (`sid`), roles, and the account version the roles were read at
 * (`rv`). Any service verifies them with the public keys
 * published at /.well-known/jwks.json — no shared secret. Keys rotate: a new key signs, the old one
 * stays in the JWKS until every token it signed has expired, so nobody is logged out.
 *
 * Refresh tokens are opaque random strings stored as SHA-256 hashes (see auth.service.ts).
 */
const ALG = 'EdDSA';
const TYP = 'at+jwt';

type SigningKey = Awaited<ReturnType<typeof importJWK>>;

interface KeyEntry {
  kid: string;
  publicJwk: JWK;
  privateKey?: SigningKey;
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
}

export interface TokenService {
  issueAccessToken(p: {
    userId: string;
    sessionId: string;
    roles: Role[];
    /** The account's version when `roles` were read (see rolesRevokedKey). */
    rolesVersion: number;
  }): Promise<{ token: string; expiresIn: number }>;
  jwks(): Promise<{ keys: PublicJwk[] }>;
  rotate(): Promise<string>;
  verifier: AccessTokenVerifier;
}

export function createTokenService(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  config: Config;
  clock: Clock;
  pii: PiiCipher;
  cache: Cache;
  log: Logger;
}): TokenService {
  const { sdb, repo, config, clock, pii, log } = deps;
  const ttl = config.auth.accessTtlSec;
  let keys: KeyEntry[] = [];
  let loadedAt = -Infinity;
  let loading: Promise<void> | undefined;

  async function load(): Promise<void> {
    const rows = await repo.signingKeys();
    const now = clock.now();
    keys = await Promise.all(
      rows
        .filter((r) => r.expires_at === null || r.expires_at > now)
        .map(async (r) => ({
          kid: r.kid,
          publicJwk: JSON.parse(r.public_jwk) as JWK,
          privateKey:
            r.retired_at === null
              ? await importJWK(JSON.parse(pii.decrypt(r.private_jwk_cipher)) as JWK, ALG)
              : undefined,
          createdAt: r.created_at,
          retiredAt: r.retired_at,
          expiresAt: r.expires_at,
        })),
    );
    loadedAt = now;
  }

  async function ensureLoaded(force = false): Promise<void> {
    if (!force && clock.now() - loadedAt < 60_000) return;
    loading ??= load().finally(() => (loading = undefined));
    await loading;
  }

  /** The newest key still signing; a new one is made when there is none or it is due for rotation. */
  async function activeKey(): Promise<KeyEntry> {
    await ensureLoaded();
    const active = keys.find((k) => k.retiredAt === null && k.privateKey);
    const due = active && clock.now() - active.createdAt > config.auth.keyRotationDays * 86_400_000;
    if (active && !due) return active;
    try {
      await rotate();
    } catch (e) {
      // Another process rotated at the same moment (a deadlock or duplicate on MySQL): use its key.
      log.warn({ err: e }, 'signing key rotation raced; reloading keys');
      await ensureLoaded(true);
    }
    const next = keys.find((k) => k.retiredAt === null && k.privateKey);
    if (!next) throw new Error('no signing key available');
    return next;
  }

  // Concurrent callers in one process share one rotation (the first logins on a fresh database).
  let rotating: Promise<string> | undefined;
  function rotate(): Promise<string> {
    rotating ??= rotateNow().finally(() => (rotating = undefined));
    return rotating;
  }

  async function rotateNow(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
    const publicJwk = await exportJWK(publicKey);
    const kid = createHash('sha256').update(JSON.stringify(publicJwk)).digest('base64url').slice(0, 16);
    const privateJwk = await exportJWK(privateKey);
    await sdb.transaction(async (tx) => {
      await repo.insertSigningKey(
        {
          kid,
          alg: ALG,
          public_jwk: JSON.stringify({ ...publicJwk, kid, alg: ALG, use: 'sig' }),
          private_jwk_cipher: pii.encrypt(JSON.stringify(privateJwk)),
          created_at: tx.now,
          retired_at: null,
          expires_at: null,
        },
        tx.db,
      );
      // Old keys stop signing now and leave the JWKS once their last token has expired.
      await repo.retireSigningKeys(kid, tx.now, tx.now + (ttl + 300) * 1000, tx.db);
    });
    log.info({ kid }, 'signing key rotated');
    await ensureLoaded(true);
    return kid;
  }

  async function keySet(): Promise<{ keys: PublicJwk[] }> {
    await ensureLoaded();
    return { keys: keys.map((k) => k.publicJwk as PublicJwk) };
  }

  // Local verification resolves keys from the database-backed set, reloading on an unknown kid. The
  // set (and the public keys jose imports into it) is built once per load of the keys, not per token.
  let local: { of: typeof keys; get: JWTVerifyGetKey } | undefined;
  const getKey: JWTVerifyGetKey = async (header, token) => {
    await ensureLoaded();
    if (header.kid && !keys.some((k) => k.kid === header.kid)) await ensureLoaded(true);
    if (local?.of !== keys) local = { of: keys, get: createLocalJWKSet((await keySet()) as JSONWebKeySet) };
    return local.get(header, token);
  };

  return {
    async issueAccessToken({ userId, sessionId, roles, rolesVersion }) {
      const key = await activeKey();
      const now = Math.floor(clock.now() / 1000);
      const token = await new SignJWT({ sid: sessionId, roles, rv: rolesVersion })
        .setProtectedHeader({ alg: ALG, kid: key.kid, typ: TYP })
        .setIssuer(config.auth.issuer)
        .setAudience(config.auth.audience)
        .setSubject(userId)
        .setIssuedAt(now)
        .setExpirationTime(now + ttl)
        .setJti(randomBytes(12).toString('base64url'))
        .sign(key.privateKey!);
      return { token, expiresIn: ttl };
    },
    jwks: keySet,
    rotate,
    verifier: createJwtVerifier({ getKey, config, clock, cache: deps.cache }),
  };
}

/** Verifies access tokens with the user service's JWKS fetched over HTTP (the split topology). */
export function createRemoteVerifier(opts: {
  userServiceUrl: string;
  config: Config;
  clock: Clock;
  cache: Cache;
}): AccessTokenVerifier {
  const getKey = createRemoteJWKSet(new URL(`${opts.userServiceUrl}/.well-known/jwks.json`), {
    timeoutDuration: 2000,
    cooldownDuration: 30_000,
    cacheMaxAge: 600_000,
  });
  return createJwtVerifier({ getKey, config: opts.config, clock: opts.clock, cache: opts.cache });
}

function createJwtVerifier(opts: {
  getKey: JWTVerifyGetKey;
  config: Config;
  clock: Clock;
  cache: Cache;
}): AccessTokenVerifier {
  return {
    async verify(token: string): Promise<Principal> {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, opts.getKey, {
          algorithms: [ALG],
          issuer: opts.config.auth.issuer,
          audience: opts.config.auth.audience,
          typ: TYP,
          requiredClaims: ['exp', 'iat', 'sub', 'sid'],
          currentDate: new Date(opts.clock.now()),
          clockTolerance: 5,
        }));
      } catch (e) {
        if (e instanceof joseErrors.JWTExpired) throw AccessTokenErrors.TOKEN_EXPIRED();
        throw AccessTokenErrors.TOKEN_INVALID();
      }
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => ROLES.includes(r as Role))
        : [];
      const sid = typeof payload.sid === 'string' ? payload.sid : '';
      if (!payload.sub || !sid) throw AccessTokenErrors.TOKEN_INVALID();
      const [revoked, revokedAtVersion] = await Promise.all([
        opts.cache.get(revokedSessionKey(sid)),
        opts.cache.get<number>(rolesRevokedKey(payload.sub)),
      ]);
      if (revoked) throw AccessTokenErrors.SESSION_REVOKED();
      if (revokedAtVersion !== undefined && !rolesStillHeld(payload.rv, revokedAtVersion))
        throw AccessTokenErrors.TOKEN_ROLES_CHANGED();
      return { userId: payload.sub, sessionId: sid, roles };
    },
  };
}

/** Cache key marking a session as ended, so its access tokens stop working before they expire. */
export function revokedSessionKey(sessionId: string): string {
  return `user:revoked-session:${sessionId}`;
}

/**
 * Cache key holding the account version at which a role was last taken from the account, kept as
 * long as an access token lives: tokens whose roles were read before it (`rv` lower, or none) stop
 * working at once, and a refresh gives one with the roles the account holds now.
 */
export function rolesRevokedKey(userId: string): string {
  return `user:roles-revoked:${userId}`;
}

/** Whether a token's roles, read at account version `rv`, were read after the last revocation. */
export function rolesStillHeld(rv: unknown, revokedAtVersion: number): boolean {
  return typeof rv === 'number' && rv >= revokedAtVersion;
}
