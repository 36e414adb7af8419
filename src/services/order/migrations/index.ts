import type { MigrationSet } from '../../../platform/db/migrator.js';
import { orders } from './20261207_0001_orders.js';
import { credit } from './20261207_0002_credit.js';
import { rehire } from './20261207_0003_rehire.js';

/** The order service's migrations, in order (names sort by time). */
export const orderMigrations: MigrationSet = {
  '20261207_0001_orders': orders,
  '20261207_0002_credit': credit,
  '20261207_0003_rehire': rehire,
};
