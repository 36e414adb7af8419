import type { App } from '../../platform/http/server.js';
import { DEFAULT_PAGE_SIZE, IdParams, ListQuery } from '../../platform/schemas.js';
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
import { JobErrors } from './job.errors.js';
import * as examples from './job.examples.js';

const tags = ['jobs'];

/** The errors of the routes (examples of each code, for the API description: route-docs.ts). */
const changeErrors = [
  JobErrors.JOB_NOT_FOUND(),
  JobErrors.JOB_VERSION_CONFLICT({ current: 4 }),
  JobErrors.JOB_STATE_INVALID({ status: 'open', action: 'submitted' }),
];
const termErrors = [
  JobErrors.CATEGORY_UNKNOWN({ code: 'space.pilot' }),
  JobErrors.CATEGORY_DISABLED({ code: 'housekeeping.windows' }),
  JobErrors.INSTANT_INVALID(),
  JobErrors.SHIFT_INVALID(),
  JobErrors.SHIFT_IN_PAST(),
  JobErrors.SHIFT_TOO_FAR(),
  JobErrors.PAY_UNIT_REQUIRED(),
  JobErrors.LOCATION_OUT_OF_CHINA(),
  JobErrors.LOCATION_REQUIRED(),
  JobErrors.ADDRESS_NOT_FOUND(),
  JobErrors.GEOCODER_UNAVAILABLE(),
  JobErrors.JOB_CONTENT_REFUSED({ reason: '含违禁内容' }),
];
const adminErrors = [
  JobErrors.JOB_NOT_FOUND(),
  JobErrors.JOB_STATE_INVALID({ status: 'open', action: 'approved' }),
];
const PAY_RULE =
  'Pay is integer fen (分) per unit of `pay.type`; a piece rate (`type: piece`) needs `pay.unit` ' +
  '(e.g. 件, 单), refused with PAY_UNIT_REQUIRED otherwise. Coordinates of `place.location` are GCJ-02 ' +
  'unless `system: wgs84`; without them the address is geocoded when a geocoder is configured.';
