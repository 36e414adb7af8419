import type { Tx } from '../../../platform/db/service-database.js';
import type { PaymentDB } from '../payment.db.js';
import type { AccountRef } from './account-kinds.js';

/** One movement of a transfer: a signed amount on an account (+ adds to it, − takes from it). */
export interface LegSpec<K extends string = string> {
  readonly account: AccountRef<K>;
  /** Signed fen, not zero, at most MAX_FEN either way. */
  readonly amountFen: number;
}

/** What a transfer is about; each link is another service's or this service's id. */
export interface TransferLinks {
  readonly orderId?: string | undefined;
  readonly paymentId?: string | undefined;
  readonly withdrawalId?: string | undefined;
}

/** A transfer as a caller asks for it. */
export interface TransferSpec<K extends string = string> extends TransferLinks {
  /** Unique per business effect, e.g. `hold:<orderId>`: a request made again applies once. */
  readonly businessKey: string;
  /** What the transfer is, as a code: `topup`, `escrow.hold`, `escrow.release` … */
  readonly kind: string;
  readonly description?: string | undefined;
  /** At least two, on different accounts, summing to zero. */
  readonly legs: readonly LegSpec<K>[];
}

/** A leg as stored: which account, how much, and where it left the account. */
export interface TransferLeg {
  readonly accountId: string;
  readonly kind: string;
  readonly owner: string;
  readonly amountFen: number;
  /** Its position in the account's history (1 for the account's first leg). */
  readonly seq: number;
  readonly balanceAfterFen: number;
}

/** A transfer as stored. Immutable. */
export interface Transfer {
  readonly id: string;
  readonly businessKey: string;
  readonly kind: string;
  readonly description: string | null;
  readonly orderId: string | null;
  readonly paymentId: string | null;
  readonly withdrawalId: string | null;
  readonly createdAt: number;
  /** In the order the caller listed them. */
  readonly legs: readonly TransferLeg[];
}

/** The answer to a transfer request: the transfer, and whether it existed already. */
export interface TransferResult {
  readonly transfer: Transfer;
  /** True when the business key was known: nothing moved this time. */
  readonly replayed: boolean;
}

export interface LedgerAccount {
  readonly id: string;
  readonly kind: string;
  readonly owner: string;
  readonly mayGoNegative: boolean;
  readonly balanceFen: number;
  /** How many legs the account has. */
  readonly entryCount: number;
  readonly createdAt: number;
}

/** One line of an account's history: a leg with its transfer. */
export interface LedgerEntry {
  readonly seq: number;
  readonly amountFen: number;
  readonly balanceAfterFen: number;
  readonly transferId: string;
  readonly businessKey: string;
  readonly transferKind: string;
  readonly description: string | null;
  readonly orderId: string | null;
  readonly paymentId: string | null;
  readonly withdrawalId: string | null;
  readonly createdAt: number;
}

/**
 * Runs in the transaction that applies the transfer, after its rows are written, so the caller's
 * own changes and outbox events commit (or not) with the money. If it throws, that transfer is
 * undone (a savepoint) and its caller gets the error; the rest of the batch goes on. It may run
 * more than once when the batch transaction is retried; only the run that commits counts. It does
 * not run for a replayed transfer. It must not move money itself (no `transferIn`): the batch holds
 * the balances of its accounts in memory, so money belongs in the transfer's legs. On MySQL it runs
 * with the batch's account locks held, so rows it locks come after accounts in every lock order.
 */
export type OnApplied = (tx: Tx<PaymentDB>, transfer: Transfer) => Promise<void>;

export interface TransferOptions {
  readonly onApplied?: OnApplied | undefined;
}
