import type { MigrationSet } from '../../../platform/db/migrator.js';
import { accounts } from './20261125_0001_accounts.js';

/** The user service's migrations, in order (names sort by time). */
export const userMigrations: MigrationSet = {
  '20261125_0001_accounts': accounts,
};
