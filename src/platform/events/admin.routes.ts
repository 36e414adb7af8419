import Type, { type Static } from 'typebox';
import { principalOf } from '../http/auth.js';
import type { App } from '../http/server.js';
import { PlatformErrors } from '../errors.js';
import { DEFAULT_PAGE_SIZE, ListAnswer, listQueryFields, Nullable, Ulid } from '../schemas.js';
import type { EventSystem } from './event-system.js';

const Envelope = Type.Object({
  id: Type.String(),
  type: Type.String(),
  version: Type.Integer(),
  payload: Type.Unknown(),
  source: Type.String(),
  traceparent: Nullable(Type.String()),
  createdAt: Type.Integer(),
});
const DeadLetterSchema = Type.Object({
  id: Type.String(),
  service: Type.String(),
  eventId: Type.String(),
  consumer: Type.String(),
  eventType: Type.String(),
  attempts: Type.Integer(),
  error: Type.String(),
  state: Type.String(),
  createdAt: Type.String(),
  resolvedAt: Nullable(Type.String()),
  event: Envelope,
});
const Params = Type.Object({
  service: Type.String({ pattern: '^[a-z]{2,20}$' }),
  id: Ulid,
});
const DeadLetterListQuery = Type.Object(
  {
    service: Type.String({ pattern: '^[a-z]{2,20}$' }),
    state: Type.Optional(
      Type.Union([Type.Literal('open'), Type.Literal('replayed'), Type.Literal('discarded')]),
    ),
    ...listQueryFields(),
  },
  { additionalProperties: false },
);
/** Example answers of the API description (route-docs.ts); times are UTC, as the store writes them. */
const params = { service: 'search', id: '01JEXAMP1EDEAD1ETTER000001' };
const deadLetterExample: Static<typeof DeadLetterSchema> = {
  id: params.id,
  service: 'search',
  eventId: '01JEXAMP1EEVENT00000000001',
  consumer: 'search.index-jobs',
  eventType: 'job.closed',
  attempts: 8,
  error: 'SEARCH_UNAVAILABLE: the search index is not available',
  state: 'open',
  createdAt: '2026-11-25T18:00:03+08:00',
  resolvedAt: null,
  event: {
    id: '01JEXAMP1EEVENT00000000001',
    type: 'job.closed',
    version: 1,
    payload: {
      jobId: '01JEXAMP1EJ0B0000000000001',
      version: 6,
      status: 'closed',
      employerId: '01JEXAMP1EEMP10YER00000001',
      reason: '人已招满',
    },
    source: 'job',
    traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01',
    createdAt: 1764064800000,
  },
};
const replayedExample = { ...deadLetterExample, state: 'replayed', resolvedAt: '2026-11-25T18:20:41+08:00' };
const discardedExample = {
  ...deadLetterExample,
  state: 'discarded',
  resolvedAt: '2026-11-25T18:20:41+08:00',
};
const tags = ['admin'];
const admin = { auth: ['admin'] as const };

/** Dead letters of the services this process serves: list, inspect, replay, discard (admin). */
export async function registerDeadLetterRoutes(app: App, events: EventSystem): Promise<void> {
  const store = (service: string) => {
    const s = events.deadLetterStores.get(service);
    if (!s) throw PlatformErrors.NOT_FOUND();
    return s;
  };
  app.get(
    '/api/v1/admin/dead-letters',
    {
      schema: {
        tags,
        summary: 'List dead letters of a service',
        description: 'Events a consumer of the service gave up on, newest first, optionally of one state.',
        querystring: DeadLetterListQuery,
        response: { 200: ListAnswer(DeadLetterSchema) },
        responseDescription: 'A page of dead letters',
        errors: [PlatformErrors.NOT_FOUND()],
        example: {
          query: { service: 'search', state: 'open', limit: 20 },
          response: { items: [deadLetterExample], nextCursor: null },
        },
      },
      config: admin,
    },
    async (req) =>
      store(req.query.service).list({
        state: req.query.state,
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.get(
    '/api/v1/admin/dead-letters/:service/:id',
    {
      schema: {
        tags,
        summary: 'Inspect a dead letter',
        description: 'A dead letter with its event, the consumer and the last error.',
        params: Params,
        response: { 200: DeadLetterSchema },
        responseDescription: 'The dead letter',
        errors: [PlatformErrors.NOT_FOUND()],
        example: { params, response: deadLetterExample },
      },
      config: admin,
    },
    async (req) => {
      const dl = await store(req.params.service).get(req.params.id);
      if (!dl) throw PlatformErrors.NOT_FOUND();
      return dl;
    },
  );
  app.post(
    '/api/v1/admin/dead-letters/:service/:id/replay',
    {
      schema: {
        tags,
        summary: 'Run the consumer on the event again',
        description: 'Hands the event to its consumer again (audited); it is marked replayed.',
        params: Params,
        response: { 200: DeadLetterSchema },
        responseDescription: 'The dead letter, replayed',
        errors: [PlatformErrors.NOT_FOUND()],
        example: { params, response: replayedExample },
      },
      config: admin,
    },
    async (req) => events.replay(req.params.service, req.params.id, principalOf(req).userId),
  );
  app.post(
    '/api/v1/admin/dead-letters/:service/:id/discard',
    {
      schema: {
        tags,
        summary: 'Give up on the event for good',
        description: 'Marks the dead letter discarded (audited); the event is never handled.',
        params: Params,
        response: { 200: DeadLetterSchema },
        responseDescription: 'The dead letter, discarded',
        errors: [PlatformErrors.NOT_FOUND()],
        example: { params, response: discardedExample },
      },
      config: admin,
    },
    async (req) => events.discard(req.params.service, req.params.id, principalOf(req).userId),
  );
}
