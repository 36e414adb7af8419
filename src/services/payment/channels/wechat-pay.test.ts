import {
  constants,
  createCipheriv,
  createHash,
  createSign,
  createVerify,
  generateKeyPairSync,
  privateDecrypt,
  randomBytes,
} from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { FakeClock } from '../../../platform/clock.js';
import type { PaymentChannel } from './channel.js';
import { createWechatPayChannel } from './wechat-pay.js';

/*
 * A local stand-in for the WeChat Pay API v3 (api.mch.weixin.qq.com). It checks each request's
 * Authorization (WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",
 * serial_no="…", the signature over `METHOD\nURL\ntimestamp\nnonce\nbody\n`) with the merchant's
 * public key, and signs its answers with the platform private key in Wechatpay-Timestamp /
 * Wechatpay-Nonce / Wechatpay-Signature / Wechatpay-Serial over `timestamp\nnonce\nbody\n`.
 * Bodies follow the API documentation; errors are `{ "code", "message" }` with a 4xx/5xx status.
 */

const pem = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const merchantKeys = pem();
const platformKeys = pem();
const strangerKeys = pem();

const MCHID = '1900000001';
const APPID = 'wxd678efh567hg6787';
const MERCHANT_SERIAL = '5157F09EFDC096DE15EBE81A47057A7232F1B8E1';
const PUB_KEY_ID = 'PUB_KEY_ID_0114232134912410000000000000';
const API_V3_KEY = 'Lg8s2ZKq4mW7dX1cV9bN3pR6tY0uH5jA';
const NOW = Date.UTC(2026, 0, 5, 2, 0, 10);

const clock = new FakeClock(NOW);

interface Answer {
  status?: number;
  json?: unknown;
  /** A file download: served as is, unsigned, as WeChat Pay serves bill files. */
  file?: Buffer;
  serial?: string;
  signWith?: string;
  timestamp?: number;
}
interface Seen {
  method: string;
  url: URL;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
  authorized: boolean;
}

let server: Server;
let baseUrl: string;
const routes = new Map<string, (seen: Seen) => Answer>();
const seen: Seen[] = [];

function authorized(req: IncomingMessage, body: string): boolean {
  const m = /^WECHATPAY2-SHA256-RSA2048 (.+)$/.exec(req.headers.authorization ?? '');
  if (!m) return false;
  const f = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1]!, x[2]!]));
  if (f.mchid !== MCHID || f.serial_no !== MERCHANT_SERIAL || !f.signature) return false;
  const message = `${req.method}\n${req.url}\n${f.timestamp}\n${f.nonce_str}\n${body}\n`;
  return createVerify('RSA-SHA256').update(message).verify(merchantKeys.publicKey, f.signature, 'base64');
}

/** Wechatpay-* headers over `timestamp\nnonce\nbody\n`. */
function signedHeaders(body: string, options: { key?: string; serial?: string; timestamp?: number } = {}) {
  const timestamp = String(options.timestamp ?? Math.floor(clock.now() / 1000));
  const nonce = randomBytes(16).toString('hex');
  const signature = createSign('RSA-SHA256')
    .update(`${timestamp}\n${nonce}\n${body}\n`)
    .sign(options.key ?? platformKeys.privateKey, 'base64');
  return {
    'Wechatpay-Nonce': nonce,
    'Wechatpay-Serial': options.serial ?? PUB_KEY_ID,
    'Wechatpay-Signature': signature,
    'Wechatpay-Signature-Type': 'WECHATPAY2-SHA256-RSA2048',
    'Wechatpay-Timestamp': timestamp,
    'Request-ID': '08F78BB5AF0610D302189F99DD5C20BA56F89845-0',
  };
}

function answer(res: ServerResponse, a: Answer): void {
  if (a.file) {
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(a.file);
    return;
  }
  const status = a.status ?? 200;
  const text = status === 204 ? '' : JSON.stringify(a.json ?? {});
  const headers = signedHeaders(text, { key: a.signWith, serial: a.serial, timestamp: a.timestamp });
  res.writeHead(status, { ...headers, ...(text ? { 'content-type': 'application/json' } : {}) }).end(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url!, 'http://127.0.0.1');
      const entry: Seen = {
        method: req.method!,
        url,
        headers: req.headers,
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        authorized: authorized(req, text),
      };
      seen.push(entry);
      if (!entry.authorized) {
        return answer(res, { status: 401, json: { code: 'SIGN_ERROR', message: '签名错误' } });
      }
      const route = routes.get(`${req.method} ${url.pathname}`);
      if (!route) return answer(res, { status: 404, json: { code: 'NOT_FOUND', message: 'no route' } });
      answer(res, route(entry));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  routes.clear();
  seen.length = 0;
  clock.set(NOW);
});

