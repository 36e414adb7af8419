// Reads a vitest JSON report, prints "N passed, N failed, N skipped", and fails on failures,
// on an empty run, and (with "no-skips") on any skipped test.
import { readFileSync } from 'node:fs';

const [file, mode] = process.argv.slice(2);
const report = JSON.parse(readFileSync(file, 'utf8'));
const passed = report.numPassedTests;
const failed = report.numFailedTests;
const skipped = report.numPendingTests + report.numTodoTests;
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (failed > 0 || passed === 0) process.exit(1);
if (mode === 'no-skips' && skipped > 0) {
  console.error('tests were skipped although MariaDB and Redis are configured');
  process.exit(1);
}
