import { describe, expect, it } from 'vitest';

import { FakeClock } from '../../../platform/clock.js';
import { ChannelError } from './channel.js';
import { createSandboxChannel } from './sandbox.js';

const NOW = Date.UTC(2026, 0, 5, 2, 0, 0); // 2026-01-05 10:00 in Beijing

function makeSandbox(clock = new FakeClock(NOW)) {
  const channel = createSandboxChannel({
    publicUrl: 'http://localhost:3000/',
    secret: 'sandbox-secret',
    clock,
  });
  return { channel, clock };
}

const payment = {
  paymentId: '01JGPAY0000000000000000001',
  amountFen: 1230,
  subject: 'Escrow for job 42',
  expiresAt: NOW + 15 * 60_000,
  notifyUrl: 'http://localhost:3000/api/v1/payments/notify/sandbox',
};

describe('sandbox channel', () => {
  it('points the payer at the local pay page', async () => {
    const { channel } = makeSandbox();
    expect(await channel.createPayment(payment)).toEqual({
      kind: 'redirect',
      url: 'http://localhost:3000/api/v1/payments/sandbox/01JGPAY0000000000000000001/pay',
    });
    expect(await channel.queryPayment(payment.paymentId)).toEqual({ status: 'pending' });
  });

  it('signs its notifications so they pass the same verification as real channels', async () => {
    const { channel } = makeSandbox();
    await channel.createPayment(payment);
    const note = channel.simulatePaid(payment.paymentId, 1230);
    expect(note.notifyUrl).toBe(payment.notifyUrl);

    const check = await channel.verifyNotification(note.headers, note.body);
    expect(check.ok).toBe(true);
    if (!check.ok || check.notification.kind !== 'payment') throw new Error('expected a payment');
    expect(check.notification.paymentId).toBe(payment.paymentId);
    expect(check.notification.state).toMatchObject({ status: 'paid', amountFen: 1230, paidAt: NOW });
    expect(await channel.queryPayment(payment.paymentId)).toEqual(check.notification.state);
  });

  it('refuses tampered, wrongly signed, stale and malformed notifications', async () => {
    const { channel, clock } = makeSandbox();
    await channel.createPayment(payment);
    const note = channel.simulatePaid(payment.paymentId, 1230);

    const tampered = Buffer.from(note.body.toString('utf8').replace('1230', '9999'));
    expect(await channel.verifyNotification(note.headers, tampered)).toEqual({
      ok: false,
      reason: 'signature',
      retry: false,
    });
    const other = createSandboxChannel({ publicUrl: 'http://x', secret: 'another-secret', clock });
    await other.createPayment(payment);
    const forged = other.simulatePaid(payment.paymentId, 1230);
    expect(await channel.verifyNotification(forged.headers, forged.body)).toMatchObject({
      reason: 'signature',
    });
    expect(await channel.verifyNotification({}, note.body)).toEqual({
      ok: false,
      reason: 'malformed',
      retry: false,
    });

    clock.advance(6 * 60_000);
    expect(await channel.verifyNotification(note.headers, note.body)).toEqual({
      ok: false,
      reason: 'stale',
      retry: true,
    });
  });

  it('answers 204 when handled and 500 to be sent again', () => {
    const { channel } = makeSandbox();
    expect(channel.handledAnswer()).toEqual({ status: 204, contentType: 'text/plain', body: '' });
    expect(channel.retryAnswer('busy')).toEqual({
      status: 500,
      contentType: 'application/json',
      body: '{"code":"FAIL","message":"busy"}',
    });
  });

  it('cannot be paid after it expires or is closed, nor closed once paid', async () => {
    const { channel, clock } = makeSandbox();
    await channel.createPayment(payment);
    await channel.createPayment({ ...payment, paymentId: 'p2' });
    await channel.closePayment('p2');
    expect(() => channel.simulatePaid('p2', 1230)).toThrow(ChannelError);

    channel.simulatePaid(payment.paymentId, 1230);
    await expect(channel.closePayment(payment.paymentId)).rejects.toMatchObject({ code: 'ALREADY_PAID' });

    await channel.createPayment({ ...payment, paymentId: 'p3' });
    clock.advance(16 * 60_000);
    expect(await channel.queryPayment('p3')).toEqual({ status: 'closed' });
    await expect(channel.queryPayment('unknown')).rejects.toMatchObject({
      kind: 'not_found',
      retryable: false,
    });
  });

  it('succeeds transfers unless the account starts with "fail", idempotently', async () => {
    const { channel } = makeSandbox();
    const req = {
      withdrawalId: 'w1',
      amountFen: 5000,
      account: 'worker@example.com',
      realName: '张三',
      remark: '提现',
    };
    const done = await channel.transfer(req);
    expect(done).toMatchObject({ status: 'succeeded', finishedAt: NOW });
    expect(await channel.transfer(req)).toEqual(done);
    expect(await channel.queryTransfer('w1')).toEqual(done);

    expect(await channel.transfer({ ...req, withdrawalId: 'w2', account: 'fail-closed-account' })).toEqual({
      status: 'failed',
      reason: 'SANDBOX_REFUSED_ACCOUNT',
    });

    const note = channel.transferNotification('w1');
    expect(await channel.verifyNotification(note.headers, note.body)).toEqual({
      ok: true,
      notification: { kind: 'transfer', withdrawalId: 'w1', state: done },
    });
  });

  it('keeps a statement per business day, which tests can seed', async () => {
    const { channel } = makeSandbox();
    await channel.createPayment(payment);
    const paid = channel.simulatePaid(payment.paymentId, 1230);
    const transfer = await channel.transfer({
      withdrawalId: 'w1',
      amountFen: 500,
      account: 'worker',
      realName: '张三',
      remark: '提现',
    });
    const extra = {
      kind: 'payment' as const,
      reference: 'ghost',
      transactionId: 't-ghost',
      amountFen: 1,
      at: NOW,
    };
    channel.seedStatement('2026-01-05', [extra]);

    const check = await channel.verifyNotification(paid.headers, paid.body);
    if (!check.ok || check.notification.kind !== 'payment' || check.notification.state.status !== 'paid') {
      throw new Error('expected a paid notification');
    }
    if (transfer.status !== 'succeeded') throw new Error('expected a succeeded transfer');
    expect(await channel.statement('2026-01-05')).toEqual([
      {
        kind: 'payment',
        reference: payment.paymentId,
        transactionId: check.notification.state.transactionId,
        amountFen: 1230,
        at: NOW,
      },
      { kind: 'transfer', reference: 'w1', transactionId: transfer.transactionId, amountFen: 500, at: NOW },
      extra,
    ]);
    expect(await channel.statement('2026-01-04')).toEqual([]);
  });
});
