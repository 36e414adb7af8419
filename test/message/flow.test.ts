import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { BUS, settle } from '../support/events.js';
import { PNG_1X1 } from '../support/images.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { call } from '../order/support.js';
import { appliedPair, TestSocket } from './support.js';

/**
 * Conversations and notifications end to end through HTTP and WebSocket: a worker applies, the
 * conversation opens, the employer writes and the worker's socket receives it; unread counts, read
 * receipts, images, blocks and strangers; a reconnecting client receives what it missed; a hire
 * produces one notification, also when its event is delivered twice.
 */
let p: TestPlatform;
let admin: LoggedIn;
let wsUrl: string;
const sockets: TestSocket[] = [];

beforeAll(async () => {
  // Pings every 300 ms, so a revoked session's socket closes within the test's patience.
  p = await startTestPlatform({
    env: { LINGGONG_LOG_LEVEL: 'warn', LINGGONG_MESSAGE_WS_HEARTBEAT_MS: '300' },
  });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
  await p.app.listen({ host: '127.0.0.1', port: 0 });
  wsUrl = `ws://127.0.0.1:${(p.app.server.address() as AddressInfo).port}/ws`;
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await p?.stop();
});

async function connect(token?: string): Promise<TestSocket> {
  const s = await TestSocket.connect(wsUrl, token);
  sockets.push(s);
  if (token) await s.next((f) => f.type === 'ready');
  return s;
}

const applied = () => appliedPair(p, admin);

