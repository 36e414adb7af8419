import type { MigrationSet } from '../../../platform/db/migrator.js';
import { jobs } from './20261125_0001_jobs.js';
import { takenDown } from './20261207_0001_taken_down.js';
import { employerVerified } from './20261207_0002_employer_verified.js';

/** The job service's migrations, in order (names sort by time). */
export const jobMigrations: MigrationSet = {
  '20261125_0001_jobs': jobs,
  '20261207_0001_taken_down': takenDown,
  '20261207_0002_employer_verified': employerVerified,
};
