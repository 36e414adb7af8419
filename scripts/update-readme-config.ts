// Rewrites the configuration table in README.md from the platform's variables and every service's
// configuration section (listConfigVariables), so the documentation cannot drift from the code:
// `npm run docs:config`. Tests check that the README names every variable.
import { readFileSync, writeFileSync } from 'node:fs';
import { listConfigVariables } from '../src/platform/config.js';
import { CONFIG_SECTIONS } from '../src/services/registry.js';

const HEADER = '| variable | service | meaning |\n| --- | --- | --- |\n';
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(HEADER);
if (start < 0) throw new Error('README.md has no configuration table');
const end = readme.indexOf('\n\n', start + HEADER.length);
const variables = listConfigVariables(CONFIG_SECTIONS);
const rows = variables
  .map((v) => `| \`${v.name}\` | ${v.service ?? ''} | ${v.doc.replace(/\|/g, '\\|')} |`)
  .join('\n');
writeFileSync('README.md', readme.slice(0, start) + HEADER + rows + readme.slice(end));
console.log(`README.md: ${variables.length} configuration variables`);
