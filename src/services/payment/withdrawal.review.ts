import { writeAudit } from '../../platform/audit.js';
import { readPage, type Page, type PageRequest } from '../../platform/cursor.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import { TransferConflictError } from './ledger/index.js';
import type { PaymentContext } from './payment-context.js';
import type { PaymentDB } from './payment.db.js';
import { PaymentEvents } from './payment.events.js';
import { WithdrawalErrors } from './withdrawal.errors.js';
import { moneyOf, returnedTransfer } from './withdrawal.ledger.js';
import { toAdminWithdrawal } from './withdrawal.mappers.js';
import type { WithdrawalRepository, WithdrawalRow, WithdrawalStatus } from './withdrawal.repository.js';
import type { AdminWithdrawal } from './withdrawal.schemas.js';
import { WithdrawalMovedError, type WithdrawalSettlement } from './withdrawal.settlement.js';

/** The admin's side: the review queue, approving (then sending) and rejecting (money back); audited. */
export function createWithdrawalReview(
  ctx: PaymentContext,
  repo: WithdrawalRepository,
  settlement: WithdrawalSettlement,
) {
  const admin = (row: WithdrawalRow) => toAdminWithdrawal(ctx, row);

  async function audit(tx: Tx<PaymentDB>, actor: Principal, action: string, row: WithdrawalRow) {
    await writeAudit(tx, ctx.sdb.prefix, ctx.ids, {
      actorId: actor.userId,
      actorRole: 'admin',
      action,
      targetType: 'withdrawal',
      targetId: row.id,
      data: { userId: row.user_id, amountFen: row.amount_fen, channel: row.channel },
    });
  }

  async function inReview(id: string): Promise<WithdrawalRow> {
    const row = await repo.find(id);
    if (!row) throw WithdrawalErrors.WITHDRAWAL_NOT_FOUND();
    if (row.status !== 'review') throw WithdrawalErrors.WITHDRAWAL_STATE_INVALID({ status: row.status });
    return row;
  }

  /** The refusal when the withdrawal left review while we were deciding. */
  async function movedOn(id: string): Promise<never> {
    const status = (await repo.find(id))?.status ?? 'unknown';
    throw WithdrawalErrors.WITHDRAWAL_STATE_INVALID({ status });
  }

  async function current(id: string): Promise<AdminWithdrawal> {
    const row = await repo.find(id);
    if (!row) throw WithdrawalErrors.WITHDRAWAL_NOT_FOUND();
    return admin(row);
  }

  function queue(status: WithdrawalStatus, page: PageRequest): Promise<Page<AdminWithdrawal>> {
    return readPage(
      ctx.cursors,
      `withdrawal-queue:${status}`,
      page,
      (afterId, limit) => repo.listByStatus(status, afterId, limit),
      (rows) => rows.map(admin),
    );
  }

  /** review → processing (audited), then sent to the channel like any other. */
  async function approve(actor: Principal, id: string): Promise<AdminWithdrawal> {
    const row = await inReview(id);
    const moved = await ctx.sdb.transaction(async (tx) => {
      const changes = { status: 'processing' as const, reviewed_by: actor.userId, updated_at: tx.now };
      if (!(await repo.update(id, 'review', { ...changes, checked_at: tx.now }, tx.db))) return false;
      await audit(tx, actor, 'withdrawal.approved', row);
      return true;
    });
    if (!moved) return movedOn(id);
    await settlement.send({ ...row, status: 'processing' });
    return current(id);
  }

  /** review → rejected (audited): amount and fee back to the wallet, as when the channel fails. */
  async function reject(actor: Principal, id: string, reason: string): Promise<AdminWithdrawal> {
    const row = await inReview(id);
    try {
      await ctx.ledger.transfer(returnedTransfer(moneyOf(row)), {
        async onApplied(tx) {
          const changes = { status: 'rejected' as const, reason, reviewed_by: actor.userId };
          const moved = await repo.update(
            id,
            'review',
            { ...changes, finished_at: tx.now, updated_at: tx.now },
            tx.db,
          );
          if (!moved) throw new WithdrawalMovedError(id);
          await audit(tx, actor, 'withdrawal.rejected', row);
          await tx.publish(
            PaymentEvents.withdrawalFailed({
              withdrawalId: id,
              userId: row.user_id,
              amountFen: row.amount_fen,
              reason,
            }),
          );
        },
      });
    } catch (e) {
      if (e instanceof WithdrawalMovedError || e instanceof TransferConflictError) return movedOn(id);
      throw e;
    }
    ctx.log.info({ withdrawalId: id, adminId: actor.userId }, 'withdrawal rejected; money returned');
    return current(id);
  }

  return { queue, approve, reject };
}

export type WithdrawalReview = ReturnType<typeof createWithdrawalReview>;
