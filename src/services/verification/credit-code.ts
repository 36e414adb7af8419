/**
 * Unified social credit codes (统一社会信用代码, GB 32100-2015): the 18-character identifier of
 * companies, public institutions, social organisations and other registered bodies. Pure.
 */

/** Why a credit code was refused. */
export type CreditCodeRefusal = 'CREDIT_CODE_FORMAT_INVALID' | 'CREDIT_CODE_CHECK_INVALID';

// The standard's 31 characters: digits and capitals without I, O, S, V and Z, which read like
// digits or other letters. A character's value is its index here.
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';

// Checked on the trimmed input before upper-casing, so that only ASCII letters are upper-cased:
// toUpperCase() would turn a ligature such as 'ﬀ' into 'FF' and change the length.
const ASCII_FORMAT = /^[0-9A-Za-z]{18}$/;

// Registration authorities (character 1) kept here: 1 机构编制 (public institutions), 5 民政 (social
// organisations), 9 工商 / market regulation (companies), Y 其他 (others), and the further authority
// codes this service accepts: 2–4, 6–8, A–G and N. Any other first character is a format error.
const AUTHORITIES = new Set('123456789ABCDEFGNY');

// 3^i mod 31 for positions i = 0..16.
const CHECK_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/**
 * Checks a unified social credit code: trimmed and upper-cased, 18 characters of the standard's
 * alphabet, a known registration authority, a six-digit region (characters 3–8) and the check
 * character (18th). Answers the normalised code.
 */
export function checkCreditCode(
  raw: string,
): { ok: true; creditCode: string } | { ok: false; code: CreditCodeRefusal } {
  const trimmed = raw.trim();
  if (!ASCII_FORMAT.test(trimmed)) return { ok: false, code: 'CREDIT_CODE_FORMAT_INVALID' };
  const creditCode = trimmed.toUpperCase();

  for (const char of creditCode) {
    if (!ALPHABET.includes(char)) return { ok: false, code: 'CREDIT_CODE_FORMAT_INVALID' };
  }
  if (!AUTHORITIES.has(creditCode.charAt(0)) || !/^\d{6}$/.test(creditCode.slice(2, 8))) {
    return { ok: false, code: 'CREDIT_CODE_FORMAT_INVALID' };
  }

  if (creditCode.charAt(17) !== checkCharacter(creditCode)) {
    return { ok: false, code: 'CREDIT_CODE_CHECK_INVALID' };
  }
  return { ok: true, creditCode };
}

/** The check character for the first 17 characters of `code` (all already in the alphabet). */
function checkCharacter(code: string): string {
  let sum = 0;
  CHECK_WEIGHTS.forEach((weight, i) => {
    sum += weight * ALPHABET.indexOf(code.charAt(i));
  });
  // 31 − (sum mod 31), where 31 stands for 0.
  return ALPHABET.charAt((31 - (sum % 31)) % 31);
}
