import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import {
  lastSmsCode,
  loginAsAdmin,
  loginWithSms,
  newPhone,
  requestCode,
  type LoggedIn,
} from '../support/users.js';
import { userCommands } from '../../src/services/user/index.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p.stop();
});

const revokeAdmin = (by: LoggedIn, userId: string) =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/admin/users/${userId}/roles`,
    headers: by.auth,
    payload: { role: 'admin', action: 'revoke' },
  });
const suspend = (by: LoggedIn, userId: string) =>
  p.app.inject({ method: 'POST', url: `/api/v1/admin/users/${userId}/suspend`, headers: by.auth });
const accounts = () => p.services.get('user')!.db.untyped().selectFrom('user_accounts');
const activeAdmins = async () =>
  (await accounts().select(['id', 'roles', 'status']).execute()).filter(
    (a) => a.status === 'active' && String(a.roles).split(',').includes('admin'),
  ).length;
/** Takes every admin's role away behind the service's back (no token is told): the admin left is `keep`. */
async function onlyAdmin(keep: LoggedIn): Promise<void> {
  await p.services
    .get('user')!
    .db.untyped()
    .updateTable('user_accounts')
    .set({ roles: 'worker' })
    .where('roles', 'like', '%admin%')
    .where('id', '!=', keep.userId)
    .execute();
}

describe(`admins cannot lock the platform out on ${DIALECT}`, () => {
  it('an admin cannot suspend their own account', async () => {
    const admin = await loginAsAdmin(p);
    const res = await suspend(admin, admin.userId);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('USER_CANNOT_CHANGE_SELF');
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: admin.auth })).json().status).toBe(
      'active',
    );
  });

  it('an admin cannot revoke their own admin role', async () => {
    const admin = await loginAsAdmin(p);
    const res = await revokeAdmin(admin, admin.userId);
    expect(res.statusCode).toBe(422);
    expect(res.json().code).toBe('USER_CANNOT_CHANGE_SELF');
    expect((await p.app.inject({ url: '/api/v1/admin/users', headers: admin.auth })).statusCode).toBe(200);
  });

  it('the last active admin keeps the role and is not suspended, even by a token still carrying admin', async () => {
    const last = await loginAsAdmin(p);
    const stale = await loginAsAdmin(p);
    await onlyAdmin(last);
    for (const res of [await revokeAdmin(stale, last.userId), await suspend(stale, last.userId)]) {
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('USER_LAST_ADMIN');
    }
    expect(await activeAdmins()).toBe(1);
  });

  it('the last active admin cannot delete their own account', async () => {
    const phone = newPhone();
    await p.commands(userCommands)!.createAdmin(phone, '最后的管理员');
    const last = await loginWithSms(p, phone);
    await onlyAdmin(last);
    await requestCode(p, phone, 'delete_account');
    const res = await p.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: last.auth,
      payload: { code: lastSmsCode(p, phone) },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('USER_LAST_ADMIN');
    expect(await activeAdmins()).toBe(1);
  });

  it('two admins revoking each other at the same time leave one admin', async () => {
    const a = await loginAsAdmin(p);
    const b = await loginAsAdmin(p);
    await onlyAdmin(a);
    await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${b.userId}/roles`,
      headers: a.auth,
      payload: { role: 'admin', action: 'grant' },
    });
    expect(await activeAdmins()).toBe(2);
    const [ab, ba] = await Promise.all([revokeAdmin(a, b.userId), revokeAdmin(b, a.userId)]);
    const codes = [ab, ba].map((r) => (r.statusCode === 200 ? 'OK' : (r.json() as { code: string }).code));
    expect(codes.filter((c) => c === 'OK')).toHaveLength(1);
    expect(['USER_LAST_ADMIN', 'TOKEN_ROLES_CHANGED', 'ACCOUNT_CHANGED']).toContain(
      codes.find((c) => c !== 'OK'),
    );
    expect(await activeAdmins()).toBe(1);
  });

  it('an admin may still revoke another admin while one remains', async () => {
    const a = await loginAsAdmin(p);
    const b = await loginAsAdmin(p);
    expect((await revokeAdmin(a, b.userId)).statusCode).toBe(200);
  });
});
