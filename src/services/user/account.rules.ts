import { PlatformErrors } from '../../platform/errors.js';
import { ROLES, type Principal, type Role } from '../../platform/http/auth.js';
import type { AccountStatus } from './user.db.js';
import { UserErrors } from './user.errors.js';

/**
 * The account rules, pure: which statuses an account moves through and what each allows, and who
 * may give or take which role. The services apply them inside their transactions.
 */

/** Whether the account is still there for its holder and admins (a deleted one is a tombstone). */
export function accountExists(status: AccountStatus): boolean {
  return status !== 'deleted';
}

/** Whether others may see the account (public profile, avatar) and its sessions still refresh. */
export function accountActive(status: AccountStatus): boolean {
  return status === 'active';
}

/** Throws unless the account may sign in: a suspended one is told so, a deleted one is not found. */
export function assertMaySignIn(status: AccountStatus): void {
  switch (status) {
    case 'active':
      return;
    case 'suspended':
      throw UserErrors.ACCOUNT_SUSPENDED();
    case 'deleted':
      throw UserErrors.USER_NOT_FOUND();
  }
}

/** The statuses an admin sets; `deleted` is reached only by the holder's own deletion. */
export type AdminStatus = 'active' | 'suspended';

/**
 * What setting each admin status does: the event announcing it, its audit action, and the reason its
 * sessions are revoked with (null: they are kept).
 */
export const STATUS_CHANGES = {
  suspended: { event: 'suspended', audit: 'user.suspended', revokeSessions: 'suspended' },
  active: { event: 'reactivated', audit: 'user.reactivated', revokeSessions: null },
} as const satisfies Record<
  AdminStatus,
  { event: 'suspended' | 'reactivated'; audit: string; revokeSessions: string | null }
>;

/**
 * The change an admin's status request makes to an account in status `from`: null when it already
 * has it; USER_NOT_FOUND for a deleted account, which nothing brings back.
 */
export function statusChange(
  from: AccountStatus,
  to: AdminStatus,
): (typeof STATUS_CHANGES)[AdminStatus] | null {
  if (!accountExists(from)) throw UserErrors.USER_NOT_FOUND();
  return from === to ? null : STATUS_CHANGES[to];
}

/** Who changes an account's roles: its holder, an admin, or the system (the CLI, no principal). */
export type RoleActor = 'self' | 'admin' | 'system';

export function roleActor(actor: Principal | null): RoleActor {
  if (!actor) return 'system';
  return actor.roles.includes('admin') ? 'admin' : 'self';
}

/** The roles an account holder may choose: at sign-up, and to add later (never admin). */
export const SELF_ROLES = ['worker', 'employer'] as const satisfies readonly Role[];
export type SelfRole = (typeof SELF_ROLES)[number];

/**
 * Which roles each actor may grant and revoke. A holder only adds a self role to their own account;
 * an admin grants and revokes any role on any account; the system only makes admins.
 */
export const ROLE_CHANGES: Record<RoleActor, { grant: readonly Role[]; revoke: readonly Role[] }> = {
  self: { grant: SELF_ROLES, revoke: [] },
  admin: { grant: ROLES, revoke: ROLES },
  system: { grant: ['admin'], revoke: [] },
};

export function mayChangeRole(actor: Principal | null, userId: string, role: Role, add: boolean): boolean {
  const who = roleActor(actor);
  if (who === 'self' && actor?.userId !== userId) return false;
  return ROLE_CHANGES[who][add ? 'grant' : 'revoke'].includes(role);
}

/** Throws FORBIDDEN unless `actor` may grant (`add`) or revoke `role` on account `userId`. */
export function assertMayChangeRole(actor: Principal | null, userId: string, role: Role, add: boolean): void {
  if (!mayChangeRole(actor, userId, role, add)) throw PlatformErrors.FORBIDDEN();
}

/** The account's roles after granting or revoking `role`, sorted; null when that changes nothing. */
export function nextRoles(current: readonly Role[], role: Role, add: boolean): Role[] | null {
  const roles = new Set(current);
  if (add) roles.add(role);
  else roles.delete(role);
  const next = [...roles].sort();
  return next.join(',') === [...current].sort().join(',') ? null : next;
}

/** Whether an account can act as an admin: active and holding the admin role. */
export function activeAdmin(account: { status: AccountStatus; roles: readonly Role[] }): boolean {
  return accountActive(account.status) && account.roles.includes('admin');
}

/**
 * Throws USER_CANNOT_CHANGE_SELF when an admin would suspend their own account or take their own
 * admin role: nobody locks themselves out by a slip, and an admin leaves only by another's hand.
 */
export function assertNotOwnAdminAccess(actor: Principal | null, userId: string): void {
  if (actor?.userId === userId) throw UserErrors.USER_CANNOT_CHANGE_SELF();
}

/**
 * Throws USER_LAST_ADMIN when a change takes away an active admin (`before` → `after`) and no
 * other active admin remains: someone must still be able to manage accounts.
 */
export function assertAnAdminRemains(
  before: { status: AccountStatus; roles: readonly Role[] },
  after: { status: AccountStatus; roles: readonly Role[] },
  otherActiveAdmins: number,
): void {
  if (activeAdmin(before) && !activeAdmin(after) && otherActiveAdmins === 0)
    throw UserErrors.USER_LAST_ADMIN();
}
