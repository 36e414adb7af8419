import type { KeyObject } from 'node:crypto';

import { parseInstant } from '../../../platform/clock.js';
import {
  headerValue,
  type ChannelPaymentState,
  type HttpHeaders,
  type NotificationCheck,
  type TransferState,
} from './channel.js';
import { decryptResource, verifyWechatSignature, type EncryptedResource } from './wechat-pay-crypto.js';

/**
 * Reading WeChat Pay API v3 notifications (回调通知): a JSON body
 * `{ id, create_time, event_type, resource_type, resource: { algorithm, ciphertext, nonce,
 * associated_data, original_type } }` signed as the Wechatpay-* headers say. We handle
 * TRANSACTION.SUCCESS (a transaction: out_trade_no, transaction_id, trade_state, amount.total in
 * fen, appid, mchid, success_time) and MCHTRANSFER.BILL.FINISHED (a transfer bill: out_bill_no,
 * transfer_bill_no, state, fail_reason, mchid, update_time).
 */

/** WeChat Pay's recommended bound on the clock difference between its timestamp and ours. */
export const MAX_CLOCK_SKEW_MS = 5 * 60_000;

export interface WechatAccount {
  appId: string;
  merchantId: string;
}

export interface NotificationContext {
  account: WechatAccount;
  platformKeys: ReadonlyMap<string, KeyObject>;
  apiV3Key: Buffer;
  now: number;
}

const MALFORMED: NotificationCheck = { ok: false, reason: 'malformed', retry: false };

export function readWechatNotification(
  headers: HttpHeaders,
  rawBody: Buffer,
  ctx: NotificationContext,
): NotificationCheck {
  const timestamp = headerValue(headers, 'wechatpay-timestamp');
  const nonce = headerValue(headers, 'wechatpay-nonce');
  const signature = headerValue(headers, 'wechatpay-signature');
  const serial = headerValue(headers, 'wechatpay-serial');
  if (!timestamp || !nonce || !signature || !serial || !/^\d{1,12}$/.test(timestamp)) return MALFORMED;
  const key = ctx.platformKeys.get(serial);
  // A key we do not hold yet (WeChat Pay rotates them): the resend may find it configured.
  if (!key) return { ok: false, reason: 'serial', retry: true };
  if (Math.abs(ctx.now - Number(timestamp) * 1000) > MAX_CLOCK_SKEW_MS) {
    return { ok: false, reason: 'stale', retry: true };
  }
  const body = rawBody.toString('utf8');
  if (!verifyWechatSignature(key, timestamp, nonce, body, signature)) {
    return { ok: false, reason: 'signature', retry: false };
  }

  const envelope = parseObject(body);
  const resource = envelope?.resource;
  if (!envelope || !isResource(resource)) return MALFORMED;
  let plain: Record<string, unknown> | undefined;
  try {
    plain = parseObject(decryptResource(ctx.apiV3Key, resource));
  } catch {
    return { ok: false, reason: 'decrypt', retry: true };
  }
  if (!plain) return MALFORMED;

  switch (envelope.event_type) {
    case 'TRANSACTION.SUCCESS': {
      const paymentId = plain.out_trade_no;
      const state = wechatTradeState(plain, ctx.account);
      if (typeof paymentId !== 'string' || !paymentId || state?.status !== 'paid') return MALFORMED;
      return { ok: true, notification: { kind: 'payment', paymentId, state } };
    }
    case 'MCHTRANSFER.BILL.FINISHED': {
      const withdrawalId = plain.out_bill_no;
      const state = plain.mchid === ctx.account.merchantId ? wechatTransferState(plain) : undefined;
      if (typeof withdrawalId !== 'string' || !withdrawalId || !state) return MALFORMED;
      return { ok: true, notification: { kind: 'transfer', withdrawalId, state } };
    }
    default:
      return MALFORMED;
  }
}

/**
 * A transaction's state, from a notification resource or an out_trade_no query answer. A REFUND
 * trade_state means paid, then (partly) refunded; refunds are recorded on their own. Transactions of
 * another app or merchant are refused (undefined), however well signed.
 */
export function wechatTradeState(
  fields: Record<string, unknown>,
  account: WechatAccount,
): ChannelPaymentState | undefined {
  if (fields.mchid !== account.merchantId || fields.appid !== account.appId) return undefined;
  switch (fields.trade_state) {
    case 'NOTPAY':
    case 'USERPAYING':
      return { status: 'pending' };
    case 'CLOSED':
    case 'REVOKED':
    case 'PAYERROR':
      return { status: 'closed' };
    case 'SUCCESS':
    case 'REFUND': {
      const amount = fields.amount as { total?: unknown } | undefined;
      const total = amount?.total;
      const transactionId = fields.transaction_id;
      const paidAt = typeof fields.success_time === 'string' ? parseInstant(fields.success_time) : undefined;
      if (!Number.isSafeInteger(total) || (total as number) <= 0) return undefined;
      if (typeof transactionId !== 'string' || !transactionId || paidAt === undefined) return undefined;
      return {
        status: 'paid',
        transactionId,
        amountFen: total as number,
        appId: account.appId,
        merchantId: account.merchantId,
        paidAt,
      };
    }
    default:
      return undefined;
  }
}

/**
 * A transfer bill's state (商家转账, 用户确认模式): SUCCESS, FAIL and CANCELLED are final; the others
 * (ACCEPTED, PROCESSING, WAIT_USER_CONFIRM, TRANSFERING, CANCELING) are still under way.
 */
export function wechatTransferState(fields: Record<string, unknown>): TransferState | undefined {
  switch (fields.state) {
    case 'SUCCESS': {
      const transactionId = fields.transfer_bill_no;
      const finishedAt =
        typeof fields.update_time === 'string' ? parseInstant(fields.update_time) : undefined;
      if (typeof transactionId !== 'string' || !transactionId || finishedAt === undefined) return undefined;
      return { status: 'succeeded', transactionId, finishedAt };
    }
    case 'FAIL':
      return {
        status: 'failed',
        reason: typeof fields.fail_reason === 'string' ? fields.fail_reason : 'FAIL',
      };
    case 'CANCELLED':
      return { status: 'failed', reason: 'CANCELLED' };
    case 'WAIT_USER_CONFIRM':
      return typeof fields.package_info === 'string'
        ? { status: 'processing', userConfirmation: fields.package_info }
        : { status: 'processing' };
    case 'ACCEPTED':
    case 'PROCESSING':
    case 'TRANSFERING':
    case 'CANCELING':
      return { status: 'processing' };
    default:
      return undefined;
  }
}

export function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function isResource(value: unknown): value is EncryptedResource {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    r.algorithm === 'AEAD_AES_256_GCM' &&
    typeof r.ciphertext === 'string' &&
    typeof r.nonce === 'string' &&
    (r.associated_data === undefined || typeof r.associated_data === 'string')
  );
}
