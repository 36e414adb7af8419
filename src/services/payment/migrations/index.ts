import type { MigrationSet } from '../../../platform/db/migrator.js';
import { ledger } from './20261207_0001_ledger.js';
import { topups } from './20261207_0002_topups.js';
import { withdrawals } from './20261207_0003_withdrawals.js';
import { reconciliation } from './20261207_0004_reconciliation.js';
import { ledgerChecks } from './20261207_0005_ledger_checks.js';

/** The payment service's migrations, in order (names sort by time). */
export const paymentMigrations: MigrationSet = {
  '20261207_0001_ledger': ledger,
  '20261207_0002_topups': topups,
  '20261207_0003_withdrawals': withdrawals,
  '20261207_0004_reconciliation': reconciliation,
  '20261207_0005_ledger_checks': ledgerChecks,
};
