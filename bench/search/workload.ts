import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { CITIES } from './generate.js';

/**
 * What the search benchmarks share: the machine line they print, percentiles, and the random
 * places and choices their query shapes are built from (weighted like the generated data).
 */
export function machine(): string {
  let cpu = cpus()[0]?.model ?? 'unknown';
  try {
    cpu = /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? cpu;
  } catch {
    // lscpu is optional
  }
  const ram = `${Math.round(totalmem() / 1024 / 1024).toLocaleString('en-US')} MB`;
  return `${availableParallelism()} cores (${cpu}), ${ram} RAM, Node ${process.version}`;
}

/** The p-th percentile (0–100) of ascending values. */
export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const TOP_CATEGORIES = [
  'food',
  'retail',
  'logistics',
  'housekeeping',
  'moving',
  'security',
  'factory',
];

/** Random choices drawn from `rand`: one element, or a point where jobs are (most where most are). */
export function randomChoices(rand: () => number) {
  const total = CITIES.reduce((s, c) => s + c.weight, 0);
  return {
    pickOne: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!,
    randomPoint: (): { lng: number; lat: number } => {
      let r = rand() * total;
      const city = CITIES.find((c) => (r -= c.weight) < 0) ?? CITIES[0]!;
      return { lng: city.lng + (rand() - 0.5) * 0.2, lat: city.lat + (rand() - 0.5) * 0.16 };
    },
  };
}
