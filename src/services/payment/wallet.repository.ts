import type { Executor } from '../../platform/db/service-database.js';
import { toSafeInt } from '../../platform/money.js';
import { ESCROW_KINDS } from './escrow.transfers.js';
import type { PaymentDB } from './payment.db.js';

/** Withdrawals whose money has left the wallet but not yet the platform. */
const WITHDRAWING = ['review', 'processing'] as const;

/** The wallet's reads beyond the ledger's own (read-only). */
export function createWalletRepository(db: Executor<PaymentDB>) {
  return {
    /**
     * What the escrows of a user's orders hold now: the escrow accounts of the orders whose hold
     * took money from `walletAccountId` (legs of that wallet, primary key order, joined to their
     * transfers). A final order's escrow is zero, so it adds nothing.
     */
    async heldFen(walletAccountId: string, ex: Executor<PaymentDB> = db): Promise<number> {
      const row = await ex
        .selectFrom('payment_ledger_accounts as e')
        .select((eb) => eb.fn.sum<number | string>('e.balance').as('total'))
        .where('e.kind', '=', 'escrow')
        .where('e.balance', '>', 0)
        .where('e.owner', 'in', (eb) =>
          eb
            .selectFrom('payment_ledger_legs as l')
            .innerJoin('payment_ledger_transfers as t', 't.id', 'l.transfer_id')
            .select('t.order_id')
            .where('l.account_id', '=', walletAccountId)
            .where('l.amount', '<', 0)
            .where('t.kind', '=', ESCROW_KINDS.hold),
        )
        .executeTakeFirst();
      return toSafeInt(row?.total);
    },

    /** The amounts of the user's withdrawals waiting for review or being paid out. */
    async withdrawingFen(userId: string, ex: Executor<PaymentDB> = db): Promise<number> {
      const row = await ex
        .selectFrom('payment_withdrawals')
        .select((eb) => eb.fn.sum<number | string>('amount_fen').as('total'))
        .where('user_id', '=', userId)
        .where('status', 'in', WITHDRAWING)
        .executeTakeFirst();
      return toSafeInt(row?.total);
    },
  };
}

export type WalletRepository = ReturnType<typeof createWalletRepository>;
