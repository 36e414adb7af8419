import { createInstantFormatter } from '../../platform/clock.js';
import { assertNoTransaction } from '../../platform/db/service-database.js';
import { consumerOf } from '../../platform/events/types.js';
import { createServiceHttpClient } from '../../platform/http-client.js';
import { createPiiCipher } from '../../platform/pii.js';
import { clientOf, type ServiceModule } from '../../platform/service.js';
import type { UserEventMap } from '../user/index.js';
import { manualIdentityProvider, type IdentityProvider } from './identity-provider.js';
import { verificationMigrations } from './migrations/index.js';
import { createTencentFaceIdProvider } from './tencent-faceid.js';
import { verificationConfig } from './verification.config.js';
import type { VerificationDB } from './verification.db.js';
import { createVerificationRepository } from './verification.repository.js';
import { registerVerificationRoutes } from './verification.routes.js';
import { createVerificationService } from './verification.service.js';
import type { VerificationKind } from './verification.events.js';

export type { VerificationEventMap, VerificationKind, VerificationChanged } from './verification.events.js';
export { verificationConfig, type VerificationConfig } from './verification.config.js';

export type VerificationStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'revoked';

/** A user's real-name standing; `name` is the verified name in full, only when approved. */
export interface IdentityStatus {
  userId: string;
  status: VerificationStatus;
  name: string | null;
  verifiedAt: string | null;
}

export interface EnterpriseStatus {
  userId: string;
  status: VerificationStatus;
  companyName: string | null;
  creditCode: string | null;
  verifiedAt: string | null;
}

/**
 * What other services may ask of the verification service: the payment service the verified name
 * (a withdrawal's payee must match it), the order service an applicant's age (a job's minAge). In
 * one process it calls the service directly; split, it is an HTTP client to the internal routes.
 * Never call it inside a transaction.
 */
export interface VerificationClient {
  identity(userId: string): Promise<IdentityStatus>;
  enterprise(userId: string): Promise<EnterpriseStatus>;
  /** Whole years on `date` (YYYY-MM-DD, business calendar); null when the real name is not verified. */
  ageOn(userId: string, date: string): Promise<number | null>;
}

export const verificationClient = clientOf<VerificationClient>('verification');

// A deleted account's verification data is erased (PIPL); see VerificationService.erase.
const eraseDeleted = consumerOf<UserEventMap>()('verification.erase-deleted', ['user.deleted']);

/** The verification service (认证服务): real names, companies, the review queue, the verified badge. */
export const verificationModule: ServiceModule<VerificationDB, VerificationClient> = {
  name: 'verification',
  migrations: verificationMigrations,
  config: verificationConfig,
  client: verificationClient,
  consumers: [eraseDeleted],
  create(ctx) {
    const { db: sdb, config, clock, ids, log } = ctx;
    const settings = verificationConfig.of(config);
    const p = settings.identityProvider;
    const provider: IdentityProvider =
      p.name === 'tencent'
        ? createTencentFaceIdProvider({
            secretId: p.secretId,
            secretKey: p.secretKey,
            region: p.region,
            ...(p.endpoint ? { endpoint: p.endpoint } : {}),
            now: () => clock.now(),
          })
        : manualIdentityProvider;
    const verifications = createVerificationService({
      sdb,
      repo: createVerificationRepository(sdb),
      pii: createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`),
      storage: ctx.storage,
      provider,
      cursors: ctx.cursors,
      clock,
      ids,
      log,
      at: createInstantFormatter(config.businessTimeZone),
      options: {
        timeZone: config.businessTimeZone,
        dailyAttempts: settings.dailyAttempts,
        minAge: settings.minAge,
      },
    });
    const client: VerificationClient = {
      async identity(userId) {
        assertNoTransaction('VerificationClient.identity');
        return verifications.identityStatus(userId);
      },
      async enterprise(userId) {
        assertNoTransaction('VerificationClient.enterprise');
        return verifications.enterpriseStatus(userId);
      },
      async ageOn(userId, date) {
        assertNoTransaction('VerificationClient.ageOn');
        return verifications.ageOn(userId, date);
      },
    };
    return {
      client,
      handlers: [
        eraseDeleted.handle<VerificationDB>(async ({ payload }, tx) =>
          verifications.erase(tx, payload.userId),
        ),
      ],
      routes: (app) => registerVerificationRoutes(app, verifications),
    };
  },
  remote({ baseUrl, config, clock, log }) {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    const path = (userId: string, what: VerificationKind | 'age') =>
      `/internal/v1/verifications/${encodeURIComponent(userId)}/${what}`;
    const client: VerificationClient = {
      async identity(userId) {
        return (await http.request<IdentityStatus>('GET', path(userId, 'identity'))).body;
      },
      async enterprise(userId) {
        return (await http.request<EnterpriseStatus>('GET', path(userId, 'enterprise'))).body;
      },
      async ageOn(userId, date) {
        const query = new URLSearchParams({ on: date });
        return (
          await http.request<{ age: number | null }>('GET', `${path(userId, 'age')}?${query.toString()}`)
        ).body.age;
      },
    };
    return { client };
  },
};