const params = { id: examples.EXAMPLE_JOB_ID };
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
    {
      schema: {
        tags,
        summary: 'The gig category tree (工种分类)',
        description:
          'Every category with its children, names in zh-CN and English; disabled ones are listed ' +
          'for old posts but refused for new ones (CATEGORY_DISABLED).',
        response: { 200: CategoriesResponse },
        responseDescription: 'The category tree',
        example: { response: examples.categoriesExample },
      },
    },
    async () => categories.tree(),
  );

  // Employers
  app.post(
    '/api/v1/jobs',
    {
      schema: {
        tags,
        summary: 'Draft a job (Idempotency-Key supported)',
        description:
          'Stores a job post as a draft at version 1 after checking its terms and moderating it. ' +
          `${PAY_RULE} Submit it to publish.`,
        body: CreateJobBody,
        response: { 201: OwnerJobSchema },
        responseDescription: 'The draft, as its owner sees it',
        errors: termErrors,
        example: { body: examples.createJobExample, response: examples.draftJobExample },
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
        description: "The signed-in employer's jobs, a page at a time, optionally of one state.",
        querystring: MineQuery,
        response: { 200: MineResponse },
        responseDescription: 'A page of my jobs and the count of each state',
        example: { query: { status: 'open', limit: 20 }, response: examples.mineExample },
      },
      config: employer,
    },
    async (req) =>
      jobs.listMine(principalOf(req), {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
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
        description: "The job as its employer (or an admin) sees it; another employer's job is not found.",
        params: IdParams,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job, as its owner sees it',
        errors: [JobErrors.JOB_NOT_FOUND()],
        example: { params, response: examples.ownerJobExample },
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
        description:
          'Changes the fields sent, if `version` is still the current one (else JOB_VERSION_CONFLICT). ' +
          'Once someone is hired, pay, place and the times of hired shifts are locked (JOB_TERMS_LOCKED). ' +
          PAY_RULE,
        params: IdParams,
        body: UpdateJobBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job at its new version',
        errors: [
          ...changeErrors,
          JobErrors.JOB_TERMS_LOCKED({ term: 'pay' }),
          JobErrors.SHIFT_NOT_FOUND(),
          JobErrors.SHIFT_HEADCOUNT_BELOW_HIRED({ hired: 2 }),
          ...termErrors,
        ],
        example: {
          params,
          body: { version: 3, title: '商场日常保洁 日结220元', pay: { type: 'daily', amountFen: 22000 } },
          response: examples.editedJobExample,
        },
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
        description:
          'Moderates the draft at `version`: it opens, waits for an admin (in_review), or is refused ' +
          '(JOB_CONTENT_REFUSED with the reason).',
        params: IdParams,
        body: VersionBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job, open or in review',
        errors: [...changeErrors, JobErrors.JOB_CONTENT_REFUSED({ reason: '含违禁内容' })],
        example: { params, body: { version: 1 }, response: examples.submittedJobExample },
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
        description: 'Stops an open or filled job taking hires, with an optional reason shown to applicants.',
        params: IdParams,
        body: CloseBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The closed job',
        errors: changeErrors,
        example: { params, body: { version: 5, reason: '人已招满' }, response: examples.closedJobExample },
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
        description: 'Moves a job out of the lists; archived jobs cannot change any more.',
        params: IdParams,
        body: VersionBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The archived job',
        errors: changeErrors,
        example: { params, body: { version: 6 }, response: examples.archivedJobExample },
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
        description:
          'A published job (open, filled, closed or expired) with a masked contact phone; drafts, ' +
          'jobs in review and jobs an admin took down are not found (their employer reads them at /manage).',
        params: IdParams,
        response: { 200: PublicJobSchema },
        responseDescription: 'The job, as the public sees it',
        errors: [JobErrors.JOB_NOT_FOUND()],
        example: { params, response: examples.publicJobExample },
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
        description: 'The moderation queue: jobs in review, oldest first, a page at a time.',
        querystring: ListQuery,
        response: { 200: ReviewQueueResponse },
        responseDescription: 'A page of jobs in review',
        example: { query: { limit: 20 }, response: examples.reviewQueueExample },
      },
      config: admin,
    },
    async (req) =>
      jobs.reviewQueue({
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        ...(req.query.cursor ? { cursor: req.query.cursor } : {}),
      }),
  );
  app.post(
    '/api/v1/admin/jobs/:id/approve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Approve a job in review (it opens)',
        description: 'Opens a job in review, with an optional note to the employer (audited).',
        params: IdParams,
        body: ApproveBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job, now open',
        errors: adminErrors,
        example: { params, body: { note: '已核实' }, response: examples.approvedJobExample },
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
        description: 'Sends a job in review back to draft with the reason the employer sees (audited).',
        params: IdParams,
        body: ReasonBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job, a draft again',
        errors: adminErrors,
        example: { params, body: { reason: '薪资描述不清' }, response: examples.rejectedJobExample },
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
        description:
          'Closes an open, filled or in-review job that breaks a policy, with the reason (audited); ' +
          'from then on only its employer and admins can read it.',
        params: IdParams,
        body: ReasonBody,
        response: { 200: OwnerJobSchema },
        responseDescription: 'The job, taken down',
        errors: adminErrors,
        example: { params, body: { reason: '涉嫌虚假招聘' }, response: examples.takenDownJobExample },
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
        description: 'Changes the names of a category or disables it for new posts (existing posts keep it).',
        params: CodeParams,
        body: CategoryPatchBody,
        response: { 200: CategorySchema },
        responseDescription: 'The category as it is now',
        errors: [JobErrors.CATEGORY_UNKNOWN({ code: 'space.pilot' })],
        example: {
          params: { code: 'housekeeping.cleaner' },
          body: { zh: '保洁员', enabled: true },
          response: examples.categoryExample,
        },
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
        description:
          'The pay, settlement, place and shifts of a job as they were at `version` (service token).',
        params: IdParams,
        querystring: TermsQuery,
        response: { 200: TermsSchema },
        responseDescription: 'The terms at that version',
        errors: [JobErrors.JOB_NOT_FOUND()],
        example: { params, query: { version: 3 }, response: examples.termsExample },
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
        description:
          'Open jobs with ids after `after`, in id order (service token), for rebuilding read models.',
        querystring: OpenJobsQuery,
        response: { 200: OpenJobsResponse },
        responseDescription: 'The next open jobs (an empty list at the end)',
        example: {
          query: { after: '01JEXAMP1EJ0B0000000000000', limit: 500 },
          response: examples.openJobsExample,
        },
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
        description:
          'Sets the number hired on a shift (service token); the first hire locks its times and the ' +
          "job's pay and place. Refused if the job changed since `version` or the shift is full.",
        params: ShiftParams,
        body: HiresBody,
        response: { 200: HiresResponse },
        responseDescription: "The shift's hires and the job's version and state after them",
        errors: [
          JobErrors.JOB_NOT_FOUND(),
          JobErrors.JOB_VERSION_CONFLICT({ current: 4 }),
          JobErrors.JOB_STATE_INVALID({ status: 'closed', action: 'hired on' }),
          JobErrors.SHIFT_NOT_FOUND(),
          JobErrors.SHIFT_FULL(),
        ],
        example: {
          params: { id: examples.EXAMPLE_JOB_ID, shiftId: examples.EXAMPLE_SHIFT_ID },
          body: { hired: 2, version: 3 },
          response: examples.hiresExample,
        },
      },
      config: { internal: true },
    },
    async (req) => jobs.recordHires(req.params.id, req.params.shiftId, req.body.hired, req.body.version),
  );
}
