import { describe, expect, it } from 'vitest';

import {
  fenToYuan,
  formatBeijingRfc3339,
  formatBeijingTime,
  isBusinessDay,
  parseBeijingTime,
  splitCsvLine,
  yuanToFen,
} from './formats.js';

describe('yuan amounts', () => {
  it('converts the channels yuan strings to exact fen', () => {
    expect(yuanToFen('0.01')).toBe(1);
    expect(yuanToFen('12.30')).toBe(1230);
    expect(yuanToFen('12.3')).toBe(1230);
    expect(yuanToFen('100')).toBe(10_000);
    expect(yuanToFen('99999999.99')).toBe(9_999_999_999);
    // Values a float would get wrong: 0.29 * 100 is 28.999999999999996, 1.15 * 100 is 114.99999999999999.
    expect(yuanToFen('0.29')).toBe(29);
    expect(yuanToFen('1.15')).toBe(115);
  });

  it('refuses anything that is not a plain amount of at most two decimals', () => {
    for (const bad of [
      '',
      '1.234',
      '-1',
      '+1',
      '1e3',
      ' 1',
      '1 ',
      '.5',
      '1.',
      '１２',
      '0x10',
      'NaN',
      '1,000.00',
    ]) {
      expect(yuanToFen(bad), bad).toBeUndefined();
    }
    expect(yuanToFen('1000000000.00')).toBeUndefined();
    expect(yuanToFen('9'.repeat(400))).toBeUndefined();
  });

  it('reads negative amounts only where asked (statement refund rows)', () => {
    expect(yuanToFen('-0.50')).toBeUndefined();
    expect(yuanToFen('-0.50', { allowNegative: true })).toBe(-50);
  });

  it('writes fen as yuan with two decimals, and round-trips', () => {
    expect(fenToYuan(1)).toBe('0.01');
    expect(fenToYuan(1230)).toBe('12.30');
    expect(fenToYuan(10_000)).toBe('100.00');
    expect(fenToYuan(9_999_999_999)).toBe('99999999.99');
    for (const fen of [1, 9, 10, 99, 100, 101, 123_456_789]) expect(yuanToFen(fenToYuan(fen))).toBe(fen);
    expect(() => fenToYuan(0)).toThrow(RangeError);
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
  });
});

describe('Beijing time', () => {
  it('reads and writes the channels local time notation', () => {
    const instant = Date.UTC(2026, 0, 5, 1, 30, 0);
    expect(parseBeijingTime('2026-01-05 09:30:00')).toBe(instant);
    expect(formatBeijingTime(instant)).toBe('2026-01-05 09:30:00');
    expect(formatBeijingRfc3339(instant)).toBe('2026-01-05T09:30:00+08:00');
    expect(parseBeijingTime('2026-02-30 09:30:00')).toBeUndefined();
    expect(parseBeijingTime('yesterday')).toBeUndefined();
  });

  it('checks business days', () => {
    expect(isBusinessDay('2026-01-05')).toBe(true);
    expect(isBusinessDay('2026-02-30')).toBe(false);
    expect(isBusinessDay('20260105')).toBe(false);
  });
});

describe('CSV lines', () => {
  it('splits on commas and honours quotes', () => {
    expect(splitCsvLine('a,b,,c')).toEqual(['a', 'b', '', 'c']);
    expect(splitCsvLine('"a,b","say ""hi""",c')).toEqual(['a,b', 'say "hi"', 'c']);
  });
});
