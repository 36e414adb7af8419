import { AlipayRequestError, AlipaySdk, type AlipaySdkConfig } from 'alipay-sdk';

import { alipayBillDetail, parseAlipayBill } from './alipay-bill.js';
import {
  alipayTradeState,
  alipayTransferState,
  parseAlipayForm,
  readAlipayNotification,
} from './alipay-notification.js';
import {
  ChannelError,
  type ChannelAnswer,
  type HttpHeaders,
  type NotificationCheck,
  type PaymentChannel,
  type TransferState,
} from './channel.js';
import { fenToYuan, formatBeijingTime, isBusinessDay } from './formats.js';

/**
 * Alipay through the official SDK (alipay-sdk 4), on OpenAPI v3: requests are signed with the app
 * private key (Authorization: ALIPAY-SHA256withRSA …) and every answer's alipay-signature is
 * checked with Alipay's public key by the SDK before we read it. Payments are 当面付 precreate
 * (a QR code the payer scans), transfers are 单笔转账 to an Alipay account (TRANS_ACCOUNT_NO_PWD).
 */
export interface AlipayChannelOptions {
  appId: string;
  /** The merchant's Alipay user id (PID, 2088…); trade notifications must name it as seller_id. */
  sellerId: string;
  /** The app private key: PEM, or the bare base64 Alipay's key tool prints. */
  privateKey: string;
  /** Format of a bare base64 private key; PEM says its own. Alipay's key tool makes PKCS8. */
  keyType?: 'PKCS1' | 'PKCS8';
  /** Public key mode: Alipay's public key (PEM or bare base64). */
  alipayPublicKey?: string;
  /**
   * Certificate mode (公钥证书), which Alipay requires for transfers: the app certificate, Alipay's
   * public key certificate and Alipay's root certificate, as PEM text.
   */
  certificates?: { app: string; alipayPublic: string; alipayRoot: string };
  /** OpenAPI base URL; defaults to https://openapi.alipay.com. */
  endpoint?: string;
  timeoutMs?: number;
  /** Downloads statement archives; defaults to the global fetch. */
  fetch?: typeof fetch;
}

const TRANSFER_PRODUCT = 'TRANS_ACCOUNT_NO_PWD';
const TRANSFER_SCENE = 'DIRECT_TRANSFER';
const MAX_BILL_BYTES = 32 * 1024 * 1024;

/**
 * Transfer refusals about the payee, which no retry of the same transfer can overcome; other
 * business errors (our balance, our permissions, parameters) are thrown for someone to fix.
 */
const PAYEE_REFUSALS = new Set([
  'PAYEE_NOT_EXIST',
  'PAYEE_ACCOUNT_NOT_EXSIT',
  'PAYEE_USERINFO_ERROR',
  'PAYEE_IDENTITY_NOT_MATCH',
  'PAYEE_ACCOUNT_STATUS_ERROR',
  'PAYEE_USERINFO_STATUS_ERROR',
  'PAYEE_NOT_RELNAME_CERTIFY',
  'PAYEE_ACC_OCUPIED',
  'PAYEE_CERT_INFO_ERROR',
  'PAYEE_USER_TYPE_ERROR',
  'PAYEE_RECEIVE_COUNT_EXCEED_LIMIT',
  'PERMIT_NON_BANK_LIMIT_PAYEE',
  'PERMIT_CHECK_RECEIVE_LIMIT',
  'RELEASE_USER_FORBBIDEN_RECIEVE',
  'BLOCK_USER_FORBBIDEN_RECIEVE',
  'NO_ACCOUNT_USER_FORBBIDEN_RECIEVE',
  'GLOBAL_USER_FORBBIDEN_RECIEVE',
  'RECEIVER_USER_RISK_FREEZE',
  'EXCEED_LIMIT_PERSONAL_SM_AMOUNT',
  'EXCEED_LIMIT_DC_RECEIVED',
]);

/** Codes that mean "busy or still working", worth the same call again later. */
const TRANSIENT_CODES = /SYSTEM_ERROR|REQUEST_PROCESSING|ORDER_DEALING|RESOURCE_LIMIT_EXCEED/;
const NOT_FOUND_CODES = new Set(['ACQ.TRADE_NOT_EXIST', 'ORDER_NOT_EXIST']);

