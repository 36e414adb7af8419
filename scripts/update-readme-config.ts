// Rewrites the configuration table in README.md from CONFIG_VARS (src/platform/config.ts), so the
// documentation cannot drift from the code: `npm run docs:config`. A test checks they agree.
import { readFileSync, writeFileSync } from 'node:fs';
import { CONFIG_VARS } from '../src/platform/config.js';

const HEADER = '| variable | meaning |\n| --- | --- |\n';
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(HEADER);
if (start < 0) throw new Error('README.md has no configuration table');
const end = readme.indexOf('\n\n', start + HEADER.length);
const rows = Object.entries(CONFIG_VARS)
  .map(([name, spec]) => `| \`${name}\` | ${spec.doc.replace(/\|/g, '\\|')} |`)
  .join('\n');
writeFileSync('README.md', readme.slice(0, start) + HEADER + rows + readme.slice(end));
console.log(`README.md: ${Object.keys(CONFIG_VARS).length} configuration variables`);
