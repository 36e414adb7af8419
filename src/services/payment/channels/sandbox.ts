import { createHmac, timingSafeEqual } from 'node:crypto';

import { businessDay, type Clock } from '../../../platform/clock.js';
import { assertFen } from '../../../platform/money.js';
import { randomHex } from '../../../platform/random.js';
import {
  ChannelError,
  headerValue,
  type ChannelAnswer,
  type ChannelPaymentState,
  type HttpHeaders,
  type NotificationCheck,
  type PaymentChannel,
  type StatementLine,
  type TransferState,
} from './channel.js';

/**
 * The sandbox channel, for development and tests: no network and no real money, ever. Payments
 * are paid on a local page the service serves (`<publicUrl>/api/v1/payments/sandbox/<id>/pay`),
 * whose handler calls `simulatePaid` and posts the signed notification it returns to the
 * service's own notify route, so it goes through the same verification path as the real channels.
 *
 * Rules a developer can rely on:
 * - notifications are JSON signed with HMAC-SHA256 over `timestamp\nbody` with `secret`, in the
 *   headers x-sandbox-timestamp (epoch seconds) and x-sandbox-signature (hex); they go stale after
 *   five minutes, like WeChat Pay's;
 * - a payment can be paid until its expiresAt, and not after it is closed;
 * - a transfer succeeds at once, unless the account starts with "fail": then it fails with
 *   reason SANDBOX_REFUSED_ACCOUNT (to try the failure path);
 * - statement(day) returns what the sandbox recorded that business day (payments by their pay
 *   time, transfers by their finish time) plus whatever `seedStatement` added, so reconciliation
 *   can be tested against matching and mismatching statements. State lives in memory only.
 */
export interface SandboxChannelOptions {
  /** Where clients reach the API (e.g. http://localhost:3000), without /api/v1. */
  publicUrl: string;
  /** Signs the sandbox's notifications. */
  secret: string;
  clock: Clock;
  /** Zone of statement days; Asia/Shanghai by default. */
  timeZone?: string;
}

/** A signed notification, ready to be posted to the notify route with these headers. */
export interface SandboxNotification {
  headers: Record<string, string>;
  body: Buffer;
  /** The notifyUrl the payment was created with, for payment notifications. */
  notifyUrl?: string;
}

export interface SandboxChannel extends PaymentChannel {
  readonly name: 'sandbox';
  /** Marks a payment paid with `amountFen` (the payer may pay a wrong amount in tests) and signs its notification. */
  simulatePaid(paymentId: string, amountFen: number): SandboxNotification;
  /** A signed notification of a transfer's current state. */
  transferNotification(withdrawalId: string): SandboxNotification;
  /** Adds lines to a day's statement, e.g. one the ledger does not know, to test reconciliation. */
  seedStatement(day: string, lines: StatementLine[]): void;
}

const MAX_SKEW_MS = 5 * 60_000;
const SANDBOX_ID = 'sandbox';

interface SandboxPayment {
  amountFen: number;
  expiresAt: number;
  notifyUrl: string;
  state: ChannelPaymentState;
}

