import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verificationClient } from '../../src/services/verification/index.js';
import { DIALECT } from '../support/env.js';
import { idNumber as newIdNumber } from '../support/identity.js';
import { PNG_1X1 } from '../support/images.js';
import { openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import {
  lastSmsCode,
  loginAsAdmin,
  loginWithSms,
  newPhone,
  requestCode,
  type LoggedIn,
} from '../support/users.js';
import { searchJobs } from '../search/http-support.js';

/**
 * Real-name and enterprise verification through the HTTP API: submission, the admin queue and
 * decisions, the client other services use, the verified badge on jobs and in search, who may see
 * ID data, erasure with the account, and the Tencent FaceID adapter against a local server.
 */

/** Every ID number a test submits: none may appear in full in the log of the run. */
const submitted = new Set<string>();
function idNumber(birth?: string): string {
  const id = newIdNumber(birth);
  submitted.add(id);
  return id;
}

let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_EVENT_BUS: 'inprocess' } });
  p.startBackground();
});
// Signing in moves the fake clock (SMS resend cooldown): each test signs a fresh admin in.
beforeEach(async () => {
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  if (p) {
    // The whole run's log holds no full ID number (masked ones are fine).
    const log = p.logText();
    for (const id of submitted) expect(log).not.toContain(id);
    await p.stop();
  }
});

const get = (url: string, user: LoggedIn) => p.app.inject({ method: 'GET', url, headers: user.auth });
const post = (url: string, user: LoggedIn, payload: Record<string, unknown> = {}) =>
  p.app.inject({ method: 'POST', url, headers: user.auth, payload });
const upload = (slot: string, user: LoggedIn) =>
  p.app.inject({
    method: 'PUT',
    url: `/api/v1/verifications/files/${slot}`,
    headers: { ...user.auth, 'content-type': 'image/png' },
    payload: PNG_1X1,
  });

async function submitIdentity(user: LoggedIn, name: string, id: string) {
  return post('/api/v1/verifications/identity', user, { name, idNumber: id });
}

/** The pending request of a user, as the admin queue lists it. */
async function pendingRequestOf(userId: string, kind = 'identity'): Promise<Record<string, unknown>> {
  let cursor: string | null = null;
  do {
    const res = await get(
      `/api/v1/admin/verifications?kind=${kind}&limit=100${cursor ? `&cursor=${cursor}` : ''}`,
      admin,
    );
    expect(res.statusCode).toBe(200);
    const page = res.json() as { items: Record<string, unknown>[]; nextCursor: string | null };
    const found = page.items.find((r) => r.userId === userId);
    if (found) return found;
    cursor = page.nextCursor;
  } while (cursor);
  throw new Error(`no pending ${kind} request of ${userId}`);
}

async function auditActions(targetId: string): Promise<string[]> {
  const db = p.services.get('verification')!.db;
  const rows = await db
    .untyped()
    .selectFrom('verification_audit')
    .select(['action'])
    .where('target_id', '=', targetId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.action as string);
}

