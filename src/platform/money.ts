/**
 * Money is an integer number of fen (分, 1/100 yuan) with a currency. Never a float.
 *
 * Rounding rule (the only one in Linggong): a fractional fen is rounded half away from zero
 * (¥0.005 → ¥0.01). Splits use `allocate`, which hands out leftover fen by largest remainder so
 * the parts always add up to the whole.
 */
export type Currency = 'CNY';

export interface Money {
  readonly amountFen: number;
  readonly currency: Currency;
}

/** Largest amount Linggong accepts anywhere: ¥100,000,000.00, far below 2^53. */
export const MAX_FEN = 10_000_000_000;

export function money(amountFen: number, currency: Currency = 'CNY'): Money {
  assertFen(amountFen);
  return { amountFen, currency };
}

export function assertFen(value: number): void {
  if (!Number.isSafeInteger(value) || Math.abs(value) > MAX_FEN) {
    throw new RangeError(`not a valid fen amount: ${String(value)}`);
  }
}

function sameCurrency(a: Money, b: Money): void {
  if (a.currency !== b.currency)
    throw new RangeError(`currency mismatch: ${String(a.currency)} vs ${String(b.currency)}`);
}

export function addMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountFen + b.amountFen, a.currency);
}

export function subtractMoney(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amountFen - b.amountFen, a.currency);
}

/** `amount × numerator / denominator`, rounded half away from zero, in exact integer arithmetic. */
export function multiplyRatio(a: Money, numerator: number, denominator: number): Money {
  if (!Number.isSafeInteger(numerator) || !Number.isSafeInteger(denominator) || denominator <= 0) {
    throw new RangeError('ratio must be safe integers with a positive denominator');
  }
  const product = BigInt(a.amountFen) * BigInt(numerator);
  const d = BigInt(denominator);
  const sign = product < 0n ? -1n : 1n;
  const abs = product * sign;
  const rounded = (abs * 2n + d) / (2n * d); // half away from zero on the magnitude
  return money(Number(rounded * sign), a.currency);
}

/** A rate in basis points (1 bp = 0.01%), e.g. a 5% platform fee is 500. */
export function percentOf(a: Money, basisPoints: number): Money {
  return multiplyRatio(a, basisPoints, 10_000);
}

/** Splits `a` into parts proportional to `weights`; the parts sum to exactly `a`. */
export function allocate(a: Money, weights: readonly number[]): Money[] {
  const total = weights.reduce((s, w) => s + w, 0);
  if (weights.length === 0 || total <= 0 || weights.some((w) => w < 0 || !Number.isSafeInteger(w))) {
    throw new RangeError('weights must be non-negative safe integers with a positive sum');
  }
  const amount = BigInt(a.amountFen);
  const bigTotal = BigInt(total);
  const parts = weights.map((w) => (amount * BigInt(w)) / bigTotal);
  const remainders = weights.map((w, i) => ({ i, r: (amount * BigInt(w)) % bigTotal }));
  let left = amount - parts.reduce((s, p) => s + p, 0n);
  const step = left < 0n ? -1n : 1n;
  remainders.sort((x, y) => (x.r === y.r ? x.i - y.i : x.r > y.r ? -1 : 1));
  for (let k = 0; left !== 0n; k = (k + 1) % remainders.length) {
    const idx = remainders[k]!.i;
    parts[idx] = parts[idx]! + step;
    left -= step;
  }
  return parts.map((p) => money(Number(p), a.currency));
}

/** ¥12.34 style rendering for messages and logs. */
export function formatYuan(a: Money): string {
  const sign = a.amountFen < 0 ? '-' : '';
  const abs = Math.abs(a.amountFen);
  return `${sign}¥${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

/**
 * Normalises an integer read from either driver: better-sqlite3 gives numbers (or bigints),
 * mysql2 gives strings for SUM()/DECIMAL and for BIGINTs beyond 2^53. Throws rather than
 * silently losing precision.
 */
export function toSafeInt(value: unknown): number {
  if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) return value;
  } else if (typeof value === 'bigint') {
    if (value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER))
      return Number(value);
  } else if (typeof value === 'string' && /^-?\d+(\.0+)?$/.test(value)) {
    const n = Number(value.split('.')[0]);
    if (Number.isSafeInteger(n)) return n;
  } else if (value === null || value === undefined) {
    return 0;
  }
  throw new RangeError(
    `not an exact integer: ${typeof value === 'object' ? 'object' : String(value as string)}`,
  );
}
