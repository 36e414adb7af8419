import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatInstant } from '../../src/platform/clock.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { lastSmsCode, loginAsAdmin, newPhone, requestCode } from '../support/users.js';

/** Every time in the user service's answers is ISO 8601 in the business zone, as the job service's. */
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p.stop();
});

const SHANGHAI = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+08:00$/;
const local = (ms: number) => formatInstant(ms, 'Asia/Shanghai');

describe(`times in the user service's answers on ${DIALECT}`, () => {
  it('shows sign-in, profile, admin and export times with the +08:00 offset', async () => {
    const phone = newPhone();
    await requestCode(p, phone);
    const signedInAt = p.clock.now();
    const login = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login/sms',
      payload: { phone, code: lastSmsCode(p, phone) },
    });
    expect(login.statusCode).toBe(200);
    const pair = login.json() as {
      refreshExpiresAt: string;
      refreshToken: string;
      accessToken: string;
      userId: string;
    };
    expect(pair.refreshExpiresAt).toBe(local(signedInAt + p.config.auth.refreshTtlSec * 1000));
    const auth = { authorization: `Bearer ${pair.accessToken}` };

    p.clock.advance(61_000);
    const refreshed = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(refreshed.json().refreshExpiresAt).toBe(pair.refreshExpiresAt); // the session's end stays

    const me = (await p.app.inject({ url: '/api/v1/users/me', headers: auth })).json();
    expect(me).toMatchObject({ createdAt: local(signedInAt), memberSince: local(signedInAt) });
    expect(me.updatedAt).toMatch(SHANGHAI);
    const pub = (await p.app.inject(`/api/v1/users/${pair.userId}`)).json();
    expect(pub.memberSince).toBe(local(signedInAt));

    const admin = await loginAsAdmin(p);
    const list = (await p.app.inject({ url: '/api/v1/admin/users?limit=100', headers: admin.auth })).json();
    for (const u of list.items as { createdAt: string; updatedAt: string; memberSince: string }[])
      for (const t of [u.createdAt, u.updatedAt, u.memberSince]) expect(t).toMatch(SHANGHAI);

    const exported = (await p.app.inject({ url: '/api/v1/users/me/export', headers: auth })).json();
    expect(exported.exportedAt).toBe(local(p.clock.now()));
    for (const s of exported.sessions as Record<string, string | null>[]) {
      for (const key of ['createdAt', 'lastUsedAt', 'expiresAt']) expect(s[key]).toMatch(SHANGHAI);
      expect(s.revokedAt).toBeNull();
    }
  });
});
