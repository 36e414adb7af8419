import { principalOf } from '../../platform/http/auth.js';
import type { IdempotencyHooks } from '../../platform/http/idempotency.js';
import type { App } from '../../platform/http/server.js';
import { DEFAULT_PAGE_SIZE, IdParams } from '../../platform/schemas.js';
import { WithdrawalErrors } from './withdrawal.errors.js';
import * as examples from './withdrawal.examples.js';
import type { WithdrawalRequests } from './withdrawal.requests.js';
import type { WithdrawalReview } from './withdrawal.review.js';
import {
  AdminWithdrawalPage,
  AdminWithdrawalQuery,
  AdminWithdrawalSchema,
  CreateWithdrawalBody,
  RejectWithdrawalBody,
  WithdrawalListQuery,
  WithdrawalPage,
  WithdrawalViewSchema,
} from './withdrawal.schemas.js';
import { PaymentErrors } from './payment.errors.js';

const tags = ['payment'];
const admin = { auth: ['admin'] as const };
const missing = WithdrawalErrors.WITHDRAWAL_NOT_FOUND();
const stateInvalid = WithdrawalErrors.WITHDRAWAL_STATE_INVALID({ status: 'succeeded' });
const idParams = { id: examples.EXAMPLE_WITHDRAWAL_ID };

export async function registerWithdrawalRoutes(
  app: App,
  requests: WithdrawalRequests,
  review: WithdrawalReview,
  idempotency: IdempotencyHooks,
): Promise<void> {
  app.post(
    '/api/v1/withdrawals',
    {
      schema: {
        tags,
        summary: 'Withdraw from my wallet to my Alipay or WeChat account (Idempotency-Key supported)',
        description:
          'Takes the amount and the fee from my wallet and transfers the amount to my own account. ' +
          'Requires my verified real name, which the payee name must match (the channel checks the ' +
          'account holder too), an amount within the single and daily limits, and the balance. ' +
          'Above the review threshold it waits for an admin (status review). A failed transfer puts ' +
          'amount and fee back in the wallet.',
        body: CreateWithdrawalBody,
        response: { 201: WithdrawalViewSchema },
        responseDescription:
          'The withdrawal: succeeded, processing (the channel has not answered yet), failed or in review',
        errors: [
          PaymentErrors.PAYMENT_CHANNEL_UNAVAILABLE({ channel: 'wechat' }),
          WithdrawalErrors.WITHDRAWAL_AMOUNT_INVALID({ min: '¥1.00', max: '¥50000.00' }),
          WithdrawalErrors.REAL_NAME_REQUIRED(),
          WithdrawalErrors.PAYEE_NAME_MISMATCH(),
          WithdrawalErrors.WITHDRAWAL_DAILY_LIMIT({ limit: '¥200000.00', remaining: '¥150.00' }),
          WithdrawalErrors.WALLET_INSUFFICIENT_FUNDS(),
        ],
        example: { body: examples.createWithdrawalExample, response: examples.withdrawalExample },
      },
      config: { auth: true },
      ...idempotency,
    },
    async (req, reply) => reply.code(201).send(await requests.create(principalOf(req).userId, req.body)),
  );
  app.get(
    '/api/v1/withdrawals',
    {
      schema: {
        tags,
        summary: 'My withdrawals, newest first',
        description: 'My withdrawals a page at a time, each with its status; accounts masked.',
        querystring: WithdrawalListQuery,
        response: { 200: WithdrawalPage },
        responseDescription: 'A page of my withdrawals',
        example: { query: { limit: 20 }, response: examples.withdrawalPageExample },
      },
      config: { auth: true },
    },
    async (req) =>
      requests.listMine(principalOf(req).userId, {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.get(
    '/api/v1/withdrawals/:id',
    {
      schema: {
        tags,
        summary: 'One of my withdrawals',
        description: "A withdrawal of mine and its status; another user's answers 404.",
        params: IdParams,
        response: { 200: WithdrawalViewSchema },
        responseDescription: 'The withdrawal',
        errors: [missing],
        example: { params: idParams, response: examples.withdrawalExample },
      },
      config: { auth: true },
    },
    async (req) => requests.getMine(principalOf(req).userId, req.params.id),
  );

  // Admin (decisions audited).
  app.get(
    '/api/v1/admin/withdrawals',
    {
      schema: {
        tags: ['admin'],
        summary: 'Withdrawals in a status (the review queue)',
        description: 'Withdrawals in a status (default review), oldest first; accounts masked.',
        querystring: AdminWithdrawalQuery,
        response: { 200: AdminWithdrawalPage },
        responseDescription: 'A page of withdrawals',
        example: { query: { status: 'review' }, response: examples.reviewPageExample },
      },
      config: admin,
    },
    async (req) =>
      review.queue(req.query.status ?? 'review', {
        limit: req.query.limit ?? DEFAULT_PAGE_SIZE,
        cursor: req.query.cursor,
      }),
  );
  app.post(
    '/api/v1/admin/withdrawals/:id/approve',
    {
      schema: {
        tags: ['admin'],
        summary: 'Approve a withdrawal in review',
        description: 'Approves it (audited) and transfers it through its channel at once.',
        params: IdParams,
        response: { 200: AdminWithdrawalSchema },
        responseDescription: 'The withdrawal, sent to the channel',
        errors: [missing, stateInvalid],
        example: { params: idParams, response: examples.approvedWithdrawalExample },
      },
      config: admin,
    },
    async (req) => review.approve(principalOf(req), req.params.id),
  );
  app.post(
    '/api/v1/admin/withdrawals/:id/reject',
    {
      schema: {
        tags: ['admin'],
        summary: 'Reject a withdrawal in review',
        description:
          'Rejects it with a reason shown to the user (audited); amount and fee go back to the wallet.',
        params: IdParams,
        body: RejectWithdrawalBody,
        response: { 200: AdminWithdrawalSchema },
        responseDescription: 'The withdrawal, rejected',
        errors: [missing, stateInvalid],
        example: {
          params: idParams,
          body: { reason: '收款账户信息与历史记录不符，请核实后重新提交' },
          response: examples.rejectedWithdrawalExample,
        },
      },
      config: admin,
    },
    async (req) => review.reject(principalOf(req), req.params.id, req.body.reason),
  );
}
