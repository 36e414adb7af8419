import type { Worker } from 'node:worker_threads';
import { startModuleWorker } from '../../../platform/threads.js';
import type { AnalyzedDoc } from './job-index.js';
import type { SearchJobDoc } from './types.js';

/** One analysis worker thread for bulk builds. */
export class AnalysisWorker {
  private readonly worker: Worker;
  private nextId = 0;
  private readonly waiting = new Map<
    number,
    { resolve: (v: (AnalyzedDoc | null)[]) => void; reject: (e: Error) => void }
  >();

  constructor() {
    this.worker = startModuleWorker(import.meta.url, './analysis-worker');
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
