import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { assertMaySignIn, type SelfRole } from './account.rules.js';
import { newAccountRow } from './accounts.js';
import { normalizePhone } from './auth.rules.js';
import type { Sessions, TokenPair } from './sessions.js';
import type { SmsCodes } from './sms-codes.js';
import type { UserDB } from './user.db.js';
import { UserEvents } from './user.events.js';
import { parseRoles } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/**
 * Signing in with an SMS code. The first sign-in of a phone creates its account, with the role the
 * client asked for (worker when none), named after the phone's last four digits.
 */
export function createSmsLogin(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  pii: PiiCipher;
  ids: IdGenerator;
  codes: SmsCodes;
  sessions: Sessions;
}) {
  const { sdb, repo, pii, ids, codes, sessions } = deps;

  /** Signs in with an SMS code; creates the account on first sign-in (with the requested role). */
  async function loginWithSms(input: {
    phone: string;
    code: string;
    role?: SelfRole;
    userAgent?: string;
  }): Promise<TokenPair> {
    const phone = normalizePhone(input.phone);
    const phoneHash = pii.lookupHash(phone);
    const codeId = await codes.checkCode(phoneHash, 'login', input.code);
    const opened = await sdb.transaction(async (tx) => {
      await codes.consumeCode(codeId, tx);
      let account = await repo.findAccountByPhoneHash(phoneHash, tx.db);
      const isNew = !account;
      if (!account) {
        const id = ids();
        const roles = input.role ?? 'worker';
        await repo.insertAccount(
          newAccountRow(pii, { id, phone, displayName: `用户${phone.slice(-4)}`, roles, now: tx.now }),
          tx.db,
        );
        account = (await repo.findAccount(id, tx.db))!;
        await tx.publish(UserEvents.registered({ userId: id, roles: parseRoles(account.roles) }));
      }
      assertMaySignIn(account.status);
      return {
        session: await sessions.startSession(tx, account, input.userAgent, isNew),
        account,
      };
    });
    return sessions.withAccessToken(opened.session, opened.account);
  }

  return { loginWithSms };
}