async function eventually<T>(what: string, fn: () => Promise<T | undefined>, ms = 5000): Promise<T> {
  const until = performance.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (performance.now() > until) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe(`real-name verification on ${DIALECT}`, () => {
  it('queues a submission for an admin, who approves it; the client reports the verified name', async () => {
    const worker = await loginWithSms(p, newPhone(), 'worker');
    const id = idNumber('19900307');
    expect((await upload('id_front', worker)).statusCode).toBe(200);
    expect((await upload('id_back', worker)).statusCode).toBe(200);

    const sent = await submitIdentity(worker, '王小明', id);
    expect(sent.statusCode).toBe(200);
    expect(sent.body).not.toContain(id);
    const mine = sent.json();
    expect(mine).toMatchObject({ status: 'pending', name: null, idNumber: null });
    expect(mine.request).toMatchObject({
      status: 'pending',
      purpose: 'initial',
      name: '王**',
      idNumber: `${id.slice(0, 4)}**********${id.slice(-4)}`,
      files: ['id_front', 'id_back'],
    });
    // A second submission while one is pending is refused.
    const again = await submitIdentity(worker, '王小明', id);
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('VERIFICATION_PENDING');

    // The queue lists it masked; the detail shows it in full, and that read is audited.
    const queued = await pendingRequestOf(worker.userId);
    expect(JSON.stringify(queued)).not.toContain(id);
    expect(queued).toMatchObject({
      provider: 'manual',
      providerResult: 'review',
      files: ['id_front', 'id_back'],
    });
    const requestId = queued.id as string;
    const detail = await get(`/api/v1/admin/verifications/${requestId}`, admin);
    expect(detail.json().identity).toEqual({ name: '王小明', idNumber: id, birthDate: '1990-03-07' });
    const photo = await get(`/api/v1/admin/verifications/${requestId}/files/id_front`, admin);
    expect(photo.statusCode).toBe(200);
    expect(photo.headers['cache-control']).toBe('private, no-store');
    expect(Buffer.compare(photo.rawPayload, PNG_1X1)).toBe(0);

    const approved = await post(`/api/v1/admin/verifications/${requestId}/approve`, admin);
    expect(approved.statusCode).toBe(200);
    expect(approved.json()).toMatchObject({ status: 'approved', decidedBy: admin.userId });
    expect(await auditActions(requestId)).toEqual([
      'verification.viewed',
      'verification.file_viewed',
      'verification.approved',
    ]);
    // Deciding twice is refused, naming the state.
    const twice = await post(`/api/v1/admin/verifications/${requestId}/approve`, admin);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('VERIFICATION_STATE_INVALID');

    const view = (await get('/api/v1/verifications/identity', worker)).json();
    expect(view).toMatchObject({ status: 'approved', name: '王**', idNumber: mine.request.idNumber });
    expect(view.verifiedAt).toMatch(/\+08:00$/);

    const client = p.client(verificationClient);
    expect(await client.identity(worker.userId)).toMatchObject({ status: 'approved', name: '王小明' });
    expect(await client.ageOn(worker.userId, '2026-03-06')).toBe(35);
    expect(await client.ageOn(worker.userId, '2026-03-07')).toBe(36);
    const stranger = await loginWithSms(p, newPhone());
    expect(await client.identity(stranger.userId)).toMatchObject({ status: 'none', name: null });
    expect(await client.ageOn(stranger.userId, '2026-03-07')).toBeNull();

    // One ID number verifies one account.
    const other = await submitIdentity(stranger, '王小明', id);
    expect(other.statusCode).toBe(409);
    expect(other.json().code).toBe('ID_NUMBER_IN_USE');
  });

  it('refuses what the local checks refuse, each with its code, and limits submissions per day', async () => {
    const phone = newPhone();
    let worker = await loginWithSms(p, phone);
    const today = new Date(p.clock.now() + 8 * 3_600_000); // the business day in Asia/Shanghai
    const ymd = (years: number, days = 0) => {
      const d = new Date(
        Date.UTC(today.getUTCFullYear() - years, today.getUTCMonth(), today.getUTCDate() + days),
      );
      return d.toISOString().slice(0, 10).replaceAll('-', '');
    };
    const cases: [string, string][] = [
      [idNumber(ymd(16, 1)), 'ID_UNDERAGE'], // the 16th birthday is tomorrow
      [idNumber(ymd(-1)), 'ID_BIRTH_DATE_INVALID'], // born next year
      [`${idNumber().slice(0, 17)}${idNumber().endsWith('0') ? '1' : '0'}`, 'ID_CHECK_DIGIT_INVALID'],
    ];
    for (const [id, code] of cases) {
      const res = await submitIdentity(worker, '李四', id);
      expect(res.statusCode, code).toBe(400);
      expect(res.json().code).toBe(code);
    }
    // On the 16th birthday the number is accepted.
    const sixteen = await submitIdentity(worker, '李四', idNumber(ymd(16)));
    expect(sixteen.statusCode).toBe(200);

    // Rejections let the user submit again, up to the daily limit (3 by default).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const { id: requestId } = await pendingRequestOf(worker.userId);
      const rejected = await post(`/api/v1/admin/verifications/${requestId as string}/reject`, admin, {
        reason: '身份证照片模糊',
      });
      expect(rejected.json().status).toBe('rejected');
      const view = (await get('/api/v1/verifications/identity', worker)).json();
      expect(view).toMatchObject({ status: 'rejected', request: { reason: '身份证照片模糊' } });
      const next = await submitIdentity(worker, '李四', idNumber());
      if (attempt < 3) expect(next.statusCode).toBe(200);
      else {
        expect(next.statusCode).toBe(429);
        expect(next.json().code).toBe('VERIFICATION_ATTEMPTS_EXCEEDED');
      }
    }
    // The next business day the user may try again.
    p.clock.advance(24 * 3_600_000);
    worker = await loginWithSms(p, phone);
    expect((await submitIdentity(worker, '李四', idNumber())).statusCode).toBe(200);
  });

  it('reviews a change of an approved real name, keeping the approval in force meanwhile', async () => {
    const worker = await loginWithSms(p, newPhone());
    await submitIdentity(worker, '赵六', idNumber());
    await post(
      `/api/v1/admin/verifications/${(await pendingRequestOf(worker.userId)).id as string}/approve`,
      admin,
    );
    const change = await submitIdentity(worker, '赵六一', idNumber());
    expect(change.json()).toMatchObject({
      status: 'approved',
      name: '赵*',
      request: { purpose: 'change', status: 'pending', name: '赵**' },
    });
    const client = p.client(verificationClient);
    expect((await client.identity(worker.userId)).name).toBe('赵六');
    await post(
      `/api/v1/admin/verifications/${(await pendingRequestOf(worker.userId)).id as string}/approve`,
      admin,
    );
    expect((await client.identity(worker.userId)).name).toBe('赵六一');
  });

  it('shows ID data to nobody but the person and admins', async () => {
    const owner = await loginWithSms(p, newPhone());
    const id = idNumber();
    expect((await upload('id_front', owner)).statusCode).toBe(200);
    await submitIdentity(owner, '钱七', id);
    const requestId = (await pendingRequestOf(owner.userId)).id as string;
    const intruders = [
      await loginWithSms(p, newPhone(), 'worker'),
      await loginWithSms(p, newPhone(), 'employer'),
    ];
    for (const intruder of intruders) {
      // "My" routes answer the caller's own (empty) record, never the owner's.
      const own = await get('/api/v1/verifications/identity', intruder);
      expect(own.json()).toMatchObject({ status: 'none', request: null });
      expect((await get('/api/v1/verifications/files/id_front', intruder)).statusCode).toBe(404);
      for (const url of [
        '/api/v1/admin/verifications',
        `/api/v1/admin/verifications/${requestId}`,
        `/api/v1/admin/verifications/${requestId}/files/id_front`,
      ]) {
        const res = await get(url, intruder);
        expect(res.statusCode, url).toBe(403);
        expect(res.body).not.toContain(id);
      }
      for (const url of [
        `/api/v1/admin/verifications/${requestId}/approve`,
        '/api/v1/admin/verifications/revoke',
      ]) {
        expect(
          (await post(url, intruder, { userId: owner.userId, kind: 'identity', reason: '试试' })).statusCode,
        ).toBe(403);
      }
      // Internal routes need the service token, not a user's.
      const internal = await get(`/internal/v1/verifications/${owner.userId}/identity`, intruder);
      expect(internal.statusCode).toBe(401);
    }
    const file = await get('/api/v1/verifications/files/id_front', owner);
    expect(file.statusCode).toBe(200);
    expect(file.headers['cache-control']).toBe('private, no-store');
  });

  it("erases a deleted account's data and sends a reuse of its number to an admin", async () => {
    const phone = newPhone();
    const leaving = await loginWithSms(p, phone);
    const id = idNumber();
    await upload('id_front', leaving);
    await submitIdentity(leaving, '孙八', id);
    const requestId = (await pendingRequestOf(leaving.userId)).id as string;
    await post(`/api/v1/admin/verifications/${requestId}/approve`, admin);

    expect((await requestCode(p, phone, 'delete_account')).statusCode).toBe(202);
    const deleted = await p.app.inject({
      method: 'DELETE',
      url: '/api/v1/users/me',
      headers: leaving.auth,
      payload: { code: lastSmsCode(p, phone) },
    });
    expect(deleted.statusCode).toBe(204);
    const erased = await eventually('erasure', async () => {
      const res = await get(`/api/v1/admin/verifications/${requestId}`, admin);
      return res.json().erased ? (res.json() as Record<string, unknown>) : undefined;
    });
    expect(erased).toMatchObject({ identity: null, files: [], status: 'approved' });
    expect((await get(`/api/v1/admin/verifications/${requestId}/files/id_front`, admin)).statusCode).toBe(
      404,
    );

    // The same number on a new account: not refused outright, not verified automatically.
    const newcomer = await loginWithSms(p, newPhone());
    expect((await submitIdentity(newcomer, '孙八', id)).statusCode).toBe(200);
    expect(await pendingRequestOf(newcomer.userId)).toMatchObject({
      previouslyErased: true,
      status: 'pending',
    });
  });
});

