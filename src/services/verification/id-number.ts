/**
 * Mainland resident ID numbers (居民身份证号码, GB 11643-1999): format, province, birth date,
 * check digit (ISO 7064 MOD 11-2) and a minimum age. Pure: the business date comes in as an argument.
 */

/** Why an ID number was refused; the first failing check wins, in the order of the union. */
export type IdNumberRefusal =
  | 'ID_FORMAT_INVALID'
  | 'ID_REGION_INVALID'
  | 'ID_BIRTH_DATE_INVALID'
  | 'ID_CHECK_DIGIT_INVALID'
  | 'ID_UNDERAGE';

/** What an accepted ID number tells about its holder. */
export interface IdNumberFacts {
  /** Trimmed, with a lower-case check character `x` written as `X`. */
  idNumber: string;
  /** The six-digit administrative division code of the place of first registration. */
  regionCode: string;
  /** YYYY-MM-DD. */
  birthDate: string;
  /** From the 17th digit (the sequence code): odd for men, even for women. */
  sex: 'male' | 'female';
}

// ASCII digits only: a JavaScript `\d` without the `v`/`u` flags never matches full-width digits.
const ID_FORMAT = /^\d{17}[\dXx]$/;

// Province-level codes of GB/T 2260, plus 71 Taiwan, 81 Hong Kong, 82 Macao and 83, the code that
// residence permits for Taiwan residents carry.
// prettier-ignore
const PROVINCE_CODES = new Set([
  '11', '12', '13', '14', '15',
  '21', '22', '23',
  '31', '32', '33', '34', '35', '36', '37',
  '41', '42', '43', '44', '45', '46',
  '50', '51', '52', '53', '54',
  '61', '62', '63', '64', '65',
  '71', '81', '82', '83',
]);

// The standard sets no earliest year and its own example holder is born in 1880; the floor only
// refuses numbers whose year cannot be a living person's, such as 0990.
const EARLIEST_BIRTH_YEAR = 1800;

// 2^(17-i) mod 11 for positions i = 0..16 (ISO 7064 MOD 11-2).
const CHECK_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;

interface CalendarDate {
  year: number;
  month: number;
  day: number;
}

/**
 * Checks a resident ID number and the holder's age on `today` (YYYY-MM-DD, the business date).
 * Checks run in order — format, province, birth date, check digit, age — and the first refusal is
 * answered. Throws a RangeError when `today` is not a valid YYYY-MM-DD date (a caller's bug).
 */
export function checkIdNumber(
  raw: string,
  today: string,
  minAge: number,
): { ok: true; facts: IdNumberFacts } | { ok: false; code: IdNumberRefusal } {
  const on = parseIsoDate(today, 'today');
  const trimmed = raw.trim();
  if (!ID_FORMAT.test(trimmed)) return { ok: false, code: 'ID_FORMAT_INVALID' };
  const idNumber = trimmed.toUpperCase();

  if (!PROVINCE_CODES.has(idNumber.slice(0, 2))) return { ok: false, code: 'ID_REGION_INVALID' };

  const birth = calendarDate(
    Number(idNumber.slice(6, 10)),
    Number(idNumber.slice(10, 12)),
    Number(idNumber.slice(12, 14)),
  );
  if (birth === null || birth.year < EARLIEST_BIRTH_YEAR || dayNumber(birth) > dayNumber(on)) {
    return { ok: false, code: 'ID_BIRTH_DATE_INVALID' };
  }

  if (idNumber.charAt(17) !== checkCharacter(idNumber)) return { ok: false, code: 'ID_CHECK_DIGIT_INVALID' };

  const birthDate = `${idNumber.slice(6, 10)}-${idNumber.slice(10, 12)}-${idNumber.slice(12, 14)}`;
  if (ageOn(birthDate, today) < minAge) return { ok: false, code: 'ID_UNDERAGE' };

  const sequenceDigit = idNumber.charCodeAt(16) - 48;
  return {
    ok: true,
    facts: {
      idNumber,
      regionCode: idNumber.slice(0, 6),
      birthDate,
      sex: sequenceDigit % 2 === 1 ? 'male' : 'female',
    },
  };
}

/**
 * Age in whole years on `date` of someone born on `birthDate` (both YYYY-MM-DD); negative when `date`
 * is before `birthDate`. A birthday is reached on the same month and day; someone born on
 * 29 February reaches it on 1 March in years without a 29 February, since 28 February still precedes
 * it. Throws a RangeError when either argument is not a valid date.
 */
export function ageOn(birthDate: string, date: string): number {
  const birth = parseIsoDate(birthDate, 'birthDate');
  const on = parseIsoDate(date, 'date');
  const reached = on.month > birth.month || (on.month === birth.month && on.day >= birth.day);
  return on.year - birth.year - (reached ? 0 : 1);
}

/** The ID number for display: the first four and last four characters kept, the rest as `*`. */
export function maskIdNumber(idNumber: string): string {
  // Too short to keep eight characters and still hide something: hide it all.
  if (idNumber.length <= 8) return '*'.repeat(idNumber.length);
  return idNumber.slice(0, 4) + '*'.repeat(idNumber.length - 8) + idNumber.slice(-4);
}

/** The check character for the first 17 digits of `idNumber`. */
function checkCharacter(idNumber: string): string {
  let sum = 0;
  CHECK_WEIGHTS.forEach((weight, i) => {
    sum += weight * (idNumber.charCodeAt(i) - 48);
  });
  const check = (12 - (sum % 11)) % 11;
  return check === 10 ? 'X' : String(check);
}

/** Parses a YYYY-MM-DD argument; a malformed one is the caller's bug, so it throws. */
function parseIsoDate(text: string, name: string): CalendarDate {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const date = match ? calendarDate(Number(match[1]), Number(match[2]), Number(match[3])) : null;
  if (date === null) throw new RangeError(`${name} must be a YYYY-MM-DD date, got '${text}'`);
  return date;
}

/** The date when year, month and day name a real day of the Gregorian calendar, else null. */
function calendarDate(year: number, month: number, day: number): CalendarDate | null {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  return { year, month, day };
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** A number that orders dates as the calendar does (YYYYMMDD). */
function dayNumber(date: CalendarDate): number {
  return date.year * 10_000 + date.month * 100 + date.day;
}
