import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread running the module `target` (a URL next to the caller, without its
 * extension: `.js` when the caller runs compiled, `.ts` from the sources in development and tests).
 * From the sources the worker first registers tsx, as bin/linggong.mjs does for the main thread; an
 * eval worker cannot resolve tsx itself, so its ESM API is resolved here from the package's exports.
 */
export function startModuleWorker(
  callerUrl: string,
  target: string,
  options: Omit<WorkerOptions, 'eval'> = {},
): Worker {
  const fromSource = callerUrl.endsWith('.ts');
  const href = new URL(`${target}.${fromSource ? 'ts' : 'js'}`, callerUrl).href;
  let code = `import(${JSON.stringify(href)});`;
  if (fromSource) {
    const pkgPath = createRequire(callerUrl).resolve('tsx/package.json');
    const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
      exports: Record<string, { import: { default: string } }>;
    };
    const tsx = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
    code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(href)}); });`;
  }
  return new Worker(code, { ...options, eval: true });
}
