import { parseArgs } from 'node:util';
import { corpusEngine } from './corpus.js';
import { NEGATIVE, POSITIVE, runQualityCases } from './quality-cases.js';

/**
 * Search quality on the 1,000,000-post corpus: every case of quality-cases.ts, pass or fail, and a
 * non-zero exit when any fails.
 *
 *   npm run bench:search:quality [-- --docs 1000000 --dir bench/results/search-1000000]
 */
const { values: flags } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
  },
});
const docs = Number(flags.docs);
const { engine: opened, buildSeconds } = await corpusEngine({
  docs,
  seed: Number(flags.seed),
  dir: flags.dir ?? `bench/results/search-${docs}`,
  rebuild: flags.rebuild,
  log: (l) => console.log(l),
});
const engine = opened!;
if (buildSeconds !== null) console.log(`built in ${buildSeconds.toFixed(1)} s`);
const results = runQualityCases(engine);
for (const r of results) console.log(`${r.pass ? 'PASS' : 'FAIL'}  ${r.name.padEnd(40)} ${r.detail}`);
const failed = results.filter((r) => !r.pass).length;
console.log(
  `\n${results.length - failed}/${results.length} passed (${POSITIVE.length} positive, ${NEGATIVE.length} negative) on ${docs.toLocaleString('en-US')} generated posts + targets`,
);
engine.close();
process.exit(failed === 0 ? 0 : 1);
