import { Value } from 'typebox/value';
import { PublicProfileSchema } from '../../src/services/user/user.schemas.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { PNG_1X1 } from '../support/images.js';
import { lastSmsCode, loginAsAdmin, loginWithSms, newPhone, requestCode } from '../support/users.js';

let p: TestPlatform;
const phonesUsed: string[] = [];
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p.stop();
});

async function worker() {
  const phone = newPhone();
  phonesUsed.push(phone);
  return { phone, ...(await loginWithSms(p, phone)) };
}

const PNG = PNG_1X1;

describe(`profiles on ${DIALECT}`, () => {
  it('updates the profile and shows the public view without private fields', async () => {
    const u = await worker();
    const patch = await p.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: u.auth,
      payload: {
        displayName: '王师傅',
        bio: '十年保洁经验',
        homeArea: '上海市浦东新区',
        // Stored once each, sorted.
        skills: ['housekeeping.deep_clean', 'housekeeping.cleaner', 'housekeeping.deep_clean'],
        availability: [{ weekday: 6, start: '08:00', end: '18:00' }],
      },
    });
    expect(patch.statusCode).toBe(200);
    expect(patch.json()).toMatchObject({
      displayName: '王师傅',
      skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'],
      phone: `${u.phone.slice(0, 3)}****${u.phone.slice(-4)}`,
    });
    const pub = await p.app.inject(`/api/v1/users/${u.userId}`);
    expect(pub.statusCode).toBe(200);
    expect(pub.json()).toMatchObject({
      displayName: '王师傅',
      skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'],
    });
    expect(pub.json()).not.toHaveProperty('phone');
    expect(pub.json()).not.toHaveProperty('hasPassword');
    // The answer is sent as cached text, not through the schema serializer: it must have exactly
    // the schema's fields, with the schema's types (the miss above and the hit below alike).
    for (const res of [pub, await p.app.inject(`/api/v1/users/${u.userId}`)]) {
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Object.keys(res.json() as object).sort()).toEqual(
        Object.keys(PublicProfileSchema.properties).sort(),
      );
      expect(Value.Check(PublicProfileSchema, res.json())).toBe(true);
    }
  });

  it('keeps skills through other changes, clears them when given none, and exports them', async () => {
    const u = await worker();
    const patch = (payload: object) =>
      p.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: u.auth, payload });
    const publicSkills = async () => (await p.app.inject(`/api/v1/users/${u.userId}`)).json().skills;
    expect(await publicSkills()).toEqual([]);
    expect((await patch({ skills: ['food.waiter', 'food.cashier'] })).statusCode).toBe(200);
    expect((await patch({ bio: '只改简介' })).json().skills).toEqual(['food.cashier', 'food.waiter']);
    expect(await publicSkills()).toEqual(['food.cashier', 'food.waiter']);
    const exported = await p.app.inject({ url: '/api/v1/users/me/export', headers: u.auth });
    expect(exported.json().profile.skills).toEqual(['food.cashier', 'food.waiter']);
    expect((await patch({ skills: [] })).json().skills).toEqual([]);
    expect(await publicSkills()).toEqual([]);
  });

  it('serves the public view from the cache and invalidates it on change', async () => {
    const u = await worker();
    await p.app.inject(`/api/v1/users/${u.userId}`);
    // A write behind the service's back is not seen while cached…
    await p.services
      .get('user')!
      .db.untyped()
      .updateTable('user_accounts')
      .set({ display_name: '直接改库' })
      .where('id', '=', u.userId)
      .execute();
    expect((await p.app.inject(`/api/v1/users/${u.userId}`)).json().displayName).not.toBe('直接改库');
    // …and a change through the service invalidates it.
    await p.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: u.auth,
      payload: { bio: '新简介' },
    });
    expect((await p.app.inject(`/api/v1/users/${u.userId}`)).json()).toMatchObject({
      displayName: '直接改库',
      bio: '新简介',
    });
  });

  it('answers 404 problem+json for an unknown id, from the database and from the cached "not found"', async () => {
    const unknown = '01ZZZZZZZZZZZZZZZZZZZZZZZZ';
    // The first read misses and loads; later ones find "not found" cached (with a near cache, in
    // this process's memory from the third read on) and answer without awaiting anything.
    for (let i = 0; i < 3; i++) {
      const res = await p.app.inject(`/api/v1/users/${unknown}`);
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({ status: 404, code: 'USER_NOT_FOUND' });
    }
  });

  it('refuses unknown skills', async () => {
    const u = await worker();
    const res = await p.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: u.auth,
      payload: { skills: ['space.pilot'] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().code).toBe('SKILL_UNKNOWN');
  });

  it('lets a worker become an employer too', async () => {
    const u = await worker();
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/roles',
      headers: u.auth,
      payload: { role: 'employer' },
    });
    expect(res.json().roles).toEqual(['employer', 'worker']);
    const refreshed = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: u.refreshToken },
    });
    const claims = JSON.parse(
      Buffer.from(refreshed.json().accessToken.split('.')[1], 'base64url').toString(),
    ) as { roles: string[] };
    expect(claims.roles).toEqual(['employer', 'worker']);
  });

  it('uploads and serves an avatar, refusing non-images', async () => {
    const u = await worker();
    const up = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/users/me/avatar',
      headers: { ...u.auth, 'content-type': 'image/png' },
      payload: PNG,
    });
    expect(up.statusCode).toBe(200);
    const url = up.json().avatarUrl as string;
    const img = await p.app.inject(url);
    expect(img.statusCode).toBe(200);
    expect(img.headers['content-type']).toBe('image/png');
    expect(img.rawPayload.equals(PNG)).toBe(true);
    const fake = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/users/me/avatar',
      headers: { ...u.auth, 'content-type': 'image/png' },
      payload: Buffer.from('<script>alert(1)</script>'),
    });
    expect(fake.json().code).toBe('AVATAR_INVALID');
    // A real PNG's signature and header, then a page: refused, and the stored avatar stays.
    const polyglot = await p.app.inject({
      method: 'PUT',
      url: '/api/v1/users/me/avatar',
      headers: { ...u.auth, 'content-type': 'image/png' },
      payload: Buffer.concat([PNG.subarray(0, 33), Buffer.from('<html><script>alert(1)</script></html>')]),
    });
    expect(polyglot.statusCode).toBe(400);
    expect(polyglot.json().code).toBe('AVATAR_INVALID');
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: u.auth })).json().avatarUrl).toBe(url);
  });
});

