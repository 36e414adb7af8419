import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const report = process.env.LINGGONG_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    // Most test files spend their time waiting on MariaDB, Redis, child processes and timers, not
    // on the CPU: with one worker per core the MariaDB + Redis suite kept 2 cores 37 % busy and
    // took 250 s; with two per core it took 173 s.
    maxWorkers: availableParallelism() * 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