describe(`messages on ${DIALECT}`, () => {
  it('delivers a message to the other party at once, with unread counts and read receipts', async () => {
    const { employer, worker, conversationId } = await applied();
    const workerSocket = await connect(worker.accessToken);
    const employerSocket = await connect(employer.accessToken);

    const sent = await call(p, employer, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      text: '明天早上八点到店',
    });
    expect(sent.status, JSON.stringify(sent.body)).toBe(201);
    const answered = performance.now();
    const got = await workerSocket.next((f) => f.type === 'message' && f.id === sent.body.id, 100);
    expect(performance.now() - answered).toBeLessThan(100);
    expect(got.message).toMatchObject({ senderId: employer.userId, kind: 'text', body: '明天早上八点到店' });

    const conv = await call(p, worker, 'GET', `/api/v1/conversations/${conversationId}`);
    expect(conv.body).toMatchObject({ unread: 1, otherId: employer.userId, lastMessageId: sent.body.id });
    expect((await call(p, worker, 'GET', '/api/v1/notifications/unread-count')).body.messages).toBe(1);
    const read = await call(p, worker, 'POST', `/api/v1/conversations/${conversationId}/read`, {
      messageId: sent.body.id,
    });
    expect(read.body).toMatchObject({ unread: 0, lastReadId: sent.body.id });
    const receipt = await employerSocket.next((f) => f.type === 'read');
    expect(receipt).toMatchObject({ conversationId, userId: worker.userId, lastReadId: sent.body.id });

    // A message with a phone number is delivered, with a warning.
    const contact = await call(p, employer, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      text: '有事打我电话 13912345678',
    });
    expect(contact.body.warning).toContain('联系方式');
    const history = await call(p, worker, 'GET', `/api/v1/conversations/${conversationId}/messages`);
    expect(history.body.items.map((m: { id: string }) => m.id)).toEqual([contact.body.id, sent.body.id]);

    // An image: the parties read it, nobody else.
    const image = await p.app.inject({
      method: 'POST',
      url: `/api/v1/conversations/${conversationId}/images`,
      headers: { ...worker.auth, 'content-type': 'image/png' },
      payload: PNG_1X1,
    });
    expect(image.statusCode, image.body).toBe(201);
    const path = (image.json() as { body: string }).body;
    const seen = await p.app.inject({ method: 'GET', url: path, headers: employer.auth });
    expect(seen.statusCode).toBe(200);
    expect(seen.rawPayload.equals(PNG_1X1)).toBe(true);
    const stranger = await loginWithSms(p, newPhone(), 'worker');
    expect((await p.app.inject({ method: 'GET', url: path, headers: stranger.auth })).statusCode).toBe(404);
    expect((await call(p, stranger, 'GET', `${path}/link`)).status).toBe(404);

    // A 10-minute link that needs no token; changed or expired, it is refused.
    const link = await call(p, employer, 'GET', `${path}/link`);
    expect(link.status, JSON.stringify(link.body)).toBe(200);
    const url = link.body.url as string;
    const fetched = await p.app.inject({ method: 'GET', url });
    expect(fetched.statusCode).toBe(200);
    expect(fetched.rawPayload.equals(PNG_1X1)).toBe(true);
    const tampered = url.replace(
      /signature=([0-9a-f])/,
      (_m, c: string) => `signature=${c === 'a' ? 'b' : 'a'}`,
    );
    const refused = await p.app.inject({ method: 'GET', url: tampered });
    expect(refused.statusCode).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'FILE_LINK_INVALID' });
    const otherKey = await p.app.inject({
      method: 'GET',
      url: url.replace('/files/message/images/', '/files/message/images/x'),
    });
    expect(otherKey.json()).toMatchObject({ code: 'FILE_LINK_INVALID' });
    p.clock.advance(10 * 60_000 + 1_000);
    const expired = await p.app.inject({ method: 'GET', url });
    expect(expired.statusCode).toBe(403);
    expect(expired.json()).toMatchObject({ code: 'FILE_LINK_EXPIRED' });
    expect((await call(p, stranger, 'GET', `/api/v1/conversations/${conversationId}/messages`)).status).toBe(
      404,
    );
    const intrude = await call(p, stranger, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      text: '你好',
    });
    expect(intrude).toMatchObject({ status: 404, body: { code: 'CONVERSATION_NOT_FOUND' } });
  });

  it('refuses messages either way once one party blocks the other', async () => {
    const { employer, worker, conversationId } = await applied();
    const blocked = await call(p, worker, 'PUT', `/api/v1/conversations/blocks/${employer.userId}`);
    expect(blocked).toMatchObject({ status: 200, body: { blockedId: employer.userId } });
    for (const who of [employer, worker]) {
      const refused = await call(p, who, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
        text: '在吗',
      });
      expect(refused).toMatchObject({ status: 403, body: { code: 'MESSAGE_BLOCKED' } });
    }
    const unblocked = await p.app.inject({
      method: 'DELETE',
      url: `/api/v1/conversations/blocks/${employer.userId}`,
      headers: worker.auth,
    });
    expect(unblocked.statusCode).toBe(204);
    const ok = await call(p, employer, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      text: '在吗',
    });
    expect(ok.status).toBe(201);
  });

  it('sends a reconnecting client what it missed, after the first-message login', async () => {
    const { employer, worker, conversationId } = await applied();
    const first = await call(p, employer, 'POST', `/api/v1/conversations/${conversationId}/messages`, {
      text: '第一条',
    });
    const missed = [];
    for (const text of ['第二条', '第三条'])
      missed.push(
        (await call(p, employer, 'POST', `/api/v1/conversations/${conversationId}/messages`, { text })).body
          .id,
      );
    const back = await connect();
    back.send({ type: 'auth', token: worker.accessToken });
    await back.next((f) => f.type === 'ready');
    back.send({ type: 'resume', after: first.body.id });
    const done = await back.next((f) => f.type === 'resumed');
    const got = back.frames.filter((f) => f.type === 'message').map((f) => f.id);
    expect(got).toEqual(missed);
    expect(done.count).toBeGreaterThanOrEqual(2);
  });

  it('closes a socket that does not authenticate, and answers 426 to a plain GET', async () => {
    const bad = await connect();
    bad.send({ type: 'auth', token: 'not-a-token' });
    expect(await bad.closedWith()).toMatchObject({ code: 4001 });
    const early = await connect();
    early.send({ type: 'resume', after: '01ARZ3NDEKTSV4RRFFQ69G5FAV' });
    expect(await early.closedWith()).toMatchObject({ code: 4001, reason: 'AUTH_REQUIRED' });
    const plain = await p.app.inject({ method: 'GET', url: '/ws' });
    expect(plain.statusCode).toBe(426);
  });

  it('reminds the worker an hour before the shift, and both parties when nobody checked in', async () => {
    const { employer, worker, applicationId } = await applied();
    const hired = await call(p, employer, 'POST', `/api/v1/applications/${applicationId}/hire`, {});
    expect(hired.status).toBe(201);
    await settle(p, async () =>
      ((await call(p, worker, 'GET', '/api/v1/notifications')).body.items as { kind: string }[]).some(
        (n) => n.kind === 'order_hired',
      ),
    );
    const kinds = async (user: LoggedIn) =>
      ((await call(p, user, 'GET', '/api/v1/notifications')).body.items as { kind: string }[]).map(
        (n) => n.kind,
      );
    const startsAt = Date.parse(hired.body.terms.shift.startsAt as string);
    p.clock.set(startsAt - 59 * 60_000);
    await p.scheduler.runDue();
    expect(await kinds(worker)).toContain('shift_reminder');
    expect(await kinds(worker)).not.toContain('check_in_missing');
    p.clock.set(startsAt + 16 * 60_000);
    await p.scheduler.runDue();
    expect((await kinds(worker)).filter((k) => k === 'check_in_missing')).toHaveLength(1);
    expect(await kinds(employer)).toContain('check_in_missing');
  });

  it('closes the oldest socket of a user past the limit per process', async () => {
    const user = await loginWithSms(p, newPhone(), 'worker');
    const first = await connect(user.accessToken);
    for (let i = 0; i < 5; i++) await connect(user.accessToken);
    expect(await first.closedWith()).toEqual({ code: 4008, reason: 'TOO_MANY_CONNECTIONS' });
  });

  it("tells the payer that a top-up arrived, in the payer's language", async () => {
    const { employer } = await applied();
    await settle(p, async () =>
      ((await call(p, employer, 'GET', '/api/v1/notifications')).body.items as { kind: string }[]).some(
        (n) => n.kind === 'topup_succeeded',
      ),
    );
    const inbox = await call(p, employer, 'GET', '/api/v1/notifications', undefined, {
      'accept-language': 'en',
    });
    expect(inbox.body.items).toEqual([
      expect.objectContaining({
        kind: 'topup_succeeded',
        title: 'Top-up received',
        body: '1000.00 yuan is in your wallet.',
        params: { amountFen: 100_000 },
      }),
    ]);
  });

  it("closes a signed-out session's socket at the next heartbeat", async () => {
    const user = await loginWithSms(p, newPhone(), 'worker');
    const socket = await connect(user.accessToken);
    const out = await p.app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: user.auth });
    expect(out.statusCode).toBeLessThan(300);
    expect(await socket.closedWith(5_000)).toEqual({ code: 4001, reason: 'SESSION_REVOKED' });
  });

  it('notifies the hired worker once, also when the event is delivered twice', async () => {
    const { employer, worker, applicationId } = await applied();
    const socket = await connect(worker.accessToken);
    const hired = await call(p, employer, 'POST', `/api/v1/applications/${applicationId}/hire`, {});
    expect(hired.status).toBe(201);
    await settle(p, async () => socket.frames.some((f) => f.type === 'notification'));
    const frame = await socket.next((f) => f.type === 'notification');
    expect(frame).toMatchObject({
      kind: 'order_hired',
      title: '录用成功',
      params: { orderId: hired.body.id },
    });
    const inbox = await call(p, worker, 'GET', '/api/v1/notifications', undefined, {
      'accept-language': 'en',
    });
    const hiredNotices = (items: { kind: string }[]) => items.filter((n) => n.kind === 'order_hired');
    expect(hiredNotices(inbox.body.items)).toEqual([
      expect.objectContaining({ kind: 'order_hired', title: 'Hired', read: false }),
    ]);
    // The real name's approval came before, as its own notification.
    expect(inbox.body.items.map((n: { kind: string }) => n.kind)).toEqual([
      'order_hired',
      'verification_approved',
    ]);

    // The order.hired event handled again (as a redelivery past the inbox would): still one.
    const outbox = await p.services
      .get('order')!
      .db.untyped()
      .selectFrom('order_outbox')
      .selectAll()
      .where('type', '=', 'order.hired')
      .where('payload', 'like', `%${hired.body.id}%`)
      .execute();
    expect(outbox).toHaveLength(1);
    const row = outbox[0] as Record<string, unknown>;
    const envelope = {
      id: String(row.id),
      type: 'order.hired',
      version: 1,
      payload: JSON.parse(String(row.payload)) as unknown,
      source: 'order',
      traceparent: null,
      createdAt: Number(row.created_at),
    };
    const message = p.services.get('message')!;
    const handler = message.instance.handlers!.find((h) => h.consumer === 'message.order-notices')!;
    await message.db.transaction((tx) => handler.handler(envelope, tx));
    const again = await call(p, worker, 'GET', '/api/v1/notifications');
    expect(hiredNotices(again.body.items)).toHaveLength(1);
    expect(again.body.items).toHaveLength(2);
    const marked = await call(p, worker, 'POST', '/api/v1/notifications/read', {});
    expect(marked.body).toEqual({ marked: 2 });
    expect((await call(p, worker, 'GET', '/api/v1/notifications/unread-count')).body.notifications).toBe(0);
  });
});
