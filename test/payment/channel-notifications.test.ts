import { createCipheriv, createSign, generateKeyPairSync, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdGenerator } from '../../src/platform/ids.js';
import { checkLedger } from '../../src/services/payment/ledger/index.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { paymentDb, walletOf } from './support.js';

/**
 * Alipay and WeChat Pay notifications through the service's notify route, in the channels' exact
 * formats with keys made here: what credits, once; what is refused, and how the channel is
 * answered (stop, or send again). Top-ups are written as the create route leaves them (pending,
 * with the channel's order made), since creating one at Alipay or WeChat Pay needs their servers.
 */
const pem = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const appKeys = pem();
const alipayKeys = pem();
const merchantKeys = pem();
const wechatKeys = pem();
const strangerKeys = pem();
const ALIPAY_APP_ID = '2021000000000001';
const ALIPAY_SELLER_ID = '2088000000000001';
const WECHAT_APP_ID = 'wxd678efh567hg6787';
const WECHAT_MCH_ID = '1900000001';
const PUB_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';
const API_V3_KEY = 'Lg8s2ZKq4mW7dX1cV9bN3pR6tY0uH5jA';

let p: TestPlatform;
let payer: LoggedIn;
let newId: () => string;

beforeAll(async () => {
  p = await startTestPlatform({
    env: {
      LINGGONG_PAYMENT_CHANNELS: 'alipay,wechat',
      LINGGONG_ALIPAY_APP_ID: ALIPAY_APP_ID,
      LINGGONG_ALIPAY_SELLER_ID: ALIPAY_SELLER_ID,
      LINGGONG_ALIPAY_PRIVATE_KEY: appKeys.privateKey,
      LINGGONG_ALIPAY_PUBLIC_KEY: alipayKeys.publicKey,
      LINGGONG_WECHAT_APP_ID: WECHAT_APP_ID,
      LINGGONG_WECHAT_MCH_ID: WECHAT_MCH_ID,
      LINGGONG_WECHAT_MCH_SERIAL: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
      LINGGONG_WECHAT_MCH_PRIVATE_KEY: merchantKeys.privateKey,
      LINGGONG_WECHAT_APIV3_KEY: API_V3_KEY,
      LINGGONG_WECHAT_PLATFORM_KEYS: `${PUB_KEY_ID}=${Buffer.from(wechatKeys.publicKey).toString('base64')}`,
    },
  });
  payer = await loginWithSms(p, newPhone());
  newId = createIdGenerator(p.clock);
});
afterAll(async () => {
  await p?.stop();
});

/** A pending top-up of `amountFen` through `channel`, as POST /api/v1/payments leaves it. */
async function pendingTopup(channel: 'alipay' | 'wechat', amountFen: number): Promise<string> {
  const id = newId();
  const now = p.clock.now();
  await paymentDb(p)
    .db.insertInto('payment_topups')
    .values({
      id,
      user_id: payer.userId,
      channel,
      amount_fen: amountFen,
      status: 'pending',
      start: JSON.stringify({ kind: 'qr_code', content: 'https://qr.alipay.com/x' }),
      channel_transaction_id: null,
      paid_amount_fen: null,
      note: null,
      expires_at: now + 30 * 60_000,
      created_at: now,
      updated_at: now,
      paid_at: null,
    })
    .execute();
  return id;
}

const notify = (channel: string, body: Buffer, headers: Record<string, string> = {}) =>
  p.app.inject({ method: 'POST', url: `/api/v1/payments/notify/${channel}`, headers, payload: body });

const topupStatus = async (id: string) =>
  (
    await paymentDb(p)
      .db.selectFrom('payment_topups')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirst()
  )?.status;

/**
 * An Alipay trade_status_sync notification (application/x-www-form-urlencoded), signed as Alipay
 * documents it: every parameter but sign and sign_type, sorted, k=v joined with &, SHA256withRSA.
 */
function alipayNotification(outTradeNo: string, total: string, key = alipayKeys.privateKey) {
  const params: Record<string, string> = {
    notify_time: '2026-01-05 09:00:06',
    notify_type: 'trade_status_sync',
    notify_id: 'ac05099524730693a8b330c5ecf72da9786',
    charset: 'utf-8',
    version: '1.0',
    app_id: ALIPAY_APP_ID,
    auth_app_id: ALIPAY_APP_ID,
    seller_id: ALIPAY_SELLER_ID,
    trade_no: `20260105220014${outTradeNo.slice(-14)}`,
    out_trade_no: outTradeNo,
    trade_status: 'TRADE_SUCCESS',
    total_amount: total,
    receipt_amount: total,
    buyer_pay_amount: total,
    gmt_create: '2026-01-05 08:59:00',
    gmt_payment: '2026-01-05 09:00:05',
    subject: '零工钱包充值',
  };
  const content = Object.keys(params)
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
  return {
    params,
    body: Buffer.from(new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString()),
  };
}