function channel(overrides: { baseUrl?: string; merchantPrivateKey?: string } = {}): PaymentChannel {
  return createWechatPayChannel({
    appId: APPID,
    merchantId: MCHID,
    merchantSerialNo: MERCHANT_SERIAL,
    merchantPrivateKey: overrides.merchantPrivateKey ?? merchantKeys.privateKey,
    apiV3Key: API_V3_KEY,
    platformKeys: { [PUB_KEY_ID]: platformKeys.publicKey },
    transferSceneId: '1005',
    transferSceneReportInfos: [
      { infoType: '岗位类型', infoContent: '零工' },
      { infoType: '报酬说明', infoContent: '工资结算' },
    ],
    userRecvPerception: '劳务报酬',
    baseUrl: overrides.baseUrl ?? baseUrl,
    clock,
  });
}

/** AEAD_AES_256_GCM as WeChat Pay encrypts resources: base64(ciphertext ‖ 16-byte tag). */
function encrypt(plain: object, associatedData: string, key = API_V3_KEY) {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(associatedData));
  const data = Buffer.concat([
    cipher.update(JSON.stringify(plain), 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return { ciphertext: data.toString('base64'), nonce, associated_data: associatedData };
}

/** A notification as WeChat Pay posts it: the documented JSON envelope and its Wechatpay-* headers. */
function notification(
  eventType: string,
  plain: object,
  options: { key?: string; serial?: string; timestamp?: number; apiV3Key?: string } = {},
) {
  const originalType = eventType === 'TRANSACTION.SUCCESS' ? 'transaction' : 'mch_payment';
  const body = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2026-01-05T10:00:06+08:00',
    resource_type: 'encrypt-resource',
    event_type: eventType,
    summary: eventType === 'TRANSACTION.SUCCESS' ? '支付成功' : '商家转账单据终态通知',
    resource: {
      original_type: originalType,
      algorithm: 'AEAD_AES_256_GCM',
      ...encrypt(plain, originalType, options.apiV3Key),
    },
  });
  return { headers: signedHeaders(body, options), body: Buffer.from(body) };
}

/** A paid transaction, as the resource of TRANSACTION.SUCCESS and the out_trade_no query answer. */
const paidTransaction = {
  transaction_id: '4200000000202601050000000001',
  amount: { payer_total: 1230, total: 1230, currency: 'CNY', payer_currency: 'CNY' },
  mchid: MCHID,
  trade_state: 'SUCCESS',
  bank_type: 'OTHERS',
  promotion_detail: [],
  success_time: '2026-01-05T10:00:05+08:00',
  payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
  out_trade_no: '01JGPAY0000000000000000001',
  appid: APPID,
  trade_state_desc: '支付成功',
  trade_type: 'NATIVE',
  attach: '',
  scene_info: { device_id: '' },
};

const paidState = {
  status: 'paid',
  transactionId: '4200000000202601050000000001',
  amountFen: 1230,
  appId: APPID,
  merchantId: MCHID,
  paidAt: Date.UTC(2026, 0, 5, 2, 0, 5),
};

