import type { Tx } from '../../platform/db/service-database.js';
import { ChannelError, type ChannelName, type TransferState } from './channels/index.js';
import {
  InsufficientFundsError,
  TransferConflictError,
  type DefaultAccountKind,
  type TransferSpec,
} from './ledger/index.js';
import type { PaymentContext } from './payment-context.js';
import type { PaymentDB } from './payment.db.js';
import { PaymentEvents } from './payment.events.js';
import { doneTransfer, moneyOf, returnedTransfer } from './withdrawal.ledger.js';
import type { WithdrawalRepository, WithdrawalRow } from './withdrawal.repository.js';

/** What the channel is told the transfer is for (shown to the payee). */
export const TRANSFER_REMARK = '零工报酬提现';
/** A processing withdrawal is asked about again once the channel has been quiet this long. */
export const CHECK_AFTER_MS = 60_000;
/** Withdrawals asked about per poll tick. */
const POLL_BATCH = 100;

/**
 * Thrown in a transfer's callback when the withdrawal is no longer in the status the transfer
 * expects: the ledger undoes that transfer, so a withdrawal settles (or is returned) only once.
 */
export class WithdrawalMovedError extends Error {
  override name = 'WithdrawalMovedError';
}

/**
 * Sending withdrawals to their channel and settling them on the channel's word (the answer to a
 * transfer, a notification, or the poll's query).
 */
export function createWithdrawalSettlement(ctx: PaymentContext, repo: WithdrawalRepository) {
  const { ledger, pii, log } = ctx;

  /**
   * Applies a ledger transfer whose callback moves the withdrawal out of `processing`. Answers
   * false when the withdrawal had moved already (the transfer was undone or never applied).
   */
  async function settle(
    row: WithdrawalRow,
    spec: TransferSpec<DefaultAccountKind>,
    onApplied: (tx: Tx<PaymentDB>) => Promise<void>,
  ): Promise<boolean> {
    try {
      const result = await ledger.transfer(spec, { onApplied });
      return !result.replayed;
    } catch (e) {
      if (e instanceof WithdrawalMovedError || e instanceof TransferConflictError) return false;
      // The other outcome already took the money out of payouts in flight.
      if (e instanceof InsufficientFundsError && (await repo.find(row.id))?.status !== 'processing')
        return false;
      throw e;
    }
  }

  /**
   * A channel's word on a transfer: settles a processing withdrawal once; anything else is a no-op.
   * Only the channel the withdrawal was sent through speaks for it.
   */
  async function applyTransferState(
    withdrawalId: string,
    state: TransferState,
    channel: ChannelName,
  ): Promise<void> {
    const row = await repo.find(withdrawalId);
    if (!row || row.channel !== channel) {
      log.warn(
        { withdrawalId, channel, status: state.status },
        'transfer state of an unknown withdrawal ignored',
      );
      return;
    }
    if (row.status !== 'processing') return; // settled already, or never sent (review, rejected)
    switch (state.status) {
      case 'processing': {
        const confirmation = state.userConfirmation ?? null;
        if (confirmation !== null && confirmation !== row.user_confirmation) {
          await repo.update(
            row.id,
            'processing',
            { user_confirmation: confirmation, updated_at: ctx.clock.now() },
            ctx.sdb.db,
          );
        }
        return;
      }
      case 'succeeded': {
        const settled = await settle(row, doneTransfer(moneyOf(row)), async (tx) => {
          const moved = await repo.update(
            row.id,
            'processing',
            {
              status: 'succeeded',
              channel_transaction_id: state.transactionId.slice(0, 64),
              user_confirmation: null,
              finished_at: state.finishedAt,
              updated_at: tx.now,
            },
            tx.db,
          );
          if (!moved) throw new WithdrawalMovedError(row.id);
          await tx.publish(
            PaymentEvents.withdrawalSucceeded({
              withdrawalId: row.id,
              userId: row.user_id,
              amountFen: row.amount_fen,
            }),
          );
        });
        if (settled) log.info({ withdrawalId: row.id }, 'withdrawal succeeded');
        return;
      }
      case 'failed': {
        const reason = state.reason.slice(0, 200);
        const settled = await settle(row, returnedTransfer(moneyOf(row)), async (tx) => {
          const moved = await repo.update(
            row.id,
            'processing',
            { status: 'failed', reason, user_confirmation: null, finished_at: tx.now, updated_at: tx.now },
            tx.db,
          );
          if (!moved) throw new WithdrawalMovedError(row.id);
          await tx.publish(
            PaymentEvents.withdrawalFailed({
              withdrawalId: row.id,
              userId: row.user_id,
              amountFen: row.amount_fen,
              reason,
            }),
          );
        });
        if (settled) log.info({ withdrawalId: row.id, reason }, 'withdrawal failed; money returned');
        return;
      }
    }
  }

  /**
   * Sends a processing withdrawal to its channel and applies the answer. Never throws: whatever
   * goes wrong leaves it processing, and the poll asks the channel again.
   */
  async function send(row: WithdrawalRow): Promise<void> {
    const channel = ctx.channels.get(row.channel);
    if (!channel) {
      log.error({ withdrawalId: row.id, channel: row.channel }, 'withdrawal channel is not configured');
      return;
    }
    try {
      const state = await channel.transfer({
        withdrawalId: row.id,
        amountFen: row.amount_fen,
        account: pii.decrypt(row.account_cipher),
        realName: pii.decrypt(row.payee_name_cipher),
        remark: TRANSFER_REMARK,
        notifyUrl: ctx.notifyUrl(row.channel),
      });
      await applyTransferState(row.id, state, row.channel);
    } catch (e) {
      if (e instanceof ChannelError)
        log.warn(
          { err: e, withdrawalId: row.id },
          'withdrawal transfer outcome unknown; the poll asks again',
        );
      else
        log.error({ err: e, withdrawalId: row.id }, 'withdrawal transfer not settled; the poll asks again');
    }
  }

  /** Asks the channel about one processing withdrawal; one it never accepted is sent again (same id). */
  async function check(row: WithdrawalRow): Promise<void> {
    const channel = ctx.channels.get(row.channel);
    if (!channel) {
      log.error({ withdrawalId: row.id, channel: row.channel }, 'withdrawal channel is not configured');
      return;
    }
    // Marked first, so a withdrawal the channel keeps failing on goes to the back of the queue.
    await repo.update(row.id, 'processing', { checked_at: ctx.clock.now() }, ctx.sdb.db);
    let state: TransferState;
    try {
      state = await channel.queryTransfer(row.id);
    } catch (e) {
      if (e instanceof ChannelError && e.kind === 'not_found') return send(row);
      log.warn({ err: e, withdrawalId: row.id }, 'withdrawal query failed; asked again later');
      return;
    }
    await applyTransferState(row.id, state, row.channel);
  }

  /** One tick of `payment.poll-withdrawals`. */
  async function poll(now: number): Promise<void> {
    for (const row of await repo.dueForCheck(now - CHECK_AFTER_MS, POLL_BATCH)) {
      try {
        await check(row);
      } catch (e) {
        log.error({ err: e, withdrawalId: row.id }, 'withdrawal check failed');
      }
    }
  }

  return { applyTransferState, send, poll };
}

export type WithdrawalSettlement = ReturnType<typeof createWithdrawalSettlement>;
