import { describe, expect, it } from 'vitest';
import {
  AUTH_LIMITS,
  checkPasswordPolicy,
  codeNeedsAccount,
  dailyCodeQuotas,
  formatSmsCode,
  lockedMinutes,
  meetsPasswordPolicy,
  normalizePhone,
  resendWaitSeconds,
  smsCodeHash,
  smsCodeUsable,
} from './auth.rules.js';

const NOW = 1_800_000_000_000;

describe('phone numbers', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['+8613800138000', '13800138000'],
    ['138 0013 8000', '13800138000'],
    ['+86 138-0013-8000', '13800138000'],
  ])('normalises %s to %s', (given, normalised) => {
    expect(normalizePhone(given)).toBe(normalised);
  });
});

describe('SMS codes', () => {
  it.each([
    [0, '000000'],
    [42, '000042'],
    [999_999, '999999'],
  ])('writes %i as the %s a phone receives', (n, code) => {
    expect(formatSmsCode(n)).toBe(code);
  });

  it.each([
    ['none sent yet', undefined, 0],
    ['sent just now', NOW, 60],
    ['sent 0.5 s ago', NOW - 500, 60],
    ['sent 59 s ago', NOW - 59_000, 1],
    ['sent 59.9 s ago', NOW - 59_900, 1],
    ['sent exactly a minute ago', NOW - 60_000, 0],
    ['sent an hour ago', NOW - 3_600_000, 0],
  ])('waits before the next code: %s', (_case, lastSentAt, seconds) => {
    expect(resendWaitSeconds(lastSentAt, NOW)).toBe(seconds);
  });

  it('takes a unit of the phone’s and of the client IP’s quota for the business day', () => {
    expect(dailyCodeQuotas('ph', '203.0.113.9', '2026-12-07')).toEqual([
      { scope: 'phone:ph:2026-12-07', cap: 10 },
      { scope: 'ip:203.0.113.9:2026-12-07', cap: 30 },
    ]);
  });

  it.each([
    ['login', false],
    ['reset_password', true],
    ['delete_account', true],
  ] as const)('a %s code needs an existing account: %s', (purpose, needed) => {
    expect(codeNeedsAccount(purpose)).toBe(needed);
  });

  it.each([
    ['no code', undefined, false],
    ['an unused code within its 5 minutes', { consumed_at: null, expires_at: NOW + 1 }, true],
    ['a code at its expiry', { consumed_at: null, expires_at: NOW }, false],
    ['an expired code', { consumed_at: null, expires_at: NOW - 1 }, false],
    ['a used code', { consumed_at: NOW - 1000, expires_at: NOW + 60_000 }, false],
  ])('checks %s: %s', (_case, code, usable) => {
    expect(smsCodeUsable(code, NOW)).toBe(usable);
  });

  it('stores a code bound to the secret, the phone and the purpose', () => {
    const hash = smsCodeHash('secret', 'ph', 'login', '123456');
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(smsCodeHash('secret', 'ph', 'login', '123456')).toBe(hash);
    for (const other of [
      smsCodeHash('other', 'ph', 'login', '123456'),
      smsCodeHash('secret', 'ph2', 'login', '123456'),
      smsCodeHash('secret', 'ph', 'reset_password', '123456'),
      smsCodeHash('secret', 'ph', 'login', '123457'),
    ])
      expect(other).not.toBe(hash);
  });

  it('keeps the limits the API documents', () => {
    expect(AUTH_LIMITS).toMatchObject({
      codeLength: 6,
      codeTtlMs: 300_000,
      codeMaxAttempts: 5,
      resendCooldownMs: 60_000,
      passwordMaxFailures: 5,
      passwordLockMs: 900_000,
    });
  });
});

describe('password lockout', () => {
  it.each([
    ['never locked', 0, 0],
    ['lock over', NOW - 1, 0],
    ['lock ends now', NOW, 0],
    ['1 ms left', NOW + 1, 1],
    ['exactly a minute left', NOW + 60_000, 1],
    ['a minute and a bit left', NOW + 60_001, 2],
    ['just locked', NOW + AUTH_LIMITS.passwordLockMs, 15],
  ])('%s: %i minutes to wait', (_case, lockedUntil, minutes) => {
    expect(lockedMinutes(lockedUntil, NOW)).toBe(minutes);
  });
});

describe('password policy', () => {
  it.each([
    ['abcdefg1', true, 'eight characters, a letter and a digit'],
    ['Passw0rd!', true, 'symbols allowed'],
    [`a1${'x'.repeat(70)}`, true, '72 characters'],
    ['abcdef1', false, 'seven characters'],
    [`a1${'x'.repeat(71)}`, false, '73 characters'],
    ['abcdefgh', false, 'no digit'],
    ['12345678', false, 'no letter'],
    ['密码密码密码12', false, 'no Latin letter'],
    ['', false, 'empty'],
  ])('%s meets the policy: %s (%s)', (password, ok) => {
    expect(meetsPasswordPolicy(password)).toBe(ok);
    if (ok) expect(() => checkPasswordPolicy(password)).not.toThrow();
    else
      expect(() => checkPasswordPolicy(password)).toThrow(expect.objectContaining({ code: 'PASSWORD_WEAK' }));
  });
});
