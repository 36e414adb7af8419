import type { MigrationSet } from '../../../platform/db/migrator.js';
import { reviews } from './20261207_0001_reviews.js';

/** The review service's migrations, in order (names sort by time). */
export const reviewMigrations: MigrationSet = {
  '20261207_0001_reviews': reviews,
};
