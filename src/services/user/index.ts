import { createInstantFormatter } from '../../platform/clock.js';
import { assertNoTransaction } from '../../platform/db/service-database.js';
import { isAppError } from '../../platform/errors.js';
import { createServiceHttpClient } from '../../platform/http-client.js';
import { retryOnDeadlock } from '../../platform/db/helpers.js';
import { createPiiCipher } from '../../platform/pii.js';
import { createSmsProvider, type SmsNoticeTemplate } from '../../platform/sms/sms.js';
import { consumerOf } from '../../platform/events/types.js';
import { clientOf, commandsOf, type ServiceModule } from '../../platform/service.js';
import { createAuthService } from './auth.service.js';
import { registerAuthRoutes } from './auth.routes.js';
import { userMigrations } from './migrations/index.js';
import { createProfileService } from './profile.service.js';
import { seedDemoAccounts } from './seed.js';
import { createSmsNotices } from './sms-notices.js';
import { createRemoteVerifier, createTokenService } from './tokens.js';
import type { UserDB } from './user.db.js';
import type { PublicProfile } from './user.mappers.js';
import { createUserRepository } from './user.repository.js';
import { registerUserRoutes } from './user.routes.js';

export type { PublicProfile } from './user.mappers.js';
export type { UserEventMap } from './user.events.js';
export { DISPLAY_NAME_RULE } from './user.schemas.js';
export { DEMO_EMPLOYER_ID } from './seed.js';
import type { UserEventMap } from './user.events.js';

/**
 * What other services may ask of the user service. In one process it calls the service directly;
 * in the split topology it is an HTTP client to the internal routes (service token, timeouts,
 * retries, circuit breaker). Never call it inside a transaction.
 */
export interface UserClient {
  getPublicProfile(userId: string): Promise<PublicProfile>;
  /**
   * Sends the user a notice by SMS through the platform's provider, the phone staying here;
   * false when the account has no phone or is not active. Throws SmsSendError when refused.
   */
  sendSmsNotice(
    userId: string,
    template: SmsNoticeTemplate,
    params: Record<string, string>,
  ): Promise<boolean>;
}

/** What the CLI runs in-process (`linggong create-admin`). */
export interface UserCommands {
  createAdmin(phone: string, displayName: string): Promise<{ id: string }>;
}

export const userClient = clientOf<UserClient>('user');

/** Whether an account exists and is active (its public profile answers); other failures propagate. */
export async function accountExists(users: UserClient, userId: string): Promise<boolean> {
  try {
    await users.getPublicProfile(userId);
    return true;
  } catch (e) {
    if (isAppError(e) && e.status === 404) return false;
    throw e;
  }
}
export const userCommands = commandsOf<UserCommands>('user');

// Cached public profiles are dropped on every change, in every process (and by other services'
// caches subscribing the same way); the afterCommit hook already did so in the writing process.
const invalidateProfileCache = consumerOf<UserEventMap>()('user.invalidate-profile-cache', [
  'user.profile_updated',
  'user.roles_changed',
  'user.suspended',
  'user.reactivated',
  'user.deleted',
]);

// A role revocation's marker, written again from the outbox: the commit's own hook may be lost.
const endRevokedRoles = consumerOf<UserEventMap>()('user.end-revoked-roles', ['user.roles_changed']);

/** The user service (用户服务): accounts, SMS and password login, tokens and JWKS, profiles, PIPL. */
export const userModule: ServiceModule<UserDB, UserClient, UserCommands> = {
  name: 'user',
  migrations: userMigrations,
  client: userClient,
  consumers: [invalidateProfileCache, endRevokedRoles],
  create(ctx) {
    const { db: sdb, config, clock, ids, log, cache } = ctx;
    const pii = createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`);
    const repo = createUserRepository(sdb);
    const tokens = createTokenService({ sdb, repo, config, clock, pii, cache, log });
    const sms = createSmsProvider(config.sms, { clock, log });
    // Answers show instants in the business time zone, as the job service's do.
    const at = createInstantFormatter(config.businessTimeZone);
    const auth = createAuthService({ sdb, repo, tokens, sms, pii, cache, clock, ids, config, log, at });
    const profiles = createProfileService({
      sdb,
      repo,
      auth,
      pii,
      cache,
      storage: ctx.storage,
      cursors: ctx.cursors,
      clock,
      ids,
      log,
      at,
    });
    const notices = createSmsNotices({ repo, pii, sms });
    const client: UserClient = {
      async getPublicProfile(userId) {
        assertNoTransaction('UserClient.getPublicProfile');
        return profiles.getPublic(userId);
      },
      async sendSmsNotice(userId, template, params) {
        assertNoTransaction('UserClient.sendSmsNotice');
        return notices.send(userId, template, params);
      },
    };
    return {
      client,
      verifier: tokens.verifier,
      schedules: [
        {
          name: 'user.purge-expired',
          every: '1h',
          // Old SMS codes, spent daily quotas and sessions past their absolute expiry. The deletes
          // meet sign-ins' upserts of the same tables: a deadlock is retried, not reported.
          run: async () => {
            await retryOnDeadlock(() => repo.purgeExpired(clock.now()));
            while ((await retryOnDeadlock(() => repo.purgeRefreshTokens(clock.now()))) > 0);
          },
        },
      ],
      handlers: [
        invalidateProfileCache.handle(async (event) => {
          await profiles.invalidate(event.payload.userId);
        }),
        endRevokedRoles.handle(async ({ payload }) => {
          if (payload.revoked) await auth.markRolesRevoked(payload.userId, payload.version);
        }),
      ],
      commands: { createAdmin: (phone, name) => profiles.createAdmin(phone, name) },
      async routes(app) {
        await registerAuthRoutes(app, auth, tokens, config);
        await registerUserRoutes(app, profiles, tokens, notices);
      },
      seed: () => seedDemoAccounts({ sdb, repo, pii, ids }),
    };
  },
  remote({ baseUrl, config, clock, log, cache }) {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    const client: UserClient = {
      async getPublicProfile(userId) {
        return (await http.request<PublicProfile>('GET', `/internal/v1/users/${encodeURIComponent(userId)}`))
          .body;
      },
      async sendSmsNotice(userId, template, params) {
        const path = `/internal/v1/users/${encodeURIComponent(userId)}/sms-notices`;
        return (await http.request<{ sent: boolean }>('POST', path, { template, params })).body.sent;
      },
    };
    return { client, verifier: createRemoteVerifier({ userServiceUrl: baseUrl, config, clock, cache }) };
  },
};
