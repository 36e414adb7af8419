import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { AnalyzedDoc } from './job-index.js';
import type { SearchJobDoc } from './types.js';

/**
 * One analysis worker thread for bulk builds. From the TypeScript sources (development, tests)
 * the worker first registers tsx, as bin/linggong.mjs does for the main thread.
 */
export class AnalysisWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: (AnalyzedDoc | null)[]) => void; reject: (e: Error) => void }
  >();

  constructor() {
    const fromSource = import.meta.url.endsWith('.ts');
    const target = new URL(`./analysis-worker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href;
    let code = `import(${JSON.stringify(target)});`;
    if (fromSource) {
      // Resolve tsx's ESM API from its package exports (an eval worker cannot resolve it itself).
      const pkgPath = createRequire(import.meta.url).resolve('tsx/package.json');
      const pkg = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
        exports: Record<string, { import: { default: string } }>;
      };
      const tsx = new URL(pkg.exports['./esm/api']!.import.default, pathToFileURL(pkgPath)).href;
      code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(target)}); });`;
    }
    this.worker = new Worker(code, { eval: true });
    this.worker.on('message', (m: { id: number; out: (AnalyzedDoc | null)[] }) => {
      this.waiting.get(m.id)?.resolve(m.out);
      this.waiting.delete(m.id);
    });
    this.worker.on('error', (e) => this.failAll(e));
    this.worker.on('exit', () => this.failAll(new Error('analysis worker exited')));
  }

  analyze(docs: readonly SearchJobDoc[]): Promise<(AnalyzedDoc | null)[]> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({
        id,
        docs: docs.map((d) => ({ title: d.title, description: d.description, tags: d.tags })),
      });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private failAll(e: Error): void {
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
