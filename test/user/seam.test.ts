import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/serve.js';
import { FakeClock } from '../../src/platform/clock.js';
import { userModule } from '../../src/services/user/index.js';
import { probeModule } from '../fixtures/probe-service.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
  listTables,
} from '../support/databases.js';
import { DIALECT, TEST_MYSQL_URL } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { newPhone } from '../support/users.js';

/**
 * The service seam: the user service runs in its own process (spawned with the real CLI); this test
 * process runs another service whose database has no user tables. It verifies access tokens through
 * the user service's JWKS and reads profiles through the user client over HTTP.
 */
let child: ChildProcess;
let userUrl: string;
let output = '';
let probe: TestPlatform;
let dataDir: string;
let userDb: TestDatabase | undefined;
let redis: TestRedis | undefined;
let env: Record<string, string>;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'linggong-seam-'));
  env = {
    PATH: process.env.PATH ?? '',
    LINGGONG_ENV: 'test',
    LINGGONG_PORT: '0',
    LINGGONG_DATA_DIR: dataDir,
    LINGGONG_SEED_DEMO: 'false',
    LINGGONG_LOG_LEVEL: 'info',
  };
  const args = [BIN, 'serve'];
  if (TEST_MYSQL_URL) {
    userDb = await createTestDatabase();
    redis = await createTestRedis();
    Object.assign(env, {
      LINGGONG_DATABASE_URL: userDb.url,
      LINGGONG_REDIS_URL: redis!.url,
      LINGGONG_REDIS_PREFIX: redis!.prefix,
    });
    args.push('--services', 'user');
  }
  child = spawn(process.execPath, args, { env });
  userUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`user service did not start:\n${output}`)), 30_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /Docs:\s+(http:\/\/[^/\s]+)\/docs/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`user service exited ${code}:\n${output}`)));
  });
  probe = await startTestPlatform({
    modules: [probeModule],
    remoteModules: [userModule],
    env: { LINGGONG_USER_URL: userUrl },
    redis, // the split topology's processes share one Redis (events, cache, revocations)
    clock: new FakeClock(Date.now()), // the user process runs on the system clock
  });
});

afterAll(async () => {
  await probe?.stop();
  child?.kill('SIGTERM');
  await userDb?.drop();
  await redis?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

async function signIn(phone: string): Promise<{ accessToken: string; userId: string }> {
  const post = (path: string, body: unknown) =>
    fetch(`${userUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  expect((await post('/api/v1/auth/sms-codes', { phone, purpose: 'login' })).status).toBe(202);
  const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  let code: string | undefined;
  for (let i = 0; i < 50 && !code; i++) {
    code = output
      .split('\n')
      .filter((l) => l.includes(masked) && l.includes('smsCode'))
      .map((l) => (JSON.parse(l) as { smsCode: string }).smsCode)
      .at(-1);
    if (!code) await new Promise((r) => setTimeout(r, 50));
  }
  const res = await post('/api/v1/auth/login/sms', { phone, code });
  expect(res.status).toBe(200);
  return (await res.json()) as { accessToken: string; userId: string };
}

describe(`the user service seam across processes (${DIALECT})`, () => {
  it('the other process has no user tables', async () => {
    expect(probe.services.has('user')).toBe(false);
    const db = probe.services.get('probe')!.db;
    expect((await listTables(db)).some((t) => t.startsWith('user_'))).toBe(false);
  });

  it('verifies access tokens through the JWKS and reads the profile through the HTTP client', async () => {
    const { accessToken, userId } = await signIn(newPhone());
    const res = await probe.app.inject({
      url: '/api/v1/probe/me',
      headers: {
        authorization: `Bearer ${accessToken}`,
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ userId, roles: ['worker'] });
    expect(res.json().displayName).toMatch(/^用户\d{4}$/);
    // The user service logged the internal call under the caller's trace id.
    await new Promise((r) => setTimeout(r, 200));
    expect(output).toMatch(
      /"trace_id":"0af7651916cd43dd8448eb211c80319c"[^\n]*"route":"\/internal\/v1\/users\/:id"/,
    );
  });

  it('refuses a forged token in the other process too', async () => {
    const res = await probe.app.inject({
      url: '/api/v1/probe/me',
      headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' },
    });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 to internal routes without the service token', async () => {
    const { userId } = await signIn(newPhone());
    const res = await fetch(`${userUrl}/internal/v1/users/${userId}`);
    expect(res.status).toBe(401);
    expect(((await res.json()) as { code: string }).code).toBe('SERVICE_TOKEN_INVALID');
    const ok = await fetch(`${userUrl}/internal/v1/users/${userId}`, {
      headers: { 'x-service-token': probe.config.serviceToken },
    });
    expect(ok.status).toBe(200);
  });

  // In one process the verifier reads the same cache as the writer; across processes that cache
  // is Redis, which the split topology requires (the embedded seam has no shared cache).
  it.runIf(TEST_MYSQL_URL)('refuses a token in the other process once its role was revoked', async () => {
    const adminPhone = newPhone();
    const made = spawnSync(process.execPath, [BIN, 'create-admin', '--phone', adminPhone], { env });
    expect(made.status, made.stderr.toString()).toBe(0);
    const admin = await signIn(adminPhone);
    const { accessToken, userId } = await signIn(newPhone());
    const probeMe = () =>
      probe.app.inject({ url: '/api/v1/probe/me', headers: { authorization: `Bearer ${accessToken}` } });
    expect((await probeMe()).statusCode).toBe(200);
    const revoked = await fetch(`${userUrl}/api/v1/admin/users/${userId}/roles`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin.accessToken}` },
      body: JSON.stringify({ role: 'worker', action: 'revoke' }),
    });
    expect(revoked.status).toBe(200);
    // This process may hold "not revoked" in its near cache until Redis's invalidation arrives.
    let res = await probeMe();
    for (let i = 0; i < 40 && res.statusCode === 200; i++) {
      await new Promise((r) => setTimeout(r, 25));
      res = await probeMe();
    }
    expect(res.statusCode).toBe(401);
    expect(res.json().code).toBe('TOKEN_ROLES_CHANGED');
  });
});
