import { randomInt, timingSafeEqual } from 'node:crypto';
import { businessDay, nextBusinessMidnight, type Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import { retryOnDeadlock } from '../../platform/db/helpers.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import {
  AUTH_LIMITS,
  codeNeedsAccount,
  dailyCodeQuotas,
  formatSmsCode,
  normalizePhone,
  resendWaitSeconds,
  smsCodeHash,
  smsCodeUsable,
} from './auth.rules.js';
import { SmsSendError, type SmsProvider, type SmsPurpose } from '../../platform/sms/port.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';
import type { UserRepository } from './user.repository.js';

/**
 * SMS verification codes (login, password reset, account deletion): sent within a cooldown and
 * daily caps, stored only as keyed hashes, checked with a limited number of guesses, used once.
 */
export function createSmsCodes(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  sms: SmsProvider;
  pii: PiiCipher;
  clock: Clock;
  ids: IdGenerator;
  config: Config;
  log: Logger;
}) {
  const { sdb, repo, pii, clock, ids, config, log } = deps;
  const codeHash = (phoneHash: string, purpose: SmsPurpose, code: string): string =>
    smsCodeHash(config.secret, phoneHash, purpose, code);

  /**
   * Takes the cooldown and both daily quotas and stores the code; false when the purpose needs an
   * account and there is none (nothing is sent then, but the caller answers the same).
   */
  async function storeCode(
    tx: Tx<UserDB>,
    input: { phoneHash: string; purpose: SmsPurpose; ip: string; code: string },
  ): Promise<boolean> {
    const { phoneHash, purpose } = input;
    const last = await repo.latestCode(phoneHash, purpose, tx.db);
    const seconds = resendWaitSeconds(last?.created_at, tx.now);
    if (seconds > 0)
      throw UserErrors.SMS_TOO_FREQUENT({ seconds }, { headers: { 'retry-after': String(seconds) } });
    const day = businessDay(tx.now, config.businessTimeZone);
    const dayEnds = nextBusinessMidnight(tx.now, config.businessTimeZone);
    for (const quota of dailyCodeQuotas(phoneHash, input.ip, day)) {
      if (!(await repo.takeQuota(quota.scope, quota.cap, dayEnds, tx.db))) throw UserErrors.SMS_DAILY_LIMIT();
    }
    if (codeNeedsAccount(purpose) && !(await repo.findAccountByPhoneHash(phoneHash, tx.db))) return false;
    await repo.insertCode(
      {
        id: ids(),
        phone_hash: phoneHash,
        purpose,
        code_hash: codeHash(phoneHash, purpose, input.code),
        expires_at: tx.now + AUTH_LIMITS.codeTtlMs,
        consumed_at: null,
        created_at: tx.now,
      },
      tx.db,
    );
    return true;
  }

  async function send(phone: string, code: string, purpose: SmsPurpose): Promise<void> {
    try {
      await deps.sms.sendCode(phone, code, purpose);
    } catch (e) {
      log.error(
        { err: e instanceof SmsSendError ? { name: e.name, providerCode: e.providerCode } : e },
        'SMS send failed',
      );
      throw UserErrors.SMS_SEND_FAILED();
    }
  }

  /** Sends a 6-digit code, within the cooldown and the daily caps of the phone and the client IP. */
  async function requestCode(input: {
    phone: string;
    purpose: SmsPurpose;
    ip: string;
  }): Promise<{ expiresIn: number; resendAfter: number }> {
    const phone = normalizePhone(input.phone);
    const phoneHash = pii.lookupHash(phone);
    const code = formatSmsCode(randomInt(0, 10 ** AUTH_LIMITS.codeLength));
    // Concurrent first codes of new phones meet in the same index gaps on MySQL: a deadlock rolls
    // one back, and it is simply run again.
    const stored = await retryOnDeadlock(() =>
      sdb.transaction((tx) => storeCode(tx, { ...input, phoneHash, code })),
    );
    if (stored) await send(phone, code, input.purpose);
    return { expiresIn: AUTH_LIMITS.codeTtlMs / 1000, resendAfter: AUTH_LIMITS.resendCooldownMs / 1000 };
  }

  /**
   * Checks a code. The attempt is counted in its own statement first, so a wrong guess is recorded
   * even though the caller's work is not done; at most 5 guesses per code. Returns the code's id,
   * which the caller consumes inside its own transaction.
   */
  async function checkCode(phoneHash: string, purpose: SmsPurpose, code: string): Promise<string> {
    const latest = await repo.latestCode(phoneHash, purpose);
    if (!smsCodeUsable(latest, clock.now())) throw UserErrors.SMS_CODE_INVALID();
    if (!(await repo.takeCodeAttempt(latest.id, AUTH_LIMITS.codeMaxAttempts)))
      throw UserErrors.SMS_CODE_ATTEMPTS_EXCEEDED();
    const expected = Buffer.from(latest.code_hash, 'hex');
    const given = Buffer.from(codeHash(phoneHash, purpose, code), 'hex');
    if (!timingSafeEqual(expected, given)) throw UserErrors.SMS_CODE_INVALID();
    return latest.id;
  }

  async function consumeCode(codeId: string, tx: Tx<UserDB>): Promise<void> {
    if (!(await repo.consumeCode(codeId, tx.now, tx.db))) throw UserErrors.SMS_CODE_INVALID();
  }

  return { requestCode, checkCode, consumeCode };
}

export type SmsCodes = ReturnType<typeof createSmsCodes>;
