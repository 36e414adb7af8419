import { describe, expect, it } from 'vitest';
import type { Principal, Role } from '../../platform/http/auth.js';
import {
  accountActive,
  activeAdmin,
  assertAnAdminRemains,
  assertNotOwnAdminAccess,
  accountExists,
  assertMaySignIn,
  mayChangeRole,
  nextRoles,
  roleActor,
  statusChange,
  STATUS_CHANGES,
} from './account.rules.js';
import type { AccountStatus } from './user.db.js';

const principal = (userId: string, ...roles: Role[]): Principal => ({ userId, roles, sessionId: 's' });
const code = (c: string) => expect.objectContaining({ code: c });

describe('account statuses', () => {
  it.each([
    ['active', true, true, undefined],
    ['suspended', true, false, 'ACCOUNT_SUSPENDED'],
    ['deleted', false, false, 'USER_NOT_FOUND'],
  ] as const)('%s: exists %s, active %s, sign-in refused with %s', (status, exists, active, refusal) => {
    expect(accountExists(status)).toBe(exists);
    expect(accountActive(status)).toBe(active);
    if (refusal) expect(() => assertMaySignIn(status)).toThrow(code(refusal));
    else expect(() => assertMaySignIn(status)).not.toThrow();
  });

  it.each([
    ['active', 'suspended', STATUS_CHANGES.suspended],
    ['suspended', 'active', STATUS_CHANGES.active],
    ['active', 'active', null],
    ['suspended', 'suspended', null],
  ] as const)('an admin setting %s to %s', (from, to, change) => {
    expect(statusChange(from, to)).toBe(change);
  });

  it('suspending ends the sessions and is announced; reactivating keeps none to end', () => {
    expect(STATUS_CHANGES.suspended).toEqual({
      event: 'suspended',
      audit: 'user.suspended',
      revokeSessions: 'suspended',
    });
    expect(STATUS_CHANGES.active).toEqual({
      event: 'reactivated',
      audit: 'user.reactivated',
      revokeSessions: null,
    });
  });

  it.each(['active', 'suspended'] as const)('never brings a deleted account back to %s', (to) => {
    expect(() => statusChange('deleted' as AccountStatus, to)).toThrow(code('USER_NOT_FOUND'));
  });
});

describe('roles', () => {
  const self = principal('u1', 'worker');
  const admin = principal('a1', 'admin');

  it.each([
    [null, 'system'],
    [self, 'self'],
    [principal('u2', 'worker', 'employer'), 'self'],
    [admin, 'admin'],
    [principal('a2', 'employer', 'admin'), 'admin'],
  ] as const)('audits %o as %s', (actor, kind) => {
    expect(roleActor(actor)).toBe(kind);
  });

  it.each([
    // actor, account, role, grant (true) or revoke (false), allowed
    ['holder', self, 'u1', 'employer', true, true],
    ['holder', self, 'u1', 'worker', true, true],
    ['holder', self, 'u1', 'admin', true, false],
    ['holder', self, 'u1', 'worker', false, false],
    ['holder', self, 'u2', 'employer', true, false],
    ['admin', admin, 'u1', 'admin', true, true],
    ['admin', admin, 'u1', 'worker', false, true],
    ['admin', admin, 'a1', 'admin', false, true],
    ['system', null, 'u1', 'admin', true, true],
    ['system', null, 'u1', 'worker', true, false],
    ['system', null, 'u1', 'admin', false, false],
  ] as const)('%s on %s: %s %s → %s', (_who, actor, userId, role, add, allowed) => {
    expect(mayChangeRole(actor, userId, role, add)).toBe(allowed);
  });

  it.each([
    [['worker'], 'employer', true, ['employer', 'worker']],
    [['worker'], 'worker', true, null],
    [['employer', 'worker'], 'worker', false, ['employer']],
    [['worker'], 'admin', false, null],
    [['worker', 'admin'], 'admin', false, ['worker']],
    [[], 'worker', true, ['worker']],
  ] as const)('%j with %s granted=%s becomes %j', (current, role, add, next) => {
    expect(nextRoles(current, role, add)).toEqual(next);
  });
});

describe('admins who remain', () => {
  const admin = { status: 'active', roles: ['admin', 'worker'] } as const;

  it.each([
    ['revoking the admin role', { ...admin, roles: ['worker'] }],
    ['suspending', { ...admin, status: 'suspended' }],
  ] as const)('%s of the last active admin is refused, of one among others allowed', (_case, after) => {
    expect(() => assertAnAdminRemains(admin, after, 0)).toThrow(code('USER_LAST_ADMIN'));
    expect(() => assertAnAdminRemains(admin, after, 1)).not.toThrow();
  });

  it('changes that leave the account an admin, or that concern no active admin, are allowed', () => {
    expect(() => assertAnAdminRemains(admin, { ...admin, roles: ['admin'] }, 0)).not.toThrow();
    const suspended = { status: 'suspended', roles: ['admin'] } as const;
    expect(() => assertAnAdminRemains(suspended, { ...suspended, roles: [] }, 0)).not.toThrow();
    expect(activeAdmin(suspended)).toBe(false);
    expect(activeAdmin(admin)).toBe(true);
  });

  it('an admin never suspends or demotes their own account', () => {
    expect(() => assertNotOwnAdminAccess(principal('A', 'admin'), 'A')).toThrow(
      code('USER_CANNOT_CHANGE_SELF'),
    );
    expect(() => assertNotOwnAdminAccess(principal('A', 'admin'), 'B')).not.toThrow();
    expect(() => assertNotOwnAdminAccess(null, 'B')).not.toThrow();
  });
});
