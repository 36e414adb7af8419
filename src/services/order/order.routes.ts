import type { FastifyReply } from 'fastify';
import { principalOf } from '../../platform/http/auth.js';
import type { IdempotencyHooks } from '../../platform/http/idempotency.js';
import type { App } from '../../platform/http/server.js';
import { pageOf, IdParams } from '../../platform/schemas.js';
import { EscrowErrors } from '../payment/index.js';
import { IMAGE_TYPES } from '../../platform/images.js';
import { EVIDENCE_MAX_BYTES, type Disputes } from './disputes.js';
import type { Hiring } from './hiring.js';
import type { OrderReads } from './order-reads.js';
import { OrderErrors } from './order.errors.js';
import * as ex from './order.examples.js';
import { toApplicationView, toOrderView } from './order.mappers.js';
import type { OrderContext } from './order-context.js';
import {
  AdjustBody,
  AdminOrdersQuery,
  AgreementSchema,
  ApplicantPage,
  ApplicantsQuery,
  ApplicationPage,
  ApplicationViewSchema,
  ApplyAnswer,
  ApplyBody,
  CancelBody,
  DecideBody,
  DisputeBody,
  DisputePage,
  DisputeParams,
  DisputeQueueQuery,
  DisputeSchema,
  EndApplicationBody,
  EvidenceParams,
  FixBody,
  ForceBody,
  HireBody,
  InviteBody,
  JobParams,
  JobSettingsBody,
  JobSettingsSchema,
  JobShiftParams,
  MyOrdersQuery,
  OrderDetailSchema,
  OrderPage,
  OrderViewSchema,
  PiecesBody,
  RespondBody,
} from './order.schemas.js';
import type { Work } from './work.js';
import Type from 'typebox';

const tags = ['order'];
const admin = { auth: ['admin'] as const };
const FILE_TYPES = Object.keys(IMAGE_TYPES);
const E = OrderErrors;
const orderParams = { id: ex.EXAMPLE_ORDER_ID };
const appParams = { id: ex.EXAMPLE_APPLICATION_ID };
const shiftParams = { jobId: ex.EXAMPLE_JOB_ID, shiftId: ex.EXAMPLE_SHIFT_ID };
const disputeParams = { id: ex.EXAMPLE_ORDER_ID, disputeId: ex.EXAMPLE_DISPUTE_ID };
const orderMissing = E.ORDER_NOT_FOUND();
const appMissing = E.APPLICATION_NOT_FOUND();
const stateInvalid = (action: string) => E.ORDER_STATE_INVALID({ state: 'completed', action });
const forbidden = (action: string) => E.ORDER_ACTION_FORBIDDEN({ action });
const CodeAnswer = Type.Object({ orderId: Type.String(), code: Type.String({ description: '6 digits' }) });

const sendPrivate = (reply: FastifyReply, file: { data: Buffer; contentType: string }) =>
  reply.type(file.contentType).header('cache-control', 'private, no-store').send(file.data);

