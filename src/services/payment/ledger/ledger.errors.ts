import { AppError, defineErrors } from '../../../platform/errors.js';
import type { Transfer } from './ledger.types.js';

/**
 * A debit would take an account that may not go negative below zero. Nothing of the transfer was
 * applied.
 */
export class InsufficientFundsError extends AppError {
  override name = 'InsufficientFundsError';
  constructor(
    readonly accountId: string,
    readonly kind: string,
    readonly owner: string,
    /** The balance the transfer found. */
    readonly balanceFen: number,
    /** What the transfer would have taken from the account. */
    readonly debitFen: number,
  ) {
    super(
      'LEDGER_INSUFFICIENT_FUNDS',
      409,
      { 'zh-CN': '余额不足', en: `Insufficient funds in the ${kind} account` },
      { data: { accountId, kind, owner } },
    );
  }
}

/**
 * The business key names a transfer that moved other money (other legs, kind or links): the same
 * key was used for a different request, like Stripe's idempotency mismatch.
 */
export class TransferConflictError extends AppError {
  override name = 'TransferConflictError';
  constructor(
    readonly businessKey: string,
    readonly existing: Transfer,
  ) {
    super(
      'LEDGER_TRANSFER_CONFLICT',
      422,
      {
        'zh-CN': '该业务编号已用于另一笔不同的转账',
        en: 'This business key was already used for a different transfer',
      },
      { data: { businessKey, transferId: existing.id } },
    );
  }
}

/**
 * A transfer that cannot be applied as written (unbalanced, an unknown account kind, a bad amount).
 * The calling code built it wrongly, so this is not an AppError: it answers 500.
 */
export class InvalidTransferError extends Error {
  override name = 'InvalidTransferError';
}

/** The ledger's refusals that carry no data. */
export const LedgerErrors = defineErrors({
  LEDGER_BALANCE_LIMIT: {
    status: 409,
    zh: '账户余额超出可记录的范围',
    en: 'The account balance would leave the range the ledger can hold exactly',
  },
  LEDGER_BUSY: { status: 503, zh: '记账服务繁忙，请稍后再试', en: 'The ledger is busy, try again later' },
  LEDGER_CLOSED: { status: 503, zh: '记账服务正在停止', en: 'The ledger is shutting down' },
});
