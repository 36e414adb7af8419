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

/** Epoch ms of the local midnight that began the business day of `now` in `timeZone`. */
export function businessDayStart(now: number, timeZone: string): number {
  const today = businessDay(now, timeZone);
  // A local day lasts at most 25 hours: today's midnight is among the next ones after now − 27 h.
  let start = nextBusinessMidnight(now - 27 * 3_600_000, timeZone);
  while (businessDay(start, timeZone) !== today) start = nextBusinessMidnight(start, timeZone);
  return start;
}

/** Whether `text` is a calendar date written YYYY-MM-DD that exists (2026-02-30 does not). */
export function isCalendarDate(text: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
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

const ISO_WITH_OFFSET =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * Parses an ISO 8601 instant that states its offset ("2026-12-01T09:00:00+08:00" or "…Z") into
 * epoch ms. A local time without an offset is ambiguous and refused (undefined), as are impossible
 * dates such as 2026-02-30.
 */
export function parseInstant(text: string): number | undefined {
  const m = ISO_WITH_OFFSET.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s = '0', ms = '0', zone, oh, om] = m;
  const fields = [Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)] as const;
  const utc = Date.UTC(...fields, Number(ms.padEnd(3, '0')));
  const check = new Date(utc);
  if (
    check.getUTCFullYear() !== fields[0] ||
    check.getUTCMonth() !== fields[1] ||
    check.getUTCDate() !== fields[2] ||
    check.getUTCHours() !== fields[3] ||
    fields[4] > 59 ||
    fields[5] > 59
  ) {
    return undefined;
  }
  if (zone === 'Z') return utc;
  if (Number(oh) > 14 || Number(om) > 59) return undefined;
  const offsetMs = (Number(oh) * 60 + Number(om)) * 60_000 * (zone!.startsWith('-') ? -1 : 1);
  return utc - offsetMs;
}

/** An instant as ISO 8601 in a time zone, with that zone's offset: "2026-12-01T09:00:00+08:00". */
export function formatInstant(instant: number, timeZone: string): string {
  const parts = instantFormatter(timeZone).formatToParts(new Date(instant));
  const get = (type: string): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const hour = get('hour') % 24;
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), hour, get('minute'), get('second'));
  const offsetMin = Math.round((local - (instant - (((instant % 1000) + 1000) % 1000))) / 60_000);
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const date = new Date(local).toISOString().slice(0, 19);
  return `${date}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

const QUARTER_HOUR = 900_000;

/**
 * formatInstant for hot paths (e.g. a page of search hits): the zone's offset is looked up once per
 * quarter hour and remembered, since offsets only change on quarter-hour boundaries of UTC (every
 * zone's offset is a multiple of 15 minutes and changes at a whole or half local hour). Same output.
 */
export function createInstantFormatter(timeZone: string): (instant: number) => string {
  const offsetAt = (instant: number): { ms: number; text: string } => {
    const text = formatInstant(instant, timeZone).slice(19);
    const minutes = Number(text.slice(1, 3)) * 60 + Number(text.slice(4, 6));
    return { ms: (text.startsWith('-') ? -minutes : minutes) * 60_000, text };
  };
  const render = (instant: number, offset: { ms: number; text: string }): string =>
    isoLocalSeconds(instant + offset.ms) + offset.text;
  // A zone without offset changes over 2000–2060 (Asia/Shanghai has none since 1991) needs no
  // lookup at all in that span: sampled every 15 days, which no real offset change lasts less than.
  const fixed = offsetAt(FIXED_FROM);
  let constant = true;
  for (let t = FIXED_FROM; t <= FIXED_TO && constant; t += 15 * 86_400_000) {
    constant = offsetAt(t).ms === fixed.ms;
  }
  const offsets = new Map<number, { ms: number; text: string }>();
  return (instant) => {
    if (constant && instant >= FIXED_FROM && instant <= FIXED_TO) return render(instant, fixed);
    const bucket = Math.floor(instant / QUARTER_HOUR);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      offset = offsetAt(bucket * QUARTER_HOUR);
      if (offsets.size >= 65_536) offsets.clear();
      offsets.set(bucket, offset);
    }
    return render(instant, offset);
  };
}
const FIXED_FROM = Date.UTC(2000, 0, 1);
const FIXED_TO = Date.UTC(2060, 0, 1);
const YEAR_10000 = Date.UTC(10000, 0, 1);

const pad2 = (n: number): string => (n < 10 ? '0' : '') + String(n);

/**
 * `YYYY-MM-DDTHH:mm:ss` of an epoch-ms value read as UTC, seconds truncated: what
 * `toISOString().slice(0, 19)` gives, by arithmetic (days to civil date as in H. Hinnant's
 * chrono algorithms) instead of a Date per call. Years outside 1970–9999 take the Date path.
 */
function isoLocalSeconds(ms: number): string {
  if (!(ms >= 0 && ms < YEAR_10000))
    return new Date(ms - (((ms % 1000) + 1000) % 1000)).toISOString().slice(0, 19);
  const days = Math.floor(ms / 86_400_000);
  const secs = Math.floor((ms - days * 86_400_000) / 1000);
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return (
    `${year}-${pad2(month)}-${pad2(day)}T` +
    `${pad2(Math.floor(secs / 3600))}:${pad2(Math.floor(secs / 60) % 60)}:${pad2(secs % 60)}`
  );
}

const instantFormatters = new Map<string, Intl.DateTimeFormat>();
function instantFormatter(timeZone: string): Intl.DateTimeFormat {
  let f = instantFormatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    instantFormatters.set(timeZone, f);
  }
  return f;
}
