import type { PaymentContext } from './payment-context.js';
import type { WithdrawalRow } from './withdrawal.repository.js';
import type { AdminWithdrawal, WithdrawalView } from './withdrawal.schemas.js';

/**
 * A payee account as answered: the first 3 and the last 2–4 characters kept (4 from 11 characters
 * on, so a phone logon id reads like a masked phone: 138****5678).
 */
export function maskAccount(account: string): string {
  const chars = [...account];
  if (chars.length < 6) return '****';
  const tail = Math.min(4, Math.max(2, chars.length - 7));
  return `${chars.slice(0, 3).join('')}${'*'.repeat(chars.length - 3 - tail)}${chars.slice(-tail).join('')}`;
}

/** The owner's view of a withdrawal (the account masked). */
export function toWithdrawalView(
  ctx: Pick<PaymentContext, 'pii' | 'at'>,
  row: WithdrawalRow,
): WithdrawalView {
  return {
    id: row.id,
    channel: row.channel,
    account: maskAccount(ctx.pii.decrypt(row.account_cipher)),
    amountFen: row.amount_fen,
    feeFen: row.fee_fen,
    status: row.status,
    reason: row.reason,
    channelTransactionId: row.channel_transaction_id,
    userConfirmation: row.status === 'processing' ? row.user_confirmation : null,
    createdAt: ctx.at(row.created_at),
    finishedAt: row.finished_at === null ? null : ctx.at(row.finished_at),
  };
}

/** An admin's view: the owner's, with who asked and who reviewed it (the account still masked). */
export function toAdminWithdrawal(
  ctx: Pick<PaymentContext, 'pii' | 'at'>,
  row: WithdrawalRow,
): AdminWithdrawal {
  return {
    ...toWithdrawalView(ctx, row),
    userId: row.user_id,
    reviewedBy: row.reviewed_by,
    updatedAt: ctx.at(row.updated_at),
  };
}
