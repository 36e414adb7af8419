import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configTable } from '../src/platform/config.js';
import { ALL_SERVICES } from '../src/services/registry.js';

describe('the README configuration table', () => {
  it('is the table the code declares, row for row (npm run docs:config writes it)', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    expect(readme).toContain(`${configTable(ALL_SERVICES)}\n\n`);
  });
});