export async function registerOrderRoutes(
  app: App,
  ctx: OrderContext,
  parts: { hiring: Hiring; work: Work; disputes: Disputes; reads: OrderReads },
  idempotency: { created: IdempotencyHooks; ok: IdempotencyHooks },
): Promise<void> {
  const { hiring, work, disputes, reads } = parts;
  const order = (row: Parameters<typeof toOrderView>[0]) => toOrderView(row, ctx.at);

  // Applications.
  app.post(
    '/api/v1/jobs/:jobId/shifts/:shiftId/applications',
    {
      schema: {
        tags,
        summary: 'Apply to a shift (Idempotency-Key supported)',
        description:
          "Needs the worker role, an open job that is not mine, a shift that has not started, the job's " +
          'requirements (a minimum age above 16 through my verified real name; the skills on my ' +
          'profile) and fewer open applications than the cap. One application per shift. On a job with ' +
          'auto-hire (抢单) a verified real name is hired at once: the answer then carries the order.',
        params: JobShiftParams,
        body: ApplyBody,
        response: { 201: ApplyAnswer },
        responseDescription: 'The application, and the order when auto-hire hired me',
        errors: [
          E.WORKER_ROLE_REQUIRED(),
          E.JOB_NOT_FOUND(),
          E.OWN_JOB(),
          E.JOB_NOT_OPEN({ status: 'closed' }),
          E.SHIFT_NOT_FOUND(),
          E.SHIFT_STARTED(),
          E.AGE_REQUIREMENT({ minAge: 18 }),
          E.SKILLS_REQUIRED({ missing: 'food.waiter' }),
          E.APPLICATION_LIMIT({ limit: 20 }),
          E.ALREADY_APPLIED(),
        ],
        example: { params: shiftParams, body: { note: '有三年餐厅传菜经验' }, response: ex.applyExample },
      },
      config: { auth: true },
      ...idempotency.created,
    },
    async (req, reply) => {
      const { application, order: hired } = await hiring.apply(
        principalOf(req),
        req.params.jobId,
        req.params.shiftId,
        req.body.note ?? null,
      );
      return reply
        .code(201)
        .send({ application: toApplicationView(application, ctx.at), order: hired ? order(hired) : null });
    },
  );
  app.get(
    '/api/v1/jobs/:jobId/shifts/:shiftId/applications',
    {
      schema: {
        tags,
        summary: "A shift's applicants (employer)",
        description:
          'Applications to a shift of my job, first come first, optionally in one status, each with ' +
          "the worker's public profile and whether the real name is verified.",
        params: JobShiftParams,
        querystring: ApplicantsQuery,
        response: { 200: ApplicantPage },
        responseDescription: 'A page of applicants',
        errors: [E.JOB_NOT_FOUND(), E.SHIFT_NOT_FOUND()],
        example: { params: shiftParams, query: { status: 'pending' }, response: ex.applicantPageExample },
      },
      config: { auth: true },
    },
    async (req) =>
      reads.applicants(
        principalOf(req),
        req.params.jobId,
        req.params.shiftId,
        req.query.status,
        pageOf(req.query),
      ),
  );
  app.post(
    '/api/v1/jobs/:jobId/shifts/:shiftId/invitations',
    {
      schema: {
        tags,
        summary: 'Invite a worker to a shift (employer; Idempotency-Key supported)',
        description:
          'An invitation is an application waiting for the worker: the worker accepting it is the hire. ' +
          'Piece work states the most pieces paid.',
        params: JobShiftParams,
        body: InviteBody,
        response: { 201: ApplicationViewSchema },
        responseDescription: 'The invitation',
        errors: [
          E.JOB_NOT_FOUND(),
          E.SHIFT_NOT_FOUND(),
          E.JOB_NOT_OPEN({ status: 'closed' }),
          E.SHIFT_STARTED(),
          E.INVITEE_NOT_WORKER(),
          E.APPLICATION_LIMIT({ limit: 20 }),
          E.ALREADY_APPLIED(),
        ],
        example: {
          params: shiftParams,
          body: { workerId: ex.EXAMPLE_WORKER_ID },
          response: { ...ex.applicationExample, status: 'invited', source: 'invite', note: null },
        },
      },
      config: { auth: ['employer'] },
      ...idempotency.created,
    },
    async (req, reply) => {
      const row = await hiring.invite(
        principalOf(req),
        req.params.jobId,
        req.params.shiftId,
        req.body.workerId,
        req.body.pieceMax ?? null,
      );
      return reply.code(201).send(toApplicationView(row, ctx.at));
    },
  );
  app.get(
    '/api/v1/applications',
    {
      schema: {
        tags,
        summary: 'My applications and invitations (worker)',
        description: 'Oldest first, each with its status and, once hired, the order.',
        querystring: Type.Object(
          { limit: ApplicantsQuery.properties.limit, cursor: ApplicantsQuery.properties.cursor },
          { additionalProperties: false },
        ),
        response: { 200: ApplicationPage },
        responseDescription: 'A page of my applications',
        example: { query: { limit: 20 }, response: ex.applicationPageExample },
      },
      config: { auth: true },
    },
    async (req) => reads.myApplications(principalOf(req), pageOf(req.query)),
  );
  app.get(
    '/api/v1/applications/:id',
    {
      schema: {
        tags,
        summary: 'One application (its worker or employer)',
        description: 'Anyone else gets 404.',
        params: IdParams,
        response: { 200: ApplicationViewSchema },
        responseDescription: 'The application',
        errors: [appMissing],
        example: { params: appParams, response: ex.applicationExample },
      },
      config: { auth: true },
    },
    async (req) => reads.application(principalOf(req), req.params.id),
  );
  app.post(
    '/api/v1/applications/:id/hire',
    {
      schema: {
        tags,
        summary: 'Hire an applicant: a work order (employer; Idempotency-Key supported)',
        description:
          'Runs the hire workflow: reserves one of the shift’s places (never more than its headcount), ' +
          'reports the count to the job service at the version whose pay, settlement, place and shift ' +
          'times the worker applied to, holds the most the shift can cost (plus the fee when the ' +
          'employer pays it) in escrow from my wallet, and makes the order hired. Any refusal undoes ' +
          'what was done and answers its code. Piece work states the most pieces paid (pieceMax). If the ' +
          'workflow is still running after 10 s the order answers in state hiring.',
        params: IdParams,
        body: HireBody,
        response: { 201: OrderViewSchema },
        responseDescription: 'The order, hired (or still hiring)',
        errors: [
          appMissing,
          E.APPLICATION_STATE_INVALID({ status: 'withdrawn' }),
          E.SHIFT_NOT_FOUND(),
          E.TERMS_CHANGED(),
          E.JOB_NOT_OPEN({ status: 'closed' }),
          E.SHIFT_STARTED(),
          E.SHIFT_FULL(),
          E.PIECE_MAX_REQUIRED(),
          EscrowErrors.ESCROW_INSUFFICIENT_FUNDS({ requiredFen: 21000, availableFen: 5000, shortFen: 16000 }),
          E.HIRE_FAILED(),
        ],
        example: { params: appParams, body: {}, response: ex.orderExample },
      },
      config: { auth: ['employer'] },
      ...idempotency.created,
    },
    async (req, reply) =>
      reply
        .code(201)
        .send(order(await hiring.hire(principalOf(req), req.params.id, req.body.pieceMax ?? null))),
  );
  app.post(
    '/api/v1/applications/:id/accept',
    {
      schema: {
        tags,
        summary: 'Accept an invitation: the hire (worker; Idempotency-Key supported)',
        description: 'The same hire workflow as the employer’s hire; the requirements are checked first.',
        params: IdParams,
        response: { 201: OrderViewSchema },
        responseDescription: 'The order, hired (or still hiring)',
        errors: [
          appMissing,
          E.APPLICATION_STATE_INVALID({ status: 'expired' }),
          E.SHIFT_NOT_FOUND(),
          E.AGE_REQUIREMENT({ minAge: 18 }),
          E.SKILLS_REQUIRED({ missing: 'food.waiter' }),
          E.TERMS_CHANGED(),
          E.JOB_NOT_OPEN({ status: 'closed' }),
          E.SHIFT_STARTED(),
          E.SHIFT_FULL(),
          E.PIECE_MAX_REQUIRED(),
          EscrowErrors.ESCROW_INSUFFICIENT_FUNDS({ requiredFen: 21000, availableFen: 5000, shortFen: 16000 }),
          E.HIRE_FAILED(),
        ],
        example: { params: appParams, response: ex.orderExample },
      },
      config: { auth: ['worker'] },
      ...idempotency.created,
    },
    async (req, reply) => reply.code(201).send(order(await hiring.accept(principalOf(req), req.params.id))),
  );
  for (const [verb, as, summary] of [
    ['withdraw', 'worker', 'Withdraw my application (worker)'],
    ['reject', 'employer', 'Reject an applicant (employer)'],
  ] as const) {
    app.post(
      `/api/v1/applications/:id/${verb}`,
      {
        schema: {
          tags,
          summary,
          description: 'Only a pending or invited application; the reason is shown to the other party.',
          params: IdParams,
          body: EndApplicationBody,
          response: { 200: ApplicationViewSchema },
          responseDescription: 'The application, ended',
          errors: [appMissing, E.APPLICATION_STATE_INVALID({ status: 'hired' })],
          example: {
            params: appParams,
            body: {},
            response: { ...ex.applicationExample, status: verb === 'withdraw' ? 'withdrawn' : 'rejected' },
          },
        },
        config: { auth: [as] },
      },
      async (req) =>
        toApplicationView(
          await hiring.end(principalOf(req), req.params.id, as, req.body.reason ?? null),
          ctx.at,
        ),
    );
  }

  // A job's order settings.
  app.get(
    '/api/v1/jobs/:jobId/order-settings',
    {
      schema: {
        tags,
        summary: "My job's order settings (employer)",
        description:
          'Auto-hire (抢单), the most pieces paid per auto-hired order, the least credit score auto-hire ' +
          'takes, and the check-in fence.',
        params: JobParams,
        response: { 200: JobSettingsSchema },
        responseDescription: 'The settings (defaults until set)',
        errors: [E.JOB_NOT_FOUND()],
        example: { params: { jobId: ex.EXAMPLE_JOB_ID }, response: ex.jobSettingsExample },
      },
      config: { auth: ['employer'] },
    },
    async (req) => reads.jobSettings(principalOf(req), req.params.jobId),
  );
  app.put(
    '/api/v1/jobs/:jobId/order-settings',
    {
      schema: {
        tags,
        summary: "Set my job's order settings (employer)",
        description:
          'Fields left out keep their value. The fence (100–3000 m) applies to orders hired from now on. ' +
          'Auto-hire on piece work needs pieceMax. With minCreditScore, auto-hire takes only workers ' +
          'whose credit score is at least that; the others wait for the employer.',
        params: JobParams,
        body: JobSettingsBody,
        response: { 200: JobSettingsSchema },
        responseDescription: 'The settings',
        errors: [E.JOB_NOT_FOUND(), E.PIECE_MAX_REQUIRED()],
        example: {
          params: { jobId: ex.EXAMPLE_JOB_ID },
          body: { autoHire: true, fenceMeters: 300, minCreditScore: 600 },
          response: ex.jobSettingsExample,
        },
      },
      config: { auth: ['employer'] },
    },
    async (req) => reads.saveJobSettings(principalOf(req), req.params.jobId, req.body),
  );

  // Orders.
  app.get(
    '/api/v1/orders',
    {
      schema: {
        tags,
        summary: 'My orders, as the worker or as the employer',
        description: 'Oldest first, optionally in one state.',
        querystring: MyOrdersQuery,
        response: { 200: OrderPage },
        responseDescription: 'A page of my orders',
        example: { query: { as: 'worker', state: 'hired' }, response: ex.orderPageExample },
      },
      config: { auth: true },
    },
    async (req) =>
      reads.myOrders(principalOf(req), req.query.as ?? 'worker', req.query.state, pageOf(req.query)),
  );
  app.get(
    '/api/v1/orders/:id',
    {
      schema: {
        tags,
        summary: 'One order with its every transition (its worker, its employer, admins)',
        description: 'Who moved it, when, why, from which state to which. Anyone else gets 404.',
        params: IdParams,
        response: { 200: OrderDetailSchema },
        responseDescription: 'The order',
        errors: [orderMissing],
        example: { params: orderParams, response: ex.orderDetailExample },
      },
      config: { auth: true },
    },
    async (req) => reads.order(principalOf(req), req.params.id),
  );
  app.get(
    '/api/v1/orders/:id/agreement',
    {
      schema: {
        tags,
        summary: 'The labour agreement (电子协议) as JSON',
        description:
          'The terms both parties accepted at hire — the parties, pay, settlement, place, shift, ' +
          'requirements, the escrowed wage and when each accepted — as canonical JSON with its SHA-256.',
        params: IdParams,
        response: { 200: AgreementSchema },
        responseDescription: 'The agreement',
        errors: [orderMissing],
        example: { params: orderParams, response: ex.agreementExample },
      },
      config: { auth: true },
    },
    async (req) => reads.agreement(principalOf(req), req.params.id),
  );
  app.get(
    '/api/v1/orders/:id/check-in-code',
    {
      schema: {
        tags,
        summary: "The on-site check-in code (the order's employer)",
        description: "For the employer's on-site contact to show a worker whose GPS fails.",
        params: IdParams,
        response: { 200: CodeAnswer },
        responseDescription: 'The code',
        errors: [orderMissing, forbidden('code')],
        example: { params: orderParams, response: { orderId: ex.EXAMPLE_ORDER_ID, code: '402918' } },
      },
      config: { auth: true },
    },
    async (req) => reads.fallbackCode(principalOf(req), req.params.id),
  );
  for (const [verb, method, summary, description] of [
    [
      'check-in',
      'checkIn',
      'Check in on site (worker; Idempotency-Key supported)',
      'Inside the fence around the job’s place (default 500 m) — the fix as WGS-84 from the GPS, or ' +
        'GCJ-02 — or with the on-site code; from 30 minutes before to 15 minutes after the shift starts ' +
        '(configurable). Outside either, 422 naming the distance or the times.',
    ],
    [
      'check-out',
      'checkOut',
      'Check out (worker; Idempotency-Key supported)',
      'Inside the fence or with the on-site code, until 4 hours after the shift ends (configurable); the ' +
        'worked minutes run from check-in (not before the start) to check-out (not after the end).',
    ],
  ] as const) {
    app.post(
      `/api/v1/orders/:id/${verb}`,
      {
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          body: FixBody,
          response: { 200: OrderViewSchema },
          responseDescription: 'The order',
          errors: [
            orderMissing,
            stateInvalid(verb.replace('-', '_')),
            forbidden(verb.replace('-', '_')),
            E.OUTSIDE_GEOFENCE({ distance: 1250, fence: 500 }),
            verb === 'check-in'
              ? E.OUTSIDE_CHECK_IN_WINDOW({
                  from: '2026-12-12T08:30:00+08:00',
                  until: '2026-12-12T09:15:00+08:00',
                })
              : E.OUTSIDE_CHECK_OUT_WINDOW({ until: '2026-12-12T21:00:00+08:00' }),
            E.FALLBACK_CODE_INVALID(),
            E.FIX_REQUIRED(),
          ],
          example: {
            params: orderParams,
            body: { lng: 119.291, lat: 26.0773 },
            response: ex.checkedInExample,
          },
        },
        config: { auth: true },
        ...idempotency.ok,
      },
      async (req) => {
        const { lng, lat, code } = req.body;
        if (code === undefined && (lng === undefined || lat === undefined)) throw E.FIX_REQUIRED();
        return order(await work[method](principalOf(req), req.params.id, req.body));
      },
    );
  }
  for (const [verb, summary, description, example] of [
    [
      'submit',
      'Submit the work (worker; Idempotency-Key supported)',
      'After check-out. Piece work states the count (at most pieceMax). Without the employer’s answer ' +
        'the order confirms itself after 24 hours (configurable).',
      {
        ...ex.completedExample,
        state: 'submitted' as const,
        completedAt: null,
        payFen: null,
        escrow: ex.orderExample.escrow,
      },
    ],
    [
      'confirm',
      'Confirm the work and pay it (employer; Idempotency-Key supported)',
      'The pay from the terms at hire — hourly: the (adjusted) minutes × rate, rounded half up to the fen ' +
        'and at most the escrow; daily and fixed: the amount; piece: the confirmed count × rate — is ' +
        'released from the escrow to the worker less the fee, the rest back to me. Weekly settlement ' +
        'keeps the pay pending until the weekly run. Piece work may confirm another count.',
      ex.completedExample,
    ],
  ] as const) {
    app.post(
      `/api/v1/orders/:id/${verb}`,
      {
        schema: {
          tags,
          summary,
          description,
          params: IdParams,
          body: PiecesBody,
          response: { 200: OrderViewSchema },
          responseDescription: 'The order',
          errors: [
            orderMissing,
            stateInvalid(verb),
            forbidden(verb),
            E.PIECE_COUNT_INVALID({ max: 200 }),
            ...(verb === 'confirm' ? [E.CONTEST_WINDOW_OPEN({ until: '2026-12-13T18:00:00+08:00' })] : []),
          ],
          example: { params: orderParams, body: {}, response: example },
        },
        config: { auth: true },
        ...idempotency.ok,
      },
      async (req) => order(await work[verb](principalOf(req), req.params.id, req.body.pieceCount ?? null)),
    );
  }
  app.post(
    '/api/v1/orders/:id/adjust',
    {
      schema: {
        tags,
        summary: 'Correct the worked minutes (employer)',
        description:
          'After check-out and before confirmation, with a reason (recorded as a transition). The worker ' +
          'may contest by opening a dispute within 24 hours (configurable); until then the order cannot ' +
          'be confirmed by the employer, and it confirms itself after that.',
        params: IdParams,
        body: AdjustBody,
        response: { 200: OrderViewSchema },
        responseDescription: 'The order',
        errors: [
          orderMissing,
          stateInvalid('adjust'),
          forbidden('adjust'),
          E.ADJUST_MINUTES_INVALID({ max: 480 }),
        ],
        example: {
          params: orderParams,
          body: { minutes: 420, reason: '午休一小时未计入' },
          response: ex.completedExample,
        },
      },
      config: { auth: true },
    },
    async (req) =>
      order(await work.adjust(principalOf(req), req.params.id, req.body.minutes, req.body.reason)),
  );
  app.post(
    '/api/v1/orders/:id/cancel',
    {
      schema: {
        tags,
        summary: 'Cancel a hired order (worker, employer; Idempotency-Key supported)',
        description:
          'Before check-in. The employer cancels free until 24 hours before the start, later the worker ' +
          'is paid two hours of the shift from the escrow; the worker cancels free until 12 hours before, ' +
          'later it counts against the worker. The rest of the escrow goes back to the employer and the ' +
          'place back to the shift. Every number is configuration.',
        params: IdParams,
        body: CancelBody,
        response: { 200: OrderViewSchema },
        responseDescription: 'The order, cancelled',
        errors: [orderMissing, stateInvalid('cancel')],
        example: { params: orderParams, body: { reason: '活动取消' }, response: ex.cancelledExample },
      },
      config: { auth: true },
      ...idempotency.ok,
    },
    async (req) => order(await work.cancel(principalOf(req), req.params.id, req.body.reason ?? null)),
  );

  // Disputes.
  app.post(
    '/api/v1/orders/:id/disputes',
    {
      schema: {
        tags,
        summary: 'Open a dispute (worker or employer)',
        description:
          'On work done (checked out or submitted). The escrow is frozen until an admin decides; the ' +
          'other party may answer within 48 hours (configurable); evidence images go to …/evidence.',
        params: IdParams,
        body: DisputeBody,
        response: { 201: DisputeSchema },
        responseDescription: 'The dispute',
        errors: [orderMissing, stateInvalid('dispute'), forbidden('dispute'), E.CONTEST_WINDOW_CLOSED()],
        example: {
          params: orderParams,
          body: { reason: ex.disputeExample.reason },
          response: ex.disputeExample,
        },
      },
      config: { auth: true },
    },
    async (req, reply) =>
      reply.code(201).send(await disputes.open(principalOf(req), req.params.id, req.body.reason)),
  );
  app.get(
    '/api/v1/orders/:id/disputes',
    {
      schema: {
        tags,
        summary: "An order's disputes",
        description: 'Its parties and admins.',
        params: IdParams,
        response: { 200: Type.Array(DisputeSchema) },
        responseDescription: 'The disputes, oldest first',
        errors: [orderMissing],
        example: { params: orderParams, response: [ex.disputeExample] },
      },
      config: { auth: true },
    },
    async (req) => disputes.list(principalOf(req), req.params.id),
  );
  app.post(
    '/api/v1/orders/:id/disputes/:disputeId/response',
    {
      schema: {
        tags,
        summary: 'Answer a dispute (the other party, once)',
        description: 'Before the admin decides.',
        params: DisputeParams,
        body: RespondBody,
        response: { 200: DisputeSchema },
        responseDescription: 'The dispute',
        errors: [
          orderMissing,
          E.DISPUTE_NOT_FOUND(),
          E.DISPUTE_CLOSED(),
          E.RESPONSE_WINDOW_CLOSED({ until: '2026-12-14T18:00:00+08:00' }),
          forbidden('respond'),
        ],
        example: {
          params: disputeParams,
          body: { response: '中午休息了两个小时' },
          response: { ...ex.disputeExample, response: '中午休息了两个小时' },
        },
      },
      config: { auth: true },
    },
    async (req) => disputes.respond(principalOf(req), req.params.id, req.params.disputeId, req.body.response),
  );
  await app.register(async (plain) => {
    const scope = plain as App;
    scope.addContentTypeParser(
      FILE_TYPES,
      { parseAs: 'buffer', bodyLimit: EVIDENCE_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/api/v1/orders/:id/disputes/:disputeId/evidence',
      {
        schema: {
          tags,
          summary: 'Add an evidence image to an open dispute (raw image body)',
          description:
            'image/png, image/jpeg or image/webp, at most 5 MB, up to 9 per dispute; stored privately, ' +
            'read by the parties and admins only.',
          params: DisputeParams,
          consumes: FILE_TYPES,
          response: { 200: DisputeSchema },
          responseDescription: 'The dispute',
          errors: [
            orderMissing,
            E.DISPUTE_NOT_FOUND(),
            E.DISPUTE_CLOSED(),
            E.EVIDENCE_INVALID(),
            E.EVIDENCE_LIMIT({ limit: 9 }),
            forbidden('evidence'),
          ],
          example: { params: disputeParams, response: ex.disputeExample },
        },
        config: { auth: true },
      },
      async (req) => {
        if (!Buffer.isBuffer(req.body)) throw E.EVIDENCE_INVALID();
        const type = String(req.headers['content-type']).split(';')[0]!.trim();
        return disputes.addEvidence(principalOf(req), req.params.id, req.params.disputeId, type, req.body);
      },
    );
  });
  app.get(
    '/api/v1/orders/:id/disputes/:disputeId/evidence/:index',
    {
      schema: {
        tags,
        summary: 'An evidence image',
        description: 'Never cached; the parties and admins only.',
        params: EvidenceParams,
        produces: FILE_TYPES,
        responseDescription: 'The image',
        errors: [orderMissing, E.DISPUTE_NOT_FOUND(), E.EVIDENCE_NOT_FOUND()],
        example: { params: { ...disputeParams, index: 0 } },
      },
      config: { auth: true },
    },
    async (req, reply) =>
      sendPrivate(
        reply,
        await disputes.evidence(principalOf(req), req.params.id, req.params.disputeId, req.params.index),
      ),
  );

  // Admin (every forced move and decision audited).
  app.get(
    '/api/v1/admin/orders',
    {
      schema: {
        tags: ['admin'],
        summary: 'Orders in a state',
        description: 'Oldest first.',
        querystring: AdminOrdersQuery,
        response: { 200: OrderPage },
        responseDescription: 'A page of orders',
        example: { query: { state: 'disputed' }, response: ex.orderPageExample },
      },
      config: admin,
    },
    async (req) => reads.adminOrders(req.query.state, pageOf(req.query)),
  );
  app.post(
    '/api/v1/admin/orders/:id/transition',
    {
      schema: {
        tags: ['admin'],
        summary: 'Force a transition (operator override)',
        description:
          'With a reason, audited. completed: confirms (from checked_out or submitted) and pays by the ' +
          'terms; cancelled: a hired order is refunded, work under way is stopped with the hours worked ' +
          'paid; no_show: a hired order, refunded. Only moves the transition table allows.',
        params: IdParams,
        body: ForceBody,
        response: { 200: OrderViewSchema },
        responseDescription: 'The order',
        errors: [orderMissing, stateInvalid('confirm')],
        example: {
          params: orderParams,
          body: { to: 'cancelled', reason: '雇主账号涉嫌欺诈' },
          response: { ...ex.cancelledExample, cancelledBy: 'admin' },
        },
      },
      config: admin,
    },
    async (req) => order(await work.force(principalOf(req), req.params.id, req.body.to, req.body.reason)),
  );
  app.get(
    '/api/v1/admin/disputes',
    {
      schema: {
        tags: ['admin'],
        summary: 'Disputes (the queue)',
        description: 'In a status (default open), oldest first.',
        querystring: DisputeQueueQuery,
        response: { 200: DisputePage },
        responseDescription: 'A page of disputes',
        example: { query: { status: 'open' }, response: ex.disputePageExample },
      },
      config: admin,
    },
    async (req) => disputes.queue(req.query.status ?? 'open', pageOf(req.query)),
  );
  app.post(
    '/api/v1/admin/orders/:id/disputes/:disputeId/decide',
    {
      schema: {
        tags: ['admin'],
        summary: 'Decide a dispute: the split of the escrow',
        description:
          'workerFen of the wage held goes to the worker (less a worker-paid fee), the rest back to the ' +
          'employer; the order becomes resolved. Audited.',
        params: DisputeParams,
        body: DecideBody,
        response: { 200: DisputeSchema },
        responseDescription: 'The dispute, decided',
        errors: [
          orderMissing,
          E.DISPUTE_NOT_FOUND(),
          E.DISPUTE_CLOSED(),
          E.DISPUTE_SPLIT_INVALID({ max: 20000 }),
        ],
        example: {
          params: disputeParams,
          body: { workerFen: 18000, decision: '按考勤记录支付 7.2 小时' },
          response: ex.decidedDisputeExample,
        },
      },
      config: admin,
    },
    async (req) =>
      disputes.decide(
        principalOf(req),
        req.params.id,
        req.params.disputeId,
        req.body.workerFen,
        req.body.decision,
        req.body.fault ?? 'none',
      ),
  );
}
