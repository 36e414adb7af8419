/**
 * The ledger as the rest of the payment service uses it: build one with `createLedger` (one per
 * process and database: it owns the group commit), and check a database with `checkLedger`.
 */
export {
  LEDGER_ACCOUNT_KINDS,
  LEDGER_CHANNELS,
  PLATFORM_OWNER,
  type AccountKindSpec,
  type AccountKinds,
  type AccountRef,
  type DefaultAccountKind,
  type LedgerChannel,
} from './account-kinds.js';
export type { BatchOptions, BatcherStats } from './batcher.js';
export { checkLedger, type CheckLedgerOptions, type LedgerProblem } from './check.js';
export { createLedger, InvalidAccountError, type Ledger, type LedgerOptions } from './ledger.js';
export {
  InsufficientFundsError,
  InvalidTransferError,
  LedgerErrors,
  TransferConflictError,
} from './ledger.errors.js';
export type {
  LedgerAccount,
  LedgerEntry,
  LegSpec,
  OnApplied,
  Transfer,
  TransferLeg,
  TransferLinks,
  TransferOptions,
  TransferResult,
  TransferSpec,
} from './ledger.types.js';
export { MAX_LEGS } from './transfer-spec.js';
