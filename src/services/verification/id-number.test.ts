import { describe, expect, it } from 'vitest';
import { ageOn, checkIdNumber, maskIdNumber, type IdNumberFacts, type IdNumberRefusal } from './id-number.js';

const TODAY = '2026-06-15';
const MIN_AGE = 16;

/**
 * Appends the MOD 11-2 check character in the standard's iterative form (p = (p + digit) * 2 mod 11),
 * written apart from the module's weight table so that the two cross-check each other.
 */
function withCheckDigit(body: string): string {
  let p = 0;
  for (const digit of body) p = ((p + Number(digit)) * 2) % 11;
  const check = (12 - p) % 11;
  return body + (check === 10 ? 'X' : String(check));
}

/** A valid ID number for someone born on `birthDate` (YYYY-MM-DD) in Beijing's Chaoyang district. */
function idBornOn(birthDate: string): string {
  return withCheckDigit(`110105${birthDate.replaceAll('-', '')}123`);
}

describe('withCheckDigit (the test helper)', () => {
  it('reproduces the check characters of the examples in GB 11643-1999', () => {
    expect(withCheckDigit('11010519491231002')).toBe('11010519491231002X');
    expect(withCheckDigit('44052418800101001')).toBe('440524188001010014');
  });
});

describe('checkIdNumber accepts', () => {
  it.each<[string, string, IdNumberFacts]>([
    // The two examples printed in the standard.
    [
      'the standard example ending in X',
      '11010519491231002X',
      { idNumber: '11010519491231002X', regionCode: '110105', birthDate: '1949-12-31', sex: 'female' },
    ],
    [
      'the standard example born in 1880',
      '440524188001010014',
      { idNumber: '440524188001010014', regionCode: '440524', birthDate: '1880-01-01', sex: 'male' },
    ],
    // The examples, normalised.
    [
      'a lower-case x, written as X',
      '11010519491231002x',
      { idNumber: '11010519491231002X', regionCode: '110105', birthDate: '1949-12-31', sex: 'female' },
    ],
    [
      'surrounding white space, trimmed',
      ' \t440524188001010014\n',
      { idNumber: '440524188001010014', regionCode: '440524', birthDate: '1880-01-01', sex: 'male' },
    ],
    // Constructed here, their check characters computed by withCheckDigit.
    [
      'a man born in Nanjing',
      withCheckDigit('32010219900307123'),
      {
        idNumber: withCheckDigit('32010219900307123'),
        regionCode: '320102',
        birthDate: '1990-03-07',
        sex: 'male',
      },
    ],
    [
      'a Hong Kong resident born on a leap day',
      withCheckDigit('81000020000229004'),
      {
        idNumber: withCheckDigit('81000020000229004'),
        regionCode: '810000',
        birthDate: '2000-02-29',
        sex: 'female',
      },
    ],
    [
      'a Taiwan resident residence permit (83)',
      withCheckDigit('83000019851111567'),
      {
        idNumber: withCheckDigit('83000019851111567'),
        regionCode: '830000',
        birthDate: '1985-11-11',
        sex: 'male',
      },
    ],
    [
      'a woman born in Urumqi on 31 December',
      withCheckDigit('65010219881231008'),
      {
        idNumber: withCheckDigit('65010219881231008'),
        regionCode: '650102',
        birthDate: '1988-12-31',
        sex: 'female',
      },
    ],
  ])('%s', (_name, raw, facts) => {
    expect(checkIdNumber(raw, TODAY, MIN_AGE)).toEqual({ ok: true, facts });
  });
});

describe('checkIdNumber refuses', () => {
  it.each<[string, string, IdNumberRefusal]>([
    ['an empty string', '', 'ID_FORMAT_INVALID'],
    ['17 characters', '11010519491231002', 'ID_FORMAT_INVALID'],
    ['19 characters', '11010519491231002X0', 'ID_FORMAT_INVALID'],
    ['a 15-digit first-generation number', '110105491231002', 'ID_FORMAT_INVALID'],
    ['a letter inside', '1101051949123I002X', 'ID_FORMAT_INVALID'],
    ['an X before the last place', '1101051949123100X2', 'ID_FORMAT_INVALID'],
    ['a check character other than X', '11010519491231002Y', 'ID_FORMAT_INVALID'],
    ['full-width digits', '１１０１０５１９４９１２３１００２Ｘ', 'ID_FORMAT_INVALID'],
    ['one full-width digit', '１1010519491231002X', 'ID_FORMAT_INVALID'],
    ['white space inside', '110105 19491231002X', 'ID_FORMAT_INVALID'],
    ['province 00', withCheckDigit('00010519900101001'), 'ID_REGION_INVALID'],
    ['province 99', withCheckDigit('99010519900101001'), 'ID_REGION_INVALID'],
    ['province 24, between 23 and 31', withCheckDigit('24010519900101001'), 'ID_REGION_INVALID'],
    ['province 84', withCheckDigit('84000019900101001'), 'ID_REGION_INVALID'],
    ['30 February', withCheckDigit('11010519900230001'), 'ID_BIRTH_DATE_INVALID'],
    ['29 February 1900, not a leap year', withCheckDigit('11010519000229001'), 'ID_BIRTH_DATE_INVALID'],
    ['29 February 2025', withCheckDigit('11010520250229001'), 'ID_BIRTH_DATE_INVALID'],
    ['month 13', withCheckDigit('11010519901301001'), 'ID_BIRTH_DATE_INVALID'],
    ['month 00', withCheckDigit('11010519900001001'), 'ID_BIRTH_DATE_INVALID'],
    ['day 00', withCheckDigit('11010519900100001'), 'ID_BIRTH_DATE_INVALID'],
    ['31 April', withCheckDigit('11010519900431001'), 'ID_BIRTH_DATE_INVALID'],
    ['a year before 1800', withCheckDigit('11010517991231001'), 'ID_BIRTH_DATE_INVALID'],
    ['a birth date after today', idBornOn('2026-06-16'), 'ID_BIRTH_DATE_INVALID'],
    ['a wrong check digit (X flipped to 1)', '110105194912310021', 'ID_CHECK_DIGIT_INVALID'],
    ['a wrong check digit (4 flipped to X)', '44052418800101001X', 'ID_CHECK_DIGIT_INVALID'],
    ['two swapped digits', '11010519491231020X', 'ID_CHECK_DIGIT_INVALID'],
    // The first failing check wins.
    ['a bad province before a bad date', '00010519900230001X', 'ID_REGION_INVALID'],
    ['a bad date before a bad check digit', '110105199002300010', 'ID_BIRTH_DATE_INVALID'],
    ['a bad check digit before an age too low', '110105201006151230', 'ID_CHECK_DIGIT_INVALID'],
  ])('%s', (_name, raw, code) => {
    expect(checkIdNumber(raw, TODAY, MIN_AGE)).toEqual({ ok: false, code });
  });

  it('trims ideographic (full-width) spaces too', () => {
    expect(checkIdNumber('　11010519491231002X　', TODAY, MIN_AGE)).toMatchObject({ ok: true });
  });
});

