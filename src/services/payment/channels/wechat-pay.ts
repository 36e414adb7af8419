import { createHash, createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';

import type { Clock } from '../../../platform/clock.js';
import { ChannelError, type ChannelAnswer, type PaymentChannel, type TransferState } from './channel.js';
import { formatBeijingRfc3339, isBusinessDay } from './formats.js';
import { parseWechatBill } from './wechat-pay-bill.js';
import { authorization, encryptSensitive, platformKey, verifyWechatSignature } from './wechat-pay-crypto.js';
import {
  MAX_CLOCK_SKEW_MS,
  parseObject,
  readWechatNotification,
  wechatTradeState,
  wechatTransferState,
} from './wechat-pay-notification.js';

/**
 * WeChat Pay API v3 for a direct merchant (直连商户), with node:crypto only: Native pay (a code_url
 * the payer scans), query and close by out_trade_no, 商家转账 to a user's balance
 * (/v3/fund-app/mch-transfer/transfer-bills, 用户确认模式) and the daily trade bill. Every answer we
 * read is checked against the platform key its Wechatpay-Serial names.
 */
export interface WechatPayChannelOptions {
  /** The AppID the payments and transfers belong to (公众号, 小程序 or App). */
  appId: string;
  merchantId: string;
  /** Serial number of the merchant API certificate (商户API证书序列号). */
  merchantSerialNo: string;
  /** The merchant API private key (apiclient_key.pem). */
  merchantPrivateKey: string | KeyObject;
  /** The APIv3 key (32 characters). */
  apiV3Key: string;
  /**
   * WeChat Pay's keys by the id Wechatpay-Serial carries: platform public key ids (PUB_KEY_ID_…)
   * or platform certificate serial numbers, each a PEM public key or certificate. Several may be
   * held at once while WeChat Pay rotates them.
   */
  platformKeys: Record<string, string | KeyObject>;
  /** The key that encrypts sensitive fields (a payee's name); defaults to the first one. */
  encryptionKeyId?: string;
  /** 转账场景ID agreed with WeChat Pay for withdrawals, e.g. 1005 (佣金报酬). */
  transferSceneId: string;
  /** 转账场景报备信息 the scene requires, e.g. [{ infoType: '岗位类型', infoContent: '零工' }, …]. */
  transferSceneReportInfos: { infoType: string; infoContent: string }[];
  /** 用户收款感知 shown to the payee, when the scene has one (e.g. 劳务报酬). */
  userRecvPerception?: string;
  /** API base URL; defaults to https://api.mch.weixin.qq.com. */
  baseUrl?: string;
  clock: Clock;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function createWechatPayChannel(options: WechatPayChannelOptions): PaymentChannel {
  const baseUrl = (options.baseUrl ?? 'https://api.mch.weixin.qq.com').replace(/\/+$/, '');
  const privateKey =
    typeof options.merchantPrivateKey === 'string'
      ? createPrivateKey(options.merchantPrivateKey)
      : options.merchantPrivateKey;
  const apiV3Key = Buffer.from(options.apiV3Key, 'utf8');
  if (apiV3Key.length !== 32) throw new TypeError('wechat pay: the APIv3 key must be 32 bytes');
  const platformKeys = new Map(
    Object.entries(options.platformKeys).map(([id, key]) => [id, platformKey(key)]),
  );
  const encryptionKeyId = options.encryptionKeyId ?? platformKeys.keys().next().value;
  if (encryptionKeyId === undefined || !platformKeys.has(encryptionKeyId)) {
    throw new TypeError('wechat pay: no platform key to encrypt with');
  }
  const account = { appId: options.appId, merchantId: options.merchantId };
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const mchid = encodeURIComponent(options.merchantId);

  /** Sends a signed request to `url` (absolute, or a path under the base URL); returns the raw answer. */
  async function send(
    operation: string,
    method: 'GET' | 'POST',
    url: string,
    body?: object,
    headers: Record<string, string> = {},
    timeout = timeoutMs,
  ): Promise<{ response: Response; raw: Buffer }> {
    const target = new URL(url, baseUrl);
    const bodyText = body === undefined ? '' : JSON.stringify(body);
    const auth = authorization({
      merchantId: options.merchantId,
      serialNo: options.merchantSerialNo,
      privateKey,
      method,
      url: `${target.pathname}${target.search}`,
      body: bodyText,
      timestamp: Math.floor(options.clock.now() / 1000),
      nonce: randomBytes(16).toString('hex').toUpperCase(),
    });
    try {
      const response = await fetchImpl(target, {
        method,
        headers: {
          ...headers,
          authorization: auth,
          accept: 'application/json',
          'user-agent': 'linggong-payment',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: bodyText }),
        signal: AbortSignal.timeout(timeout),
      });
      return { response, raw: Buffer.from(await response.arrayBuffer()) };
    } catch {
      throw new ChannelError('wechat', 'transport', 'NETWORK', { operation });
    }
  }

  /** A JSON API call whose successful answer must carry a valid WeChat Pay signature. */
  async function call(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    body?: object,
    headers?: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const { response, raw } = await send(operation, method, path, body, headers);
    const text = raw.toString('utf8');
    if (response.status >= 300) throw answerError(operation, response.status, text);
    checkAnswerSignature(operation, response.headers, text);
    if (text === '') return {};
    const parsed = parseObject(text);
    if (!parsed) throw invalid(operation, 'NOT_AN_OBJECT');
    return parsed;
  }

  function checkAnswerSignature(operation: string, headers: Headers, text: string): void {
    const timestamp = headers.get('wechatpay-timestamp') ?? '';
    const nonce = headers.get('wechatpay-nonce') ?? '';
    const signature = headers.get('wechatpay-signature') ?? '';
    const key = platformKeys.get(headers.get('wechatpay-serial') ?? '');
    if (!key) throw invalid(operation, 'UNKNOWN_SERIAL');
    if (
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(options.clock.now() - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS
    ) {
      throw invalid(operation, 'STALE_ANSWER');
    }
    if (!verifyWechatSignature(key, timestamp, nonce, text, signature))
      throw invalid(operation, 'BAD_SIGNATURE');
  }

  return {
    name: 'wechat',

    async createPayment(req) {
      const body = await call('createPayment', 'POST', '/v3/pay/transactions/native', {
        appid: options.appId,
        mchid: options.merchantId,
        description: req.subject,
        out_trade_no: req.paymentId,
        time_expire: formatBeijingRfc3339(req.expiresAt),
        notify_url: req.notifyUrl,
        amount: { total: req.amountFen, currency: 'CNY' },
      });
      if (typeof body.code_url !== 'string' || !body.code_url) throw invalid('createPayment', 'NO_CODE_URL');
      return { kind: 'qr_code', content: body.code_url };
    },

    async queryPayment(paymentId) {
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(paymentId)}?mchid=${mchid}`;
      const body = await call('queryPayment', 'GET', path);
      const state = body.out_trade_no === paymentId ? wechatTradeState(body, account) : undefined;
      if (!state) throw invalid('queryPayment', 'UNKNOWN_TRADE_STATE');
      return state;
    },

    async closePayment(paymentId) {
      const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(paymentId)}/close`;
      await call('closePayment', 'POST', path, { mchid: options.merchantId });
    },

    async verifyNotification(headers, rawBody) {
      return readWechatNotification(headers, rawBody, {
        account,
        platformKeys,
        apiV3Key,
        now: options.clock.now(),
      });
    },

    // 接收成功: 200 or 204 without a body. 接收失败: 4XX/5XX with {"code":"FAIL","message":…}.
    handledAnswer: (): ChannelAnswer => ({ status: 204, contentType: 'text/plain', body: '' }),
    retryAnswer: (reason: string): ChannelAnswer => ({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'FAIL', message: (reason || 'FAIL').slice(0, 64) }),
    }),

    async transfer(req): Promise<TransferState> {
      const key = platformKeys.get(encryptionKeyId)!;
      const body = await call(
        'transfer',
        'POST',
        '/v3/fund-app/mch-transfer/transfer-bills',
        {
          appid: options.appId,
          out_bill_no: req.withdrawalId,
          transfer_scene_id: options.transferSceneId,
          openid: req.account,
          user_name: encryptSensitive(key, req.realName),
          transfer_amount: req.amountFen,
          transfer_remark: req.remark,
          ...(req.notifyUrl ? { notify_url: req.notifyUrl } : {}),
          ...(options.userRecvPerception ? { user_recv_perception: options.userRecvPerception } : {}),
          transfer_scene_report_infos: options.transferSceneReportInfos.map((info) => ({
            info_type: info.infoType,
            info_content: info.infoContent,
          })),
        },
        // Names the key user_name is encrypted with.
        { 'wechatpay-serial': encryptionKeyId },
      );
      const state = body.out_bill_no === req.withdrawalId ? wechatTransferState(body) : undefined;
      if (!state) throw invalid('transfer', 'UNKNOWN_TRANSFER_STATE');
      return state;
    },

    async queryTransfer(withdrawalId) {
      const path = `/v3/fund-app/mch-transfer/transfer-bills/out-bill-no/${encodeURIComponent(withdrawalId)}`;
      const body = await call('queryTransfer', 'GET', path);
      const state = body.out_bill_no === withdrawalId ? wechatTransferState(body) : undefined;
      if (!state) throw invalid('queryTransfer', 'UNKNOWN_TRANSFER_STATE');
      return state;
    },

    /**
     * The trade bill (payments and refunds) of one day. Throws a ChannelError of kind not_found
     * (NO_STATEMENT_EXIST) when the day has none. Transfers are not in it; they are checked one by
     * one with queryTransfer.
     */
    async statement(day) {
      if (!isBusinessDay(day)) throw new RangeError(`not a business day: ${day}`);
      const body = await call('statement', 'GET', `/v3/bill/tradebill?bill_date=${day}&bill_type=ALL`);
      const { download_url: url, hash_type: hashType, hash_value: hashValue } = body;
      if (typeof url !== 'string' || hashType !== 'SHA1' || typeof hashValue !== 'string') {
        throw invalid('statement', 'NO_DOWNLOAD_URL');
      }
      // The file itself is not signed: its SHA1, from the signed answer above, vouches for it.
      // A day's bill can be large, so its download gets longer than an API call.
      const { response, raw } = await send('statement', 'GET', url, undefined, {}, timeoutMs * 6);
      if (response.status >= 300) throw answerError('statement', response.status, raw.toString('utf8'));
      if (createHash('sha1').update(raw).digest('hex') !== hashValue.toLowerCase()) {
        throw invalid('statement', 'BILL_HASH_MISMATCH');
      }
      try {
        return parseWechatBill(raw.toString('utf8'));
      } catch {
        throw invalid('statement', 'UNREADABLE_BILL');
      }
    },
  };
}

function invalid(operation: string, code: string): ChannelError {
  return new ChannelError('wechat', 'invalid_response', code, { operation, retryable: false });
}

/** An error answer `{ "code": "…", "message": "…" }`; the message is left out, as it may echo input. */
function answerError(operation: string, status: number, text: string): ChannelError {
  const code = parseObject(text)?.code;
  const errorCode = typeof code === 'string' && code ? code : `HTTP_${status}`;
  const details = { operation, httpStatus: status };
  if (status >= 500 || status === 429 || errorCode === 'SYSTEM_ERROR' || errorCode === 'FREQUENCY_LIMITED') {
    return new ChannelError('wechat', 'server', errorCode, details);
  }
  if (status === 404) return new ChannelError('wechat', 'not_found', errorCode, details);
  return new ChannelError('wechat', 'rejected', errorCode, details);
}
