import { createSign, createVerify, generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TextDecoder } from 'node:util';
import { crc32, deflateRawSync } from 'node:zlib';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { createAlipayChannel } from './alipay.js';
import { ChannelError, type PaymentChannel } from './channel.js';

/*
 * A local stand-in for the Alipay OpenAPI v3 gateway. It checks each request's Authorization
 * (ALIPAY-SHA256withRSA app_id=…,nonce=…,timestamp=…,sign=…, the signature over
 * `authString\nMETHOD\nURL\nbody\n`) with the app public key, as the gateway does, and signs its
 * answers with "Alipay's" private key in the alipay-timestamp / alipay-nonce / alipay-signature
 * headers over `timestamp\nnonce\nbody\n`, which the SDK verifies. Answers are the documented v3
 * JSON bodies; errors are `{ "code", "message" }` with a 4xx/5xx status.
 */

const pem = () =>
  generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
const appKeys = pem();
const alipayKeys = pem();
const strangerKeys = pem();

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';

interface Answer {
  status?: number;
  json?: unknown;
  raw?: Buffer;
  /** Signs the answer with this key instead of Alipay's. */
  signWith?: string;
}
interface Seen {
  method: string;
  url: URL;
  body: Record<string, unknown>;
  authorized: boolean;
}

let server: Server;
let baseUrl: string;
const routes = new Map<string, (seen: Seen) => Answer>();
const seen: Seen[] = [];

function authorized(req: IncomingMessage, body: string): boolean {
  const header = req.headers.authorization ?? '';
  const m = /^ALIPAY-SHA256withRSA (.*),sign=(.+)$/.exec(header);
  if (!m || !m[1]!.split(',').includes(`app_id=${APP_ID}`)) return false;
  const message = `${m[1]}\n${req.method}\n${req.url}\n${body}\n`;
  return createVerify('RSA-SHA256').update(message).verify(appKeys.publicKey, m[2]!, 'base64');
}

function answer(res: ServerResponse, a: Answer): void {
  if (a.raw) {
    res.writeHead(a.status ?? 200, { 'content-type': 'application/zip' }).end(a.raw);
    return;
  }
  const text = JSON.stringify(a.json ?? {});
  const timestamp = String(Date.now());
  const nonce = randomUUID();
  const signature = createSign('RSA-SHA256')
    .update(`${timestamp}\n${nonce}\n${text}\n`)
    .sign(a.signWith ?? alipayKeys.privateKey, 'base64');
  res
    .writeHead(a.status ?? 200, {
      'content-type': 'application/json; charset=utf-8',
      'alipay-trace-id': 'trace-1',
      'alipay-timestamp': timestamp,
      'alipay-nonce': nonce,
      'alipay-signature': signature,
    })
    .end(text);
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
        body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        authorized: authorized(req, text),
      };
      seen.push(entry);
      const route = routes.get(`${req.method} ${url.pathname}`);
      if (!route) return answer(res, { status: 404, json: { code: 'not-found', message: 'no route' } });
      const a = route(entry);
      // The gateway refuses unsigned API calls; the bill file URL is pre-signed and needs none.
      if (!entry.authorized && !a.raw) {
        return answer(res, { status: 401, json: { code: 'invalid-signature', message: '验签出错' } });
      }
      answer(res, a);
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
});

function channel(endpoint = baseUrl): PaymentChannel {
  return createAlipayChannel({
    appId: APP_ID,
    sellerId: SELLER_ID,
    privateKey: appKeys.privateKey,
    alipayPublicKey: alipayKeys.publicKey,
    endpoint,
  });
}

/**
 * A notification body as Alipay posts it (application/x-www-form-urlencoded, UTF-8), signed the
 * documented way: every parameter but sign and sign_type, sorted by name, joined as k=v with &,
 * SHA256withRSA, base64.
 */
function notification(params: Record<string, string>, key = alipayKeys.privateKey): Buffer {
  const content = Object.keys(params)
    .filter((k) => k !== 'sign' && k !== 'sign_type')
    .sort()
    .map((k) => `${k}=${params[k]}`)
    .join('&');
  const sign = createSign('RSA-SHA256').update(content, 'utf8').sign(key, 'base64');
  return Buffer.from(new URLSearchParams({ ...params, sign_type: 'RSA2', sign }).toString());
}

