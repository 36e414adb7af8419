import type { DomainEvent } from '../../platform/db/service-database.js';
import { MAX_FEN } from '../../platform/money.js';
import { EscrowErrors } from './escrow.errors.js';
import { registerEscrowRoutes } from './escrow.routes.js';
import {
  escrowHistory,
  holdTermsOf,
  holdTransfer,
  refundTransfer,
  releaseTransfer,
  settleTransfer,
  type EscrowHistory,
  type HoldTerms,
} from './escrow.transfers.js';
import {
  InsufficientFundsError,
  TransferConflictError,
  type DefaultAccountKind,
  type OnApplied,
  type Transfer,
  type TransferSpec,
} from './ledger/index.js';
import type { EscrowState, PaymentClient } from './payment.client.js';
import type { PaymentContext, PaymentFeature } from './payment-context.js';
import { PaymentEvents } from './payment.events.js';

/**
 * Escrow for orders (the PaymentClient the order service calls): hold, release with the fee,
 * refund, settle, read. Each call is at most one ledger transfer, idempotent by the order id: a
 * repeat answers the state and moves nothing. The ledger's business keys are the guarantee; the
 * reads before each transfer only answer repeats and refusals early and without side effects.
 */
export function createEscrow(ctx: PaymentContext): PaymentFeature & { client: PaymentClient } {
  const { ledger, settings } = ctx;
  const read = async (orderId: string): Promise<EscrowHistory> =>
    escrowHistory(orderId, await ledger.transfersOf({ orderId }));

  const checkFen = (fen: number, min: number, wageFen = MAX_FEN): void => {
    if (!Number.isSafeInteger(fen) || fen < min || fen > wageFen)
      throw EscrowErrors.ESCROW_AMOUNT_INVALID({ wageFen });
  };
  const insufficient = (requiredFen: number, availableFen: number) =>
    EscrowErrors.ESCROW_INSUFFICIENT_FUNDS({
      requiredFen,
      availableFen,
      shortFen: requiredFen - availableFen,
    });
  const sameHold = (terms: HoldTerms, employerId: string, wageFen: number) =>
    terms.employerId === employerId && terms.wageFen === wageFen;

  /** Applies a final transfer (release or refund): a conflict means the other one won. */
  async function applyFinal(spec: TransferSpec<DefaultAccountKind>, event: DomainEvent): Promise<void> {
    try {
      await ledger.transfer(spec, { onApplied: publishOf(event) });
    } catch (e) {
      if (e instanceof TransferConflictError) throw EscrowErrors.ESCROW_ALREADY_FINAL();
      throw e;
    }
  }

  const client: PaymentClient = {
    async hold({ orderId, employerId, wageFen }) {
      checkFen(wageFen, 1);
      const { spec, terms } = holdTransfer(orderId, employerId, wageFen, settings.fee);
      if (terms.heldFen > MAX_FEN) throw EscrowErrors.ESCROW_AMOUNT_INVALID({ wageFen: MAX_FEN });
      /** The answer to a hold of an order already held: its state when the terms are these. */
      const heldAlready = (hold: Transfer, state: EscrowState): EscrowState => {
        if (sameHold(holdTermsOf(hold), employerId, wageFen)) return state;
        throw EscrowErrors.ESCROW_CONFLICT();
      };
      const before = await read(orderId);
      if (before.hold) return heldAlready(before.hold, before.state);
      // Refused before the ledger is asked, so a short wallet leaves no row behind.
      const available = await ledger.balance({ kind: 'wallet', owner: employerId });
      if (available < terms.heldFen) {
        // A copy of this request sent at once may have held the order (and so taken the money)
        // since the read above: that is its answer, not a refusal.
        const now = await read(orderId);
        if (now.hold) return heldAlready(now.hold, now.state);
        throw insufficient(terms.heldFen, available);
      }
      try {
        await ledger.transfer(spec, {
          onApplied: publishOf(PaymentEvents.escrowHeld({ orderId, employerId, amountFen: terms.heldFen })),
        });
      } catch (e) {
        if (e instanceof InsufficientFundsError) throw insufficient(terms.heldFen, e.balanceFen);
        if (!(e instanceof TransferConflictError)) throw e;
        // Another hold of this order won the race, maybe with the same terms under another rate.
        const after = await read(orderId);
        if (after.hold) return heldAlready(after.hold, after.state);
        throw EscrowErrors.ESCROW_CONFLICT();
      }
      return (await read(orderId)).state;
    },

    async release({ orderId, workerId, employerId, payFen, pending }) {
      const before = await read(orderId);
      if (!before.hold) throw EscrowErrors.ESCROW_NOT_HELD();
      const terms = holdTermsOf(before.hold);
      // The worker's and the employer's money must stay apart in the legs (and in the reading).
      if (terms.employerId !== employerId || workerId === employerId) throw EscrowErrors.ESCROW_CONFLICT();
      checkFen(payFen, 0, terms.wageFen);
      if (before.final) {
        const r = before.released;
        const same =
          before.final.kind === 'escrow.release' &&
          before.state.payFen === payFen &&
          (r?.workerId ?? workerId) === workerId &&
          (r?.pending ?? pending) === pending;
        if (same) return before.state;
        throw EscrowErrors.ESCROW_ALREADY_FINAL();
      }
      const plan = releaseTransfer(orderId, terms, { workerId, payFen, pending }, settings.fee);
      await applyFinal(
        plan.spec,
        PaymentEvents.escrowReleased({
          orderId,
          workerId,
          employerId,
          payFen,
          feeFen: plan.feeFen,
          refundFen: plan.refundFen,
          pending,
        }),
      );
      return (await read(orderId)).state;
    },

    async refund({ orderId, employerId }) {
      const before = await read(orderId);
      if (!before.hold) throw EscrowErrors.ESCROW_NOT_HELD();
      const terms = holdTermsOf(before.hold);
      if (terms.employerId !== employerId) throw EscrowErrors.ESCROW_CONFLICT();
      if (before.final) {
        if (before.final.kind === 'escrow.refund') return before.state;
        throw EscrowErrors.ESCROW_ALREADY_FINAL();
      }
      await applyFinal(
        refundTransfer(orderId, terms),
        PaymentEvents.escrowRefunded({ orderId, employerId, amountFen: terms.heldFen }),
      );
      return (await read(orderId)).state;
    },

    async settle({ orderId, workerId }) {
      const before = await read(orderId);
      if (!before.hold) throw EscrowErrors.ESCROW_NOT_HELD();
      const r = before.released;
      if (!r?.pending || r.workerId !== workerId) throw EscrowErrors.ESCROW_NOT_PENDING();
      if (before.settle) return before.state;
      await ledger.transfer(settleTransfer(orderId, workerId, r.workerFen), {
        onApplied: publishOf(PaymentEvents.settled({ orderId, workerId, amountFen: r.workerFen })),
      });
      return (await read(orderId)).state;
    },

    escrow: async (orderId): Promise<EscrowState> => (await read(orderId)).state,
  };

  return { client, routes: (app) => registerEscrowRoutes(app, client) };
}

/** Publishes `event` in the transaction that applies the transfer (delivered after it commits). */
const publishOf =
  (event: DomainEvent): OnApplied =>
  async (tx) => {
    await tx.publish(event);
  };
