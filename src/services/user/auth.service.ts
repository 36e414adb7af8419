import { createHash, createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { Cache } from '../../platform/cache.js';
import { businessDay, nextBusinessMidnight, type Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { Role } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import { checkPasswordPolicy, hashPassword, needsRehash, verifyPassword } from './passwords.js';
import { SmsSendError, type SmsProvider, type SmsPurpose } from './providers/aliyun-sms.js';
import { revokedSessionKey, type TokenService } from './tokens.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { UserEvents } from './user.events.js';
import type { AccountRow, UserRepository } from './user.repository.js';
import { parseRoles } from './user.mappers.js';

/** The SMS and login rules, in one place. */
export const AUTH_LIMITS = {
  codeLength: 6,
  codeTtlMs: 5 * 60_000,
  codeMaxAttempts: 5,
  resendCooldownMs: 60_000,
  dailyCodesPerPhone: 10,
  dailyCodesPerIp: 30,
  passwordMaxFailures: 5,
  passwordLockMs: 15 * 60_000,
} as const;

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  refreshExpiresAt: number;
  userId: string;
  isNewUser: boolean;
}

/** Normalises a mainland mobile number (+86 prefix and spaces removed). Schemas already check the shape. */
export function normalizePhone(phone: string): string {
  return phone.replace(/[\s-]/g, '').replace(/^\+86/, '');
}

export function createAuthService(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  tokens: TokenService;
  sms: SmsProvider;
  pii: PiiCipher;
  cache: Cache;
  clock: Clock;
  ids: IdGenerator;
  config: Config;
  log: Logger;
}) {
  const { sdb, repo, tokens, pii, clock, ids, config, log } = deps;
  const codeHash = (phoneHash: string, purpose: string, code: string): string =>
    createHmac('sha256', config.secret).update(`${phoneHash}|${purpose}|${code}`).digest('hex');
  const refreshHash = (token: string): string => createHash('sha256').update(token).digest('hex');

  /** Sends a 6-digit code, within the cooldown and the daily caps of the phone and the client IP. */
  async function requestCode(input: {
    phone: string;
    purpose: SmsPurpose;
    ip: string;
  }): Promise<{ expiresIn: number; resendAfter: number }> {
    const phone = normalizePhone(input.phone);
    const phoneHash = pii.lookupHash(phone);
    const code = String(randomInt(0, 10 ** AUTH_LIMITS.codeLength)).padStart(AUTH_LIMITS.codeLength, '0');
    const send = await sdb.transaction(async (tx) => {
      const last = await repo.latestCode(phoneHash, input.purpose, tx.db);
      if (last && tx.now - last.created_at < AUTH_LIMITS.resendCooldownMs) {
        const seconds = Math.ceil((AUTH_LIMITS.resendCooldownMs - (tx.now - last.created_at)) / 1000);
        throw UserErrors.SMS_TOO_FREQUENT({ seconds }, { headers: { 'retry-after': String(seconds) } });
      }
      const day = businessDay(tx.now, config.businessTimeZone);
      const dayEnds = nextBusinessMidnight(tx.now, config.businessTimeZone);
      if (
        !(await repo.takeQuota(`phone:${phoneHash}:${day}`, AUTH_LIMITS.dailyCodesPerPhone, dayEnds, tx.db))
      ) {
        throw UserErrors.SMS_DAILY_LIMIT();
      }
      if (!(await repo.takeQuota(`ip:${input.ip}:${day}`, AUTH_LIMITS.dailyCodesPerIp, dayEnds, tx.db))) {
        throw UserErrors.SMS_DAILY_LIMIT();
      }
      // Reset and deletion codes go only to existing accounts; the answer is the same either way.
      if (input.purpose !== 'login' && !(await repo.findAccountByPhoneHash(phoneHash, tx.db))) return false;
      await repo.insertCode(
        {
          id: ids(),
          phone_hash: phoneHash,
          purpose: input.purpose,
          code_hash: codeHash(phoneHash, input.purpose, code),
          expires_at: tx.now + AUTH_LIMITS.codeTtlMs,
          consumed_at: null,
          created_at: tx.now,
        },
        tx.db,
      );
      return true;
    });
    if (send) {
      try {
        await deps.sms.sendCode(phone, code, input.purpose);
      } catch (e) {
        log.error(
          { err: e instanceof SmsSendError ? { name: e.name, providerCode: e.providerCode } : e },
          'SMS send failed',
        );
        throw UserErrors.SMS_SEND_FAILED();
      }
    }
    return { expiresIn: AUTH_LIMITS.codeTtlMs / 1000, resendAfter: AUTH_LIMITS.resendCooldownMs / 1000 };
  }

  /**
   * Checks a code. The attempt is counted in its own statement first, so a wrong guess is recorded
   * even though the caller's work is not done; at most 5 guesses per code. Returns the code's id,
   * which the caller consumes inside its own transaction.
   */
  async function checkCode(phoneHash: string, purpose: SmsPurpose, code: string): Promise<string> {
    const latest = await repo.latestCode(phoneHash, purpose);
    if (!latest || latest.consumed_at !== null || latest.expires_at <= clock.now())
      throw UserErrors.SMS_CODE_INVALID();
    if (!(await repo.takeCodeAttempt(latest.id, AUTH_LIMITS.codeMaxAttempts)))
      throw UserErrors.SMS_CODE_ATTEMPTS_EXCEEDED();
    const expected = Buffer.from(latest.code_hash, 'hex');
    const given = Buffer.from(codeHash(phoneHash, purpose, code), 'hex');
    if (!timingSafeEqual(expected, given)) throw UserErrors.SMS_CODE_INVALID();
    return latest.id;
  }

  async function consumeCode(codeId: string, tx: Tx<UserDB>): Promise<void> {
    if (!(await repo.consumeCode(codeId, tx.now, tx.db))) throw UserErrors.SMS_CODE_INVALID();
  }

  async function startSession(
    tx: Tx<UserDB>,
    account: AccountRow,
    userAgent: string | undefined,
    isNewUser: boolean,
  ): Promise<Omit<TokenPair, 'accessToken' | 'expiresIn'> & { sessionId: string }> {
    const sessionId = ids();
    const refreshToken = `rt_${randomBytes(32).toString('base64url')}`;
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
    await repo.insertRefreshToken(
      { token_hash: refreshHash(refreshToken), session_id: sessionId, created_at: tx.now, rotated_at: null },
      tx.db,
    );
    return {
      refreshToken,
      tokenType: 'Bearer',
      refreshExpiresAt: expiresAt,
      userId: account.id,
      isNewUser,
      sessionId,
    };
  }

  async function withAccessToken(
    session: Awaited<ReturnType<typeof startSession>>,
    roles: Role[],
  ): Promise<TokenPair> {
    const access = await tokens.issueAccessToken({
      userId: session.userId,
      sessionId: session.sessionId,
      roles,
    });
    const { sessionId: _sid, ...rest } = session;
    return { ...rest, accessToken: access.token, expiresIn: access.expiresIn };
  }

  function assertActive(account: AccountRow): void {
    if (account.status === 'suspended') throw UserErrors.ACCOUNT_SUSPENDED();
    if (account.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
  }

  /** Signs in with an SMS code; creates the account on first sign-in (with the requested role). */
  async function loginWithSms(input: {
    phone: string;
    code: string;
    role?: 'worker' | 'employer';
    userAgent?: string;
  }): Promise<TokenPair> {
    const phone = normalizePhone(input.phone);
    const phoneHash = pii.lookupHash(phone);
    const codeId = await checkCode(phoneHash, 'login', input.code);
    const session = await sdb.transaction(async (tx) => {
      await consumeCode(codeId, tx);
      let account = await repo.findAccountByPhoneHash(phoneHash, tx.db);
      let isNew = false;
      if (!account) {
        isNew = true;
        const id = ids();
        await repo.insertAccount(
          {
            id,
            phone_cipher: pii.encrypt(phone),
            phone_hash: phoneHash,
            display_name: `用户${phone.slice(-4)}`,
            avatar_key: null,
            bio: null,
            home_area: null,
            availability: null,
            roles: input.role ?? 'worker',
            status: 'active',
            password_hash: null,
            version: 1,
            created_at: tx.now,
            updated_at: tx.now,
            deleted_at: null,
          },
          tx.db,
        );
        account = (await repo.findAccount(id, tx.db))!;
        await tx.publish(UserEvents.registered({ userId: id, roles: parseRoles(account.roles) }));
      }
      assertActive(account);
      return {
        session: await startSession(tx, account, input.userAgent, isNew),
        roles: parseRoles(account.roles),
      };
    });
    return withAccessToken(session.session, session.roles);
  }

  async function loginWithPassword(input: {
    phone: string;
    password: string;
    userAgent?: string;
  }): Promise<TokenPair> {
    const phoneHash = pii.lookupHash(normalizePhone(input.phone));
    const account = await repo.findAccountByPhoneHash(phoneHash);
    if (account && account.locked_until > clock.now()) {
      const minutes = Math.ceil((account.locked_until - clock.now()) / 60_000);
      throw UserErrors.ACCOUNT_LOCKED({ minutes }, { headers: { 'retry-after': String(minutes * 60) } });
    }
    // Verify even without an account, so response time does not reveal which phones are registered.
    const ok = await verifyPassword(input.password, account?.password_hash ?? null);
    if (!account || !ok) {
      if (account) {
        await sdb.transaction(async (tx) =>
          repo.recordPasswordFailure(
            account.id,
            AUTH_LIMITS.passwordMaxFailures,
            tx.now + AUTH_LIMITS.passwordLockMs,
            tx.db,
          ),
        );
      }
      throw UserErrors.INVALID_CREDENTIALS();
    }
    assertActive(account);
    const stored = account.password_hash!;
    // Hashed before the transaction, which must not wait on the thread pool.
    const rehashed = needsRehash(stored) ? await hashPassword(input.password) : undefined;
    const session = await sdb.transaction(async (tx) => {
      if (rehashed) await repo.rehashPassword(account.id, stored, rehashed, tx.db);
      if (account.failed_logins > 0)
        await repo.updateAccount(account.id, account.version, { failed_logins: 0 }, tx.db);
      return startSession(tx, account, input.userAgent, false);
    });
    return withAccessToken(session, parseRoles(account.roles));
  }

  /**
   * Rotates a refresh token. A token used a second time means it leaked (or a client replays it):
   * the whole session — every token descended from the same login — is revoked.
   */
  async function refresh(refreshToken: string): Promise<TokenPair> {
    const hash = refreshHash(refreshToken);
    const outcome = await sdb.transaction(async (tx) => {
      const row = await repo.findRefreshToken(hash, tx.db);
      if (!row) return { error: 'invalid' as const };
      const session = await repo.findSession(row.session_id, tx.db);
      if (!session || session.revoked_at !== null || session.expires_at <= tx.now)
        return { error: 'invalid' as const };
      if (!(await repo.rotateRefreshToken(hash, tx.now, tx.db))) {
        await repo.revokeSession(session.id, tx.now, 'refresh_token_reuse', tx.db);
        return { error: 'reused' as const, sessionId: session.id };
      }
      const account = await repo.findAccount(session.user_id, tx.db);
      if (!account || account.status !== 'active') return { error: 'invalid' as const };
      const next = `rt_${randomBytes(32).toString('base64url')}`;
      await repo.insertRefreshToken(
        { token_hash: refreshHash(next), session_id: session.id, created_at: tx.now, rotated_at: null },
        tx.db,
      );
      await repo.touchSession(session.id, tx.now, tx.db);
      return {
        session: {
          refreshToken: next,
          tokenType: 'Bearer' as const,
          refreshExpiresAt: session.expires_at,
          userId: account.id,
          isNewUser: false,
          sessionId: session.id,
        },
        roles: parseRoles(account.roles),
      };
    });
    if ('error' in outcome) {
      if (outcome.error === 'reused') {
        await markRevoked([outcome.sessionId]);
        log.warn({ sessionId: outcome.sessionId }, 'refresh token reuse: session revoked');
        throw UserErrors.REFRESH_TOKEN_REUSED();
      }
      throw UserErrors.REFRESH_TOKEN_INVALID();
    }
    return withAccessToken(outcome.session, outcome.roles);
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

  /** Sets a password from an SMS code (forgotten password). Ends every session. */
  async function resetPassword(input: { phone: string; code: string; newPassword: string }): Promise<void> {
    checkPasswordPolicy(input.newPassword);
    const phoneHash = pii.lookupHash(normalizePhone(input.phone));
    const codeId = await checkCode(phoneHash, 'reset_password', input.code);
    const hash = await hashPassword(input.newPassword);
    await sdb.transaction(async (tx) => {
      await consumeCode(codeId, tx);
      const account = await repo.findAccountByPhoneHash(phoneHash, tx.db);
      if (!account) throw UserErrors.SMS_CODE_INVALID();
      await repo.updateAccount(
        account.id,
        account.version,
        { password_hash: hash, failed_logins: 0, locked_until: 0, updated_at: tx.now },
        tx.db,
      );
      await revokeAllSessions(account.id, 'password_reset', tx);
    });
  }

  /** Sets or changes the password of a signed-in user; the current one is required if there is one. */
  async function changePassword(
    userId: string,
    input: { currentPassword?: string; newPassword: string },
  ): Promise<void> {
    checkPasswordPolicy(input.newPassword);
    const account = await repo.findAccount(userId);
    if (!account || account.status === 'deleted') throw UserErrors.USER_NOT_FOUND();
    if (
      account.password_hash &&
      !(await verifyPassword(input.currentPassword ?? '', account.password_hash))
    ) {
      throw UserErrors.CURRENT_PASSWORD_WRONG();
    }
    const hash = await hashPassword(input.newPassword);
    await sdb.transaction(async (tx) => {
      await repo.updateAccount(
        account.id,
        account.version,
        { password_hash: hash, updated_at: tx.now },
        tx.db,
      );
    });
  }

  return {
    requestCode,
    checkCode,
    consumeCode,
    loginWithSms,
    loginWithPassword,
    refresh,
    logout,
    resetPassword,
    changePassword,
    revokeAllSessions,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