/** A WeChat Pay TRANSACTION.SUCCESS notification: the JSON envelope, its resource sealed with the APIv3 key. */
function wechatNotification(
  outTradeNo: string,
  totalFen: number,
  options: { key?: string; serial?: string; timestamp?: number } = {},
) {
  const resource = {
    appid: WECHAT_APP_ID,
    mchid: WECHAT_MCH_ID,
    out_trade_no: outTradeNo,
    transaction_id: `42000000002026010500${outTradeNo.slice(-8)}`,
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    success_time: '2026-01-05T09:00:05+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: totalFen, payer_total: totalFen, currency: 'CNY', payer_currency: 'CNY' },
  };
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(API_V3_KEY), Buffer.from(nonce));
  cipher.setAAD(Buffer.from('transaction'));
  const sealed = Buffer.concat([
    cipher.update(JSON.stringify(resource)),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  const body = JSON.stringify({
    id: `EV-${outTradeNo}`,
    create_time: '2026-01-05T09:00:06+08:00',
    resource_type: 'encrypt-resource',
    event_type: 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: sealed.toString('base64'),
      associated_data: 'transaction',
      nonce,
    },
  });
  const timestamp = String(options.timestamp ?? Math.floor(p.clock.now() / 1000));
  const signNonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256')
    .update(`${timestamp}\n${signNonce}\n${body}\n`)
    .sign(options.key ?? wechatKeys.privateKey, 'base64');
  return {
    body: Buffer.from(body),
    headers: {
      'content-type': 'application/json',
      'wechatpay-nonce': signNonce,
      'wechatpay-serial': options.serial ?? PUB_KEY_ID,
      'wechatpay-signature': signature,
      'wechatpay-signature-type': 'WECHATPAY2-SHA256-RSA2048',
      'wechatpay-timestamp': timestamp,
    },
  };
}

describe(`channel notifications through the notify route on ${DIALECT}`, () => {
  it('Alipay: credits once however often it comes; forged ones change nothing; another amount is held', async () => {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const before = await walletOf(p, payer.userId);
    const id = await pendingTopup('alipay', 1230);
    const valid = alipayNotification(id, '12.30');
    for (let i = 0; i < 10; i++) {
      const res = await notify('alipay', valid.body, form);
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe('success');
    }
    expect(await walletOf(p, payer.userId)).toBe(before + 1230);
    expect(await topupStatus(id)).toBe('paid');

    const other = await pendingTopup('alipay', 5000);
    // Signed by someone else's key, and a body changed after signing: refused for good, nothing credited.
    const forged = await notify(
      'alipay',
      alipayNotification(other, '50.00', strangerKeys.privateKey).body,
      form,
    );
    const tampered = await notify(
      'alipay',
      Buffer.from(
        alipayNotification(other, '50.00')
          .body.toString()
          .replace('total_amount=50.00', 'total_amount=5000.00'),
      ),
      form,
    );
    for (const res of [forged, tampered]) expect(res.body).toBe('success');
    expect(await topupStatus(other)).toBe('pending');
    expect(await walletOf(p, payer.userId)).toBe(before + 1230);

    // Paid, but 0.50 元 of 50 元: held for an admin, not credited.
    const short = await notify('alipay', alipayNotification(other, '0.50').body, form);
    expect(short.body).toBe('success');
    expect(await topupStatus(other)).toBe('held');
    expect(await walletOf(p, payer.userId)).toBe(before + 1230);
  });

  it('WeChat Pay: credits once; a wrong key, an unknown serial or a stale timestamp credit nothing', async () => {
    const before = await walletOf(p, payer.userId);
    const id = await pendingTopup('wechat', 8800);
    for (let i = 0; i < 10; i++) {
      const n = wechatNotification(id, 8800);
      const res = await notify('wechat', n.body, n.headers);
      expect(res.statusCode).toBe(204);
    }
    expect(await walletOf(p, payer.userId)).toBe(before + 8800);

    const other = await pendingTopup('wechat', 3000);
    // An unknown serial (a rotated key) and a stale timestamp: WeChat Pay is asked to send again.
    for (const options of [
      { serial: 'PUB_KEY_ID_UNKNOWN' },
      { timestamp: Math.floor(p.clock.now() / 1000) - 600 },
    ]) {
      const n = wechatNotification(other, 3000, options);
      const res = await notify('wechat', n.body, n.headers);
      expect(res.statusCode).toBe(500);
      expect(res.json()).toMatchObject({ code: 'FAIL' });
    }
    // A signature by another key, and a body changed after signing: refused for good.
    const forged = wechatNotification(other, 3000, { key: strangerKeys.privateKey });
    const signed = wechatNotification(other, 3000);
    const tampered = Buffer.from(signed.body.toString().replace('"summary":"支付成功"', '"summary":"x"'));
    for (const [body, headers] of [
      [forged.body, forged.headers],
      [tampered, signed.headers],
    ] as const) {
      expect((await notify('wechat', body, headers)).statusCode).toBe(204);
    }
    expect(await topupStatus(other)).toBe('pending');

    // Another amount: held.
    const n = wechatNotification(other, 2999);
    expect((await notify('wechat', n.body, n.headers)).statusCode).toBe(204);
    expect(await topupStatus(other)).toBe('held');
    expect(await walletOf(p, payer.userId)).toBe(before + 8800);
    expect(await checkLedger(paymentDb(p), {})).toEqual([]);
  });
});
