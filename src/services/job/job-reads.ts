import { readPage, type Page, type PageRequest } from '../../platform/cursor.js';
import type { Principal } from '../../platform/http/auth.js';
import type { Logger } from '../../platform/log.js';
import { publicKey, type EmployerReputation, type JobContext } from './job-context.js';
import type { JobStatus } from './job.db.js';
import { JobErrors } from './job.errors.js';
import {
  toPublicJob,
  toSummary,
  type JobRow,
  type JobSummary,
  type OwnerJob,
  type PublicJob,
} from './job.mappers.js';
import type { JobRepository } from './job.repository.js';
import { isPublic } from './job.states.js';

const PUBLIC_TTL_MS = 60_000;
const VIEW_FLUSH_MS = 5_000;

export type PublicJobDetail = PublicJob & {
  viewCount: number;
  employerReputation: EmployerReputation | null;
};

/**
 * View counts, buffered per process and added in batches: a public read must not write, and a
 * crash loses at most one interval's counts.
 */
export function createViewCounter(repo: JobRepository, log: Logger) {
  let views = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  async function flush(): Promise<void> {
    if (views.size === 0) return;
    const batch = views;
    views = new Map();
    try {
      await repo.addViews(batch);
    } catch (e) {
      log.warn({ err: e, jobs: batch.size }, 'job view counts could not be saved');
    }
  }
  return {
    flush,
    count: (id: string): void => {
      views.set(id, (views.get(id) ?? 0) + 1);
      timer ??= setInterval(() => void flush(), VIEW_FLUSH_MS).unref();
    },
    stop: async (): Promise<void> => {
      if (timer) clearInterval(timer);
      await flush();
    },
  };
}

export type ViewCounter = ReturnType<typeof createViewCounter>;

/** Reading jobs: the public view (cached), the owner's view, lists and the feed of open jobs. */
export function createJobReads(ctx: JobContext, views: ViewCounter) {
  const { repo, cache, cursors, options } = ctx;

  async function summaries(rows: JobRow[]): Promise<JobSummary[]> {
    const totals = await repo.shiftTotals(rows.map((r) => r.id));
    return rows.map((r) => toSummary(r, totals.get(r.id) ?? { headcount: 0, hired: 0 }, options.timeZone));
  }

  return {
    async getPublic(id: string): Promise<PublicJobDetail> {
      const job = await cache.getOrLoad<PublicJobDetail>(publicKey(id), PUBLIC_TTL_MS, async () => {
        const row = await repo.findJob(id);
        if (!row || !isPublic(row)) return undefined;
        // The employer's reputation is cached with the view: at most the view's TTL behind.
        return {
          ...toPublicJob(row, await repo.findShifts(id), await ctx.mapper()),
          viewCount: Number(row.view_count),
          employerReputation: await ctx.reputation(row.employer_id),
        };
      });
      if (!job) throw JobErrors.JOB_NOT_FOUND();
      views.count(id);
      return job;
    },

    async getOwned(caller: Principal, id: string): Promise<OwnerJob> {
      await views.flush();
      const row = await repo.findJob(id);
      if (!row || (row.employer_id !== caller.userId && !caller.roles.includes('admin'))) {
        throw JobErrors.JOB_NOT_FOUND();
      }
      return ctx.ownerView({ row, shifts: await repo.findShifts(id) });
    },

    async listMine(
      owner: Principal,
      query: PageRequest & { status?: JobStatus },
    ): Promise<Page<JobSummary> & { counts: Record<string, number> }> {
      await views.flush();
      const page = await readPage(
        cursors,
        `jobs-mine:${owner.userId}:${query.status ?? ''}`,
        query,
        (after, limit) => repo.listByEmployer(owner.userId, { status: query.status, after, limit }),
        summaries,
      );
      return { ...page, counts: await repo.countByStatus(owner.userId) };
    },

    async reviewQueue(query: PageRequest): Promise<Page<JobSummary>> {
      return readPage(
        cursors,
        'jobs-review',
        query,
        (after, limit) => repo.listInReview({ after, limit }),
        summaries,
      );
    },

    /**
     * Open jobs in id order, a page at a time, for read models that rebuild from scratch (the search
     * index). Pass the last id of a page to get the next; an empty page is the end.
     */
    async listOpen(afterId: string, limit: number): Promise<PublicJob[]> {
      const rows = await repo.listOpen(afterId, limit);
      const shifts = await repo.findShiftsOf(rows.map((r) => r.id));
      const mapperContext = await ctx.mapper();
      return rows.map((r) => toPublicJob(r, shifts.get(r.id)!, mapperContext));
    },
  };
}