/** The fields of a documented trade_status_sync notification for a paid trade. */
const paidTrade = {
  gmt_create: '2026-01-05 09:59:00',
  charset: 'utf-8',
  gmt_payment: '2026-01-05 10:00:05',
  notify_time: '2026-01-05 10:00:06',
  subject: 'Escrow for job 42',
  buyer_id: '2088102122524333',
  invoice_amount: '12.30',
  version: '1.0',
  notify_id: 'ac05099524730693a8b330c5ecf72da9786',
  fund_bill_list: '[{"amount":"12.30","fundChannel":"ALIPAYACCOUNT"}]',
  notify_type: 'trade_status_sync',
  out_trade_no: '01JGPAY0000000000000000001',
  total_amount: '12.30',
  trade_status: 'TRADE_SUCCESS',
  trade_no: '2026010522001400001000000001',
  auth_app_id: APP_ID,
  receipt_amount: '12.30',
  point_amount: '0.00',
  app_id: APP_ID,
  buyer_pay_amount: '12.30',
  seller_id: SELLER_ID,
};

describe('alipay notifications', () => {
  it('accepts a signed payment notification and reads the amount in exact fen', async () => {
    const check = await channel().verifyNotification({}, notification(paidTrade));
    expect(check).toEqual({
      ok: true,
      notification: {
        kind: 'payment',
        paymentId: '01JGPAY0000000000000000001',
        state: {
          status: 'paid',
          transactionId: '2026010522001400001000000001',
          amountFen: 1230,
          appId: APP_ID,
          merchantId: SELLER_ID,
          paidAt: Date.UTC(2026, 0, 5, 2, 0, 5),
        },
      },
    });
    for (const [yuan, fen] of [
      ['0.01', 1],
      ['100', 10_000],
      ['99999999.99', 9_999_999_999],
    ] as const) {
      const c = await channel().verifyNotification({}, notification({ ...paidTrade, total_amount: yuan }));
      expect(c.ok && c.notification.kind === 'payment' && c.notification.state).toMatchObject({
        amountFen: fen,
      });
    }
  });

  it('refuses a tampered body and a signature by another key', async () => {
    const body = notification(paidTrade).toString().replace('total_amount=12.30', 'total_amount=1230.00');
    expect(await channel().verifyNotification({}, Buffer.from(body))).toEqual({
      ok: false,
      reason: 'signature',
      retry: false,
    });
    const forged = notification(paidTrade, strangerKeys.privateKey);
    expect(await channel().verifyNotification({}, forged)).toEqual({
      ok: false,
      reason: 'signature',
      retry: false,
    });
  });

  it('refuses malformed bodies, and signed ones for another app or with a bad amount', async () => {
    const malformed = { ok: false, reason: 'malformed', retry: false };
    expect(await channel().verifyNotification({}, Buffer.from('{"trade_status":"TRADE_SUCCESS"}'))).toEqual(
      malformed,
    );
    expect(await channel().verifyNotification({}, Buffer.from('a=1&a=2&sign=x'))).toEqual(malformed);
    expect(
      await channel().verifyNotification({}, notification({ ...paidTrade, app_id: '2021999999999999' })),
    ).toEqual(malformed);
    expect(
      await channel().verifyNotification({}, notification({ ...paidTrade, total_amount: '12.345' })),
    ).toEqual(malformed);
  });

  it('reads a transfer notification (alipay.fund.trans.order.changed)', async () => {
    const body = notification({
      msg_method: 'alipay.fund.trans.order.changed',
      app_id: APP_ID,
      charset: 'utf-8',
      version: '1.1',
      utc_timestamp: '1767578405000',
      notify_id: '2026010500222100305000000000001',
      biz_content: JSON.stringify({
        out_biz_no: 'W01',
        order_id: '20260105110070000006380000000001',
        status: 'SUCCESS',
        trans_amount: '50.00',
        pay_date: '2026-01-05 10:00:05',
        product_code: 'TRANS_ACCOUNT_NO_PWD',
        biz_scene: 'DIRECT_TRANSFER',
      }),
    });
    expect(await channel().verifyNotification({}, body)).toEqual({
      ok: true,
      notification: {
        kind: 'transfer',
        withdrawalId: 'W01',
        state: {
          status: 'succeeded',
          transactionId: '20260105110070000006380000000001',
          finishedAt: Date.UTC(2026, 0, 5, 2, 0, 5),
        },
      },
    });
  });

  it('answers "success" when handled and "fail" to be notified again', () => {
    expect(channel().handledAnswer()).toEqual({ status: 200, contentType: 'text/plain', body: 'success' });
    expect(channel().retryAnswer('database down')).toEqual({
      status: 200,
      contentType: 'text/plain',
      body: 'fail',
    });
  });
});

