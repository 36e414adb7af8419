import type { MigrationSet } from '../../../platform/db/migrator.js';
import { accounts } from './20261125_0001_accounts.js';
import { skillsOnAccount } from './20261204_0001_skills_on_account.js';

/** The user service's migrations, in order (names sort by time). */
export const userMigrations: MigrationSet = {
  '20261125_0001_accounts': accounts,
  '20261204_0001_skills_on_account': skillsOnAccount,
};
