import { parentPort } from 'node:worker_threads';
import { analyzeDoc, type AnalyzedDoc } from './job-index.js';
import type { SearchJobDoc } from './types.js';

/**
 * Worker thread of a bulk build: analyses batches of documents (jieba is the expensive part of
 * indexing) while the main thread indexes. A document that fails analysis comes back as null; the
 * main thread then upserts it unanalysed, which reports the validation error properly.
 */
type Texts = Pick<SearchJobDoc, 'title' | 'description' | 'tags'>;

parentPort?.on('message', (message: { id: number; docs: Texts[] }) => {
  const out: (AnalyzedDoc | null)[] = message.docs.map((doc) => {
    try {
      return analyzeDoc(doc);
    } catch {
      return null;
    }
  });
  parentPort!.postMessage({ id: message.id, out });
});