describe('alipay requests', () => {
  it('precreates a trade with signed parameters and returns its QR code', async () => {
    routes.set('POST /v3/alipay/trade/precreate', () => ({
      json: {
        out_trade_no: '01JGPAY0000000000000000001',
        qr_code: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7',
      },
    }));
    const start = await channel().createPayment({
      paymentId: '01JGPAY0000000000000000001',
      amountFen: 1230,
      subject: 'Escrow for job 42',
      expiresAt: Date.UTC(2026, 0, 5, 2, 15, 0),
      notifyUrl: 'https://api.example.com/api/v1/payments/notify/alipay',
    });
    expect(start).toEqual({ kind: 'qr_code', content: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7' });
    expect(seen[0]).toMatchObject({
      authorized: true,
      body: {
        out_trade_no: '01JGPAY0000000000000000001',
        total_amount: '12.30',
        subject: 'Escrow for job 42',
        notify_url: 'https://api.example.com/api/v1/payments/notify/alipay',
        time_expire: '2026-01-05 10:15:00',
      },
    });
  });

  it('queries a trade: paid, not yet scanned (pending), closed', async () => {
    let reply: Answer = {
      json: {
        trade_no: '2026010522001400001000000001',
        out_trade_no: 'P1',
        buyer_logon_id: '159****5620',
        trade_status: 'TRADE_SUCCESS',
        total_amount: '88.88',
        send_pay_date: '2026-01-05 10:00:05',
      },
    };
    routes.set('GET /v3/alipay/trade/query', () => reply);
    expect(await channel().queryPayment('P1')).toEqual({
      status: 'paid',
      transactionId: '2026010522001400001000000001',
      amountFen: 8888,
      appId: APP_ID,
      merchantId: SELLER_ID,
      paidAt: Date.UTC(2026, 0, 5, 2, 0, 5),
    });
    expect(seen[0]!.url.searchParams.get('out_trade_no')).toBe('P1');
    expect(seen[0]!.authorized).toBe(true);

    reply = { status: 400, json: { code: 'ACQ.TRADE_NOT_EXIST', message: '交易不存在' } };
    expect(await channel().queryPayment('P1')).toEqual({ status: 'pending' });
    reply = {
      json: { trade_no: 'T', out_trade_no: 'P1', trade_status: 'TRADE_CLOSED', total_amount: '1.00' },
    };
    expect(await channel().queryPayment('P1')).toEqual({ status: 'closed' });
  });

  it('closes a trade, and treats a never-scanned one as closed', async () => {
    let reply: Answer = { json: { trade_no: 'T', out_trade_no: 'P1' } };
    routes.set('POST /v3/alipay/trade/close', () => reply);
    await channel().closePayment('P1');
    expect(seen[0]).toMatchObject({ authorized: true, body: { out_trade_no: 'P1' } });
    reply = { status: 400, json: { code: 'ACQ.TRADE_NOT_EXIST', message: '交易不存在' } };
    await expect(channel().closePayment('P1')).resolves.toBeUndefined();
  });

  it('transfers to an Alipay account and reads the outcome', async () => {
    let reply: Answer = {
      json: {
        out_biz_no: 'W01',
        order_id: '20260105110070000006380000000001',
        pay_fund_order_id: '20260105110070001506380000000001',
        status: 'SUCCESS',
        trans_date: '2026-01-05 10:00:05',
      },
    };
    routes.set('POST /v3/alipay/fund/trans/uni/transfer', () => reply);
    const req = {
      withdrawalId: 'W01',
      amountFen: 5000,
      account: '13800000000',
      realName: '张三',
      remark: '零工提现',
    };
    expect(await channel().transfer(req)).toEqual({
      status: 'succeeded',
      transactionId: '20260105110070000006380000000001',
      finishedAt: Date.UTC(2026, 0, 5, 2, 0, 5),
    });
    expect(seen[0]).toMatchObject({
      authorized: true,
      body: {
        out_biz_no: 'W01',
        trans_amount: '50.00',
        product_code: 'TRANS_ACCOUNT_NO_PWD',
        biz_scene: 'DIRECT_TRANSFER',
        payee_info: { identity: '13800000000', identity_type: 'ALIPAY_LOGON_ID', name: '张三' },
      },
    });

    // A refusal about the payee is final; the account and name stay out of the error.
    reply = {
      status: 400,
      json: { code: 'PAYEE_USERINFO_ERROR', message: '收款方姓名不匹配 13800000000 张三' },
    };
    expect(await channel().transfer(req)).toEqual({ status: 'failed', reason: 'PAYEE_USERINFO_ERROR' });
    reply = { status: 400, json: { code: 'PAYER_BALANCE_NOT_ENOUGH', message: '余额不足' } };
    const error = await channel()
      .transfer(req)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: 'rejected', code: 'PAYER_BALANCE_NOT_ENOUGH', retryable: false });
    expect(String((error as Error).message)).not.toMatch(/13800000000|张三|余额/);
  });

  it('queries a transfer', async () => {
    let reply: Answer = {
      json: {
        order_id: 'O1',
        out_biz_no: 'W01',
        status: 'SUCCESS',
        pay_date: '2026-01-05 10:00:05',
        trans_amount: '50.00',
      },
    };
    routes.set('GET /v3/alipay/fund/trans/common/query', () => reply);
    expect(await channel().queryTransfer('W01')).toEqual({
      status: 'succeeded',
      transactionId: 'O1',
      finishedAt: Date.UTC(2026, 0, 5, 2, 0, 5),
    });
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({
      product_code: 'TRANS_ACCOUNT_NO_PWD',
      biz_scene: 'DIRECT_TRANSFER',
      out_biz_no: 'W01',
    });
    reply = { json: { order_id: 'O1', out_biz_no: 'W01', status: 'FAIL', error_code: 'PAYEE_NOT_EXIST' } };
    expect(await channel().queryTransfer('W01')).toEqual({ status: 'failed', reason: 'PAYEE_NOT_EXIST' });
    reply = { json: { order_id: 'O1', out_biz_no: 'W01', status: 'DEALING' } };
    expect(await channel().queryTransfer('W01')).toEqual({ status: 'processing' });
  });

  it('downloads and reads the day statement (a ZIP of GBK CSV files)', async () => {
    routes.set('GET /v3/alipay/data/dataservice/bill/downloadurl/query', () => ({
      json: { bill_download_url: `${baseUrl}/downloadFile.do?bizType=trade&fileId=1&downloadFileType=csv` },
    }));
    routes.set('GET /downloadFile.do', () => ({ raw: billArchive() }));
    expect(await channel().statement('2026-01-05')).toEqual([
      {
        kind: 'payment',
        reference: '01JGPAY0000000000000000001',
        transactionId: '2026010522001400001000000001',
        amountFen: 1230,
        at: Date.UTC(2026, 0, 5, 2, 0, 5),
      },
      {
        kind: 'refund',
        reference: 'R01',
        transactionId: '2026010422001400001000000009',
        amountFen: 200,
        at: Date.UTC(2026, 0, 5, 3, 0, 0),
      },
    ]);
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({
      bill_type: 'trade',
      bill_date: '2026-01-05',
    });
  });

  it('throws retryable ChannelErrors for server errors and unreachable gateways', async () => {
    routes.set('GET /v3/alipay/trade/query', () => ({
      status: 500,
      json: { code: 'SYSTEM_ERROR', message: '系统繁忙' },
    }));
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      name: 'ChannelError',
      kind: 'server',
      code: 'SYSTEM_ERROR',
      retryable: true,
      httpStatus: 500,
    });

    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await channel(`http://127.0.0.1:${port}`)
      .queryPayment('P1')
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ChannelError);
    expect(error).toMatchObject({ kind: 'transport', retryable: true });
  });

  it('is refused by the gateway when signing with a key Alipay does not know', async () => {
    routes.set('POST /v3/alipay/trade/close', () => ({ json: {} }));
    const impostor = createAlipayChannel({
      appId: APP_ID,
      sellerId: SELLER_ID,
      privateKey: strangerKeys.privateKey,
      alipayPublicKey: alipayKeys.publicKey,
      endpoint: baseUrl,
    });
    await expect(impostor.closePayment('P1')).rejects.toMatchObject({
      kind: 'rejected',
      code: 'invalid-signature',
      httpStatus: 401,
    });
    expect(seen[0]!.authorized).toBe(false);
  });

  it('refuses an answer not signed by Alipay', async () => {
    routes.set('GET /v3/alipay/trade/query', () => ({
      json: { trade_no: 'T', out_trade_no: 'P1', trade_status: 'TRADE_SUCCESS', total_amount: '1.00' },
      signWith: strangerKeys.privateKey,
    }));
    await expect(channel().queryPayment('P1')).rejects.toMatchObject({
      kind: 'invalid_response',
      code: 'response-signature-verify-error',
      retryable: false,
    });
  });
});