describe('wechat pay notifications', () => {
  it('accepts a signed TRANSACTION.SUCCESS and reads amount.total in fen', async () => {
    const { headers, body } = notification('TRANSACTION.SUCCESS', paidTransaction);
    expect(await channel().verifyNotification(headers, body)).toEqual({
      ok: true,
      notification: { kind: 'payment', paymentId: '01JGPAY0000000000000000001', state: paidState },
    });
  });

  it('refuses a tampered body and a wrong signature', async () => {
    const { headers, body } = notification('TRANSACTION.SUCCESS', paidTransaction);
    const tampered = Buffer.from(body.toString().replace('EV-2018022511223320873', 'EV-2018022511223320874'));
    expect(await channel().verifyNotification(headers, tampered)).toEqual({
      ok: false,
      reason: 'signature',
      retry: false,
    });
    const forged = notification('TRANSACTION.SUCCESS', paidTransaction, { key: strangerKeys.privateKey });
    expect(await channel().verifyNotification(forged.headers, forged.body)).toEqual({
      ok: false,
      reason: 'signature',
      retry: false,
    });
  });

  it('refuses an unknown serial and a stale timestamp, to be sent again', async () => {
    const unknown = notification('TRANSACTION.SUCCESS', paidTransaction, {
      serial: 'PUB_KEY_ID_0199999999999999999999999999',
    });
    expect(await channel().verifyNotification(unknown.headers, unknown.body)).toEqual({
      ok: false,
      reason: 'serial',
      retry: true,
    });
    for (const offset of [-6 * 60, 6 * 60]) {
      const stale = notification('TRANSACTION.SUCCESS', paidTransaction, {
        timestamp: Math.floor(NOW / 1000) + offset,
      });
      expect(await channel().verifyNotification(stale.headers, stale.body)).toEqual({
        ok: false,
        reason: 'stale',
        retry: true,
      });
    }
  });

  it('refuses malformed notifications, and resources it cannot decrypt', async () => {
    const malformed = { ok: false, reason: 'malformed', retry: false };
    const notJson = Buffer.from('<xml><return_code>SUCCESS</return_code></xml>');
    expect(await channel().verifyNotification(signedHeaders(notJson.toString()), notJson)).toEqual(malformed);
    const { headers, body } = notification('TRANSACTION.SUCCESS', paidTransaction);
    expect(await channel().verifyNotification({ ...headers, 'Wechatpay-Nonce': undefined }, body)).toEqual(
      malformed,
    );
    const otherMerchant = notification('TRANSACTION.SUCCESS', { ...paidTransaction, mchid: '1900000002' });
    expect(await channel().verifyNotification(otherMerchant.headers, otherMerchant.body)).toEqual(malformed);

    const wrongKey = notification('TRANSACTION.SUCCESS', paidTransaction, { apiV3Key: 'x'.repeat(32) });
    expect(await channel().verifyNotification(wrongKey.headers, wrongKey.body)).toEqual({
      ok: false,
      reason: 'decrypt',
      retry: true,
    });
  });

  it('reads MCHTRANSFER.BILL.FINISHED', async () => {
    const bill = {
      mchid: MCHID,
      out_bill_no: 'W01',
      transfer_bill_no: '1330000071100999991182020050700019480001',
      state: 'SUCCESS',
      transfer_amount: 5000,
      openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
      create_time: '2026-01-05T09:59:00+08:00',
      update_time: '2026-01-05T10:00:05+08:00',
    };
    const done = notification('MCHTRANSFER.BILL.FINISHED', bill);
    expect(await channel().verifyNotification(done.headers, done.body)).toEqual({
      ok: true,
      notification: {
        kind: 'transfer',
        withdrawalId: 'W01',
        state: {
          status: 'succeeded',
          transactionId: '1330000071100999991182020050700019480001',
          finishedAt: Date.UTC(2026, 0, 5, 2, 0, 5),
        },
      },
    });
    const failed = notification('MCHTRANSFER.BILL.FINISHED', {
      ...bill,
      state: 'FAIL',
      fail_reason: 'PAYEE_ACCOUNT_ABNORMAL',
    });
    expect(await channel().verifyNotification(failed.headers, failed.body)).toMatchObject({
      notification: { state: { status: 'failed', reason: 'PAYEE_ACCOUNT_ABNORMAL' } },
    });
  });

  it('answers 204 without a body when handled, and 500 {"code":"FAIL"} to be sent again', () => {
    expect(channel().handledAnswer()).toEqual({ status: 204, contentType: 'text/plain', body: '' });
    const retry = channel().retryAnswer('database unavailable');
    expect(retry).toMatchObject({ status: 500, contentType: 'application/json' });
    expect(JSON.parse(retry.body)).toEqual({ code: 'FAIL', message: 'database unavailable' });
  });
});

