// Rewrites the configuration table in README.md from the platform's variables and every service's
// configuration section (configTable), so the documentation cannot drift from the code:
// `npm run docs:config`. test/config-docs.test.ts checks that the README holds the table as written.
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, listConfigVariables } from '../src/platform/config.js';
import { ALL_SERVICES } from '../src/services/registry.js';

const HEADER = '| variable | service | meaning |\n';
const readme = readFileSync('README.md', 'utf8');
const start = readme.indexOf(HEADER);
if (start < 0) throw new Error('README.md has no configuration table');
const end = readme.indexOf('\n\n', start);
writeFileSync('README.md', readme.slice(0, start) + configTable(ALL_SERVICES) + readme.slice(end));
console.log(`README.md: ${listConfigVariables(ALL_SERVICES).length} configuration variables`);
