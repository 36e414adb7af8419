import type { LedgerCheckTables } from './ledger-check.db.js';
import type { ReconciliationTables } from './reconciliation.db.js';
import type { TopupTables } from './topup.db.js';
import type { WithdrawalTables } from './withdrawal.db.js';

/**
 * The payment service's tables, as Kysely sees them: the ledger's, and each flow's in a file beside
 * its code (topup.db.ts, withdrawal.db.ts, reconciliation.db.ts).
 *
 * Money columns are BIGINT fen. Reads pass them through `toSafeInt`: mysql2 answers BIGINTs beyond
 * 2^53 and every SUM() as strings.
 */
export interface PaymentDB
  extends LedgerTables, TopupTables, WithdrawalTables, ReconciliationTables, LedgerCheckTables {}

/** The ledger's tables (ledger/): accounts, immutable transfers and their legs. */
export interface LedgerTables {
  /** One row per (kind, owner): a user's wallet, an order's escrow, a channel's clearing, … */
  payment_ledger_accounts: {
    id: string;
    /** An account kind of the ledger's registry (`account-kinds.ts`). */
    kind: string;
    /** Whose account: a user id, an order id, a channel name, `platform`. */
    owner: string;
    /** 1 when the balance may go below zero (copied from the kind when the account is made). */
    may_go_negative: number;
    /** Sum of the account's legs, in fen. */
    balance: number;
    /** How many legs the account has; its latest leg has this `seq`. */
    seq: number;
    created_at: number;
    updated_at: number;
  };
  /** Immutable: a transfer is written once, with its legs, and never changed. */
  payment_ledger_transfers: {
    id: string;
    /** What makes a request idempotent, e.g. `hold:<orderId>`; unique. */
    business_key: string;
    /** What the transfer is, as a code (`topup`, `escrow.hold`, …). */
    kind: string;
    description: string | null;
    order_id: string | null;
    payment_id: string | null;
    withdrawal_id: string | null;
    created_at: number;
  };
  /** A transfer's movement on one account. The legs of a transfer sum to zero. */
  payment_ledger_legs: {
    account_id: string;
    /** Position in the account's history, 1, 2, 3 … with no gaps (the primary key with account_id). */
    seq: number;
    transfer_id: string;
    /** Position in the transfer, as the caller listed the legs. */
    position: number;
    /** Signed fen: positive adds to the account's balance, negative takes from it. */
    amount: number;
    /** The account's balance once this leg applied. */
    balance_after: number;
  };
}
