// The compiled build: each TypeScript module under a folder (tests excepted) transpiled one to one
// into another by esbuild, the transform tsx applies to the sources at run time, done once ahead.
// Types are checked by `npm run typecheck`, not here.
//
// `npm run build` writes dist/ from src/: the image runs it (deploy/docker/Dockerfile), and
// bin/linggong.mjs runs dist/ where there are no sources. The tests start their child processes
// from a build of their own (test/support/build.ts).
import { readdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';

/** Transpiles root/from into `to` (relative to root, or absolute); answers how many modules. */
export async function transpile(root: string, from: string, to: string): Promise<number> {
  const entryPoints = modulesUnder(join(root, from));
  await build({
    entryPoints,
    outdir: resolve(root, to),
    outbase: join(root, from),
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'warning',
  });
  return entryPoints.length;
}

function modulesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.test.ts'))
    .map((e) => join(e.parentPath, e.name));
}

if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) {
  const root = join(import.meta.dirname, '..');
  const started = performance.now();
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const modules = await transpile(root, 'src', 'dist');
  console.log(`dist/: ${modules} modules in ${Math.round(performance.now() - started)} ms`);
}
