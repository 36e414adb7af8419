import type { Clock } from '../../platform/clock.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { PiiCipher } from '../../platform/pii.js';
import { assertMaySignIn } from './account.rules.js';
import { AUTH_LIMITS, lockedMinutes, normalizePhone } from './auth.rules.js';
import { hashPassword, needsRehash, verifyPassword } from './passwords.js';
import type { Sessions, TokenPair } from './sessions.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import type { AccountRow, UserRepository } from './user.repository.js';

/**
 * Signing in with a password. Wrong passwords are counted per account and lock it for a while
 * (an SMS login still works); a hash made with older settings is stored anew on success.
 */
export function createPasswordLogin(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  pii: PiiCipher;
  clock: Clock;
  sessions: Sessions;
}) {
  const { sdb, repo, pii, clock, sessions } = deps;

  function assertNotLocked(account: AccountRow | undefined): void {
    const minutes = account ? lockedMinutes(account.locked_until, clock.now()) : 0;
    if (minutes > 0)
      throw UserErrors.ACCOUNT_LOCKED({ minutes }, { headers: { 'retry-after': String(minutes * 60) } });
  }

  async function recordFailure(account: AccountRow): Promise<void> {
    await sdb.transaction(async (tx) =>
      repo.recordPasswordFailure(
        account.id,
        AUTH_LIMITS.passwordMaxFailures,
        tx.now + AUTH_LIMITS.passwordLockMs,
        tx.db,
      ),
    );
  }

  async function loginWithPassword(input: {
    phone: string;
    password: string;
    userAgent?: string;
  }): Promise<TokenPair> {
    const phoneHash = pii.lookupHash(normalizePhone(input.phone));
    const account = await repo.findAccountByPhoneHash(phoneHash);
    assertNotLocked(account);
    // Verify even without an account, so response time does not reveal which phones are registered.
    const ok = await verifyPassword(input.password, account?.password_hash ?? null);
    if (!account || !ok) {
      if (account) await recordFailure(account);
      throw UserErrors.INVALID_CREDENTIALS();
    }
    assertMaySignIn(account.status);
    const stored = account.password_hash!;
    // Hashed before the transaction, which must not wait on the thread pool.
    const rehashed = needsRehash(stored) ? await hashPassword(input.password) : undefined;
    const session = await sdb.transaction(async (tx) => {
      if (rehashed) await repo.rehashPassword(account.id, stored, rehashed, tx.db);
      if (account.failed_logins > 0)
        await repo.updateAccount(account.id, account.version, { failed_logins: 0 }, tx.db);
      return sessions.startSession(tx, account, input.userAgent, false);
    });
    return sessions.withAccessToken(session, account);
  }

  return { loginWithPassword };
}