export function createAlipayChannel(options: AlipayChannelOptions): PaymentChannel {
  const sdk = new AlipaySdk(sdkConfig(options));
  const account = { appId: options.appId, sellerId: options.sellerId };
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 5_000;

  async function call<T>(
    operation: string,
    method: 'GET' | 'POST',
    path: string,
    params: Record<string, unknown>,
  ): Promise<T> {
    try {
      const result = await sdk.curl<T>(
        method,
        path,
        method === 'GET'
          ? { query: params as Record<string, string>, requestTimeout: timeoutMs }
          : { body: params, requestTimeout: timeoutMs },
      );
      if (typeof result.data !== 'object' || result.data === null) throw invalid(operation, 'NOT_AN_OBJECT');
      return result.data;
    } catch (e) {
      throw toChannelError(e, operation);
    }
  }

  return {
    name: 'alipay',

    async createPayment(req) {
      const data = await call<{ qr_code?: unknown }>('createPayment', 'POST', '/v3/alipay/trade/precreate', {
        out_trade_no: req.paymentId,
        total_amount: fenToYuan(req.amountFen),
        subject: req.subject,
        product_code: 'QR_CODE_OFFLINE',
        notify_url: req.notifyUrl,
        // The QR code cannot be paid after this instant, which makes closing after it safe.
        time_expire: formatBeijingTime(req.expiresAt),
      });
      if (typeof data.qr_code !== 'string' || data.qr_code.length === 0) {
        throw invalid('createPayment', 'NO_QR_CODE');
      }
      return { kind: 'qr_code', content: data.qr_code };
    },

    async queryPayment(paymentId) {
      let data: Record<string, unknown>;
      try {
        data = await call('queryPayment', 'GET', '/v3/alipay/trade/query', { out_trade_no: paymentId });
      } catch (e) {
        // A precreated trade exists at Alipay only once the payer has scanned the code.
        if (e instanceof ChannelError && e.code === 'ACQ.TRADE_NOT_EXIST') return { status: 'pending' };
        throw e;
      }
      const state = alipayTradeState(data, account);
      if (!state) throw invalid('queryPayment', 'UNKNOWN_TRADE_STATE');
      return state;
    },

    async closePayment(paymentId) {
      try {
        await call('closePayment', 'POST', '/v3/alipay/trade/close', { out_trade_no: paymentId });
      } catch (e) {
        // Never scanned: there is no trade to close, and time_expire keeps the code from being paid.
        if (e instanceof ChannelError && e.code === 'ACQ.TRADE_NOT_EXIST') return;
        throw e;
      }
    },

    async verifyNotification(_headers: HttpHeaders, rawBody: Buffer): Promise<NotificationCheck> {
      const params = parseAlipayForm(rawBody);
      // Only RSA2 over a UTF-8 form, as this app is configured; anything else is not ours.
      if (
        !params?.sign ||
        (params.sign_type !== undefined && params.sign_type !== 'RSA2') ||
        (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8')
      ) {
        return { ok: false, reason: 'malformed', retry: false };
      }
      // V2 checks the values as received: the form is already decoded once, a second decode breaks '%'.
      if (!sdk.checkNotifySignV2(params)) return { ok: false, reason: 'signature', retry: false };
      return readAlipayNotification(params, account);
    },

    handledAnswer: (): ChannelAnswer => ({ status: 200, contentType: 'text/plain', body: 'success' }),
    // Alipay resends until the body is exactly "success"; the reason stays in our logs.
    retryAnswer: (_reason: string): ChannelAnswer => ({
      status: 200,
      contentType: 'text/plain',
      body: 'fail',
    }),

    async transfer(req): Promise<TransferState> {
      let data: Record<string, unknown>;
      try {
        data = await call('transfer', 'POST', '/v3/alipay/fund/trans/uni/transfer', {
          out_biz_no: req.withdrawalId,
          trans_amount: fenToYuan(req.amountFen),
          product_code: TRANSFER_PRODUCT,
          biz_scene: TRANSFER_SCENE,
          order_title: req.remark,
          remark: req.remark,
          payee_info: { identity: req.account, identity_type: identityType(req.account), name: req.realName },
        });
      } catch (e) {
        if (e instanceof ChannelError && PAYEE_REFUSALS.has(e.code)) {
          return { status: 'failed', reason: e.code };
        }
        throw e;
      }
      const state = alipayTransferState(data);
      if (!state) throw invalid('transfer', 'UNKNOWN_TRANSFER_STATE');
      return state;
    },

    async queryTransfer(withdrawalId) {
      const data = await call<Record<string, unknown>>(
        'queryTransfer',
        'GET',
        '/v3/alipay/fund/trans/common/query',
        {
          product_code: TRANSFER_PRODUCT,
          biz_scene: TRANSFER_SCENE,
          out_biz_no: withdrawalId,
        },
      );
      const state = alipayTransferState(data);
      if (!state) throw invalid('queryTransfer', 'UNKNOWN_TRANSFER_STATE');
      return state;
    },

    /**
     * The trade statement (payments and refunds) of one day. Throws a ChannelError of kind
     * not_found when Alipay has none for the day. Transfers are not in it; they are checked one by
     * one with queryTransfer.
     */
    async statement(day) {
      if (!isBusinessDay(day)) throw new RangeError(`not a business day: ${day}`);
      const data = await call<{ bill_download_url?: unknown }>(
        'statement',
        'GET',
        '/v3/alipay/data/dataservice/bill/downloadurl/query',
        { bill_type: 'trade', bill_date: day },
      );
      if (typeof data.bill_download_url !== 'string') throw invalid('statement', 'NO_DOWNLOAD_URL');
      const archive = await download(fetchImpl, data.bill_download_url, timeoutMs);
      try {
        return parseAlipayBill(alipayBillDetail(archive));
      } catch {
        throw invalid('statement', 'UNREADABLE_BILL');
      }
    },
  };
}

function sdkConfig(options: AlipayChannelOptions): AlipaySdkConfig {
  const keyType =
    options.keyType ?? (options.privateKey.includes('BEGIN RSA PRIVATE KEY') ? 'PKCS1' : 'PKCS8');
  const config: AlipaySdkConfig = {
    appId: options.appId,
    privateKey: options.privateKey,
    keyType,
    signType: 'RSA2',
    timeout: options.timeoutMs ?? 5_000,
  };
  if (options.endpoint) config.endpoint = options.endpoint.replace(/\/+$/, '');
  if (options.certificates) {
    config.appCertContent = options.certificates.app;
    config.alipayPublicCertContent = options.certificates.alipayPublic;
    config.alipayRootCertContent = options.certificates.alipayRoot;
  } else if (options.alipayPublicKey) {
    config.alipayPublicKey = options.alipayPublicKey;
  } else {
    throw new TypeError('alipay: alipayPublicKey or certificates is required');
  }
  return config;
}

/** Alipay's payee identity types: user id (2088 + 12 digits), logon id (phone, email), open id. */
function identityType(account: string): string {
  if (/^2088\d{12}$/.test(account)) return 'ALIPAY_USER_ID';
  if (/^1\d{10}$/.test(account) || account.includes('@')) return 'ALIPAY_LOGON_ID';
  return 'ALIPAY_OPEN_ID';
}

/** The statement archive behind a short-lived signed URL (no Authorization needed). */
async function download(fetchImpl: typeof fetch, url: string, timeoutMs: number): Promise<Buffer> {
  let response: Response;
  try {
    response = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs * 4) });
  } catch {
    throw new ChannelError('alipay', 'transport', 'DOWNLOAD_FAILED', { operation: 'statement' });
  }
  if (!response.ok) {
    await response.body?.cancel();
    const kind = response.status >= 500 ? 'server' : 'rejected';
    throw new ChannelError('alipay', kind, 'DOWNLOAD_FAILED', {
      operation: 'statement',
      httpStatus: response.status,
      // The URL lives for seconds only, so a refused download is retried with a fresh one.
      retryable: true,
    });
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_BILL_BYTES) throw invalid('statement', 'BILL_TOO_LARGE');
  return body;
}

