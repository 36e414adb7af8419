import { describe, expect, it } from 'vitest';
import { checkCreditCode, type CreditCodeRefusal } from './credit-code.js';

// The alphabet derived rather than copied: digits and capitals without I, O, S, V and Z.
const ALPHABET = [...'0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((c) => !'IOSVZ'.includes(c)).join('');

/**
 * Appends the GB 32100-2015 check character. The weights are 3^i mod 31, here applied by Horner's rule
 * from the right instead of the module's weight table, so that the two cross-check each other.
 */
function withCheckCharacter(body: string): string {
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) sum = (sum * 3 + ALPHABET.indexOf(body.charAt(i))) % 31;
  return body + ALPHABET.charAt((31 - sum) % 31);
}

/** `code` with its character at `index` replaced by `char`. */
function replaceAt(code: string, index: number, char: string): string {
  return code.slice(0, index) + char + code.slice(index + 1);
}

const PUBLISHED = '91350100M000100Y43';

describe('withCheckCharacter (the test helper)', () => {
  it('reproduces the check character of the widely published example', () => {
    expect(withCheckCharacter('91350100M000100Y4')).toBe(PUBLISHED);
  });

  it('answers 0 where 31 − (sum mod 31) is 31', () => {
    expect(withCheckCharacter('31110000400000087')).toBe('311100004000000870');
  });
});

describe('checkCreditCode accepts', () => {
  it.each<[string, string, string]>([
    ['the widely published example', PUBLISHED, PUBLISHED],
    ['a lower-case code, upper-cased', '91350100m000100y43', PUBLISHED],
    ['surrounding white space, trimmed', '  91350100M000100Y43\n', PUBLISHED],
    // Constructed here, their check characters computed by withCheckCharacter.
    ['a company (9 1)', withCheckCharacter('91110000802100433'), '91110000802100433B'],
    ['a public institution (1 2)', withCheckCharacter('12100000400000012'), '121000004000000124'],
    ['a social organisation (5 1)', withCheckCharacter('51110000500000013'), '51110000500000013M'],
    ['a check value of 31, written 0 (3 1)', withCheckCharacter('31110000400000087'), '311100004000000870'],
    [
      'another authority (Y 1), letters in the body',
      withCheckCharacter('Y1440300MA5DC0001'),
      'Y1440300MA5DC0001C',
    ],
    ['an agricultural registration (N 2)', withCheckCharacter('N2110000MA0000000'), 'N2110000MA00000001'],
  ])('%s', (_name, raw, creditCode) => {
    expect(checkCreditCode(raw)).toEqual({ ok: true, creditCode });
  });
});

describe('checkCreditCode refuses', () => {
  it.each<[string, string, CreditCodeRefusal]>([
    ['an empty string', '', 'CREDIT_CODE_FORMAT_INVALID'],
    ['17 characters', PUBLISHED.slice(0, 17), 'CREDIT_CODE_FORMAT_INVALID'],
    ['19 characters', `${PUBLISHED}0`, 'CREDIT_CODE_FORMAT_INVALID'],
    ['a 15-digit business registration number', '350100400001234', 'CREDIT_CODE_FORMAT_INVALID'],
    ['I', replaceAt(PUBLISHED, 8, 'I'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['O', replaceAt(PUBLISHED, 8, 'O'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['Z', replaceAt(PUBLISHED, 8, 'Z'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['S', replaceAt(PUBLISHED, 8, 'S'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['V', replaceAt(PUBLISHED, 8, 'V'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a lower-case forbidden letter (o)', replaceAt(PUBLISHED, 8, 'o'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a forbidden check character (Z)', replaceAt(PUBLISHED, 17, 'Z'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a hyphen', replaceAt(PUBLISHED, 8, '-'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['white space inside', replaceAt(PUBLISHED, 8, ' '), 'CREDIT_CODE_FORMAT_INVALID'],
    ['full-width characters', '９１３５０１００Ｍ０００１００Ｙ４３', 'CREDIT_CODE_FORMAT_INVALID'],
    ['registration authority 0', withCheckCharacter('01350100M000100Y4'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['registration authority H', withCheckCharacter('H1350100M000100Y4'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a letter in the region', withCheckCharacter('9135A100M000100Y4'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a letter at the region end', withCheckCharacter('9135010AM000100Y4'), 'CREDIT_CODE_FORMAT_INVALID'],
    ['a wrong check character (3 → 4)', replaceAt(PUBLISHED, 17, '4'), 'CREDIT_CODE_CHECK_INVALID'],
    ['a wrong check character (3 → A)', replaceAt(PUBLISHED, 17, 'A'), 'CREDIT_CODE_CHECK_INVALID'],
    ['two swapped characters', '91350100M001000Y43', 'CREDIT_CODE_CHECK_INVALID'],
  ])('%s', (_name, raw, code) => {
    expect(checkCreditCode(raw)).toEqual({ ok: false, code });
  });

  it('refuses a ligature that upper-cases into two valid letters', () => {
    const code = withCheckCharacter('91350100MA00000FF');
    expect(checkCreditCode(code)).toMatchObject({ ok: true });
    // 'ﬀ'.toUpperCase() is 'FF': 17 characters would become a valid 18-character code.
    expect(checkCreditCode(code.replace('FF', 'ﬀ'))).toEqual({
      ok: false,
      code: 'CREDIT_CODE_FORMAT_INVALID',
    });
  });
});
