import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { createIdGenerator, isUlid, ulidTime } from './ids.js';

describe('ULID ids', () => {
  it('encode the clock time and sort by it', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const next = createIdGenerator(clock);
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) {
      ids.push(next());
      clock.advance(i % 3 === 0 ? 0 : 7);
    }
    expect(ids.every(isUlid)).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(ulidTime(ids[0]!)).toBe(1_700_000_000_000);
  });

  it('stay monotonic within one millisecond and when the clock steps back', () => {
    const clock = new FakeClock(1_700_000_000_000);
    const next = createIdGenerator(clock);
    const a = Array.from({ length: 1000 }, () => next());
    clock.advance(-5000);
    const b = next();
    expect(new Set(a).size).toBe(1000);
    expect([...a].sort()).toEqual(a);
    expect(b > a.at(-1)!).toBe(true);
  });
});
