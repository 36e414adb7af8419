import type { MigrationSet } from '../../../platform/db/migrator.js';
import { verifications } from './20261207_0001_verifications.js';

/** The verification service's migrations, in order (names sort by time). */
export const verificationMigrations: MigrationSet = {
  '20261207_0001_verifications': verifications,
};
