/**
 * The payment channel port: what the payment service asks of Alipay, WeChat Pay or the sandbox.
 * Amounts are integer fen throughout; each adapter converts to its channel's own notation (yuan
 * strings for Alipay, fen for WeChat Pay) exactly, never through floats. Our ids travel as the
 * channels' merchant order numbers (Alipay out_trade_no / out_biz_no, WeChat out_trade_no /
 * out_bill_no), so every call here is idempotent by that id.
 */

export type ChannelName = 'alipay' | 'wechat' | 'sandbox';

export interface ChannelPaymentRequest {
  /** Our payment id; becomes the channel's merchant order number. */
  paymentId: string;
  amountFen: number;
  /** Shown to the payer (Alipay subject, WeChat description). */
  subject: string;
  /** Epoch ms after which the channel refuses to take the money (Alipay/WeChat time_expire). */
  expiresAt: number;
  /** Where the channel posts its notification for this payment. */
  notifyUrl: string;
}

/** What the client needs to let the payer pay. */
export type ChannelPaymentStart =
  /** Alipay precreate `qr_code` or WeChat Native `code_url`: show it as a QR code to scan. */
  | { kind: 'qr_code'; content: string }
  /** A page to open (the sandbox's local pay page). */
  | { kind: 'redirect'; url: string };

export type ChannelPaymentState =
  | { status: 'pending' }
  | {
      status: 'paid';
      /** The channel's transaction id (Alipay trade_no, WeChat transaction_id). */
      transactionId: string;
      amountFen: number;
      /** The app and merchant the money went to; adapters refuse notifications naming others. */
      appId: string;
      merchantId: string;
      paidAt: number;
    }
  /** Closed without payment (expired, closed by us, or refused by the channel). */
  | { status: 'closed' };

export interface ChannelTransferRequest {
  /** Our withdrawal id; becomes the channel's merchant transfer number. */
  withdrawalId: string;
  amountFen: number;
  /** Alipay: user id (2088…), logon id (phone/email) or open id. WeChat: the payee's openid. */
  account: string;
  /** The payee's real name; the channel checks it against the account. */
  realName: string;
  /** Shown to the payee. */
  remark: string;
  /** Where the channel posts the transfer's final state, for channels that notify (WeChat Pay). */
  notifyUrl?: string;
}

export type TransferState =
  | {
      status: 'processing';
      /**
       * WeChat Pay only: the `package_info` the client app hands to `wx.requestMerchantTransfer`,
       * since the payee confirms each transfer in WeChat before it is paid.
       */
      userConfirmation?: string;
    }
  | { status: 'succeeded'; transactionId: string; finishedAt: number }
  /** The channel refused or gave the transfer up; no money left the merchant account. */
  | { status: 'failed'; reason: string };

export type ChannelNotification =
  | { kind: 'payment'; paymentId: string; state: ChannelPaymentState }
  | { kind: 'transfer'; withdrawalId: string; state: TransferState };

/**
 * Why a notification was refused. `retry` says whether the channel should be asked to send it
 * again (answer `retryAnswer`): true when a later attempt can pass (a key we do not hold yet, a
 * timestamp off because of delay or clock skew, a key we may fix). When false, sending the same
 * bytes again cannot help; the caller logs it and may answer `handledAnswer` so the channel stops.
 */
export type NotificationRefusal =
  | 'signature'
  | 'serial'
  | 'stale'
  | 'malformed'
  /** Signed correctly, but the encrypted resource did not decrypt (wrong or rotated APIv3 key). */
  | 'decrypt';

export type NotificationCheck =
  | { ok: true; notification: ChannelNotification }
  | { ok: false; reason: NotificationRefusal; retry: boolean };

/** The HTTP answer to give the channel's notification request. */
export interface ChannelAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** One line of a channel's statement (对账单), for daily reconciliation against the ledger. */
export interface StatementLine {
  kind: 'payment' | 'refund' | 'transfer';
  /** Our id: payment id, refund request id or withdrawal id. */
  reference: string;
  /** The channel's id of the same movement. */
  transactionId: string;
  /** Always positive; `kind` says the direction. */
  amountFen: number;
  at: number;
}

export type HttpHeaders = Record<string, string | string[] | undefined>;

export interface PaymentChannel {
  readonly name: ChannelName;
  createPayment(req: ChannelPaymentRequest): Promise<ChannelPaymentStart>;
  queryPayment(paymentId: string): Promise<ChannelPaymentState>;
  /** Closes an unpaid payment so it can no longer be paid; closing a closed one is not an error. */
  closePayment(paymentId: string): Promise<void>;
  /** Verifies a notification over the raw body and headers, exactly as they arrived. */
  verifyNotification(headers: HttpHeaders, rawBody: Buffer): Promise<NotificationCheck>;
  /** The answer for a handled notification. */
  handledAnswer(): ChannelAnswer;
  /** The answer that makes the channel send the notification again later. */
  retryAnswer(reason: string): ChannelAnswer;
  /**
   * Sends money to a payee. Idempotent by `withdrawalId`. A thrown ChannelError leaves the outcome
   * unknown: call `queryTransfer` (or `transfer` again with the same id) before deciding anything.
   */
  transfer(req: ChannelTransferRequest): Promise<TransferState>;
  queryTransfer(withdrawalId: string): Promise<TransferState>;
  /** The channel's statement (对账单) of one business day YYYY-MM-DD (Beijing time), as lines. */
  statement(day: string): Promise<StatementLine[]>;
}

/** How a call to a channel went wrong. */
export type ChannelErrorKind =
  /** No answer: connection refused or reset, timeout. The outcome of a write is unknown. */
  | 'transport'
  /** The channel answered 5xx, 429 or a system-busy code. */
  | 'server'
  /** The channel refused the request (a business or parameter error). */
  | 'rejected'
  /** The channel knows no such order, trade or transfer. */
  | 'not_found'
  /** The answer was unsigned, wrongly signed or not in the documented shape. */
  | 'invalid_response';

/**
 * An error talking to a channel. Its message carries the channel's code and HTTP status only:
 * never keys, signatures, account numbers, names or the channel's own message text (which can echo
 * request fields), so it is safe to log as is.
 */
export class ChannelError extends Error {
  readonly channel: ChannelName;
  readonly kind: ChannelErrorKind;
  /** The channel's own error code (e.g. ACQ.TRADE_NOT_EXIST, ORDER_NOT_EXIST), or our own. */
  readonly code: string;
  /** True when the same call may succeed later unchanged. */
  readonly retryable: boolean;
  readonly httpStatus?: number;

  constructor(
    channel: ChannelName,
    kind: ChannelErrorKind,
    code: string,
    details: { retryable?: boolean; httpStatus?: number; operation?: string } = {},
  ) {
    const where = details.operation ? ` ${details.operation}` : '';
    const status = details.httpStatus === undefined ? '' : ` (HTTP ${details.httpStatus})`;
    super(`${channel}${where}: ${kind} ${code}${status}`);
    this.name = 'ChannelError';
    this.channel = channel;
    this.kind = kind;
    this.code = code;
    this.retryable = details.retryable ?? (kind === 'transport' || kind === 'server');
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }
}

/** A header's single value; headers repeated with different values count as absent. */
export function headerValue(headers: HttpHeaders, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== wanted || value === undefined) continue;
    if (typeof value === 'string') return value;
    return value.length > 0 && value.every((v) => v === value[0]) ? value[0] : undefined;
  }
  return undefined;
}
