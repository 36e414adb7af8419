import Type, { type Static } from 'typebox';
import { writeAudit } from '../audit.js';
import { PlatformErrors } from '../errors.js';
import { principalOf } from '../http/auth.js';
import type { App } from '../http/server.js';
import type { IdGenerator } from '../ids.js';
import { DEFAULT_PAGE_SIZE, AnswerInstant, ListAnswer, listQueryFields, Nullable, Ulid } from '../schemas.js';
import type { ServiceDatabase } from '../db/service-database.js';
import { WORKFLOW_STATES, WorkflowErrors, type WorkflowInstance, type WorkflowRunner } from './runner.js';

const ServiceName = Type.String({ pattern: '^[a-z]{2,20}$', description: 'The owning service, e.g. order' });
const At = (description: string) => AnswerInstant(`${description} (ISO 8601, business time zone)`);
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
  nextAttemptAt: Nullable(At('When the step waiting for a retry is tried next')),
  history: Type.Array(
    Type.Object({
      step: Type.String(),
      outcome: Type.String(),
      attempt: Type.Integer(),
      at: At('When the step had this outcome'),
      error: Type.Optional(Type.String()),
    }),
  ),
  createdAt: At('When it started'),
  updatedAt: At('When it last changed'),
  endedAt: Nullable(At('When it completed, compensated or failed')),
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
  id: '01JEXAMP1EWF0W00000000001A',
  name: 'order.hire',
  key: 'hire:01JEXAMP1EAPP00000000001A',
  state: 'failed',
  step: 'reserve',
  results: { reserve: { shiftId: '01JEXAMP1ESH1FT00000000001', taken: 3 } },
  error: {
    step: 'hold',
    code: 'ESCROW_INSUFFICIENT_FUNDS',
    status: 409,
    message: 'The employer wallet cannot cover the wage',
  },
  attempts: 10,
  nextAttemptAt: null,
  history: [
    { step: 'reserve', outcome: 'done', attempt: 1, at: '2026-11-25T18:00:00+08:00' },
    {
      step: 'hold',
      outcome: 'refused',
      attempt: 1,
      at: '2026-11-25T18:00:01+08:00',
      error: 'The employer wallet cannot cover the wage',
    },
    {
      step: 'reserve',
      outcome: 'compensation_failed',
      attempt: 10,
      at: '2026-11-25T18:10:00+08:00',
      error: 'connect ECONNREFUSED 10.0.0.12:3306',
    },
  ],
  createdAt: '2026-11-25T18:00:00+08:00',
  updatedAt: '2026-11-25T18:10:00+08:00',
  endedAt: '2026-11-25T18:10:00+08:00',
};
const retriedExample: Static<typeof WorkflowSchema> = {
  ...failedExample,
  state: 'compensated',
  step: null,
  attempts: 0,
  history: [
    ...failedExample.history,
    { step: 'reserve', outcome: 'compensated', attempt: 1, at: '2026-11-25T18:20:00+08:00' },
  ],
  updatedAt: '2026-11-25T18:20:00+08:00',
  endedAt: '2026-11-25T18:20:00+08:00',
};
const tags = ['admin'];
const admin = { auth: ['admin'] as const };

/** Workflow instances of the services this process serves: list, inspect, retry (admin). */
export async function registerWorkflowRoutes(
  app: App,
  runners: Map<string, { runner: WorkflowRunner; db: ServiceDatabase<unknown> }>,
  ids: IdGenerator,
  formatInstant: (ms: number) => string,
): Promise<void> {
  const view = (instance: WorkflowInstance): Static<typeof WorkflowSchema> => ({
    ...instance,
    nextAttemptAt: instance.nextAttemptAt === null ? null : formatInstant(instance.nextAttemptAt),
    history: instance.history.map((h) => ({ ...h, at: formatInstant(h.at) })),
    createdAt: formatInstant(instance.createdAt),
    updatedAt: formatInstant(instance.updatedAt),
    endedAt: instance.endedAt === null ? null : formatInstant(instance.endedAt),
  });
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
        description: 'Workflow instances of the service, oldest first, optionally in one state.',
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
    async (req) => {
      const page = await of(req.query.service).runner.list({
        state: req.query.state,
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      });
      return { items: page.items.map(view), nextCursor: page.nextCursor };
    },
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
      return view(instance);
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
      return view(instance);
    },
  );
}