/** The documented trade statement: a ZIP with GBK file names holding the GBK detail and summary CSVs. */
function billArchive(): Buffer {
  const detail = [
    '#支付宝业务明细查询',
    `#账号：[${SELLER_ID}0156]`,
    '#起始日期：[2026年01月05日 00:00:00]   终止日期：[2026年01月06日 00:00:00]',
    '#-----------------------------------------业务明细列表----------------------------------------',
    '支付宝交易号,商户订单号,业务类型,商品名称,创建时间,完成时间,门店编号,门店名称,操作员,终端号,对方账户,' +
      '订单金额（元）,商家实收（元）,支付宝红包（元）,集分宝（元）,支付宝优惠（元）,商家优惠（元）,券核销金额（元）,' +
      '券名称,商家红包消费金额（元）,卡消费金额（元）,退款批次号/请求号,服务费（元）,分润（元）,备注',
    '2026010522001400001000000001\t,01JGPAY0000000000000000001\t,交易\t,雇主托管\t,2026-01-05 09:59:00\t,' +
      '2026-01-05 10:00:05\t,,,,,159****5620\t,12.30\t,12.30\t,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,\t,-0.07\t,0.00,',
    '2026010422001400001000000009\t,01JGPAY0000000000000000000\t,退款\t,雇主托管\t,2026-01-04 18:00:00\t,' +
      '2026-01-05 11:00:00\t,,,,,159****5620\t,-2.00\t,-2.00\t,0.00,0.00,0.00,0.00,0.00,,0.00,0.00,R01\t,0.01\t,0.00,',
    '#-----------------------------------------业务明细列表结束------------------------------------',
    '#交易合计：1笔，商家实收共12.30元，商家优惠共0.00元',
    '#退款合计：1笔，商家实收退款共-2.00元，商家优惠退款共0.00元',
    '#导出时间：[2026年01月06日 09:12:34]',
  ].join('\r\n');
  const summary = '#支付宝业务汇总查询\r\n门店编号,门店名称,交易订单总笔数\r\n';
  const gbk = gbkEncoder();
  return zipArchive([
    { name: gbk(`${SELLER_ID}0156_20260105_业务明细(汇总).csv`), data: gbk(summary) },
    { name: gbk(`${SELLER_ID}0156_20260105_业务明细.csv`), data: gbk(detail) },
  ]);
}

