import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

const report = process.env.LINGGONG_TEST_REPORT;
// Test files are independent (each makes its own databases and Redis prefix), so they run one per
// core; LINGGONG_TEST_WORKERS overrides it (1: one file at a time).
const workers = Number(process.env.LINGGONG_TEST_WORKERS) || Math.max(2, availableParallelism());

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    pool: 'forks',
    maxWorkers: workers,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
