import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { PiiCipher } from '../../platform/pii.js';
import { findExistingAccount } from './accounts.js';
import { checkPasswordPolicy, normalizePhone } from './auth.rules.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type { Sessions } from './sessions.js';
import type { SmsCodes } from './sms-codes.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import type { UserRepository } from './user.repository.js';

/**
 * Setting a password: with an SMS code when it is forgotten (every session ends, the lock is lifted),
 * or signed in, with the current password when the account has one.
 */
export function createPasswordReset(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  pii: PiiCipher;
  codes: SmsCodes;
  sessions: Sessions;
}) {
  const { sdb, repo, pii, codes, sessions } = deps;

  /** Sets a password from an SMS code (forgotten password). Ends every session. */
  async function resetPassword(input: { phone: string; code: string; newPassword: string }): Promise<void> {
    checkPasswordPolicy(input.newPassword);
    const phoneHash = pii.lookupHash(normalizePhone(input.phone));
    const codeId = await codes.checkCode(phoneHash, 'reset_password', input.code);
    const hash = await hashPassword(input.newPassword);
    await sdb.transaction(async (tx) => {
      await codes.consumeCode(codeId, tx);
      const account = await repo.findAccountByPhoneHash(phoneHash, tx.db);
      if (!account) throw UserErrors.SMS_CODE_INVALID();
      await repo.updateAccount(
        account.id,
        account.version,
        { password_hash: hash, failed_logins: 0, locked_until: 0, updated_at: tx.now },
        tx.db,
      );
      await sessions.revokeAllSessions(account.id, 'password_reset', tx);
    });
  }

  /** Sets or changes the password of a signed-in user; the current one is required if there is one. */
  async function changePassword(
    userId: string,
    input: { currentPassword?: string; newPassword: string },
  ): Promise<void> {
    checkPasswordPolicy(input.newPassword);
    const account = await findExistingAccount(repo, userId);
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

  return { resetPassword, changePassword };
}