/** GBK encoding, by inverting the runtime's GBK decoder over every two-byte code. */
function gbkEncoder(): (text: string) => Buffer {
  const decoder = new TextDecoder('gbk');
  const table = new Map<string, [number, number]>();
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x40; trail <= 0xfe; trail++) {
      const ch = decoder.decode(Uint8Array.of(lead, trail));
      if (ch.length === 1 && ch !== '\uFFFD' && !table.has(ch)) table.set(ch, [lead, trail]);
    }
  }
  return (text) =>
    Buffer.from(
      [...text].flatMap((ch) => {
        if (ch.charCodeAt(0) < 0x80) return [ch.charCodeAt(0)];
        const bytes = table.get(ch);
        if (!bytes) throw new Error(`not in GBK: ${ch}`);
        return bytes;
      }),
    );
}

/** A ZIP archive of deflated entries whose names are not flagged UTF-8, as Alipay's are. */
function zipArchive(entries: { name: Buffer; data: Buffer }[]): Buffer {
  const parts: Buffer[] = [];
  const directory: Buffer[] = [];
  let offset = 0;
  for (const { name, data } of entries) {
    const packed = deflateRawSync(data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(8, 8);
    local.writeUInt32LE(crc32(data), 14);
    local.writeUInt32LE(packed.length, 18);
    local.writeUInt32LE(data.length, 22);
    local.writeUInt16LE(name.length, 26);
    parts.push(local, name, packed);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(8, 10);
    central.writeUInt32LE(crc32(data), 16);
    central.writeUInt32LE(packed.length, 20);
    central.writeUInt32LE(data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    directory.push(central, name);
    offset += 30 + name.length + packed.length;
  }
  const dir = Buffer.concat(directory);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}
