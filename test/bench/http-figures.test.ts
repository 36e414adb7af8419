import { describe, expect, it } from 'vitest';
import { combineSlices, median, type LoadFigures } from '../../bench/http/load.js';

const turn = (f: Partial<LoadFigures>): LoadFigures => ({
  name: 'case',
  seconds: 2,
  rps: 0,
  p50: 1,
  p99: 5,
  requests: 0,
  non2xx: 0,
  errors: 0,
  serverCpuUs: 40,
  loadCpuUs: 30,
  ...f,
});

describe('bench/http figures', () => {
  it('takes the middle item, the lower one of an even count', () => {
    expect(median([3, 1, 2], (n) => n)).toBe(2);
    expect(median([4, 1, 3, 2], (n) => n)).toBe(2);
    expect(median([7], (n) => n)).toBe(7);
    expect(() => median([], (n: number) => n)).toThrow();
  });

  it("combines a round's turns: requests over time, CPU weighted by requests, median p50, worst p99", () => {
    const combined = combineSlices([
      turn({ seconds: 2, requests: 40_000, rps: 20_000, p50: 1, p99: 4, serverCpuUs: 40, loadCpuUs: 30 }),
      turn({
        seconds: 2,
        requests: 20_000,
        rps: 10_000,
        p50: 3,
        p99: 9,
        serverCpuUs: 70,
        loadCpuUs: 60,
        non2xx: 2,
      }),
      turn({
        seconds: 1,
        requests: 15_000,
        rps: 15_000,
        p50: 2,
        p99: 6,
        serverCpuUs: 50,
        loadCpuUs: 40,
        errors: 1,
      }),
    ]);
    expect(combined.seconds).toBe(5);
    expect(combined.requests).toBe(75_000);
    expect(combined.rps).toBe(15_000);
    expect(combined.p50).toBe(2);
    expect(combined.p99).toBe(9);
    expect(combined.serverCpuUs).toBeCloseTo((40 * 40_000 + 70 * 20_000 + 50 * 15_000) / 75_000, 9);
    expect(combined.loadCpuUs).toBeCloseTo((30 * 40_000 + 60 * 20_000 + 40 * 15_000) / 75_000, 9);
    expect(combined.non2xx).toBe(2);
    expect(combined.errors).toBe(1);
  });

  it('reports the slower middle p50 of an even number of turns, and refuses none', () => {
    const combined = combineSlices([turn({ p50: 1 }), turn({ p50: 4 }), turn({ p50: 2 }), turn({ p50: 3 })]);
    expect(combined.p50).toBe(3);
    expect(() => combineSlices([])).toThrow();
  });
});
