import { describe, expect, it } from 'vitest';
import { feeFor } from './fees.js';

describe('feeFor', () => {
  const fivePercent = { bps: 500, minFen: 0 };

  it('is zero on a pay of zero, whatever the minimum', () => {
    expect(feeFor(0, { bps: 500, minFen: 300 })).toBe(0);
    expect(feeFor(0, { bps: 500, minFen: 300, payer: 'worker' })).toBe(0);
  });

  it('takes the basis points of the pay', () => {
    expect(feeFor(10_000, fivePercent)).toBe(500);
    expect(feeFor(12_345, { bps: 1000, minFen: 0 })).toBe(1235); // 1234.5 → 1235
    expect(feeFor(10_000, { bps: 0, minFen: 0 })).toBe(0);
  });

  it('rounds half a fen up and less than half down', () => {
    expect(feeFor(10, fivePercent)).toBe(1); // 0.5 → 1
    expect(feeFor(9, fivePercent)).toBe(0); // 0.45 → 0
    expect(feeFor(29, fivePercent)).toBe(1); // 1.45 → 1
    expect(feeFor(30, fivePercent)).toBe(2); // 1.5 → 2
    expect(feeFor(1, { bps: 5000, minFen: 0 })).toBe(1); // 0.5 → 1
    expect(feeFor(3, { bps: 1, minFen: 0 })).toBe(0);
  });

  it('is exact at the largest amounts', () => {
    expect(feeFor(10_000_000_000, { bps: 3000, minFen: 0 })).toBe(3_000_000_000);
    expect(feeFor(9_999_999_999, { bps: 3, minFen: 0 })).toBe(3_000_000); // 2999999.9997 → 3000000
    expect(feeFor(9_999_999_999, { bps: 2999, minFen: 0 })).toBe(2_999_000_000); // …999.7001 → …000
  });

  it('charges at least the minimum', () => {
    expect(feeFor(100, { bps: 500, minFen: 200 })).toBe(200);
    expect(feeFor(100_000, { bps: 500, minFen: 200 })).toBe(5000);
  });

  it('caps a worker-paid fee at the pay, not an employer-paid one', () => {
    expect(feeFor(100, { bps: 500, minFen: 200, payer: 'worker' })).toBe(100);
    expect(feeFor(100, { bps: 500, minFen: 200, payer: 'employer' })).toBe(200);
    expect(feeFor(10_000, { ...fivePercent, payer: 'worker' })).toBe(500);
  });

  it('refuses what is not whole fen', () => {
    expect(() => feeFor(1.5, fivePercent)).toThrow(RangeError);
    expect(() => feeFor(-1, fivePercent)).toThrow(RangeError);
    expect(() => feeFor(100, { bps: -1, minFen: 0 })).toThrow(RangeError);
    expect(() => feeFor(2 ** 52, { bps: 3000, minFen: 0 })).toThrow(RangeError);
  });
});
