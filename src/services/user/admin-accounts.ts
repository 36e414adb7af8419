import { writeAudit } from '../../platform/audit.js';
import { readPage, type CursorCodec, type Page } from '../../platform/cursor.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { Principal, Role } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { PiiCipher } from '../../platform/pii.js';
import { assertNotOwnAdminAccess, statusChange, type AdminStatus } from './account.rules.js';
import { assertAdminRemainsAfter } from './accounts.js';
import type { AuthService } from './auth.service.js';
import type { PublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { UserEvents } from './user.events.js';
import { toPrivateProfile, type FormatInstant, type PrivateProfile } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/** What admins do with accounts: list them (private views, phones masked), suspend and reactivate. */
export function createAdminAccounts(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  auth: Pick<AuthService, 'revokeAllSessions'>;
  pii: PiiCipher;
  cursors: CursorCodec;
  publicProfiles: PublicProfiles;
  getPrivate: (userId: string) => Promise<PrivateProfile>;
  ids: IdGenerator;
  at: FormatInstant;
}) {
  const { sdb, repo, auth, pii, publicProfiles, ids, at } = deps;

  async function listForAdmin(opts: {
    limit: number;
    cursor?: string;
    role?: Role;
  }): Promise<Page<PrivateProfile>> {
    return readPage(
      deps.cursors,
      'admin-users',
      opts,
      (afterId, limit) => repo.listAccounts({ afterId, limit, role: opts.role }),
      (rows) => rows.map((r) => toPrivateProfile(r, pii, at)),
    );
  }

  /**
   * Suspends (ending every session) or reactivates an account; nothing happens when it already is.
   * An admin never suspends their own account, nor the last active admin's.
   */
  async function setStatus(actor: Principal, userId: string, status: AdminStatus): Promise<PrivateProfile> {
    if (status === 'suspended') assertNotOwnAdminAccess(actor, userId);
    await sdb.transaction(async (tx) => {
      const row = await repo.findAccount(userId, tx.db);
      if (!row) throw UserErrors.USER_NOT_FOUND();
      const change = statusChange(row.status, status);
      if (!change) return;
      if (status === 'suspended') await assertAdminRemainsAfter(repo, userId, { status }, tx.db);
      await repo.updateAccount(userId, row.version, { status, updated_at: tx.now }, tx.db);
      if (change.revokeSessions) await auth.revokeAllSessions(userId, change.revokeSessions, tx);
      await tx.publish(UserEvents[change.event]({ userId }));
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: actor.userId,
        actorRole: 'admin',
        action: change.audit,
        targetType: 'user',
        targetId: userId,
      });
      publicProfiles.invalidateAfterCommit(tx, userId);
    });
    return deps.getPrivate(userId);
  }

  return { listForAdmin, setStatus };
}
