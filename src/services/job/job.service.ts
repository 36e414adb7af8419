import { createJobCreation } from './create-job.js';
import { createJobEditing } from './edit-job.js';
import { createEmployerVerification } from './employer-verification.js';
import { createJobContext, publicKey, type JobServiceDeps } from './job-context.js';
import { createJobHires } from './job-hires.js';
import { createJobLifecycle } from './job-lifecycle.js';
import { createJobReads, createViewCounter } from './job-reads.js';

export type { JobServiceDeps, JobServiceOptions } from './job-context.js';
export { ARCHIVE_AFTER_MS } from './job-lifecycle.js';
export type { PublicJobDetail } from './job-reads.js';

/**
 * The job service's use cases, one file each: create-job.ts, edit-job.ts, job-lifecycle.ts
 * (submit, close, archive, admin review, schedules), job-hires.ts (the order seam),
 * employer-verification.ts (the verified-employer badge) and job-reads.ts. Every change to a job
 * runs in one transaction that locks the job row, bumps its version, stores the public view of that
 * version (job_versions) and publishes the matching event once the job has ever been public
 * (job-context.ts).
 */
export function createJobService(deps: JobServiceDeps) {
  const ctx = createJobContext(deps);
  const views = createViewCounter(deps.repo, deps.log);
  return {
    ...createJobCreation(ctx),
    ...createJobEditing(ctx),
    ...createJobLifecycle(ctx),
    ...createJobHires(ctx),
    ...createEmployerVerification(ctx),
    ...createJobReads(ctx, views),
    invalidate: (id: string) => deps.cache.delete(publicKey(id)),
    flushViews: views.flush,
    shutdown: views.stop,
  };
}

export type JobService = ReturnType<typeof createJobService>;
