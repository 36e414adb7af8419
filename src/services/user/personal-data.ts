import { writeAudit } from '../../platform/audit.js';
import type { Clock } from '../../platform/clock.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { FileStorage } from '../../platform/storage.js';
import { assertAdminRemainsAfter, findExistingAccount } from './accounts.js';
import type { AuthService } from './auth.service.js';
import type { PublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import { UserEvents } from './user.events.js';
import { toPrivateProfile, type FormatInstant } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/**
 * The account holder's rights over their personal information (PIPL): a copy of everything the
 * service holds about them, and deletion.
 */
export function createPersonalData(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  auth: Pick<AuthService, 'checkCode' | 'consumeCode' | 'revokeAllSessions'>;
  pii: PiiCipher;
  storage: FileStorage;
  publicProfiles: PublicProfiles;
  clock: Clock;
  ids: IdGenerator;
  at: FormatInstant;
}) {
  const { sdb, repo, auth, pii, storage, publicProfiles, ids, at } = deps;

  /** Erases the account's personal data in place, leaving the anonymous tombstone. */
  async function erase(tx: Tx<UserDB>, userId: string, phoneHash: string): Promise<void> {
    const current = await findExistingAccount(repo, userId, tx.db);
    // The last active admin cannot leave the platform without one, by deletion either.
    await assertAdminRemainsAfter(repo, userId, { status: 'deleted' }, tx.db);
    await repo.updateAccount(
      userId,
      current.version,
      {
        phone_cipher: null,
        phone_hash: null,
        display_name: '已注销用户',
        avatar_key: null,
        bio: null,
        home_area: null,
        availability: null,
        skills: '',
        password_hash: null,
        status: 'deleted',
        deleted_at: tx.now,
        updated_at: tx.now,
      },
      tx.db,
    );
    await repo.deleteCodesOf(phoneHash, tx.db);
    await auth.revokeAllSessions(userId, 'account_deleted', tx);
    await tx.publish(UserEvents.deleted({ userId }));
    await writeAudit(tx, sdb.prefix, ids, {
      actorId: userId,
      actorRole: 'self',
      action: 'user.deleted',
      targetType: 'user',
      targetId: userId,
    });
    const avatar = current.avatar_key;
    tx.afterCommit(async () => {
      await publicProfiles.invalidate(userId);
      if (avatar) await storage.delete(avatar);
    });
  }

  /**
   * Deletes an account as PIPL requires: personal data is erased (phone, name, bio, area,
   * availability, skills, avatar, SMS codes), sessions end, and `user.deleted` tells the other
   * services to erase theirs. The row stays as an anonymous tombstone so orders and reviews keep a
   * valid reference. Requires a fresh SMS code.
   */
  async function deleteAccount(userId: string, code: string): Promise<void> {
    const row = await findExistingAccount(repo, userId);
    const phoneHash = row.phone_hash!;
    const codeId = await auth.checkCode(phoneHash, 'delete_account', code);
    await sdb.transaction(async (tx) => {
      await auth.consumeCode(codeId, tx);
      await erase(tx, userId, phoneHash);
    });
  }

  /** Everything the service holds about the caller, as data (personal-information copy right). */
  async function exportData(userId: string) {
    const row = await findExistingAccount(repo, userId);
    const sessions = await repo.sessionsOf(userId);
    return {
      exportedAt: at(deps.clock.now()),
      profile: toPrivateProfile(row, pii, at),
      sessions: sessions.map((s) => ({
        id: s.id,
        createdAt: at(s.created_at),
        lastUsedAt: at(s.last_used_at),
        expiresAt: at(s.expires_at),
        revokedAt: s.revoked_at === null ? null : at(s.revoked_at),
        userAgent: s.user_agent,
      })),
    };
  }

  return { deleteAccount, exportData };
}
