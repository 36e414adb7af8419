import { describe, expect, it } from 'vitest';
import { maxWageFen, partPayFen, payFen, workedMinutes } from './order.pay.js';

const HOUR = 3_600_000;
const start = Date.UTC(2026, 11, 12, 1, 0, 0);
const terms = (over: Partial<Parameters<typeof maxWageFen>[0]> = {}) => ({
  pay_type: 'hourly' as const,
  rate_fen: 2_550,
  shift_starts_at: start,
  shift_ends_at: start + 8 * HOUR,
  piece_max: null,
  ...over,
});

describe('what an order costs and pays', () => {
  it('holds the most the shift can cost', () => {
    expect(maxWageFen(terms())).toBe(20_400); // 8 h × 25.50 元
    expect(maxWageFen(terms({ shift_ends_at: start + 7.5 * HOUR + 60_000 }))).toBe(19_168); // 451 min: 19,167.5 → up
    expect(maxWageFen(terms({ pay_type: 'daily', rate_fen: 20_000 }))).toBe(20_000);
    expect(maxWageFen(terms({ pay_type: 'fixed', rate_fen: 9_900 }))).toBe(9_900);
    expect(maxWageFen(terms({ pay_type: 'piece', rate_fen: 150, piece_max: 200 }))).toBe(30_000);
  });

  it('counts worked minutes inside the shift only, in whole minutes', () => {
    expect(workedMinutes(terms(), start - HOUR, start + 8 * HOUR + HOUR)).toBe(480);
    expect(workedMinutes(terms(), start + 10 * 60_000 + 59_999, start + HOUR)).toBe(49);
    expect(workedMinutes(terms(), start + HOUR, start + HOUR - 1)).toBe(0);
  });

  it('pays by the terms, rounded half up to the fen and never above the escrow', () => {
    const hourly = { ...terms(), wage_fen: 20_400 };
    expect(payFen(hourly, 61, null)).toBe(2_593); // 61 × 25.50 / 60 = 25.925 元 → 2,592.5 → 2,593
    expect(payFen(hourly, 600, null)).toBe(20_400); // capped at the escrow
    const piece = { ...terms({ pay_type: 'piece', rate_fen: 150, piece_max: 200 }), wage_fen: 30_000 };
    expect(payFen(piece, 0, 37)).toBe(5_550);
    expect(payFen(piece, 0, 201)).toBe(30_000);
    const daily = { ...terms({ pay_type: 'daily', rate_fen: 20_000 }), wage_fen: 20_000 };
    expect(payFen(daily, 0, null)).toBe(20_000);
  });

  it('pays part of a shift pro rata (compensation, hours worked before a stop)', () => {
    expect(partPayFen({ ...terms(), wage_fen: 20_400 }, 120)).toBe(5_100);
    const daily = { ...terms({ pay_type: 'daily', rate_fen: 20_000 }), wage_fen: 20_000 };
    expect(partPayFen(daily, 120)).toBe(5_000);
    expect(partPayFen(daily, 7)).toBe(292); // 20,000 × 7 / 480 = 291.67 → 292
    expect(partPayFen(daily, 10_000)).toBe(20_000);
  });
});
