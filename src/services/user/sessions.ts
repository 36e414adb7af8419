import { createHash, randomBytes } from 'node:crypto';
import type { Cache } from '../../platform/cache.js';
import type { Config } from '../../platform/config.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import { accountActive } from './account.rules.js';
import { revokedSessionKey, rolesRevokedKey, type TokenService } from './tokens.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { parseRoles, type FormatInstant } from './user.mappers.js';
import type { AccountRow, UserRepository } from './user.repository.js';

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  /** End of the login session, as answers show instants (ISO 8601, business time zone). */
  refreshExpiresAt: string;
  userId: string;
  isNewUser: boolean;
}

/** A session with its new refresh token, before the access token is signed (outside the transaction). */
export type OpenSession = Omit<TokenPair, 'accessToken' | 'expiresIn'> & { sessionId: string };

/** The account fields an access token is made from: its roles and the version they were read at. */
export type TokenAccount = Pick<AccountRow, 'roles' | 'version'>;

type RefreshOutcome =
  | { error: 'invalid' }
  | { error: 'reused'; sessionId: string }
  | { session: OpenSession; account: TokenAccount };

const refreshHash = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Login sessions: each sign-in opens one with a refresh token; refresh tokens rotate on every use,
 * and a revoked session's access tokens stop at once (the cache every verifier checks).
 */
export function createSessions(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  tokens: TokenService;
  cache: Cache;
  ids: IdGenerator;
  config: Config;
  log: Logger;
  at: FormatInstant;
}) {
  const { sdb, repo, tokens, ids, config, log } = deps;

  /** Stores a new refresh token of the session and returns it (only its hash is kept). */
  async function issueRefreshToken(tx: Tx<UserDB>, sessionId: string): Promise<string> {
    const token = `rt_${randomBytes(32).toString('base64url')}`;
    await repo.insertRefreshToken(
      { token_hash: refreshHash(token), session_id: sessionId, created_at: tx.now, rotated_at: null },
      tx.db,
    );
    return token;
  }

  async function startSession(
    tx: Tx<UserDB>,
    account: AccountRow,
    userAgent: string | undefined,
    isNewUser: boolean,
  ): Promise<OpenSession> {
    const sessionId = ids();
    const expiresAt = tx.now + config.auth.refreshTtlSec * 1000;
    await repo.insertSession(
      {
        id: sessionId,
        user_id: account.id,
        created_at: tx.now,
        expires_at: expiresAt,
        last_used_at: tx.now,
        revoked_at: null,
        revoke_reason: null,
        user_agent: userAgent?.slice(0, 200) ?? null,
      },
      tx.db,
    );
    const refreshToken = await issueRefreshToken(tx, sessionId);
    return openSession(refreshToken, deps.at(expiresAt), account.id, isNewUser, sessionId);
  }

  async function withAccessToken(session: OpenSession, account: TokenAccount): Promise<TokenPair> {
    const access = await tokens.issueAccessToken({
      userId: session.userId,
      sessionId: session.sessionId,
      roles: parseRoles(account.roles),
      rolesVersion: account.version,
    });
    const { sessionId: _sid, ...rest } = session;
    return { ...rest, accessToken: access.token, expiresIn: access.expiresIn };
  }

  /** Marks the refresh token used and issues the next one, unless it was used before (a reuse). */
  async function rotate(tx: Tx<UserDB>, hash: string): Promise<RefreshOutcome> {
    const row = await repo.findRefreshToken(hash, tx.db);
    if (!row) return { error: 'invalid' };
    const session = await repo.findSession(row.session_id, tx.db);
    if (!session || session.revoked_at !== null || session.expires_at <= tx.now) return { error: 'invalid' };
    if (!(await repo.rotateRefreshToken(hash, tx.now, tx.db))) {
      await repo.revokeSession(session.id, tx.now, 'refresh_token_reuse', tx.db);
      return { error: 'reused', sessionId: session.id };
    }
    const account = await repo.findAccount(session.user_id, tx.db);
    if (!account || !accountActive(account.status)) return { error: 'invalid' };
    const next = await issueRefreshToken(tx, session.id);
    await repo.touchSession(session.id, tx.now, tx.db);
    return {
      session: openSession(next, deps.at(session.expires_at), account.id, false, session.id),
      account,
    };
  }

  /**
   * Rotates a refresh token. A token used a second time means it leaked (or a client replays it):
   * the whole session — every token descended from the same login — is revoked.
   */
  async function refresh(refreshToken: string): Promise<TokenPair> {
    const outcome = await sdb.transaction((tx) => rotate(tx, refreshHash(refreshToken)));
    if ('error' in outcome) {
      if (outcome.error === 'reused') {
        await markRevoked([outcome.sessionId]);
        log.warn({ sessionId: outcome.sessionId }, 'refresh token reuse: session revoked');
        throw UserErrors.REFRESH_TOKEN_REUSED();
      }
      throw UserErrors.REFRESH_TOKEN_INVALID();
    }
    return withAccessToken(outcome.session, outcome.account);
  }

  /** Access tokens of revoked sessions stop working at once (checked by every verifier). */
  async function markRevoked(sessionIds: string[]): Promise<void> {
    for (const sid of sessionIds)
      await deps.cache.set(revokedSessionKey(sid), 1, (config.auth.accessTtlSec + 60) * 1000);
  }

  async function logout(sessionId: string): Promise<void> {
    await sdb.transaction(async (tx) => repo.revokeSession(sessionId, tx.now, 'logout', tx.db));
    await markRevoked([sessionId]);
  }

  async function revokeAllSessions(userId: string, reason: string, tx: Tx<UserDB>): Promise<void> {
    const ids = await repo.revokeAllSessions(userId, tx.now, reason, tx.db);
    tx.afterCommit(() => markRevoked(ids));
  }

  /**
   * Once the transaction commits, access tokens of the account issued before this role revocation
   * (its version `version`) stop working, in every process: the verifiers check the same cache as
   * for revoked sessions. Its sessions stay; a refresh gives a token with the roles left. The
   * `user.roles_changed` consumer writes the same marker again (markRolesRevoked), so a hook lost
   * to a crash or a Redis error is made good.
   */
  function endRevokedRoles(tx: Tx<UserDB>, userId: string, version: number): void {
    tx.afterCommit(() => markRolesRevoked(userId, version));
  }

  /** Raises the account's revocation marker to `version`; an older revocation never lowers it. */
  async function markRolesRevoked(userId: string, version: number): Promise<void> {
    const key = rolesRevokedKey(userId);
    const current = await deps.cache.get<number>(key);
    if (current !== undefined && current >= version) return;
    await deps.cache.set(key, version, (config.auth.accessTtlSec + 60) * 1000);
  }

  return {
    startSession,
    withAccessToken,
    refresh,
    logout,
    revokeAllSessions,
    endRevokedRoles,
    markRolesRevoked,
  };
}

function openSession(
  refreshToken: string,
  refreshExpiresAt: string,
  userId: string,
  isNewUser: boolean,
  sessionId: string,
): OpenSession {
  return { refreshToken, tokenType: 'Bearer', refreshExpiresAt, userId, isNewUser, sessionId };
}

export type Sessions = ReturnType<typeof createSessions>;