describe('wechat pay requests', () => {
  it('places a Native order with a signed request and returns its code_url', async () => {
    routes.set('POST /v3/pay/transactions/native', () => ({
      json: { code_url: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' },
    }));
    const start = await channel().createPayment({
      paymentId: '01JGPAY0000000000000000001',
      amountFen: 1230,
      subject: 'Escrow for job 42',
      expiresAt: Date.UTC(2026, 0, 5, 2, 15, 0),
      notifyUrl: 'https://api.example.com/api/v1/payments/notify/wechat',
    });
    expect(start).toEqual({ kind: 'qr_code', content: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' });
    expect(seen[0]).toMatchObject({
      authorized: true,
      body: {
        appid: APPID,
        mchid: MCHID,
        description: 'Escrow for job 42',
        out_trade_no: '01JGPAY0000000000000000001',
        time_expire: '2026-01-05T10:15:00+08:00',
        notify_url: 'https://api.example.com/api/v1/payments/notify/wechat',
        amount: { total: 1230, currency: 'CNY' },
      },
    });
  });

  it('queries an order by out_trade_no', async () => {
    let reply: Answer = { json: paidTransaction };
    routes.set('GET /v3/pay/transactions/out-trade-no/01JGPAY0000000000000000001', () => reply);
    expect(await channel().queryPayment('01JGPAY0000000000000000001')).toEqual(paidState);
    expect(seen[0]!.url.search).toBe(`?mchid=${MCHID}`);

    reply = {
      json: { ...paidTransaction, trade_state: 'NOTPAY', transaction_id: undefined, success_time: undefined },
    };
    expect(await channel().queryPayment('01JGPAY0000000000000000001')).toEqual({ status: 'pending' });
    reply = { json: { ...paidTransaction, trade_state: 'CLOSED' } };
    expect(await channel().queryPayment('01JGPAY0000000000000000001')).toEqual({ status: 'closed' });
    reply = { status: 404, json: { code: 'ORDER_NOT_EXIST', message: '订单不存在' } };
    await expect(channel().queryPayment('01JGPAY0000000000000000001')).rejects.toMatchObject({
      kind: 'not_found',
      code: 'ORDER_NOT_EXIST',
      retryable: false,
    });
  });

  it('closes an order (204, signed)', async () => {
    routes.set('POST /v3/pay/transactions/out-trade-no/P1/close', () => ({ status: 204 }));
    await channel().closePayment('P1');
    expect(seen[0]).toMatchObject({ authorized: true, body: { mchid: MCHID } });
  });

  it('starts a transfer with the payee name encrypted for the platform key', async () => {
    routes.set('POST /v3/fund-app/mch-transfer/transfer-bills', () => ({
      json: {
        out_bill_no: 'W01',
        transfer_bill_no: '1330000071100999991182020050700019480001',
        create_time: '2026-01-05T10:00:10+08:00',
        state: 'WAIT_USER_CONFIRM',
        package_info: 'affffddafdfafddffda==',
      },
    }));
    const state = await channel().transfer({
      withdrawalId: 'W01',
      amountFen: 5000,
      account: 'o-MYE42l80oelYMDE34nYD456Xoy',
      realName: '张三',
      remark: '零工提现',
      notifyUrl: 'https://api.example.com/api/v1/payments/notify/wechat',
    });
    expect(state).toEqual({ status: 'processing', userConfirmation: 'affffddafdfafddffda==' });
    const request = seen[0]!;
    expect(request.authorized).toBe(true);
    expect(request.headers['wechatpay-serial']).toBe(PUB_KEY_ID);
    expect(request.body).toMatchObject({
      appid: APPID,
      out_bill_no: 'W01',
      transfer_scene_id: '1005',
      openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
      transfer_amount: 5000,
      transfer_remark: '零工提现',
      notify_url: 'https://api.example.com/api/v1/payments/notify/wechat',
      user_recv_perception: '劳务报酬',
      transfer_scene_report_infos: [
        { info_type: '岗位类型', info_content: '零工' },
        { info_type: '报酬说明', info_content: '工资结算' },
      ],
    });
    const name = privateDecrypt(
      { key: platformKeys.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
      Buffer.from(request.body.user_name as string, 'base64'),
    );
    expect(name.toString('utf8')).toBe('张三');
  });

  it('queries a transfer by out_bill_no', async () => {
    let reply: Answer = {
      json: {
        mch_id: MCHID,
        out_bill_no: 'W01',
        transfer_bill_no: '1330000071100999991182020050700019480001',
        appid: APPID,
        state: 'SUCCESS',
        transfer_amount: 5000,
        transfer_remark: '零工提现',
        openid: 'o-MYE42l80oelYMDE34nYD456Xoy',
        create_time: '2026-01-05T09:59:00+08:00',
        update_time: '2026-01-05T10:00:05+08:00',
      },
    };
    routes.set('GET /v3/fund-app/mch-transfer/transfer-bills/out-bill-no/W01', () => reply);
    expect(await channel().queryTransfer('W01')).toEqual({
      status: 'succeeded',
      transactionId: '1330000071100999991182020050700019480001',
      finishedAt: Date.UTC(2026, 0, 5, 2, 0, 5),
    });
    reply = { json: { out_bill_no: 'W01', state: 'CANCELLED' } };
    expect(await channel().queryTransfer('W01')).toEqual({ status: 'failed', reason: 'CANCELLED' });
    reply = { json: { out_bill_no: 'W01', state: 'TRANSFERING' } };
    expect(await channel().queryTransfer('W01')).toEqual({ status: 'processing' });
  });

  it('downloads the trade bill, checks its SHA1 and reads payments and refunds', async () => {
    const file = Buffer.from(tradeBill(), 'utf8');
    let hash = createHash('sha1').update(file).digest('hex');
    routes.set('GET /v3/bill/tradebill', () => ({
      json: {
        hash_type: 'SHA1',
        hash_value: hash,
        download_url: `${baseUrl}/v3/billdownload/file?token=6XIv5TUPto7pByrTQKhd6kwvyKLG2uY2wMMR8cNXqaA_Cv_isgaUtBzp4QtiozLO`,
      },
    }));
    routes.set('GET /v3/billdownload/file', () => ({ file }));
    expect(await channel().statement('2026-01-05')).toEqual([
      {
        kind: 'payment',
        reference: '01JGPAY0000000000000000001',
        transactionId: '4200000000202601050000000001',
        amountFen: 1230,
        at: Date.UTC(2026, 0, 5, 2, 0, 5),
      },
      {
        kind: 'refund',
        reference: 'R01',
        transactionId: '50300000000000000000000001',
        amountFen: 200,
        at: Date.UTC(2026, 0, 5, 3, 0, 0),
      },
    ]);
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({
      bill_date: '2026-01-05',
      bill_type: 'ALL',
    });
    expect(seen[1]).toMatchObject({ authorized: true });

    hash = createHash('sha1').update('something else').digest('hex');
    await expect(channel().statement('2026-01-05')).rejects.toMatchObject({
      kind: 'invalid_response',
      code: 'BILL_HASH_MISMATCH',
    });
  });

  it('throws retryable ChannelErrors for server errors, rate limits and unreachable hosts', async () => {
    let reply: Answer = { status: 500, json: { code: 'SYSTEM_ERROR', message: '系统异常，请稍后重试' } };
    routes.set('GET /v3/pay/transactions/out-trade-no/P1', () => reply);
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      name: 'ChannelError',
      kind: 'server',
      code: 'SYSTEM_ERROR',
      retryable: true,
      httpStatus: 500,
    });
    reply = { status: 429, json: { code: 'FREQUENCY_LIMITED', message: '频率超限' } };
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({ retryable: true, httpStatus: 429 });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(channel({ baseUrl: `http://127.0.0.1:${port}` }).queryPayment('P1')).rejects.toMatchObject({
      kind: 'transport',
      retryable: true,
    });
  });

  it('refuses answers with an unknown serial, a wrong signature or a stale timestamp', async () => {
    let reply: Answer = { json: paidTransaction, serial: 'PUB_KEY_ID_0199999999999999999999999999' };
    routes.set('GET /v3/pay/transactions/out-trade-no/P1', () => reply);
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      kind: 'invalid_response',
      code: 'UNKNOWN_SERIAL',
    });
    reply = { json: paidTransaction, signWith: strangerKeys.privateKey };
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      kind: 'invalid_response',
      code: 'BAD_SIGNATURE',
    });
    reply = { json: paidTransaction, timestamp: Math.floor(NOW / 1000) - 600 };
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      kind: 'invalid_response',
      code: 'STALE_ANSWER',
    });
  });

  it('is refused by the API when signing with a key WeChat Pay does not know', async () => {
    const impostor = channel({ merchantPrivateKey: strangerKeys.privateKey });
    await expect(impostor.closePayment('P1')).rejects.toMatchObject({
      kind: 'rejected',
      code: 'SIGN_ERROR',
      httpStatus: 401,
    });
    expect(seen[0]!.authorized).toBe(false);
  });
});

