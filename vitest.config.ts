import { availableParallelism } from 'node:os';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';

const report = process.env.LINGGONG_TEST_REPORT;
// Test files are independent (each makes its own databases and Redis prefix), so they run one per
// core; LINGGONG_TEST_WORKERS overrides it (1: one file at a time).
const workers = Number(process.env.LINGGONG_TEST_WORKERS) || Math.max(2, availableParallelism());

/**
 * The files that run longest (child processes, crash and race tests), started first: begun last,
 * one of them would keep a run going alone after the rest had finished.
 */
const LONGEST_FIRST = [
  'test/e2e/flow.test.ts',
  'test/cli.test.ts',
  'test/order/hire-crash.test.ts',
  'test/platform/scheduler-processes.test.ts',
  'test/payment/crash.test.ts',
  'test/search/processes.test.ts',
  'test/message/processes.test.ts',
  'test/review/credit.test.ts',
  'test/order/concurrency.test.ts',
  'test/platform/workflow-crash.test.ts',
  'test/platform/redis-crash.test.ts',
];

class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) => {
      const i = LONGEST_FIRST.findIndex((name) => f.moduleId.endsWith(name));
      return i < 0 ? LONGEST_FIRST.length : i;
    };
    return [...(await super.sort(files))].sort((a, b) => rank(a) - rank(b));
  }
}

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // One compiled build for the child processes the tests start (test/support/build.ts).
    globalSetup: ['test/support/build.ts'],
    pool: 'forks',
    maxWorkers: workers,
    sequence: { sequencer: LongestFirst },
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
