import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT, TEST_REDIS_URL } from '../support/env.js';
import { jobPost } from '../support/jobs.js';
import { loginAsAdmin, loginWithSms, type LoggedIn } from '../support/users.js';
import { rolesRevokedKey } from '../../src/services/user/tokens.js';

let p: TestPlatform;
let admin: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});

const changeRole = (by: LoggedIn, userId: string, role: string, action: 'grant' | 'revoke') =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/admin/users/${userId}/roles`,
    headers: by.auth,
    payload: { role, action },
  });
const postJob = (u: LoggedIn) =>
  p.app.inject({ method: 'POST', url: '/api/v1/jobs', headers: u.auth, payload: jobPost(p) });
const refresh = async (u: LoggedIn): Promise<LoggedIn> => {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: u.refreshToken },
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { userId: string; accessToken: string; refreshToken: string };
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
};

describe(`a revoked role ends at once on ${DIALECT}`, () => {
  it('an employer whose role an admin revoked can no longer post jobs with the old access token', async () => {
    const employer = await loginWithSms(p, undefined, 'employer');
    expect((await postJob(employer)).statusCode).toBe(201);
    expect((await changeRole(admin, employer.userId, 'employer', 'revoke')).statusCode).toBe(200);

    const stale = await postJob(employer);
    expect(stale.statusCode).toBe(401);
    expect(stale.json().code).toBe('TOKEN_ROLES_CHANGED');
    // The session goes on: a refresh gives a token with the roles the account holds now.
    const again = await refresh(employer);
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: again.auth })).json().roles).toEqual([]);
    expect((await postJob(again)).statusCode).toBe(403);
  });

  it('a token refreshed before the revocation is refused too; a token after a re-grant works', async () => {
    const employer = await loginWithSms(p, undefined, 'employer');
    const before = await refresh(employer);
    expect((await changeRole(admin, employer.userId, 'employer', 'revoke')).statusCode).toBe(200);
    expect((await postJob(before)).json().code).toBe('TOKEN_ROLES_CHANGED');
    expect((await changeRole(admin, employer.userId, 'employer', 'grant')).statusCode).toBe(200);
    expect((await postJob(await refresh(before))).statusCode).toBe(201);
  });

  it('an admin whose admin role another admin revoked loses the admin routes at once', async () => {
    const other = await loginAsAdmin(p);
    expect((await p.app.inject({ url: '/api/v1/admin/users', headers: other.auth })).statusCode).toBe(200);
    expect((await changeRole(admin, other.userId, 'admin', 'revoke')).statusCode).toBe(200);
    const stale = await p.app.inject({ url: '/api/v1/admin/users', headers: other.auth });
    expect(stale.statusCode).toBe(401);
    expect(stale.json().code).toBe('TOKEN_ROLES_CHANGED');
    const fresh = await refresh(other);
    expect((await p.app.inject({ url: '/api/v1/admin/users', headers: fresh.auth })).statusCode).toBe(403);
  });

  it('writes the revocation again from its event, when the commit hook could not', async () => {
    const employer = await loginWithSms(p, undefined, 'employer');
    expect((await changeRole(admin, employer.userId, 'employer', 'revoke')).statusCode).toBe(200);
    // As if the hook's write had been lost (the process died after the commit, or Redis erred).
    await p.cache.delete(rolesRevokedKey(employer.userId));
    expect((await postJob(employer)).statusCode).toBe(201);
    // The event's consumer writes it again (on BullMQ, once the workers run).
    await p.events.flush();
    if (TEST_REDIS_URL) p.startBackground();
    let code: unknown;
    for (let i = 0; i < 100 && code !== 'TOKEN_ROLES_CHANGED'; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 50));
      code = (await p.app.inject({ url: '/api/v1/users/me', headers: employer.auth })).json().code;
    }
    expect(code).toBe('TOKEN_ROLES_CHANGED');
  });

  it('granting a role leaves the tokens already issued working', async () => {
    const worker = await loginWithSms(p);
    expect((await changeRole(admin, worker.userId, 'employer', 'grant')).statusCode).toBe(200);
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: worker.auth })).statusCode).toBe(200);
  });
});
