import { describe, expect, it } from 'vitest';
import {
  addMoney,
  allocate,
  formatYuan,
  money,
  multiplyRatio,
  percentOf,
  subtractMoney,
  toSafeInt,
} from './money.js';

describe('Money', () => {
  it('refuses non-integer and out-of-range fen', () => {
    expect(() => money(1.5)).toThrow(RangeError);
    expect(() => money(Number.MAX_SAFE_INTEGER)).toThrow(RangeError);
    expect(money(100).amountFen).toBe(100);
  });

  it('adds and subtracts exactly', () => {
    expect(addMoney(money(10), money(20)).amountFen).toBe(30);
    expect(subtractMoney(money(10), money(25)).amountFen).toBe(-15);
  });

  it('rounds half away from zero at the fen', () => {
    expect(percentOf(money(1), 5000).amountFen).toBe(1); // 0.5 fen → 1
    expect(percentOf(money(3), 5000).amountFen).toBe(2); // 1.5 → 2
    expect(percentOf(money(-3), 5000).amountFen).toBe(-2);
    expect(percentOf(money(1999), 500).amountFen).toBe(100); // 99.95 → 100
    expect(multiplyRatio(money(100), 1, 3).amountFen).toBe(33);
  });

  it('allocates so parts add up to the whole', () => {
    const parts = allocate(money(100), [1, 1, 1]);
    expect(parts.map((p) => p.amountFen)).toEqual([34, 33, 33]);
    const uneven = allocate(money(1001), [7, 2, 1]);
    expect(uneven.reduce((s, p) => s + p.amountFen, 0)).toBe(1001);
    expect(allocate(money(-5), [1, 1]).reduce((s, p) => s + p.amountFen, 0)).toBe(-5);
  });

  it('formats yuan', () => {
    expect(formatYuan(money(123456))).toBe('¥1234.56');
    expect(formatYuan(money(-5))).toBe('-¥0.05');
  });

  it('normalises driver integers', () => {
    expect(toSafeInt(5n)).toBe(5);
    expect(toSafeInt('9007199254740991')).toBe(9007199254740991);
    expect(() => toSafeInt('1.5')).toThrow(RangeError);
    expect(() => toSafeInt(2n ** 60n)).toThrow(RangeError);
  });
});