export function createSandboxChannel(options: SandboxChannelOptions): SandboxChannel {
  const base = options.publicUrl.replace(/\/+$/, '');
  const timeZone = options.timeZone ?? 'Asia/Shanghai';
  const payments = new Map<string, SandboxPayment>();
  const transfers = new Map<string, TransferState>();
  const statements = new Map<string, StatementLine[]>();

  const record = (line: StatementLine): void => {
    const day = businessDay(line.at, timeZone);
    statements.set(day, [...(statements.get(day) ?? []), line]);
  };

  const sign = (payload: object): SandboxNotification => {
    const body = Buffer.from(JSON.stringify(payload), 'utf8');
    const timestamp = String(Math.floor(options.clock.now() / 1000));
    return {
      headers: {
        'content-type': 'application/json',
        'x-sandbox-timestamp': timestamp,
        'x-sandbox-signature': mac(options.secret, timestamp, body).toString('hex'),
      },
      body,
    };
  };

  const payment = (paymentId: string, operation: string): SandboxPayment => {
    const found = payments.get(paymentId);
    if (!found) throw new ChannelError('sandbox', 'not_found', 'PAYMENT_NOT_FOUND', { operation });
    if (found.state.status === 'pending' && options.clock.now() > found.expiresAt) {
      found.state = { status: 'closed' };
    }
    return found;
  };

  return {
    name: 'sandbox',

    async createPayment(req) {
      assertFen(req.amountFen);
      if (req.amountFen <= 0) throw new RangeError('a payment amount must be positive');
      const known = payments.get(req.paymentId);
      if (known && known.amountFen !== req.amountFen) {
        throw new ChannelError('sandbox', 'rejected', 'DUPLICATE_PAYMENT_ID', { operation: 'createPayment' });
      }
      if (!known) {
        payments.set(req.paymentId, {
          amountFen: req.amountFen,
          expiresAt: req.expiresAt,
          notifyUrl: req.notifyUrl,
          state: { status: 'pending' },
        });
      }
      return {
        kind: 'redirect',
        url: `${base}/api/v1/payments/sandbox/${encodeURIComponent(req.paymentId)}/pay`,
      };
    },

    async queryPayment(paymentId) {
      return payment(paymentId, 'queryPayment').state;
    },

    async closePayment(paymentId) {
      if (!payments.has(paymentId)) return;
      const found = payment(paymentId, 'closePayment');
      if (found.state.status === 'paid') {
        throw new ChannelError('sandbox', 'rejected', 'ALREADY_PAID', { operation: 'closePayment' });
      }
      found.state = { status: 'closed' };
    },

    simulatePaid(paymentId, amountFen) {
      assertFen(amountFen);
      const found = payment(paymentId, 'simulatePaid');
      if (found.state.status === 'closed') {
        throw new ChannelError('sandbox', 'rejected', 'PAYMENT_CLOSED', { operation: 'simulatePaid' });
      }
      if (found.state.status === 'pending') {
        const paidAt = options.clock.now();
        const transactionId = `sandbox-pay-${randomHex(12)}`;
        found.state = {
          status: 'paid',
          transactionId,
          amountFen,
          appId: SANDBOX_ID,
          merchantId: SANDBOX_ID,
          paidAt,
        };
        record({ kind: 'payment', reference: paymentId, transactionId, amountFen, at: paidAt });
      }
      return { ...sign({ type: 'payment', paymentId, state: found.state }), notifyUrl: found.notifyUrl };
    },

    transferNotification(withdrawalId) {
      const state = transfers.get(withdrawalId);
      if (!state) throw new ChannelError('sandbox', 'not_found', 'TRANSFER_NOT_FOUND');
      return sign({ type: 'transfer', withdrawalId, state });
    },

    async verifyNotification(headers: HttpHeaders, rawBody: Buffer): Promise<NotificationCheck> {
      const timestamp = headerValue(headers, 'x-sandbox-timestamp');
      const signature = headerValue(headers, 'x-sandbox-signature');
      if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature || !/^[0-9a-f]{64}$/.test(signature)) {
        return { ok: false, reason: 'malformed', retry: false };
      }
      if (Math.abs(options.clock.now() - Number(timestamp) * 1000) > MAX_SKEW_MS) {
        return { ok: false, reason: 'stale', retry: true };
      }
      if (!timingSafeEqual(Buffer.from(signature, 'hex'), mac(options.secret, timestamp, rawBody))) {
        return { ok: false, reason: 'signature', retry: false };
      }
      return readSandboxNotification(rawBody);
    },

    handledAnswer: (): ChannelAnswer => ({ status: 204, contentType: 'text/plain', body: '' }),
    retryAnswer: (reason: string): ChannelAnswer => ({
      status: 500,
      contentType: 'application/json',
      body: JSON.stringify({ code: 'FAIL', message: reason }),
    }),

    async transfer(req) {
      assertFen(req.amountFen);
      const known = transfers.get(req.withdrawalId);
      if (known) return known;
      let state: TransferState;
      if (req.account.startsWith('fail')) {
        state = { status: 'failed', reason: 'SANDBOX_REFUSED_ACCOUNT' };
      } else {
        const finishedAt = options.clock.now();
        state = { status: 'succeeded', transactionId: `sandbox-transfer-${randomHex(12)}`, finishedAt };
        record({
          kind: 'transfer',
          reference: req.withdrawalId,
          transactionId: state.transactionId,
          amountFen: req.amountFen,
          at: finishedAt,
        });
      }
      transfers.set(req.withdrawalId, state);
      return state;
    },

    async queryTransfer(withdrawalId) {
      const state = transfers.get(withdrawalId);
      if (!state)
        throw new ChannelError('sandbox', 'not_found', 'TRANSFER_NOT_FOUND', { operation: 'queryTransfer' });
      return state;
    },

    async statement(day) {
      return [...(statements.get(day) ?? [])];
    },

    seedStatement(day, lines) {
      statements.set(day, [...(statements.get(day) ?? []), ...lines]);
    },
  };
}

function mac(secret: string, timestamp: string, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${timestamp}\n`).update(body).digest();
}

function readSandboxNotification(rawBody: Buffer): NotificationCheck {
  let payload: unknown;
  try {
    payload = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return { ok: false, reason: 'malformed', retry: false };
  }
  const p = (typeof payload === 'object' && payload !== null ? payload : {}) as Record<string, unknown>;
  const state = p.state as { status?: unknown } | undefined;
  // The body is ours and signed, so a shape check of the discriminating fields is enough.
  if (p.type === 'payment' && typeof p.paymentId === 'string' && state?.status === 'paid') {
    return {
      ok: true,
      notification: { kind: 'payment', paymentId: p.paymentId, state: state as ChannelPaymentState },
    };
  }
  if (
    p.type === 'transfer' &&
    typeof p.withdrawalId === 'string' &&
    (state?.status === 'succeeded' || state?.status === 'failed' || state?.status === 'processing')
  ) {
    return {
      ok: true,
      notification: { kind: 'transfer', withdrawalId: p.withdrawalId, state: state as TransferState },
    };
  }
  return { ok: false, reason: 'malformed', retry: false };
}