describe(`authorization on ${DIALECT}`, () => {
  it('nobody reads another user’s private fields', async () => {
    const a = await worker();
    const b = await worker();
    const mine = await p.app.inject({ url: '/api/v1/users/me', headers: b.auth });
    expect(mine.json().id).toBe(b.userId);
    const other = await p.app.inject({ url: `/api/v1/users/${a.userId}`, headers: b.auth });
    expect(other.json()).not.toHaveProperty('phone');
    expect((await p.app.inject('/api/v1/users/me')).statusCode).toBe(401);
    expect((await p.app.inject('/api/v1/users/me/export')).statusCode).toBe(401);
  });

  it('a worker cannot call admin routes; an admin can, and the change is audited', async () => {
    const w = await worker();
    const admin = await loginAsAdmin(p);
    for (const [method, url] of [
      ['GET', '/api/v1/admin/users'],
      ['POST', `/api/v1/admin/users/${w.userId}/suspend`],
      ['POST', '/api/v1/admin/signing-keys/rotate'],
    ] as const) {
      const res = await p.app.inject({ method, url, headers: w.auth });
      expect(res.statusCode, url).toBe(403);
      expect(res.json().code).toBe('FORBIDDEN');
    }
    const skilled = await p.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: w.auth,
      payload: { skills: ['moving.mover', 'food.waiter'] },
    });
    expect(skilled.statusCode).toBe(200);
    const list = await p.app.inject({ url: '/api/v1/admin/users?limit=100', headers: admin.auth });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as { id: string; phone: string; skills: string[] }[];
    for (const u of items) expect(u.phone).toMatch(/^1\d\d\*{4}\d{4}$/);
    expect(items.find((u) => u.id === w.userId)?.skills).toEqual(['food.waiter', 'moving.mover']);
    const suspended = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/users/${w.userId}/suspend`,
      headers: admin.auth,
    });
    expect(suspended.json().status).toBe('suspended');
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: w.auth })).json().code).toBe(
      'SESSION_REVOKED',
    );
    const audit = await p.services
      .get('user')!
      .db.untyped()
      .selectFrom('user_audit')
      .selectAll()
      .where('target_id', '=', w.userId)
      .execute();
    expect(audit.map((a) => a.action)).toContain('user.suspended');
    expect(audit.find((a) => a.action === 'user.suspended')?.actor_id).toBe(admin.userId);
  });

  it('admin role cannot be self-granted', async () => {
    const w = await worker();
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/users/me/roles',
      headers: w.auth,
      payload: { role: 'admin' },
    });
    expect(res.statusCode).toBe(400);
  });
});

describe(`personal data (PIPL) on ${DIALECT}`, () => {
  it('stores phones encrypted with a key id and a keyed hash, never in plain text', async () => {
    const u = await worker();
    const row = await p.services
      .get('user')!
      .db.untyped()
      .selectFrom('user_accounts')
      .selectAll()
      .where('id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(row.phone_cipher).toMatch(/^v1\.dev1\./);
    expect(JSON.stringify(row)).not.toContain(u.phone);
    expect(row.phone_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('exports my data', async () => {
    const u = await worker();
    const res = await p.app.inject({ url: '/api/v1/users/me/export', headers: u.auth });
    expect(res.statusCode).toBe(200);
    expect(res.json().profile.id).toBe(u.userId);
    expect(res.json().sessions.length).toBeGreaterThan(0);
    expect(res.body).not.toContain(u.phone);
  });

  it('deletes an account with an SMS code: erases personal data, ends sessions, announces user.deleted', async () => {
    const u = await worker();
    await p.app.inject({
      method: 'PATCH',
      url: '/api/v1/users/me',
      headers: u.auth,
      payload: { bio: '个人简介', skills: ['food.waiter'] },
    });
    await requestCode(p, u.phone, 'delete_account');
    const code = lastSmsCode(p, u.phone);
    const del = await p.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: u.auth,
      payload: { code },
    });
    expect(del.statusCode).toBe(204);
    const db = p.services.get('user')!.db.untyped();
    const row = await db
      .selectFrom('user_accounts')
      .selectAll()
      .where('id', '=', u.userId)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      status: 'deleted',
      phone_cipher: null,
      phone_hash: null,
      bio: null,
      display_name: '已注销用户',
      skills: '',
    });
    const events = await db
      .selectFrom('user_outbox')
      .select(['type', 'payload'])
      .where('type', '=', 'user.deleted')
      .execute();
    expect(events.some((e) => JSON.parse(e.payload as string).userId === u.userId)).toBe(true);
    expect((await p.app.inject(`/api/v1/users/${u.userId}`)).statusCode).toBe(404);
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: u.auth })).statusCode).toBe(401);
    // The phone can sign up again, as a new person.
    p.clock.advance(61_000);
    const again = await loginWithSms(p, u.phone);
    expect(again.userId).not.toBe(u.userId);
  });

  it('never writes a full phone number to any response or log line', async () => {
    const log = p.logText();
    expect(phonesUsed.length).toBeGreaterThan(5);
    for (const phone of phonesUsed) expect(log).not.toContain(phone);
    expect(log).toContain('****'); // masked forms are there
  });
});

describe(`concurrent changes on ${DIALECT}`, () => {
  it('a change based on a stale version is refused whole, never half applied', async () => {
    const u = await worker();
    const before = (await p.app.inject({ url: '/api/v1/users/me', headers: u.auth })).json();
    const results = await Promise.all(
      ['food.waiter', 'food.cashier', 'retail.promoter', 'logistics.sorter'].map((skill) =>
        p.app.inject({
          method: 'PATCH',
          url: '/api/v1/users/me',
          headers: u.auth,
          payload: { bio: skill, skills: [skill] },
        }),
      ),
    );
    for (const r of results) expect([200, 409]).toContain(r.statusCode);
    const after = (await p.app.inject({ url: '/api/v1/users/me', headers: u.auth })).json();
    // Whatever won, bio and skills come from the same request.
    expect(after.skills).toEqual([after.bio]);
    expect(after.bio).not.toBe(before.bio);
  });
});
