import { describe, expect, it } from 'vitest';
import { businessDay, nextBusinessMidnight } from './clock.js';

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
  });
});
