import { cpSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { transpile } from '../../scripts/build.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Vitest's global setup: one compiled build (scripts/build.ts) for the whole run, from which the
 * tests start their `linggong` and fixture processes (`BIN`, `fixtureArgs` in serve.ts) instead
 * of transforming the sources through tsx in each of them. Laid out like an image: bin/, dist/,
 * package.json, no src/ (so bin/linggong.mjs runs dist/), node_modules linked to the checkout's;
 * the fixtures' imports of ../../src/ reach dist/ through a link. LINGGONG_TEST_BUILD names it.
 */
export default async function setup(): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'linggong-build-'));
  await transpile(ROOT, 'src', join(dir, 'dist'));
  await transpile(ROOT, 'test/fixtures', join(dir, 'test', 'fixtures'));
  cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  symlinkSync(join(dir, 'dist'), join(dir, 'src'), 'dir');
  process.env.LINGGONG_TEST_BUILD = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
