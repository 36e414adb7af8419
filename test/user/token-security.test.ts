import { SignJWT, base64url, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPiiCipher } from '../../src/platform/pii.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { loginAsAdmin, loginWithSms, type LoggedIn } from '../support/users.js';

let p: TestPlatform;
let user: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform();
  user = await loginWithSms(p);
});
afterAll(async () => {
  await p.stop();
});

const me = (token: string) =>
  p.app.inject({ url: '/api/v1/users/me', headers: { authorization: `Bearer ${token}` } });

/** The active private signing key, read from the database as only the user service can. */
async function signingKey(): Promise<{ kid: string; key: Awaited<ReturnType<typeof importJWK>> }> {
  const sdb = p.services.get('user')!.db;
  const row = await sdb
    .untyped()
    .selectFrom('user_signing_keys')
    .selectAll()
    .where('retired_at', 'is', null)
    .executeTakeFirstOrThrow();
  const pii = createPiiCipher(p.config.piiKeys, `pii-lookup:${p.config.secret}`);
  return {
    kid: row.kid as string,
    key: await importJWK(JSON.parse(pii.decrypt(row.private_jwk_cipher as string)) as JWK, 'EdDSA'),
  };
}

async function signWith(overrides: { aud?: string; iss?: string; typ?: string; exp?: number; sub?: string }) {
  const { kid, key } = await signingKey();
  const now = Math.floor(p.clock.now() / 1000);
  return new SignJWT({ sid: 'S'.repeat(26), roles: ['worker'] })
    .setProtectedHeader({ alg: 'EdDSA', kid, typ: overrides.typ ?? 'at+jwt' })
    .setIssuer(overrides.iss ?? p.config.auth.issuer)
    .setAudience(overrides.aud ?? p.config.auth.audience)
    .setSubject(overrides.sub ?? user.userId)
    .setIssuedAt(now)
    .setExpirationTime(overrides.exp ?? now + 600)
    .sign(key);
}

describe(`access token security on ${DIALECT}`, () => {
  it('accepts a genuine token, and one this test signs correctly with the real key', async () => {
    expect((await me(user.accessToken)).statusCode).toBe(200);
    expect((await me(await signWith({}))).statusCode).toBe(200);
  });

  it('refuses an expired token', async () => {
    const token = await signWith({ exp: Math.floor(p.clock.now() / 1000) - 60 });
    const res = await me(token);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('TOKEN_EXPIRED');
  });

  it('refuses a token once its 15 minutes are over', async () => {
    const fresh = await loginWithSms(p);
    p.clock.advance(16 * 60_000);
    expect((await me(fresh.accessToken)).json().code).toBe('TOKEN_EXPIRED');
  });

  it('refuses a forged signature (payload changed)', async () => {
    const [h, , s] = user.accessToken.split('.');
    const payload = base64url.encode(
      JSON.stringify({
        sub: 'ADMIN',
        roles: ['admin'],
        sid: 'x',
        iss: 'linggong',
        aud: 'linggong-api',
        exp: 9999999999,
        iat: 1,
      }),
    );
    const res = await me(`${h}.${payload}.${s}`);
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('TOKEN_INVALID');
  });

  it('refuses alg: none', async () => {
    const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'at+jwt' }));
    const payload = base64url.encode(
      JSON.stringify({
        sub: user.userId,
        sid: 'x',
        roles: ['admin'],
        iss: 'linggong',
        aud: 'linggong-api',
        exp: 9999999999,
        iat: 1,
      }),
    );
    expect((await me(`${header}.${payload}.`)).json().code).toBe('TOKEN_INVALID');
  });

  it('refuses HS256 signed with the public key as the secret', async () => {
    const jwks = (await p.app.inject('/.well-known/jwks.json')).json() as {
      keys: { kid: string; x: string }[];
    };
    const kid = decodeProtectedHeader(user.accessToken).kid!;
    const publicKey = jwks.keys.find((k) => k.kid === kid)!;
    const header = base64url.encode(JSON.stringify({ alg: 'HS256', kid, typ: 'at+jwt' }));
    const payload = base64url.encode(
      JSON.stringify({
        sub: user.userId,
        sid: 'x',
        roles: ['admin'],
        iss: 'linggong',
        aud: 'linggong-api',
        exp: 9999999999,
        iat: 1,
      }),
    );
    for (const secret of [publicKey.x, Buffer.from(publicKey.x, 'base64url'), JSON.stringify(publicKey)]) {
      const sig = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
      expect((await me(`${header}.${payload}.${sig}`)).json().code).toBe('TOKEN_INVALID');
    }
  });

  it('refuses the wrong audience, issuer and type', async () => {
    expect((await me(await signWith({ aud: 'another-api' }))).json().code).toBe('TOKEN_INVALID');
    expect((await me(await signWith({ iss: 'someone-else' }))).json().code).toBe('TOKEN_INVALID');
    expect((await me(await signWith({ typ: 'JWT' }))).json().code).toBe('TOKEN_INVALID');
    expect((await me('not.a.jwt')).json().code).toBe('TOKEN_INVALID');
    const noBearer = await p.app.inject({
      url: '/api/v1/users/me',
      headers: { authorization: user.accessToken },
    });
    expect(noBearer.json().code).toBe('UNAUTHENTICATED');
  });

  it('rotates signing keys without logging anyone out', async () => {
    const admin = await loginAsAdmin(p);
    const before = decodeProtectedHeader(admin.accessToken).kid;
    const rotated = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/signing-keys/rotate',
      headers: admin.auth,
    });
    expect(rotated.statusCode).toBe(200);
    const newKid = rotated.json().kid as string;
    expect(newKid).not.toBe(before);
    expect((await me(admin.accessToken)).statusCode).toBe(200); // signed by the old key, still valid
    const jwks = (await p.app.inject('/.well-known/jwks.json')).json() as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(expect.arrayContaining([before, newKid]));
    const next = await loginWithSms(p);
    expect(decodeProtectedHeader(next.accessToken).kid).toBe(newKid);
    // Once every token of the old key has expired, the old key leaves the JWKS.
    p.clock.advance(30 * 60_000);
    await p.services.get('user')!.instance.verifier!.verify((await loginWithSms(p)).accessToken);
    const later = (await p.app.inject('/.well-known/jwks.json')).json() as { keys: { kid: string }[] };
    expect(later.keys.map((k) => k.kid)).not.toContain(before);
  });
});
