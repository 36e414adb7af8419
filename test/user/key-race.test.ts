import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { lastSmsCode, newPhone, requestCode } from '../support/users.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p.stop();
});

describe(`first logins on a fresh database (${DIALECT})`, () => {
  it('many concurrent first logins share one new signing key and all succeed', async () => {
    const phones = Array.from({ length: 20 }, () => newPhone());
    for (const phone of phones) await requestCode(p, phone);
    const results = await Promise.all(
      phones.map((phone) =>
        p.app.inject({
          method: 'POST',
          url: '/api/v1/auth/login/sms',
          payload: { phone, code: lastSmsCode(p, phone) },
        }),
      ),
    );
    expect(results.map((r) => r.statusCode)).toEqual(phones.map(() => 200));
    const keys = await p.services
      .get('user')!
      .db.untyped()
      .selectFrom('user_signing_keys')
      .select('kid')
      .execute();
    expect(keys).toHaveLength(1);
  });
});
