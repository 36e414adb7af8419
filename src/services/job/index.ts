import { assertNoTransaction } from '../../platform/db/service-database.js';
import { createServiceHttpClient } from '../../platform/http-client.js';
import { createIdempotencyHooks } from '../../platform/http/idempotency.js';
import { createPiiCipher } from '../../platform/pii.js';
import { consumerOf } from '../../platform/events/types.js';
import { clientOf, type ServiceModule } from '../../platform/service.js';
import type { VerificationEventMap } from '../verification/index.js';
import { reviewClient } from '../review/contract.js';
import { createCategoryService } from './categories.js';
import { createAmapGeocoder, noGeocoder } from './geocoding.js';
import { jobConfig } from './job.config.js';
import type { JobDB } from './job.db.js';
import { JOB_CHANGE_EVENTS, type JobEventMap } from './job.events.js';
import type { JobTerms, PublicJob } from './job.mappers.js';
import { createJobRepository } from './job.repository.js';
import { registerJobRoutes } from './job.routes.js';
import { createJobService } from './job.service.js';
import { jobMigrations } from './migrations/index.js';
import { seedDemoJobs } from './seed.js';

export type { JobEventMap, JobChanged, JobEnded, JobChangeEvent } from './job.events.js';
export { JOB_CHANGE_EVENTS } from './job.events.js';
export { jobConfig, type JobConfig } from './job.config.js';
export type { JobTerms, PublicJob } from './job.mappers.js';
export type { PayType, Settlement } from './job.db.js';
export { moderate, type ModerationVerdict } from './moderation.js';

export interface ShiftHires {
  jobId: string;
  shiftId: string;
  version: number;
  status: string;
  hired: number;
  headcount: number;
}

/**
 * What other services may ask of the job service (the order service above all). In one process it
 * calls the service directly; split, it is an HTTP client to the internal routes. Never call it
 * inside a transaction.
 */
export interface JobClient {
  /** The job's terms at `version` (the current version when omitted). */
  getTerms(jobId: string, version?: number): Promise<JobTerms>;
  /**
   * Reports the absolute number of hires on a shift, read at job `version`; the first hire locks the
   * shift's times and the job's pay and place. Refused (409) if the job changed since `version`.
   */
  recordHires(jobId: string, shiftId: string, hired: number, version: number): Promise<ShiftHires>;
  /** Open jobs in id order after `afterId` ('' for the first page); an empty page is the end. */
  listOpen(afterId: string, limit: number): Promise<PublicJob[]>;
}

/** The job service's client contract, by which other services ask for it. */
export const jobClient = clientOf<JobClient>('job');

const jobConsumer = consumerOf<JobEventMap>();
// Cached public views and the category tree are dropped on change in every process (the writing
// process already did so after its commit).
const invalidateCache = jobConsumer('job.invalidate-cache', JOB_CHANGE_EVENTS);
const invalidateCategories = jobConsumer('job.invalidate-categories', ['job.categories_changed']);
// The verified-employer badge follows the employer's enterprise verification (employer-verification.ts).
const employerVerification = consumerOf<VerificationEventMap>()('job.employer-verification', [
  'verification.approved',
  'verification.revoked',
]);

/** The job service (工作服务): posts, shifts and headcount, pay terms, places, moderation, lifecycle. */
export const jobModule: ServiceModule<JobDB, JobClient> = {
  name: 'job',
  migrations: jobMigrations,
  config: jobConfig,
  client: jobClient,
  uses: [reviewClient],
  consumers: [invalidateCache, invalidateCategories, employerVerification],
  create(ctx) {
    const { db: sdb, config, clock, ids, log, cache } = ctx;
    const repo = createJobRepository(sdb);
    const categories = createCategoryService({ sdb, repo, cache, ids });
    const settings = jobConfig.of(config);
    const geocoder =
      settings.geocoder.provider === 'amap'
        ? createAmapGeocoder({
            key: settings.geocoder.key,
            ...(settings.geocoder.privateKey ? { privateKey: settings.geocoder.privateKey } : {}),
          })
        : noGeocoder;
    const jobs = createJobService({
      sdb,
      repo,
      categories,
      geocoder,
      pii: createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`),
      cache,
      cursors: ctx.cursors,
      deadlines: ctx.deadlines,
      clock,
      ids,
      log,
      options: { timeZone: config.businessTimeZone, review: settings.review },
      async reputation(employerId) {
        try {
          const r = (await ctx.clients.get(reviewClient).summaries([employerId])).get(employerId);
          if (!r) return null;
          return {
            creditScore: r.credit.score,
            creditLevel: r.credit.level,
            rating: { count: r.asEmployer.count, average: r.asEmployer.average },
          };
        } catch (e) {
          log.warn({ err: e, employerId }, 'job: the employer reputation could not be read');
          return null;
        }
      },
    });
    const client: JobClient = {
      async getTerms(jobId, version) {
        assertNoTransaction('JobClient.getTerms');
        return jobs.getTerms(jobId, version);
      },
      async recordHires(jobId, shiftId, hired, version) {
        assertNoTransaction('JobClient.recordHires');
        return jobs.recordHires(jobId, shiftId, hired, version);
      },
      async listOpen(afterId, limit) {
        assertNoTransaction('JobClient.listOpen');
        return jobs.listOpen(afterId, limit);
      },
    };
    return {
      client,
      schedules: [
        // Missed ticks coalesce into one run, which catches up on everything due.
        { name: 'job.expire-ended', every: '1m', run: async () => void (await jobs.expireEnded()) },
        { name: 'job.archive-old', every: '1h', run: async () => void (await jobs.archiveOld()) },
      ],
      handlers: [
        invalidateCache.handle(async (event) => {
          await jobs.invalidate(event.payload.jobId);
        }),
        invalidateCategories.handle(async () => {
          await categories.invalidate();
        }),
        employerVerification.handle<JobDB>(async (event, tx) => {
          const { userId, kind, version } = event.payload;
          if (kind === 'identity') return; // a person's real name: no badge on jobs
          const verified = event.type === 'verification.approved';
          await jobs.applyEmployerVerification(tx, { employerId: userId, verified, version });
        }),
      ],
      async routes(app) {
        await registerJobRoutes(
          app,
          jobs,
          categories,
          createIdempotencyHooks(sdb, clock, log, { successStatus: 201 }),
        );
      },
      // Demo jobs of the demo employer, in development only (never staging or production).
      ...(config.profile === 'development' ? { seed: () => seedDemoJobs({ jobs, repo, clock }) } : {}),
      close: () => jobs.shutdown(),
    };
  },
  remote({ baseUrl, config, clock, log }) {
    const http = createServiceHttpClient({ baseUrl, serviceToken: config.serviceToken, clock, log });
    const base = (jobId: string) => `/internal/v1/jobs/${encodeURIComponent(jobId)}`;
    const client: JobClient = {
      async getTerms(jobId, version) {
        const query = version === undefined ? '' : `?version=${version}`;
        return (await http.request<JobTerms>('GET', `${base(jobId)}/terms${query}`)).body;
      },
      async recordHires(jobId, shiftId, hired, version) {
        const path = `${base(jobId)}/shifts/${encodeURIComponent(shiftId)}/hires`;
        return (await http.request<ShiftHires>('PUT', path, { hired, version })).body;
      },
      async listOpen(afterId, limit) {
        const query = new URLSearchParams({ limit: String(limit), ...(afterId ? { after: afterId } : {}) });
        return (
          await http.request<{ items: PublicJob[] }>('GET', `/internal/v1/jobs/open?${query.toString()}`)
        ).body.items;
      },
    };
    return { client };
  },
};
