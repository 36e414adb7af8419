import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import { createPasswordLogin } from './password-login.js';
import { createPasswordReset } from './password-reset.js';
import type { SmsProvider } from '../../platform/sms/port.js';
import { createSessions } from './sessions.js';
import { createSmsCodes } from './sms-codes.js';
import { createSmsLogin } from './sms-login.js';
import type { TokenService } from './tokens.js';
import type { UserDB } from './user.db.js';
import type { FormatInstant } from './user.mappers.js';
import type { UserRepository } from './user.repository.js';

/**
 * Sign-in and its credentials, composed of one part per use case: SMS codes (sms-codes.ts), SMS
 * login and sign-up (sms-login.ts), password login (password-login.ts), password reset and change
 * (password-reset.ts), sessions and refresh tokens (sessions.ts). Their rules are in auth.rules.ts
 * and account.rules.ts.
 */
export function createAuthService(deps: {
  sdb: ServiceDatabase<UserDB>;
  repo: UserRepository;
  tokens: TokenService;
  sms: SmsProvider;
  pii: PiiCipher;
  cache: Cache;
  clock: Clock;
  ids: IdGenerator;
  config: Config;
  log: Logger;
  /** Answers' times: ISO 8601 in the business time zone. */
  at: FormatInstant;
}) {
  const codes = createSmsCodes(deps);
  const sessions = createSessions(deps);
  const { requestCode, checkCode, consumeCode } = codes;
  const { refresh, logout, revokeAllSessions, endRevokedRoles, markRolesRevoked } = sessions;
  const { loginWithSms } = createSmsLogin({ ...deps, codes, sessions });
  const { loginWithPassword } = createPasswordLogin({ ...deps, sessions });
  const { resetPassword, changePassword } = createPasswordReset({ ...deps, codes, sessions });
  return {
    requestCode,
    checkCode,
    consumeCode,
    loginWithSms,
    loginWithPassword,
    refresh,
    logout,
    resetPassword,
    changePassword,
    revokeAllSessions,
    endRevokedRoles,
    markRolesRevoked,
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
