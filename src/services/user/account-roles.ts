import { writeAudit } from '../../platform/audit.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { Principal, Role } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import { maskPhone, type PiiCipher } from '../../platform/pii.js';
import { isMainlandMobile } from '../../platform/schemas.js';
import { checkText } from '../../platform/text.js';
import { assertMayChangeRole, assertNotOwnAdminAccess, nextRoles, roleActor } from './account.rules.js';
import { assertAdminRemainsAfter, findExistingAccount, newAccountRow } from './accounts.js';
import { normalizePhone } from './auth.rules.js';
import type { AuthService } from './auth.service.js';
import type { PublicProfiles } from './public-profile.js';
import type { UserDB } from './user.db.js';
import { UserEvents } from './user.events.js';
import { DISPLAY_NAME_RULE } from './user.schemas.js';
import { parseRoles, type PrivateProfile } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/**
 * Roles: a holder adds worker or employer to their account, an admin grants and revokes any role,
 * the CLI makes admins (account.rules.ts says who may do what). Every change is audited.
 */
export function createAccountRoles(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  auth: Pick<AuthService, 'endRevokedRoles'>;
  pii: PiiCipher;
  publicProfiles: PublicProfiles;
  getPrivate: (userId: string) => Promise<PrivateProfile>;
  ids: IdGenerator;
}) {
  const { sdb, repo, auth, pii, publicProfiles, ids } = deps;

  /**
   * Grants (`add`) or revokes a role; nothing happens when the account already is that way. A
   * revoked role ends at once: the account's older access tokens are refused from the commit on.
   * An admin keeps their own admin role, and the last active admin keeps theirs.
   */
  async function changeRoles(
    actor: Principal | null,
    userId: string,
    role: Role,
    add: boolean,
  ): Promise<PrivateProfile> {
    assertMayChangeRole(actor, userId, role, add);
    const revokesAdmin = role === 'admin' && !add;
    if (revokesAdmin) assertNotOwnAdminAccess(actor, userId);
    await sdb.transaction(async (tx) => {
      const row = await findExistingAccount(repo, userId, tx.db);
      const next = nextRoles(parseRoles(row.roles), role, add);
      if (!next) return;
      if (revokesAdmin) await assertAdminRemainsAfter(repo, userId, { roles: next }, tx.db);
      await repo.updateAccount(userId, row.version, { roles: next.join(','), updated_at: tx.now }, tx.db);
      if (!add) auth.endRevokedRoles(tx, userId, row.version + 1);
      await tx.publish(
        UserEvents.rolesChanged({ userId, roles: next, version: row.version + 1, revoked: !add }),
      );
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: actor?.userId ?? null,
        actorRole: roleActor(actor),
        action: add ? 'user.role_granted' : 'user.role_revoked',
        targetType: 'user',
        targetId: userId,
        data: { role },
      });
      publicProfiles.invalidateAfterCommit(tx, userId);
    });
    return deps.getPrivate(userId);
  }

  /** Creates an admin account for a phone, or adds the admin role to its account (CLI). */
  async function createAdmin(phone: string, displayName: string): Promise<{ id: string }> {
    const normalized = normalizePhone(phone);
    if (!isMainlandMobile(normalized)) throw new Error('not a mainland mobile number');
    const name = checkText(displayName, DISPLAY_NAME_RULE);
    if ('problem' in name) throw new Error(`the display name breaks the text rule (${name.problem})`);
    const existing = await repo.findAccountByPhoneHash(pii.lookupHash(normalized));
    if (existing) {
      await changeRoles(null, existing.id, 'admin', true);
      return { id: existing.id };
    }
    const id = ids();
    await sdb.transaction(async (tx) => {
      await repo.insertAccount(
        newAccountRow(pii, { id, phone: normalized, displayName: name.value, roles: 'admin', now: tx.now }),
        tx.db,
      );
      await tx.publish(UserEvents.registered({ userId: id, roles: ['admin'] }));
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: null,
        actorRole: 'system',
        action: 'user.admin_created',
        targetType: 'user',
        targetId: id,
        data: { phone: maskPhone(normalized) },
      });
    });
    return { id };
  }

  return { changeRoles, createAdmin };
}
