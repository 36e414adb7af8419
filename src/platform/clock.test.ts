import { describe, expect, it } from 'vitest';
import {
  businessDay,
  businessDayStart,
  createInstantFormatter,
  isCalendarDate,
  formatInstant,
  nextBusinessMidnight,
  parseInstant,
} from './clock.js';

describe('business days', () => {
  it('roll over at midnight in Asia/Shanghai whatever the process time zone', () => {
    // 2026-01-05 15:59:59.999 UTC is 23:59:59.999 in Shanghai; one ms later is the next day there.
    const beforeMidnight = Date.UTC(2026, 0, 5, 15, 59, 59, 999);
    expect(businessDay(beforeMidnight, 'Asia/Shanghai')).toBe('2026-01-05');
    expect(businessDay(beforeMidnight + 1, 'Asia/Shanghai')).toBe('2026-01-06');
    expect(businessDay(beforeMidnight + 1, 'UTC')).toBe('2026-01-05');
    expect(nextBusinessMidnight(Date.UTC(2026, 0, 5, 3), 'Asia/Shanghai')).toBe(beforeMidnight + 1);
  });

  it('handles zones with daylight saving', () => {
    // New York springs forward on 2026-03-08; the day still ends at local midnight.
    const noon = Date.UTC(2026, 2, 8, 16);
    expect(nextBusinessMidnight(noon, 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 4));
    // The day that began at 00:00 EST (05:00 UTC) lasted 23 hours.
    expect(businessDayStart(noon, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5));
  });

  it('start at local midnight', () => {
    const start = Date.UTC(2026, 0, 4, 16); // 2026-01-05 00:00 in Shanghai
    expect(businessDayStart(start, 'Asia/Shanghai')).toBe(start);
    expect(businessDayStart(start + 86_399_999, 'Asia/Shanghai')).toBe(start);
    expect(businessDayStart(start - 1, 'Asia/Shanghai')).toBe(start - 86_400_000);
    expect(businessDayStart(Date.UTC(2026, 0, 5, 12), 'Pacific/Kiritimati')).toBe(Date.UTC(2026, 0, 5, 10));
  });

  it('are calendar dates only when the day exists', () => {
    expect(['2026-02-28', '2024-02-29', '2026-12-31'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(
      ['2026-02-29', '2026-02-30', '2026-13-01', '2026-1-01', '20260101', ''].map(isCalendarDate),
    ).toEqual([false, false, false, false, false, false]);
  });
});

describe('instants as ISO 8601 text', () => {
  it('parse only with an explicit offset, and refuse impossible dates', () => {
    const nineInShanghai = Date.UTC(2026, 11, 1, 1, 0, 0);
    expect(parseInstant('2026-12-01T09:00:00+08:00')).toBe(nineInShanghai);
    expect(parseInstant('2026-12-01T09:00+08:00')).toBe(nineInShanghai);
    expect(parseInstant('2026-12-01T01:00:00.000Z')).toBe(nineInShanghai);
    expect(parseInstant('2026-11-30T20:00:00-05:00')).toBe(nineInShanghai);
    expect(parseInstant('2026-12-01T09:00:00')).toBeUndefined();
    expect(parseInstant('2026-02-30T09:00:00+08:00')).toBeUndefined();
    expect(parseInstant('2026-12-01T24:00:00+08:00')).toBeUndefined();
    expect(parseInstant('2026-12-01T09:00:00+15:00')).toBeUndefined();
    expect(parseInstant('tomorrow')).toBeUndefined();
  });

  it('format in the business zone with its offset, whatever the process zone', () => {
    const instant = Date.UTC(2026, 11, 1, 16, 30, 0);
    expect(formatInstant(instant, 'Asia/Shanghai')).toBe('2026-12-02T00:30:00+08:00');
    expect(formatInstant(instant, 'UTC')).toBe('2026-12-01T16:30:00+00:00');
    expect(formatInstant(Date.UTC(2026, 6, 1, 12), 'America/New_York')).toBe('2026-07-01T08:00:00-04:00');
    expect(parseInstant(formatInstant(instant, 'Asia/Shanghai'))).toBe(instant);
  });
});

describe('createInstantFormatter', () => {
  it('formats exactly like formatInstant, across offset changes and half-hour zones', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (const zone of ['Asia/Shanghai', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'UTC']) {
      const fast = createInstantFormatter(zone);
      // Random instants over 2020–2030, and every minute around a DST change in New York.
      const instants = Array.from({ length: 3000 }, () =>
        Math.floor(Date.UTC(2020, 0, 1) + rand() * 11 * 365 * 86_400_000),
      );
      for (let m = -90; m <= 90; m++) instants.push(Date.UTC(2026, 2, 8, 7, 0, 0) + m * 60_000 + 999);
      // Outside the span checked for a constant offset: China kept summer time in 1986–1991.
      for (let d = 0; d < 400; d += 7) instants.push(Date.UTC(1988, 0, 1) + d * 86_400_000);
      // Month and year ends, leap days (2000 and 2024 are leap years, 2100 is not), and the
      // epoch; the Date path before 1970 and after 9999.
      for (const [y, m, d] of [
        [1999, 11, 31],
        [2000, 1, 29],
        [2024, 1, 29],
        [2100, 1, 28],
        [2100, 2, 1],
        [1970, 0, 1],
        [1969, 11, 31],
        [9999, 11, 31],
      ] as const) {
        for (const h of [0, 7, 8, 15, 16, 23])
          instants.push(Date.UTC(y, m, d, h, 59, 59, 999), Date.UTC(y, m, d, h));
      }
      for (const t of instants) expect(fast(t)).toBe(formatInstant(t, zone));
    }
  });
});
