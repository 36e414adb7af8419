import type { Page, PageRequest } from '../../platform/cursor.js';
import { principalOf, type Principal } from '../../platform/http/auth.js';
import type { App } from '../../platform/http/server.js';
import { DEFAULT_PAGE_SIZE, IdParams, ListAnswer } from '../../platform/schemas.js';
import { ReconciliationErrors } from './reconciliation.errors.js';
import {
  ItemQuery,
  ItemSchema,
  ResolveBody,
  RunBody,
  RunSchema,
  itemExample,
  runExample,
  type ItemView,
  type RunView,
} from './reconciliation.schemas.js';

/** Admin routes of reconciliation (every resolution audited). */
export async function registerReconciliationRoutes(
  app: App,
  reconciliation: {
    run(channel: 'alipay' | 'wechat' | 'sandbox', day: string): Promise<RunView>;
    list(status: 'open' | 'resolved', page: PageRequest): Promise<Page<ItemView>>;
    resolve(actor: Principal, id: string, resolution: string): Promise<ItemView>;
  },
): Promise<void> {
  const admin = { auth: ['admin'] as const };
  app.get(
    '/api/v1/admin/reconciliation',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reconciliation differences',
        description: 'Differences between the channels’ statements and the ledger, oldest first.',
        querystring: ItemQuery,
        response: { 200: ListAnswer(ItemSchema) },
        responseDescription: 'A page of differences',
        example: { query: { status: 'open' }, response: { items: [itemExample], nextCursor: null } },
      },
      config: admin,
    },
    async (req) =>
      reconciliation.list(req.query.status ?? 'open', {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.post(
    '/api/v1/admin/reconciliation/runs',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reconcile a channel’s day now',
        description:
          'Fetches the channel’s statement of a past business day and compares it with the ledger ' +
          '(the daily schedule does this for yesterday); differences already recorded are kept once.',
        body: RunBody,
        response: { 200: RunSchema },
        responseDescription: 'The run',
        errors: [
          ReconciliationErrors.RECONCILIATION_CHANNEL_UNKNOWN({ channel: 'wechat' }),
          ReconciliationErrors.RECONCILIATION_DAY_INVALID(),
        ],
        example: { body: { channel: 'alipay', day: '2026-12-06' }, response: runExample },
      },
      config: admin,
    },
    async (req) => reconciliation.run(req.body.channel, req.body.day),
  );
  app.post(
    '/api/v1/admin/reconciliation/:id/resolve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Resolve a reconciliation difference',
        description: 'Records how a difference was settled (audited); the item leaves the open list.',
        params: IdParams,
        body: ResolveBody,
        response: { 200: ItemSchema },
        responseDescription: 'The resolved item',
        errors: [
          ReconciliationErrors.RECONCILIATION_ITEM_NOT_FOUND(),
          ReconciliationErrors.RECONCILIATION_ITEM_RESOLVED(),
        ],
        example: {
          params: { id: itemExample.id },
          body: { resolution: '渠道次日补发通知，已入账' },
          response: { ...itemExample, status: 'resolved', resolution: '渠道次日补发通知，已入账' },
        },
      },
      config: admin,
    },
    async (req) => reconciliation.resolve(principalOf(req), req.params.id, req.body.resolution),
  );
}
