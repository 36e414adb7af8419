import { createHmac } from 'node:crypto';
import type { SmsPurpose } from '../../platform/sms/port.js';
import { UserErrors } from './user.errors.js';
import type { SmsCodeRow } from './user.repository.js';

/**
 * The SMS-code and password-login rules, pure: numbers and state in, a decision out. The services
 * apply them; the counting itself (code attempts, daily quotas, failed passwords) happens in single
 * SQL statements, so concurrent requests cannot both take the last unit.
 */
export const AUTH_LIMITS = {
  codeLength: 6,
  codeTtlMs: 5 * 60_000,
  codeMaxAttempts: 5,
  resendCooldownMs: 60_000,
  dailyCodesPerPhone: 10,
  dailyCodesPerIp: 30,
  passwordMaxFailures: 5,
  passwordLockMs: 15 * 60_000,
} as const;

/** Normalises a mainland mobile number (+86 prefix and spaces removed). Schemas already check the shape. */
export function normalizePhone(phone: string): string {
  return phone.replace(/[\s-]/g, '').replace(/^\+86/, '');
}

/** A code as sent: `n` (from 0 to 10^codeLength − 1) padded with leading zeros. */
export function formatSmsCode(n: number): string {
  return String(n).padStart(AUTH_LIMITS.codeLength, '0');
}

/** What is stored of a code: keyed by the server secret, bound to the phone and the purpose. */
export function smsCodeHash(secret: string, phoneHash: string, purpose: SmsPurpose, code: string): string {
  return createHmac('sha256', secret).update(`${phoneHash}|${purpose}|${code}`).digest('hex');
}

/** Seconds until another code may be sent after one sent at `lastSentAt`; 0 when it may now. */
export function resendWaitSeconds(lastSentAt: number | undefined, now: number): number {
  if (lastSentAt === undefined || now - lastSentAt >= AUTH_LIMITS.resendCooldownMs) return 0;
  return Math.ceil((AUTH_LIMITS.resendCooldownMs - (now - lastSentAt)) / 1000);
}

/** The daily quotas a code takes one unit of: its phone's and its client IP's, for the business day. */
export function dailyCodeQuotas(
  phoneHash: string,
  ip: string,
  day: string,
): { scope: string; cap: number }[] {
  return [
    { scope: `phone:${phoneHash}:${day}`, cap: AUTH_LIMITS.dailyCodesPerPhone },
    { scope: `ip:${ip}:${day}`, cap: AUTH_LIMITS.dailyCodesPerIp },
  ];
}

/**
 * Reset and deletion codes go only to existing accounts (the answer is the same either way, so it
 * does not tell which phones are registered); a login code also signs up.
 */
export function codeNeedsAccount(purpose: SmsPurpose): boolean {
  return purpose !== 'login';
}

/** Whether the latest code of a phone and purpose can still be checked: sent, unused, unexpired. */
export function smsCodeUsable<T extends Pick<SmsCodeRow, 'consumed_at' | 'expires_at'>>(
  code: T | undefined,
  now: number,
): code is T {
  return code !== undefined && code.consumed_at === null && code.expires_at > now;
}

/** Whole minutes (rounded up) an account stays locked after failed passwords; 0 when it is not. */
export function lockedMinutes(lockedUntil: number, now: number): number {
  return lockedUntil > now ? Math.ceil((lockedUntil - now) / 60_000) : 0;
}

/** Passwords need 8 to 72 characters with at least one letter and one digit. */
export const PASSWORD_POLICY = { minLength: 8, maxLength: 72 } as const;

export function meetsPasswordPolicy(password: string): boolean {
  return (
    password.length >= PASSWORD_POLICY.minLength &&
    password.length <= PASSWORD_POLICY.maxLength &&
    /[A-Za-z]/.test(password) &&
    /\d/.test(password)
  );
}

/** Throws PASSWORD_WEAK unless the password meets the policy. */
export function checkPasswordPolicy(password: string): void {
  if (!meetsPasswordPolicy(password)) throw UserErrors.PASSWORD_WEAK();
}
