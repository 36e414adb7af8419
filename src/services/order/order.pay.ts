import { money, multiplyRatio } from '../../platform/money.js';
import type { PayType } from '../job/index.js';

/**
 * What an order costs and pays, from the terms at hire, in fen. Pure functions: the rules are
 * here and nowhere else. Rounding is half up (to the fen), in exact integer arithmetic.
 */

const MINUTE = 60_000;

/** `fen × numerator / denominator`, rounded half up. */
const ratio = (fen: number, numerator: number, denominator: number): number =>
  multiplyRatio(money(fen), numerator, denominator).amountFen;

export function minutesBetween(from: number, to: number): number {
  return Math.max(0, Math.floor((to - from) / MINUTE));
}

interface Terms {
  pay_type: PayType;
  rate_fen: number;
  shift_starts_at: number;
  shift_ends_at: number;
  piece_max: number | null;
}

/**
 * The most the shift can cost in wages, which the escrow holds: hourly pay × the shift's length,
 * the daily or fixed pay, or the piece rate × the most pieces the employer will pay.
 */
export function maxWageFen(t: Terms): number {
  switch (t.pay_type) {
    case 'hourly':
      return ratio(t.rate_fen, minutesBetween(t.shift_starts_at, t.shift_ends_at), 60);
    case 'piece':
      return t.rate_fen * (t.piece_max ?? 0);
    case 'daily':
    case 'fixed':
      return t.rate_fen;
  }
}

/**
 * Worked minutes: from check-in (not before the shift starts) to check-out (not after it ends), in
 * whole minutes.
 */
export function workedMinutes(t: Terms, checkedInAt: number, checkedOutAt: number): number {
  return minutesBetween(Math.max(checkedInAt, t.shift_starts_at), Math.min(checkedOutAt, t.shift_ends_at));
}

/**
 * The pay on confirmation, never more than the escrow's wage: hourly, the minutes × rate; daily
 * and fixed, the amount; piece, the confirmed count × rate.
 */
export function payFen(t: Terms & { wage_fen: number }, minutes: number, pieces: number | null): number {
  const earned =
    t.pay_type === 'hourly'
      ? ratio(t.rate_fen, minutes, 60)
      : t.pay_type === 'piece'
        ? t.rate_fen * (pieces ?? 0)
        : t.rate_fen;
  return Math.min(earned, t.wage_fen);
}

/**
 * Pay for part of the shift (a late cancellation's compensation, or hours worked when work is
 * stopped): hourly, the minutes × rate; otherwise the wage pro rata to the shift's length.
 */
export function partPayFen(t: Terms & { wage_fen: number }, minutes: number): number {
  const length = minutesBetween(t.shift_starts_at, t.shift_ends_at);
  const earned =
    t.pay_type === 'hourly'
      ? ratio(t.rate_fen, minutes, 60)
      : length === 0
        ? 0
        : ratio(t.wage_fen, minutes, length);
  return Math.min(earned, t.wage_fen);
}
