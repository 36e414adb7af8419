import type { MigrationSet } from '../../../platform/db/migrator.js';
import { ledger } from './20261207_0001_ledger.js';

/** The payment service's migrations, in order (names sort by time). */
export const paymentMigrations: MigrationSet = {
  '20261207_0001_ledger': ledger,
};
