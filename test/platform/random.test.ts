import { describe, expect, it } from 'vitest';
import { newSpanId, newTraceId } from '../../src/platform/context.js';
import { randomHex } from '../../src/platform/random.js';

describe('pooled random ids', () => {
  it('gives hex strings of the requested length', () => {
    for (const bytes of [1, 8, 12, 16, 4096])
      expect(randomHex(bytes)).toMatch(new RegExp(`^[0-9a-f]{${2 * bytes}}$`));
    expect(newTraceId()).toMatch(/^[0-9a-f]{32}$/);
    expect(newSpanId()).toMatch(/^[0-9a-f]{16}$/);
    expect(() => randomHex(0)).toThrow(RangeError);
    expect(() => randomHex(4097)).toThrow(RangeError);
  });

  it('never hands out the same bytes twice, across many refills of the pool', () => {
    const seen = new Set<string>();
    // 20,000 × 12 bytes is about 60 refills of the 4 KiB pool.
    for (let i = 0; i < 20_000; i++) seen.add(randomHex(12));
    expect(seen.size).toBe(20_000);
  });
});
