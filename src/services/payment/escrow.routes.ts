import type { App } from '../../platform/http/server.js';
import { EscrowErrors } from './escrow.errors.js';
import * as examples from './escrow.examples.js';
import {
  EscrowParams,
  EscrowStateSchema,
  HoldBody,
  RefundBody,
  ReleaseBody,
  SettleBody,
} from './escrow.schemas.js';
import type { PaymentClient } from './payment.client.js';

const tags = ['internal'];
const params = { orderId: examples.EXAMPLE_ORDER_ID };
const response = { 200: EscrowStateSchema };
const responseDescription = "The order's escrow after the call";
const mismatch = EscrowErrors.ESCROW_ORDER_MISMATCH();
const notHeld = EscrowErrors.ESCROW_NOT_HELD();
const conflict = EscrowErrors.ESCROW_CONFLICT();
const final = EscrowErrors.ESCROW_ALREADY_FINAL();

/** The body names the order of the path (the remote client sends its whole request as the body). */
function sameOrder(path: { orderId: string }, body: { orderId: string }): void {
  if (path.orderId !== body.orderId) throw EscrowErrors.ESCROW_ORDER_MISMATCH();
}

/**
 * The PaymentClient over HTTP, for the order service served elsewhere (service token). Each route
 * is idempotent by the order id, like the client it serves.
 */
export async function registerEscrowRoutes(app: App, escrow: PaymentClient): Promise<void> {
  const base = '/internal/v1/escrow/:orderId';
  app.get(
    base,
    {
      schema: {
        tags,
        summary: "An order's escrow",
        description: 'What is held for the order and how it was paid out (service token).',
        params: EscrowParams,
        response,
        responseDescription: "The order's escrow (status none when never held)",
        example: { params, response: examples.heldExample },
      },
      config: { internal: true },
    },
    async (req) => escrow.escrow(req.params.orderId),
  );
  app.post(
    `${base}/hold`,
    {
      schema: {
        tags,
        summary: "Hold an order's wage in escrow",
        description:
          "Moves the wage, plus the platform fee when the employer pays it, from the employer's " +
          'wallet to the order\'s escrow. Refused when the wallet is short ("no escrow, no hire"). ' +
          'A repeat with the same terms answers the escrow and moves nothing (service token).',
        params: EscrowParams,
        body: HoldBody,
        response,
        responseDescription,
        errors: [
          mismatch,
          EscrowErrors.ESCROW_INSUFFICIENT_FUNDS({
            requiredFen: 21_000,
            availableFen: 20_000,
            shortFen: 1000,
          }),
          EscrowErrors.ESCROW_AMOUNT_INVALID({ wageFen: 10_000_000_000 }),
          conflict,
        ],
        example: {
          params,
          body: { orderId: params.orderId, employerId: examples.EXAMPLE_EMPLOYER_ID, wageFen: 20_000 },
          response: examples.heldExample,
        },
      },
      config: { internal: true },
    },
    async (req) => {
      sameOrder(req.params, req.body);
      return escrow.hold(req.body);
    },
  );
  app.post(
    `${base}/release`,
    {
      schema: {
        tags,
        summary: "Pay an order's escrow out",
        description:
          'Pays the worker payFen (at most the wage held) into their wallet, or into pending ' +
          'settlement when `pending`; the fee goes to the platform and the rest back to the employer. ' +
          'Final: a release after a refund, or another release, is refused (service token).',
        params: EscrowParams,
        body: ReleaseBody,
        response,
        responseDescription,
        errors: [mismatch, notHeld, EscrowErrors.ESCROW_AMOUNT_INVALID({ wageFen: 20_000 }), conflict, final],
        example: {
          params,
          body: {
            orderId: params.orderId,
            workerId: examples.EXAMPLE_WORKER_ID,
            employerId: examples.EXAMPLE_EMPLOYER_ID,
            payFen: 15_000,
            pending: true,
          },
          response: examples.releasedExample,
        },
      },
      config: { internal: true },
    },
    async (req) => {
      sameOrder(req.params, req.body);
      return escrow.release(req.body);
    },
  );
  app.post(
    `${base}/refund`,
    {
      schema: {
        tags,
        summary: "Refund an order's escrow",
        description: "The whole escrow back to the employer's wallet. Final (service token).",
        params: EscrowParams,
        body: RefundBody,
        response,
        responseDescription,
        errors: [mismatch, notHeld, conflict, final],
        example: {
          params,
          body: { orderId: params.orderId, employerId: examples.EXAMPLE_EMPLOYER_ID },
          response: examples.refundedExample,
        },
      },
      config: { internal: true },
    },
    async (req) => {
      sameOrder(req.params, req.body);
      return escrow.refund(req.body);
    },
  );
  app.post(
    `${base}/settle`,
    {
      schema: {
        tags,
        summary: "Settle an order's pending pay",
        description:
          "The pay a release put in the worker's pending settlement moves to their wallet " +
          '(weekly settlement). A repeat moves nothing (service token).',
        params: EscrowParams,
        body: SettleBody,
        response,
        responseDescription,
        errors: [mismatch, notHeld, EscrowErrors.ESCROW_NOT_PENDING()],
        example: {
          params,
          body: { orderId: params.orderId, workerId: examples.EXAMPLE_WORKER_ID },
          response: examples.settledExample,
        },
      },
      config: { internal: true },
    },
    async (req) => {
      sameOrder(req.params, req.body);
      return escrow.settle(req.body);
    },
  );
}
