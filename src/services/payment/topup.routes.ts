import { principalOf } from '../../platform/http/auth.js';
import type { IdempotencyHooks } from '../../platform/http/idempotency.js';
import type { App } from '../../platform/http/server.js';
import { DEFAULT_PAGE_SIZE, IdParams, ListQuery } from '../../platform/schemas.js';
import { TopupErrors } from './topup.errors.js';
import * as examples from './topup.examples.js';
import {
  AdminTopupPage,
  AdminTopupQuery,
  AdminTopupSchema,
  CreateTopupBody,
  NotifyParams,
  ResolveBody,
  SandboxPayBody,
  TopupPage,
  TopupViewSchema,
} from './topup.schemas.js';
import type { TopupService } from './topup.service.js';
import { PaymentErrors } from './payment.errors.js';

const tags = ['payment'];
const admin = { auth: ['admin'] as const };
const missing = TopupErrors.TOPUP_NOT_FOUND();
const idParams = { id: examples.EXAMPLE_TOPUP_ID };
/** What the channels post their notifications as (Alipay a form, WeChat Pay and the sandbox JSON). */
const NOTIFY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'];
const NOTIFY_MAX_BYTES = 64 * 1024;

export async function registerTopupRoutes(
  app: App,
  topups: TopupService,
  createIdempotency: IdempotencyHooks,
): Promise<void> {
  app.post(
    '/api/v1/payments',
    {
      schema: {
        tags,
        summary: 'Top up my wallet (Idempotency-Key supported)',
        description:
          'Asks the channel for a payment of the amount and answers how to pay it (`pay`: a QR code ' +
          'to scan or a page to open). The wallet is credited once the channel confirms the payment; ' +
          'a top-up not paid before `expiresAt` is closed.',
        body: CreateTopupBody,
        response: { 201: TopupViewSchema },
        responseDescription: 'The top-up, waiting for payment',
        errors: [
          PaymentErrors.PAYMENT_CHANNEL_UNAVAILABLE({ channel: 'wechat' }),
          TopupErrors.TOPUP_AMOUNT_OUT_OF_RANGE({ minFen: 100, maxFen: 5_000_000 }),
          TopupErrors.PAYMENT_CHANNEL_ERROR(),
        ],
        example: {
          body: { channel: 'alipay', amountFen: 10_000 },
          response: examples.pendingTopupExample,
        },
      },
      config: { auth: true },
      ...createIdempotency,
    },
    async (req, reply) => reply.code(201).send(await topups.create(principalOf(req).userId, req.body)),
  );
  app.get(
    '/api/v1/payments',
    {
      schema: {
        tags,
        summary: 'My top-ups',
        description: 'My top-ups, newest first.',
        querystring: ListQuery,
        response: { 200: TopupPage },
        responseDescription: 'A page of top-ups',
        example: { query: { limit: 20 }, response: examples.topupPageExample },
      },
      config: { auth: true },
    },
    async (req) =>
      topups.list(principalOf(req).userId, {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.get(
    '/api/v1/payments/:id',
    {
      schema: {
        tags,
        summary: 'One of my top-ups',
        description: "A top-up of mine and its status (poll it after paying); another user's is not found.",
        params: IdParams,
        response: { 200: TopupViewSchema },
        responseDescription: 'The top-up',
        errors: [missing],
        example: { params: idParams, response: examples.paidTopupExample },
      },
      config: { auth: true },
    },
    async (req) => topups.get(principalOf(req).userId, req.params.id),
  );

  // The channels' notifications are verified over the exact bytes they sent: keep them raw here.
  await app.register(async (plain) => {
    const scope = plain as App;
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser(
      NOTIFY_TYPES,
      { parseAs: 'buffer', bodyLimit: NOTIFY_MAX_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post(
      '/api/v1/payments/notify/:channel',
      {
        schema: {
          tags,
          summary: "A channel's notification (called by Alipay, WeChat Pay or the sandbox)",
          description:
            'Where a channel posts a payment or transfer result, signed. It is verified over the raw ' +
            'body and applied once however often it is sent (a payment is credited once; a different ' +
            'amount is held for an admin). The answer is what the channel expects: "handled" once ' +
            'applied, "retry" on an internal failure or a refusal a later attempt can pass (a stale ' +
            'timestamp, an unknown key). A notification that can never pass (bad signature, malformed) ' +
            'is logged and answered as handled, so the channel stops sending it.',
          params: NotifyParams,
          consumes: NOTIFY_TYPES,
          produces: ['text/plain', 'application/json'],
          responseDescription: "The channel's own acknowledgement (e.g. `success` for Alipay)",
          errors: [PaymentErrors.PAYMENT_CHANNEL_UNAVAILABLE({ channel: 'wechat' })],
          example: { params: { channel: 'alipay' } },
        },
      },
      async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const answer = await topups.receiveNotification(req.params.channel, req.headers, body);
        return reply.code(answer.status).type(answer.contentType).send(answer.body);
      },
    );
  });

  if (topups.hasSandbox()) {
    app.post(
      '/api/v1/payments/sandbox/:id/pay',
      {
        schema: {
          tags,
          summary: 'Pay my top-up in the sandbox (development and test only)',
          description:
            'Plays the payer and the channel: the sandbox marks the payment paid and its signed ' +
            'notification goes through the same handling as a real one. `amountFen` pays another ' +
            'amount, to try a held top-up. Exists only where the sandbox channel is configured.',
          params: IdParams,
          body: SandboxPayBody,
          response: { 200: TopupViewSchema },
          responseDescription: 'The top-up after the payment',
          errors: [missing, TopupErrors.TOPUP_NOT_PAYABLE()],
          example: { params: idParams, body: {}, response: examples.paidTopupExample },
        },
        config: { auth: true },
      },
      async (req) => topups.sandboxPay(principalOf(req).userId, req.params.id, req.body.amountFen),
    );
  }

  app.get(
    '/api/v1/admin/payments',
    {
      schema: {
        tags: ['admin'],
        summary: 'Top-ups by status (default: held)',
        description:
          'Top-ups in a status, oldest first; by default those held because the channel was paid ' +
          'another amount, which wait for an admin.',
        querystring: AdminTopupQuery,
        response: { 200: AdminTopupPage },
        responseDescription: 'A page of top-ups',
        example: { query: { status: 'held' }, response: examples.adminTopupPageExample },
      },
      config: admin,
    },
    async (req) =>
      topups.listForAdmin(req.query.status ?? 'held', {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.post(
    '/api/v1/admin/payments/:id/resolve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Resolve a held top-up',
        description:
          'credit: adds what was actually paid to the wallet (once); refund_offline: closes the ' +
          'top-up, the admin refunding the payer through the channel’s console. Audited.',
        params: IdParams,
        body: ResolveBody,
        response: { 200: AdminTopupSchema },
        responseDescription: 'The top-up, resolved',
        errors: [missing, TopupErrors.TOPUP_NOT_HELD()],
        example: {
          params: idParams,
          body: { action: 'credit', reason: '用户扫码时修改了金额，按实付金额入账' },
          response: examples.resolvedTopupExample,
        },
      },
      config: admin,
    },
    async (req) => topups.resolve(principalOf(req), req.params.id, req.body),
  );
}