describe(`enterprise verification on ${DIALECT}`, () => {
  it("badges an approved company's jobs, in the job view and in search within a second", async () => {
    const employer = await loginWithSms(p, newPhone(), 'employer');
    const job = await openJob(p, employer);
    expect(job.employerVerified).toBe(false);

    const body = {
      companyName: '福州市示例家政服务有限公司',
      creditCode: '91350100M000100Y43',
      legalRepresentative: '林建国',
    };
    expect((await post('/api/v1/verifications/enterprise', employer, body)).json().code).toBe(
      'LICENCE_REQUIRED',
    );
    expect((await upload('licence', employer)).statusCode).toBe(200);
    const sent = await post('/api/v1/verifications/enterprise', employer, body);
    expect(sent.json()).toMatchObject({
      status: 'pending',
      request: { companyName: body.companyName, creditCode: body.creditCode, legalRepresentative: '林**' },
    });
    const requestId = (await pendingRequestOf(employer.userId, 'enterprise')).id as string;
    const started = performance.now();
    expect((await post(`/api/v1/admin/verifications/${requestId}/approve`, admin)).statusCode).toBe(200);

    const badged = await eventually('badge on the job', async () => {
      const res = await p.app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}` });
      return res.json().employerVerified === true ? (res.json() as { version: number }) : undefined;
    });
    expect(badged.version).toBeGreaterThan(job.version);
    await eventually(
      'badge in search',
      async () => {
        const page = await searchJobs(p, { verified: true, limit: 50 });
        return page.body.items.some((i) => i.id === job.id) ? true : undefined;
      },
      1000,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await p.client(verificationClient).enterprise(employer.userId)).toMatchObject({
      status: 'approved',
      companyName: body.companyName,
      creditCode: body.creditCode,
    });

    // A job posted afterwards carries the badge from the start.
    expect((await openJob(p, employer)).employerVerified).toBe(true);

    // One code verifies one company account.
    const rival = await loginWithSms(p, newPhone(), 'employer');
    await upload('licence', rival);
    const taken = await post('/api/v1/verifications/enterprise', rival, body);
    expect(taken.statusCode).toBe(409);
    expect(taken.json().code).toBe('CREDIT_CODE_IN_USE');

    // Revoked: the badge goes.
    const revoked = await post('/api/v1/admin/verifications/revoke', admin, {
      userId: employer.userId,
      kind: 'enterprise',
      reason: '营业执照已被吊销',
    });
    expect(revoked.json()).toMatchObject({ status: 'revoked' });
    await eventually('badge removed', async () => {
      const res = await p.app.inject({ method: 'GET', url: `/api/v1/jobs/${job.id}` });
      return res.json().employerVerified === false ? true : undefined;
    });
    await eventually('badge removed from search', async () => {
      const page = await searchJobs(p, { verified: true, limit: 50 });
      return page.body.items.some((i) => i.id === job.id) ? undefined : true;
    });
  });
});

describe(`Tencent FaceID as the identity provider on ${DIALECT}`, () => {
  let faceId: Server;
  let q: TestPlatform;
  /** Answers shaped as the FaceID documentation shows them, by the name asked about. */
  const RESULTS: Record<string, string> = { 周一: '0', 吴二: '-1', 郑三: '-5' };

  beforeAll(async () => {
    faceId = createServer((req, res) => {
      let raw = '';
      req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
      req.on('end', () => {
        const { Name } = JSON.parse(raw) as { Name: string };
        if (Name === '冯四') {
          res.writeHead(500).end('busy');
          return;
        }
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ Response: { Result: RESULTS[Name], Description: '…', RequestId: randomUUID() } }),
        );
      });
    });
    await new Promise<void>((r) => faceId.listen(0, '127.0.0.1', r));
    q = await startTestPlatform({
      env: {
        LINGGONG_IDENTITY_PROVIDER: 'tencent',
        LINGGONG_TENCENT_SECRET_ID: 'AKIDlinggongtest',
        LINGGONG_TENCENT_SECRET_KEY: 'linggong-test-secret',
        LINGGONG_TENCENT_FACEID_ENDPOINT: `http://127.0.0.1:${(faceId.address() as AddressInfo).port}`,
      },
    });
  });
  afterAll(async () => {
    await q?.stop();
    await new Promise((r) => faceId?.close(r));
  });

  it('approves a match at once, rejects a mismatch, and leaves unsure answers and failures to an admin', async () => {
    const expectations: [string, Record<string, unknown>][] = [
      ['周一', { status: 'approved' }],
      ['吴二', { status: 'rejected', request: { reason: '姓名与身份证号不一致' } }],
      ['郑三', { status: 'pending' }],
      ['冯四', { status: 'pending' }],
    ];
    for (const [name, expected] of expectations) {
      const user = await loginWithSms(q, newPhone());
      const res = await q.app.inject({
        method: 'POST',
        url: '/api/v1/verifications/identity',
        headers: user.auth,
        payload: { name, idNumber: idNumber() },
      });
      expect(res.statusCode, name).toBe(200);
      expect(res.json(), name).toMatchObject(expected);
    }
    for (const id of submitted) expect(q.logText()).not.toContain(id);
  });
});
