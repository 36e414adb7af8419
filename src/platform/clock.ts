/**
 * The only source of "now" in Linggong. Instants are epoch milliseconds (integers).
 * Production code receives a Clock from the composition root; tests pass a FakeClock.
 */
export interface Clock {
  /** Current instant in epoch milliseconds. */
  now(): number;
}

export const systemClock: Clock = {
  // The one sanctioned read of the system time (lint forbids it elsewhere).
  // eslint-disable-next-line no-restricted-syntax
  now: () => Date.now(),
};

/** A clock that moves only when told to. */
export class FakeClock implements Clock {
  constructor(private current: number = Date.UTC(2026, 0, 5, 1, 0, 0)) {}
  now(): number {
    return this.current;
  }
  set(instant: number): void {
    this.current = instant;
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

/**
 * The calendar day (YYYY-MM-DD) of an instant in a time zone, e.g. the business zone Asia/Shanghai.
 * Used for "daily" limits and reports, so they roll over at local midnight whatever TZ the process has.
 */
export function businessDay(instant: number, timeZone: string): string {
  const parts = dayFormatter(timeZone).formatToParts(new Date(instant));
  const get = (type: string): string => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}`;
}

/** Epoch ms of the next local midnight after `instant` in `timeZone`. */
export function nextBusinessMidnight(instant: number, timeZone: string): number {
  const today = businessDay(instant, timeZone);
  // A local day lasts at most 25 hours (DST), so the change lies in (instant, instant + 27 h]:
  // binary search for its first millisecond.
  let lo = instant;
  let hi = instant + 27 * 3_600_000;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (businessDay(mid, timeZone) === today) lo = mid;
    else hi = mid;
  }
  return hi;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function dayFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the IANA zone. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
