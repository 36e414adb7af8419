import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryCache } from '../../src/platform/cache.js';
import { userModule, type UserClient } from '../../src/services/user/index.js';
import { DIALECT } from '../support/env.js';
import { BUS, settle } from '../support/events.js';
import { idNumber, verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { applyUrl, call, fund, refresh, shiftJob } from '../order/support.js';

/**
 * Pushes through the console provider (a log line per push): quiet hours delay a non-critical
 * notification to their end, a critical one goes at once, a muted kind is never pushed, and a user
 * without a registered phone gets none; the inbox has every notification whatever the preferences.
 */
let p: TestPlatform;
let admin: LoggedIn;

beforeAll(async () => {
  p = await startTestPlatform({ env: { LINGGONG_LOG_LEVEL: 'info' } });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
});
afterAll(async () => {
  await p?.stop();
});

const HOUR = 3_600_000;
/** The first instant from the fake clock's now on at `hour`:00 in Shanghai (UTC+8). */
function nextShanghai(hour: number): number {
  const now = p.clock.now();
  const dayStartUtc = Math.floor((now + 8 * HOUR) / (24 * HOUR)) * 24 * HOUR - 8 * HOUR;
  const t = dayStartUtc + hour * HOUR;
  return t >= now ? t : t + 24 * HOUR;
}

/** The pushes the console provider has logged for `userId`'s notifications of `kind`. */
async function pushesOf(user: LoggedIn, kind: string): Promise<number> {
  const inbox = await call(p, user, 'GET', '/api/v1/notifications?limit=100');
  const ids = new Set(
    (inbox.body.items as { id: string; kind: string }[]).filter((n) => n.kind === kind).map((n) => n.id),
  );
  return p
    .logLines()
    .filter((l) => l.msg === 'push sent (console provider)')
    .filter((l) => ids.has((l.push as { notificationId: string }).notificationId)).length;
}

describe(`pushes and quiet hours on ${DIALECT}`, () => {
  it('holds a non-critical push until the quiet hours end, and sends a critical one at once', async () => {
    // 23:00 in Shanghai.
    const night = nextShanghai(23);
    p.clock.set(night);
    await refresh(p, admin);
    const worker = await loginWithSms(p, newPhone(), 'worker');
    expect(
      (
        await call(p, worker, 'PUT', '/api/v1/notifications/devices/1a0018970aa2b3c4d5e', {
          platform: 'android',
        })
      ).status,
    ).toBe(200);
    const prefs = await call(p, worker, 'PUT', '/api/v1/notifications/preferences', {
      quietHours: { start: '22:00', end: '08:00' },
    });
    expect(prefs.body).toEqual({ mutedKinds: [], push: true, quietHours: { start: '22:00', end: '08:00' } });

    // A verification approved at 23:00: in the inbox at once, pushed at 08:00.
    const sent = await call(p, worker, 'POST', '/api/v1/verifications/identity', {
      name: '周小雨',
      idNumber: idNumber(),
    });
    await call(p, admin, 'POST', `/api/v1/admin/verifications/${sent.body.request.id}/approve`);
    await settle(
      p,
      async () => (await call(p, worker, 'GET', '/api/v1/notifications')).body.items.length === 1,
    );
    await p.scheduler.runDue();
    expect(await pushesOf(worker, 'verification_approved')).toBe(0);
    p.clock.set(night + 9 * HOUR - 60_000); // 07:59
    await p.scheduler.runDue();
    expect(await pushesOf(worker, 'verification_approved')).toBe(0);
    p.clock.set(night + 9 * HOUR + 30_000); // 08:00:30
    await p.scheduler.runDue();
    expect(await pushesOf(worker, 'verification_approved')).toBe(1);

    // The next night, a hire (critical) is pushed at once.
    p.clock.set(night + 24 * HOUR + 10 * 60_000); // 23:10 the next night
    await refresh(p, admin);
    await refresh(p, worker);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, 100_000);
    const { job, shiftId } = await shiftJob(p, employer, { overrides: { requirements: { minAge: 16 } } });
    const applied = await call(p, worker, 'POST', applyUrl(job.id, shiftId), {});
    const hired = await call(
      p,
      employer,
      'POST',
      `/api/v1/applications/${applied.body.application.id}/hire`,
      {},
    );
    expect(hired.status, JSON.stringify(hired.body)).toBe(201);
    await settle(p, async () => (await pushesOf(worker, 'order_hired')) === 1);
    // Pushed once, not again by later passes; and, critical, sent by SMS once (the phone masked).
    await p.scheduler.runDue();
    expect(await pushesOf(worker, 'order_hired')).toBe(1);
    const smsLines = () => p.logLines().filter((l) => l.msg === 'SMS notice sent (console provider)');
    await settle(p, async () => smsLines().length > 0);
    await p.scheduler.runDue();
    const sms = smsLines();
    expect(sms).toEqual([
      expect.objectContaining({
        smsNotice: 'order_hired',
        phoneMasked: expect.stringMatching(/^1\d{2}\*{4}\d{4}$/),
        params: expect.objectContaining({ orderId: hired.body.id }),
      }),
    ]);
  });

  it('never pushes a muted kind or to a user without a phone, and keeps them in the inbox', async () => {
    await refresh(p, admin);
    const muted = await loginWithSms(p, newPhone(), 'worker');
    await call(p, muted, 'PUT', '/api/v1/notifications/devices/13165ffa4e0c5a4d7e1', { platform: 'ios' });
    const prefs = await call(p, muted, 'PUT', '/api/v1/notifications/preferences', {
      mutedKinds: ['verification_approved'],
    });
    expect(prefs.body.mutedKinds).toEqual(['verification_approved']);
    const sent = await call(p, muted, 'POST', '/api/v1/verifications/identity', {
      name: '吴小兰',
      idNumber: idNumber(),
    });
    await call(p, admin, 'POST', `/api/v1/admin/verifications/${sent.body.request.id}/approve`);
    const noPhone = await verifiedUser(p, admin, '郑小军');
    for (const user of [muted, noPhone])
      await settle(
        p,
        async () => (await call(p, user, 'GET', '/api/v1/notifications')).body.items.length === 1,
      );
    await p.scheduler.runDue();
    expect(await pushesOf(muted, 'verification_approved')).toBe(0);
    expect(await pushesOf(noPhone, 'verification_approved')).toBe(0);
    // The same kind, unmuted, is pushed to a phone.
    const plain = await loginWithSms(p, newPhone(), 'worker');
    await call(p, plain, 'PUT', '/api/v1/notifications/devices/1c1f2e3d4c5b6a798877', {
      platform: 'android',
    });
    const again = await call(p, plain, 'POST', '/api/v1/verifications/identity', {
      name: '冯小雪',
      idNumber: idNumber(),
    });
    await call(p, admin, 'POST', `/api/v1/admin/verifications/${again.body.request.id}/approve`);
    await settle(p, async () => (await pushesOf(plain, 'verification_approved')) === 1);
  });

  it("sends a notice by SMS through the user service's internal route, the phone never leaving it", async () => {
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    const users = userModule.remote!({
      baseUrl,
      config: p.config,
      clock: p.clock,
      log: p.log,
      cache: new MemoryCache(),
    }).client as UserClient;
    const phone = newPhone();
    const user = await loginWithSms(p, phone, 'worker');
    const before = p.logLines().filter((l) => l.msg === 'SMS notice sent (console provider)').length;
    expect(await users.sendSmsNotice(user.userId, 'dispute_decided', { workerFen: '17500' })).toBe(true);
    const sent = p.logLines().filter((l) => l.msg === 'SMS notice sent (console provider)');
    expect(sent).toHaveLength(before + 1);
    expect(sent.at(-1)).toMatchObject({ smsNotice: 'dispute_decided', params: { workerFen: '17500' } });
    expect(JSON.stringify(sent.at(-1))).not.toContain(phone);
    // An unknown account: nothing sent.
    expect(await users.sendSmsNotice('01ARZ3NDEKTSV4RRFFQ69G5FAV', 'order_hired', {})).toBe(false);
  });
});