describe('checkIdNumber minimum age', () => {
  it.each<[string, string, string, number, boolean]>([
    ['the day before the 16th birthday', idBornOn('2010-06-15'), '2026-06-14', 16, false],
    ['the 16th birthday', idBornOn('2010-06-15'), '2026-06-15', 16, true],
    ['born today, no minimum', idBornOn('2026-06-15'), '2026-06-15', 0, true],
    // Born on 29 February: the birthday falls on 1 March in a year without 29 February.
    ['28 Feb of a common year, born 29 Feb, 18th birthday', idBornOn('2008-02-29'), '2026-02-28', 18, false],
    ['1 Mar of a common year, born 29 Feb, 18th birthday', idBornOn('2008-02-29'), '2026-03-01', 18, true],
    ['28 Feb of a leap year, born 29 Feb, 16th birthday', idBornOn('2004-02-29'), '2020-02-28', 16, false],
    ['29 Feb of a leap year, born 29 Feb, 16th birthday', idBornOn('2004-02-29'), '2020-02-29', 16, true],
  ])('%s', (_name, idNumber, today, minAge, accepted) => {
    const result = checkIdNumber(idNumber, today, minAge);
    expect(result).toEqual(
      accepted ? expect.objectContaining({ ok: true }) : { ok: false, code: 'ID_UNDERAGE' },
    );
  });

  it('throws on a malformed business date, a caller bug', () => {
    expect(() => checkIdNumber('11010519491231002X', '2026-02-30', MIN_AGE)).toThrow(RangeError);
    expect(() => checkIdNumber('11010519491231002X', '20260615', MIN_AGE)).toThrow(RangeError);
  });
});

describe('ageOn', () => {
  it.each<[string, string, number]>([
    ['1990-06-15', '2026-06-14', 35],
    ['1990-06-15', '2026-06-15', 36],
    ['1990-12-31', '2026-01-01', 35],
    ['1990-01-01', '2025-12-31', 35],
    ['2000-01-01', '2000-01-01', 0],
    ['2000-06-15', '2000-06-14', -1],
    // Leap-day births: in common years the birthday is reached on 1 March.
    ['2008-02-29', '2026-02-28', 17],
    ['2008-02-29', '2026-03-01', 18],
    ['2004-02-29', '2020-02-28', 15],
    ['2004-02-29', '2020-02-29', 16],
    ['2004-02-29', '2021-02-28', 16],
    ['2004-02-29', '2021-03-01', 17],
    // Born on 1 March, someone turns a year older on 1 March also in leap years, not on 29 February.
    ['2003-03-01', '2004-02-29', 0],
    ['2003-03-01', '2004-03-01', 1],
  ])('born %s, on %s: %i', (birthDate, date, age) => {
    expect(ageOn(birthDate, date)).toBe(age);
  });

  it.each<[string, string]>([
    ['2026-2-1', '2026-06-15'],
    ['2025-02-29', '2026-06-15'],
    ['1990-06-15', '2026-13-01'],
    ['1990-06-15', '2026-06-15T00:00:00Z'],
  ])('throws on a malformed date (%s, %s)', (birthDate, date) => {
    expect(() => ageOn(birthDate, date)).toThrow(RangeError);
  });
});

describe('maskIdNumber', () => {
  it.each<[string, string]>([
    ['11010519491231002X', '1101**********002X'],
    ['440524188001010014', '4405**********0014'],
    ['12345678', '********'],
    ['', ''],
  ])('%s → %s', (idNumber, masked) => {
    expect(maskIdNumber(idNumber)).toBe(masked);
  });
});
