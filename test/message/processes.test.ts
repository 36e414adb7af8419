import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from '../support/env.js';
import { idNumber } from '../support/identity.js';
import { sharedServeEnv, startServe, type ServedProcess } from '../support/serve.js';
import { TestSocket } from './support.js';

/**
 * Two `linggong serve` processes on MariaDB + Redis: A serves HTTP and WebSockets only (no event
 * workers), B serves HTTP and runs every consumer. A client connected to A receives what is sent
 * through B and the notification of an event B handled (Redis pub/sub between them), and a client
 * that reconnects receives what it missed.
 */
const distributed = Boolean(TEST_MYSQL_URL && TEST_REDIS_URL);

let database: TestDatabase | undefined;
let redis: TestRedis | undefined;
const dirs: string[] = [];
const servers: ServedProcess[] = [];
const sockets: TestSocket[] = [];

async function serve(env: Record<string, string>): Promise<ServedProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-message-'));
  dirs.push(dataDir);
  const served = await startServe(
    sharedServeEnv(
      { databaseUrl: database!.url, redisUrl: redis!.url, redisPrefix: redis!.prefix, dataDir },
      env,
    ),
    60_000,
  );
  servers.push(served);
  return served;
}

async function call(server: ServedProcess, method: string, path: string, body?: unknown, token?: string) {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
}

/** Signs a demo account in by SMS code (the console provider writes codes to that server's log). */
async function signIn(server: ServedProcess, phone: string): Promise<{ token: string; userId: string }> {
  const before = server.output().length;
  const sent = await call(server, 'POST', '/api/v1/auth/sms-codes', { phone, purpose: 'login' });
  expect(sent.status, JSON.stringify(sent.json)).toBe(202);
  const masked = `${phone.slice(0, 3)}\\*\\*\\*\\*${phone.slice(7)}`;
  let code: string | undefined;
  for (let i = 0; i < 400 && code === undefined; i++) {
    code = new RegExp(`SMS code for ${masked}: (\\d{6})`).exec(server.output().slice(before))?.[1];
    if (code === undefined) await new Promise((r) => setTimeout(r, 25));
  }
  const login = await call(server, 'POST', '/api/v1/auth/login/sms', { phone, code });
  expect(login.status, JSON.stringify(login.json)).toBe(200);
  const me = await call(server, 'GET', '/api/v1/users/me', undefined, login.json.accessToken as string);
  return { token: login.json.accessToken as string, userId: me.json.id as string };
}

async function until<T>(what: string, read: () => Promise<T | undefined>): Promise<T> {
  for (const deadline = Date.now() + 30_000; Date.now() < deadline;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not happen within 30 s`);
}

beforeAll(async () => {
  if (!distributed) return;
  database = await createTestDatabase();
  redis = await createTestRedis();
}, 60_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  for (const s of servers) {
    if (s.child.exitCode === null) {
      const exited = new Promise((r) => s.child.once('exit', r));
      s.child.kill('SIGTERM');
      await exited;
    }
  }
  await database?.drop();
  await redis?.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!distributed)('messages across two processes (MariaDB + Redis)', () => {
  it('delivers to a socket on one process what was sent or handled on the other', async () => {
    const a = await serve({ LINGGONG_WORKERS: 'false' });
    const b = await serve({});
    const worker = await signIn(a, '13800000001');
    const employer = await signIn(b, '13800000002');
    const admin = await signIn(b, '13800000000');

    // The employer's job on B; the worker applies on A; B's consumers open the conversation.
    const day = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 10);
    const draft = await call(
      b,
      'POST',
      '/api/v1/jobs',
      {
        title: '仓库分拣员 日结',
        description: '负责仓库货物分拣打包，包午餐，当天结算。',
        category: 'housekeeping.cleaner',
        pay: { type: 'daily', amountFen: 20000 },
        settlement: 'daily',
        shifts: [{ startsAt: `${day}T09:00:00+08:00`, endsAt: `${day}T17:00:00+08:00`, headcount: 3 }],
        contact: { name: '王经理', phone: '13912345678' },
        place: {
          address: '上海市浦东新区世纪大道100号',
          city: '上海市',
          location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
        },
      },
      employer.token,
    );
    expect(draft.status, JSON.stringify(draft.json)).toBe(201);
    const submitted = await call(
      b,
      'POST',
      `/api/v1/jobs/${draft.json.id}/submit`,
      { version: 1 },
      employer.token,
    );
    expect(submitted.json.status).toBe('open');
    const shiftId = draft.json.shifts[0].id as string;
    const applied = await call(
      a,
      'POST',
      `/api/v1/jobs/${draft.json.id}/shifts/${shiftId}/applications`,
      {},
      worker.token,
    );
    expect(applied.status, JSON.stringify(applied.json)).toBe(201);
    const conversationId = await until('the conversation', async () => {
      const list = await call(a, 'GET', '/api/v1/conversations', undefined, worker.token);
      return (list.json.items as { id: string }[])[0]?.id;
    });

    const wsA = `${a.url.replace('http', 'ws')}/ws`;
    const socket = await TestSocket.connect(wsA, worker.token);
    sockets.push(socket);
    await socket.next((f) => f.type === 'ready');

    // Sent through B, received on A.
    const sent = await call(
      b,
      'POST',
      `/api/v1/conversations/${conversationId}/messages`,
      { text: '你好，明天见' },
      employer.token,
    );
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    const got = await socket.next((f) => f.type === 'message' && f.id === sent.json.id, 5_000);
    expect(got.message).toMatchObject({ body: '你好，明天见', senderId: employer.userId });

    // A verification approved on B: its event is handled by B's consumer, the frame reaches A.
    const identity = await call(
      a,
      'POST',
      '/api/v1/verifications/identity',
      { name: '王小明', idNumber: idNumber() },
      worker.token,
    );
    expect(identity.status, JSON.stringify(identity.json)).toBe(200);
    const approved = await call(
      b,
      'POST',
      `/api/v1/admin/verifications/${identity.json.request.id}/approve`,
      undefined,
      admin.token,
    );
    expect(approved.status, JSON.stringify(approved.json)).toBe(200);
    const notice = await socket.next((f) => f.type === 'notification', 30_000);
    expect(notice).toMatchObject({ kind: 'verification_approved', title: '认证通过' });

    // Away: two messages while disconnected; back on A, resumed after the last one seen.
    socket.close();
    const missed: string[] = [];
    for (const text of ['改到九点', '记得带身份证']) {
      const m = await call(
        b,
        'POST',
        `/api/v1/conversations/${conversationId}/messages`,
        { text },
        employer.token,
      );
      missed.push(m.json.id as string);
    }
    const back = await TestSocket.connect(wsA);
    sockets.push(back);
    back.send({ type: 'auth', token: worker.token });
    await back.next((f) => f.type === 'ready');
    back.send({ type: 'resume', after: notice.id as string });
    await back.next((f) => f.type === 'resumed');
    expect(back.frames.filter((f) => f.type === 'message').map((f) => f.id)).toEqual(missed);
  }, 120_000);
});