/** The documented ALL trade bill: detail header, backtick-prefixed rows, summary header and row. */
function tradeBill(): string {
  return [
    '\uFEFF交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,' +
      '货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,' +
      '商户数据包,手续费,费率,订单金额,申请退款金额,费率备注',
    '`2026-01-05 10:00:05,`wxd678efh567hg6787,`1900000001,`0,`,`4200000000202601050000000001,' +
      '`01JGPAY0000000000000000001,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`SUCCESS,`OTHERS,`CNY,`12.30,`0.00,`0,`0,' +
      '`0.00,`0.00,`,`,`雇主托管,`,`0.07,`0.60%,`12.30,`0.00,`',
    '`2026-01-05 11:00:00,`wxd678efh567hg6787,`1900000001,`0,`,`4200000000202601040000000009,' +
      '`01JGPAY0000000000000000000,`oUpF8uMuAJO_M2pxb1Q9zNjWeS6o,`NATIVE,`REFUND,`OTHERS,`CNY,`0.00,`0.00,' +
      '`50300000000000000000000001,`R01,`2.00,`0.00,`ORIGINAL,`SUCCESS,`雇主托管,`,`-0.01,`0.60%,`0.00,`2.00,`',
    '总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额',
    '`2,`12.30,`2.00,`0.00,`0.06,`12.30,`2.00',
  ].join('\r\n');
}
