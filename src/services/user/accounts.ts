import type { Insertable } from 'kysely';
import type { Executor } from '../../platform/db/service-database.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { Role } from '../../platform/http/auth.js';
import { accountExists, activeAdmin, assertAnAdminRemains } from './account.rules.js';
import type { AccountStatus } from './user.db.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import { parseRoles, storedSkills } from './user.mappers.js';
import type { AccountRow, UserRepository } from './user.repository.js';

/** The row of a new, active account: the phone stored encrypted and as a keyed hash, nothing else set. */
export function newAccountRow(
  pii: PiiCipher,
  account: {
    id: string;
    phone: string;
    displayName: string;
    roles: string;
    now: number;
    homeArea?: string | null;
    skills?: readonly string[];
    passwordHash?: string;
  },
): Insertable<UserDB['user_accounts']> {
  return {
    id: account.id,
    phone_cipher: pii.encrypt(account.phone),
    phone_hash: pii.lookupHash(account.phone),
    display_name: account.displayName,
    avatar_key: null,
    bio: null,
    home_area: account.homeArea ?? null,
    availability: null,
    ...(account.skills ? { skills: storedSkills(account.skills) } : {}),
    roles: account.roles,
    status: 'active',
    password_hash: account.passwordHash ?? null,
    version: 1,
    created_at: account.now,
    updated_at: account.now,
    deleted_at: null,
  };
}

/** The account `userId`, or USER_NOT_FOUND when there is none or it was deleted. */
export async function findExistingAccount(
  repo: UserRepository,
  userId: string,
  ex?: Executor<UserDB>,
): Promise<AccountRow> {
  const row = await repo.findAccount(userId, ex);
  if (!row || !accountExists(row.status)) throw UserErrors.USER_NOT_FOUND();
  return row;
}

/**
 * Throws USER_LAST_ADMIN when account `userId`, changed to `after`, would leave no active admin.
 * Reads the admins locked (repo.lockAccountAndAdmins), so concurrent changes are checked in turn.
 */
export async function assertAdminRemainsAfter(
  repo: UserRepository,
  userId: string,
  after: { status?: AccountStatus; roles?: readonly Role[] },
  ex: Executor<UserDB>,
): Promise<void> {
  const rows = (await repo.lockAccountAndAdmins(userId, ex)).map((r) => ({
    id: r.id,
    status: r.status,
    roles: parseRoles(r.roles),
  }));
  const target = rows.find((r) => r.id === userId);
  if (!target) throw UserErrors.USER_NOT_FOUND();
  const others = rows.filter((r) => r.id !== userId && activeAdmin(r)).length;
  assertAnAdminRemains(target, { ...target, ...after }, others);
}
