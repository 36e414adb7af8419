import type { App } from '../../platform/http/server.js';
import { IdParams, ListQuery } from '../../platform/schemas.js';
import { principalOf } from '../../platform/http/auth.js';
import type { IdempotencyHooks } from '../../platform/http/idempotency.js';
import type { CategoryService } from './categories.js';
import {
  ApproveBody,
  CategoriesResponse,
  CategoryPatchBody,
  CategorySchema,
  CloseBody,
  CodeParams,
  CreateJobBody,
  HiresBody,
  HiresResponse,
  MineQuery,
  MineResponse,
  OpenJobsQuery,
  OpenJobsResponse,
  OwnerJobSchema,
  PublicJobSchema,
  ReasonBody,
  ReviewQueueResponse,
  ShiftParams,
  TermsQuery,
  TermsSchema,
  UpdateJobBody,
  VersionBody,
} from './job.schemas.js';
import type { JobService } from './job.service.js';

const tags = ['jobs'];
const employer = { auth: ['employer'] as const };
const admin = { auth: ['admin'] as const };

export async function registerJobRoutes(
  app: App,
  jobs: JobService,
  categories: CategoryService,
  createIdempotency: IdempotencyHooks,
): Promise<void> {
  app.get(
    '/api/v1/categories',
    { schema: { tags, summary: 'The gig category tree (工种分类)', response: { 200: CategoriesResponse } } },
    async () => categories.tree(),
  );

  // Employers
  app.post(
    '/api/v1/jobs',
    {
      schema: {
        tags,
        summary: 'Draft a job (Idempotency-Key supported)',
        body: CreateJobBody,
        response: { 201: OwnerJobSchema },
      },
      config: employer,
      ...createIdempotency,
    },
    async (req, reply) => reply.code(201).send(await jobs.create(principalOf(req), req.body)),
  );
  app.get(
    '/api/v1/jobs/mine',
    {
      schema: {
        tags,
        summary: 'My jobs, newest first, with counts per state',
        querystring: MineQuery,
        response: { 200: MineResponse },
      },
      config: employer,
    },
    async (req) =>
      jobs.listMine(principalOf(req), {
        limit: req.query.limit ?? 20,
        ...(req.query.status ? { status: req.query.status } : {}),
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );
  app.get(
    '/api/v1/jobs/:id/manage',
    {
      schema: {
        tags,
        summary: "The owner's view of a job (full contact, hires, moderation notes)",
        params: IdParams,
        response: { 200: OwnerJobSchema },
      },
      config: { auth: ['employer', 'admin'] as const },
    },
    async (req) => jobs.getOwned(principalOf(req), req.params.id),
  );
  app.patch(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags,
        summary: 'Edit a job (send the version you edit; terms with hires are locked)',
        params: IdParams,
        body: UpdateJobBody,
        response: { 200: OwnerJobSchema },
      },
      config: employer,
    },
    async (req) => jobs.update(principalOf(req), req.params.id, req.body),
  );
  app.post(
    '/api/v1/jobs/:id/submit',
    {
      schema: {
        tags,
        summary: 'Submit a draft: it opens, waits for review, or is refused with the reason',
        params: IdParams,
        body: VersionBody,
        response: { 200: OwnerJobSchema },
      },
      config: employer,
    },
    async (req) => jobs.submit(principalOf(req), req.params.id, req.body.version),
  );
  app.post(
    '/api/v1/jobs/:id/close',
    {
      schema: {
        tags,
        summary: 'Close a job',
        params: IdParams,
        body: CloseBody,
        response: { 200: OwnerJobSchema },
      },
      config: employer,
    },
    async (req) => jobs.close(principalOf(req), req.params.id, req.body.version, req.body.reason),
  );
  app.post(
    '/api/v1/jobs/:id/archive',
    {
      schema: {
        tags,
        summary: 'Archive a draft, closed or expired job',
        params: IdParams,
        body: VersionBody,
        response: { 200: OwnerJobSchema },
      },
      config: employer,
    },
    async (req) => jobs.archive(principalOf(req), req.params.id, req.body.version),
  );

  // Anyone
  app.get(
    '/api/v1/jobs/:id',
    {
      schema: {
        tags,
        summary: 'A job as the public sees it (cached; counts a view)',
        params: IdParams,
        response: { 200: PublicJobSchema },
      },
    },
    async (req) => jobs.getPublic(req.params.id),
  );

  // Admin (audited)
  app.get(
    '/api/v1/admin/jobs/review-queue',
    {
      schema: {
        tags: ['admin'],
        summary: 'Jobs waiting for review, oldest first',
        querystring: ListQuery,
        response: { 200: ReviewQueueResponse },
      },
      config: admin,
    },
    async (req) =>
      jobs.reviewQueue({
        limit: req.query.limit ?? 20,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );
  app.post(
    '/api/v1/admin/jobs/:id/approve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Approve a job in review (it opens)',
        params: IdParams,
        body: ApproveBody,
        response: { 200: OwnerJobSchema },
      },
      config: admin,
    },
    async (req) => jobs.approve(principalOf(req), req.params.id, req.body.note),
  );
  app.post(
    '/api/v1/admin/jobs/:id/reject',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reject a job in review (back to draft with the reason)',
        params: IdParams,
        body: ReasonBody,
        response: { 200: OwnerJobSchema },
      },
      config: admin,
    },
    async (req) => jobs.reject(principalOf(req), req.params.id, req.body.reason),
  );
  app.post(
    '/api/v1/admin/jobs/:id/take-down',
    {
      schema: {
        tags: ['admin'],
        summary: 'Close a live job for a policy reason',
        params: IdParams,
        body: ReasonBody,
        response: { 200: OwnerJobSchema },
      },
      config: admin,
    },
    async (req) => jobs.takeDown(principalOf(req), req.params.id, req.body.reason),
  );
  app.patch(
    '/api/v1/admin/categories/:code',
    {
      schema: {
        tags: ['admin'],
        summary: 'Rename a category or stop new posts from using it',
        params: CodeParams,
        body: CategoryPatchBody,
        response: { 200: CategorySchema },
      },
      config: admin,
    },
    async (req) => categories.update(principalOf(req), req.params.code, req.body),
  );

  // Internal: the job client over HTTP (service token required).
  app.get(
    '/internal/v1/jobs/:id/terms',
    {
      schema: {
        tags: ['internal'],
        summary: 'Terms of a job at a version (default: current)',
        params: IdParams,
        querystring: TermsQuery,
        response: { 200: TermsSchema },
      },
      config: { internal: true },
    },
    async (req) => jobs.getTerms(req.params.id, req.query.version),
  );
  app.get(
    '/internal/v1/jobs/open',
    {
      schema: {
        tags: ['internal'],
        summary: 'Open jobs in id order, a page at a time (for read models that rebuild)',
        querystring: OpenJobsQuery,
        response: { 200: OpenJobsResponse },
      },
      config: { internal: true },
    },
    async (req) => ({ items: await jobs.listOpen(req.query.after ?? '', req.query.limit ?? 500) }),
  );
  app.put(
    '/internal/v1/jobs/:id/shifts/:shiftId/hires',
    {
      schema: {
        tags: ['internal'],
        summary: 'Report the number of hires on a shift (absolute; idempotent)',
        params: ShiftParams,
        body: HiresBody,
        response: { 200: HiresResponse },
      },
      config: { internal: true },
    },
    async (req) => jobs.recordHires(req.params.id, req.params.shiftId, req.body.hired, req.body.version),
  );
}
