import Type, { type Static } from 'typebox';
import { writeAudit } from '../audit.js';
import { PlatformErrors } from '../errors.js';
import { principalOf } from '../http/auth.js';
import type { App } from '../http/server.js';
import type { IdGenerator } from '../ids.js';
import { ListAnswer, listQueryFields, Nullable, Ulid } from '../schemas.js';
import type { ServiceDatabase } from '../db/service-database.js';
import { WORKFLOW_STATES, WorkflowErrors, type WorkflowRunner } from './runner.js';

const ServiceName = Type.String({ pattern: '^[a-z]{2,20}$', description: 'The owning service, e.g. order' });
const WorkflowSchema = Type.Object({
  id: Ulid,
  name: Type.String({ description: 'service.flow, e.g. order.hire' }),
  key: Type.String({ description: 'The business key it was started with' }),
  state: Type.Enum(WORKFLOW_STATES),
  step: Nullable(Type.String({ description: 'The step being run or compensated next' })),
  results: Type.Record(Type.String(), Type.Unknown()),
  error: Nullable(
    Type.Object({
      step: Type.String(),
      code: Type.String(),
      status: Nullable(Type.Integer()),
      message: Type.String(),
    }),
  ),
  attempts: Type.Integer(),
  nextAttemptAt: Nullable(Type.Integer({ description: 'Epoch ms of the next attempt while retrying' })),
  history: Type.Array(
    Type.Object({
      step: Type.String(),
      outcome: Type.String(),
      attempt: Type.Integer(),
      at: Type.Integer(),
      error: Type.Optional(Type.String()),
    }),
  ),
  createdAt: Type.Integer(),
  updatedAt: Type.Integer(),
  endedAt: Nullable(Type.Integer()),
});
const ListQuery = Type.Object(
  {
    service: ServiceName,
    state: Type.Optional(Type.Enum(WORKFLOW_STATES)),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
const Params = Type.Object({ service: ServiceName, id: Ulid });
/** Example answers of the API description (route-docs.ts): a hire whose compensation keeps failing. */
const params = { service: 'order', id: '01JEXAMP1EW0RKF10W00000001' };
const failedExample: Static<typeof WorkflowSchema> = {
  id: params.id,
  name: 'order.hire',
  key: '01JEXAMP1E0RDER00000000001',
  state: 'failed',
  step: 'hold-slot',
  results: { 'hold-slot': { shiftId: '01JEXAMP1ESH1FT00000000001', hired: 2 } },
  error: {
    step: 'hold-slot',
    code: 'JOB_VERSION_CONFLICT',
    status: 409,
    message: 'the job changed since it was read (current version 4)',
  },
  attempts: 5,
  nextAttemptAt: null,
  history: [
    { step: 'hold-slot', outcome: 'done', attempt: 1, at: 1764064800000 },
    { step: 'pay-deposit', outcome: 'refused', attempt: 1, at: 1764064801200, error: 'PAYMENT_DECLINED' },
    {
      step: 'hold-slot',
      outcome: 'compensation_failed',
      attempt: 5,
      at: 1764065400000,
      error: 'JOB_VERSION_CONFLICT',
    },
  ],
  createdAt: 1764064800000,
  updatedAt: 1764065400000,
  endedAt: null,
};
const retriedExample: Static<typeof WorkflowSchema> = {
  ...failedExample,
  state: 'compensated',
  step: null,
  attempts: 6,
  history: [
    ...failedExample.history,
    { step: 'hold-slot', outcome: 'compensated', attempt: 6, at: 1764066000000 },
  ],
  updatedAt: 1764066000000,
  endedAt: 1764066000000,
};
const tags = ['admin'];
const admin = { auth: ['admin'] as const };

/** Workflow instances of the services this process serves: list, inspect, retry (admin). */
export async function registerWorkflowRoutes(
  app: App,
  runners: Map<string, { runner: WorkflowRunner; db: ServiceDatabase<unknown> }>,
  ids: IdGenerator,
): Promise<void> {
  const of = (service: string) => {
    const entry = runners.get(service);
    if (!entry) throw PlatformErrors.NOT_FOUND();
    return entry;
  };
  app.get(
    '/api/v1/admin/workflows',
    {
      schema: {
        tags,
        summary: 'List workflow instances of a service (failed ones need an admin)',
        description: 'Workflow instances of the service, newest first, optionally of one state.',
        querystring: ListQuery,
        response: { 200: ListAnswer(WorkflowSchema) },
        responseDescription: 'A page of workflow instances',
        errors: [PlatformErrors.NOT_FOUND()],
        example: {
          query: { service: 'order', state: 'failed', limit: 20 },
          response: { items: [failedExample], nextCursor: null },
        },
      },
      config: admin,
    },
    async (req) =>
      of(req.query.service).runner.list({
        state: req.query.state,
        limit: req.query.limit ?? 20,
        cursor: req.query.cursor,
      }),
  );
  app.get(
    '/api/v1/admin/workflows/:service/:id',
    {
      schema: {
        tags,
        summary: 'Inspect a workflow instance',
        description: 'A workflow instance with its step results, error and history.',
        params: Params,
        response: { 200: WorkflowSchema },
        responseDescription: 'The workflow instance',
        errors: [PlatformErrors.NOT_FOUND()],
        example: { params, response: failedExample },
      },
      config: admin,
    },
    async (req) => {
      const instance = await of(req.params.service).runner.get(req.params.id);
      if (!instance) throw PlatformErrors.NOT_FOUND();
      return instance;
    },
  );
  app.post(
    '/api/v1/admin/workflows/:service/:id/retry',
    {
      schema: {
        tags,
        summary: 'Retry a failed workflow (compensations) or a waiting step now',
        description:
          "Runs a failed instance's compensations again, or a step waiting for its retry now (audited).",
        params: Params,
        response: { 200: WorkflowSchema },
        responseDescription: 'The workflow instance after the attempt',
        errors: [
          PlatformErrors.NOT_FOUND(),
          WorkflowErrors.WORKFLOW_NOT_FOUND(),
          WorkflowErrors.WORKFLOW_NOT_RETRYABLE({ state: 'completed' }),
        ],
        example: { params, response: retriedExample },
      },
      config: admin,
    },
    async (req) => {
      const { runner, db } = of(req.params.service);
      const principal = principalOf(req);
      const instance = await runner.retry(req.params.id);
      await db.transaction((tx) =>
        writeAudit(tx, db.prefix, ids, {
          actorId: principal.userId,
          actorRole: 'admin',
          action: 'workflow.retried',
          targetType: 'workflow',
          targetId: instance.id,
          data: { name: instance.name, state: instance.state },
        }),
      );
      return instance;
    },
  );
}