function invalid(operation: string, code: string): ChannelError {
  return new ChannelError('alipay', 'invalid_response', code, { operation, retryable: false });
}

/** Maps the SDK's errors to ChannelError without its message, which can quote request fields. */
function toChannelError(e: unknown, operation: string): ChannelError {
  if (e instanceof ChannelError) return e;
  if (e instanceof AlipayRequestError) {
    const status = e.responseHttpStatus;
    const code = e.code ?? (status === undefined ? 'NETWORK' : `HTTP_${status}`);
    if (code.startsWith('response-')) return invalid(operation, code);
    const details = status === undefined ? { operation } : { operation, httpStatus: status };
    if (status === undefined) return new ChannelError('alipay', 'transport', code, details);
    if (status >= 500 || status === 429 || TRANSIENT_CODES.test(code)) {
      return new ChannelError('alipay', 'server', code, details);
    }
    if (NOT_FOUND_CODES.has(code)) return new ChannelError('alipay', 'not_found', code, details);
    return new ChannelError('alipay', 'rejected', code, details);
  }
  // The SDK parses error bodies as JSON: a proxy's HTML error page surfaces as a SyntaxError.
  if (e instanceof SyntaxError)
    return new ChannelError('alipay', 'server', 'UNREADABLE_ANSWER', { operation });
  return new ChannelError('alipay', 'transport', 'NETWORK', { operation });
}
