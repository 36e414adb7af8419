import type { ChannelPaymentState, NotificationCheck, TransferState } from './channel.js';
import { parseBeijingTime, yuanToFen } from './formats.js';

/**
 * Reading Alipay's asynchronous notifications (异步通知) once their RSA2 signature has been checked:
 * a form-encoded POST body, UTF-8. Two kinds reach us:
 * - trade notifications (notify_type=trade_status_sync) for the trades we create, with
 *   trade_status, total_amount in yuan, app_id, seller_id, trade_no, gmt_payment;
 * - the message-service notification alipay.fund.trans.order.changed for transfers, whose
 *   biz_content JSON carries out_biz_no, order_id, status, pay_date and a fail_reason.
 */

/** The form fields of a notification body; undefined when it is no usable form (repeated fields). */
export function parseAlipayForm(rawBody: Buffer): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawBody.toString('utf8'))) {
    if (Object.hasOwn(params, key)) return undefined;
    params[key] = value;
  }
  return params;
}

export interface AlipayAccount {
  appId: string;
  /** The merchant's Alipay user id (PID, 2088…), which trade notifications carry as seller_id. */
  sellerId: string;
}

const MALFORMED: NotificationCheck = { ok: false, reason: 'malformed', retry: false };

/** Turns the verified fields of a notification into our notification, or refuses it as malformed. */
export function readAlipayNotification(
  params: Record<string, string>,
  account: AlipayAccount,
): NotificationCheck {
  // A notification for another app or merchant is not ours to act on, however well signed.
  if (params.app_id !== account.appId) return MALFORMED;
  if (params.msg_method === 'alipay.fund.trans.order.changed') return readTransferChange(params);
  if (params.seller_id !== undefined && params.seller_id !== account.sellerId) return MALFORMED;
  const paymentId = params.out_trade_no;
  if (!paymentId) return MALFORMED;
  const state = alipayTradeState(params, account);
  if (!state) return MALFORMED;
  return { ok: true, notification: { kind: 'payment', paymentId, state } };
}

/**
 * A trade's state from the fields Alipay uses in both notifications and alipay.trade.query answers
 * (trade_status, trade_no, total_amount, and gmt_payment or send_pay_date). TRADE_CLOSED after a
 * payment means fully refunded: the payment itself stands, the refund is recorded on its own.
 */
export function alipayTradeState(
  fields: Record<string, unknown>,
  account: AlipayAccount,
): ChannelPaymentState | undefined {
  const status = fields.trade_status;
  const paidAtText = text(fields.gmt_payment) ?? text(fields.send_pay_date);
  switch (status) {
    case 'WAIT_BUYER_PAY':
      return { status: 'pending' };
    case 'TRADE_CLOSED':
      if (paidAtText === undefined) return { status: 'closed' };
      return paidState(fields, paidAtText, account);
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      if (paidAtText === undefined) return undefined;
      return paidState(fields, paidAtText, account);
    default:
      return undefined;
  }
}

function paidState(
  fields: Record<string, unknown>,
  paidAtText: string,
  account: AlipayAccount,
): ChannelPaymentState | undefined {
  const transactionId = text(fields.trade_no);
  const amountText = text(fields.total_amount);
  const amountFen = amountText === undefined ? undefined : yuanToFen(amountText);
  const paidAt = parseBeijingTime(paidAtText);
  if (!transactionId || amountFen === undefined || amountFen <= 0 || paidAt === undefined) return undefined;
  return {
    status: 'paid',
    transactionId,
    amountFen,
    appId: text(fields.app_id) ?? account.appId,
    merchantId: text(fields.seller_id) ?? account.sellerId,
    paidAt,
  };
}

function readTransferChange(params: Record<string, string>): NotificationCheck {
  let content: unknown;
  try {
    content = JSON.parse(params.biz_content ?? '');
  } catch {
    return MALFORMED;
  }
  if (typeof content !== 'object' || content === null) return MALFORMED;
  const fields = content as Record<string, unknown>;
  const withdrawalId = text(fields.out_biz_no);
  const state = alipayTransferState(fields);
  if (!withdrawalId || !state) return MALFORMED;
  return { ok: true, notification: { kind: 'transfer', withdrawalId, state } };
}

/**
 * A transfer's state from the fields of alipay.fund.trans.uni.transfer and
 * alipay.fund.trans.common.query answers and of transfer notifications: status SUCCESS with
 * order_id and trans_date or pay_date; FAIL, REFUND (paid out, then returned) and CLOSED end it.
 */
export function alipayTransferState(fields: Record<string, unknown>): TransferState | undefined {
  switch (fields.status) {
    case 'SUCCESS': {
      const transactionId = text(fields.order_id);
      const finished = text(fields.trans_date) ?? text(fields.pay_date);
      const finishedAt = finished === undefined ? undefined : parseBeijingTime(finished);
      if (!transactionId || finishedAt === undefined) return undefined;
      return { status: 'succeeded', transactionId, finishedAt };
    }
    case 'FAIL':
    case 'REFUND':
    case 'CLOSED':
      return {
        status: 'failed',
        reason: text(fields.error_code) ?? text(fields.fail_reason) ?? text(fields.status) ?? 'FAIL',
      };
    case 'DEALING':
    case 'WAIT_PAY':
    case 'INIT':
      return { status: 'processing' };
    default:
      return undefined;
  }
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
