/**
 * The platform's service fee on an order's pay (pure arithmetic, integer fen).
 *
 * The fee is `bps` basis points of the pay, rounded half up to a whole fen, and at least `minFen`
 * (a pay of 0 carries no fee). When the worker pays it, it comes out of the pay, so it can never
 * exceed the pay.
 */
export interface FeeTerms {
  /** Basis points of the pay (500 = 5%). */
  bps: number;
  /** Smallest fee of an order with pay, in fen. */
  minFen: number;
  /** Who pays it; with `worker` the fee is capped at the pay. */
  payer?: 'employer' | 'worker';
}

/** The fee on `payFen`, in fen. Integer arithmetic only: no fraction of a fen is ever formed. */
export function feeFor(payFen: number, terms: FeeTerms): number {
  const { bps, minFen } = terms;
  for (const [name, value] of [
    ['payFen', payFen],
    ['bps', bps],
    ['minFen', minFen],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${name} must be a whole number ≥ 0`);
  }
  if (payFen === 0) return 0;
  // Half up: floor((2·pay·bps + 10000) / 20000); the product must stay exact.
  const twice = 2 * payFen * bps + 10_000;
  if (!Number.isSafeInteger(twice)) throw new RangeError('payFen × bps is beyond exact arithmetic');
  const rounded = (twice - (twice % 20_000)) / 20_000;
  const fee = Math.max(minFen, rounded);
  return terms.payer === 'worker' ? Math.min(fee, payFen) : fee;
}
