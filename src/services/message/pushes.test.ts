import { describe, expect, it } from 'vitest';
import { isCritical, pushTime } from './pushes.js';

const TZ = 'Asia/Shanghai';
/** An instant given as Shanghai wall-clock time (UTC+8, no daylight saving). */
const at = (local: string) => Date.parse(`${local}+08:00`);

describe('pushTime: quiet hours in the business time zone', () => {
  const night = { start: '22:00', end: '08:00' };
  it('sends at once without quiet hours or outside them', () => {
    expect(pushTime(at('2026-12-07T23:30:00'), null, TZ)).toBe(at('2026-12-07T23:30:00'));
    expect(pushTime(at('2026-12-07T21:59:00'), night, TZ)).toBe(at('2026-12-07T21:59:00'));
    expect(pushTime(at('2026-12-08T08:00:00'), night, TZ)).toBe(at('2026-12-08T08:00:00'));
  });
  it('waits for the end of a window that runs over midnight', () => {
    expect(pushTime(at('2026-12-07T22:00:00'), night, TZ)).toBe(at('2026-12-08T08:00:00'));
    expect(pushTime(at('2026-12-07T23:30:20'), night, TZ)).toBe(at('2026-12-08T08:00:00'));
    expect(pushTime(at('2026-12-08T07:59:00'), night, TZ)).toBe(at('2026-12-08T08:00:00'));
  });
  it('waits within a window inside one day', () => {
    const nap = { start: '12:00', end: '14:00' };
    expect(pushTime(at('2026-12-07T12:30:00'), nap, TZ)).toBe(at('2026-12-07T14:00:00'));
    expect(pushTime(at('2026-12-07T14:00:00'), nap, TZ)).toBe(at('2026-12-07T14:00:00'));
    expect(pushTime(at('2026-12-07T11:59:00'), nap, TZ)).toBe(at('2026-12-07T11:59:00'));
  });
});

describe('isCritical', () => {
  it('is the hire, a dispute decided and a late cancellation', () => {
    expect(isCritical('order_hired', {})).toBe(true);
    expect(isCritical('dispute_decided', {})).toBe(true);
    expect(isCritical('order_cancelled', { late: true })).toBe(true);
    expect(isCritical('order_cancelled', { late: false })).toBe(false);
    expect(isCritical('review_received', {})).toBe(false);
  });
});
