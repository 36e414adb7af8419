import { parentPort, workerData } from 'node:worker_threads';
import { createInstantFormatter } from '../../platform/clock.js';
import { EmbeddedSearchIndex, type IndexLog } from './embedded-index.js';
import { SearchEngineError, type SearchJobDoc } from './engine/types.js';
import { renderBodyHead } from './search.mappers.js';
import { SearchUnavailableError, type SearchResult } from './search.port.js';
import {
  TAIL_ROOM,
  type FromThread,
  type RenderedOnWire,
  type ThreadCall,
  type ToThread,
  type WireError,
} from './threaded-index.js';

/**
 * The search thread: owns the embedded index (engine, snapshot, change log) and runs every call on
 * it, so queries, fsyncs and compaction use this thread's core while the main thread serves HTTP.
 * The main thread holds the directory's process lock; this thread opens the index under it. With
 * `replica`, it holds a read-only copy of the index another search thread owns
 * (EmbeddedSearchIndex.openReplica) and serves queries from it.
 */
const port = parentPort!;
const { dir, timeZone, replica } = workerData as { dir: string; timeZone: string; replica: boolean };
const formatInstant = createInstantFormatter(timeZone);
const encoder = new TextEncoder();

/**
 * A page's body head (search.mappers.ts renderBodyHead), written as UTF-8 into the buffer the call
 * was lent, leaving TAIL_ROOM for the cursor; as text when none was lent or it does not fit. A
 * lent buffer goes back with the answer either way.
 */
function rendered(result: SearchResult, buffer: ArrayBuffer | undefined): RenderedOnWire {
  const head = renderBodyHead(result, formatInstant);
  if (!buffer) return { next: result.next, head };
  const { read, written } = encoder.encodeInto(
    head,
    new Uint8Array(buffer, 0, buffer.byteLength - TAIL_ROOM),
  );
  return read === head.length ? { next: result.next, written, buffer } : { next: result.next, head, buffer };
}
const send = (message: FromThread): void => port.postMessage(message);

const log: IndexLog = {
  info: (fields, message) => send({ type: 'log', level: 'info', fields, message }),
  error: (fields, message) => send({ type: 'log', level: 'error', fields, message }),
};

function toWire(e: unknown): WireError {
  if (e instanceof SearchUnavailableError) {
    return { name: e.name, message: e.message, reason: e.reason, kind: e.kind };
  }
  if (e instanceof SearchEngineError) return { name: e.name, message: e.message, code: e.code };
  const error = e instanceof Error ? e : new Error(String(e));
  return { name: error.name, message: error.message, ...(error.stack ? { stack: error.stack } : {}) };
}

/** Documents of a rebuild come from the main thread one batch at a time, when this thread asks. */
const batchWaiters = new Map<
  number,
  { resolve: (docs: SearchJobDoc[] | null) => void; reject: (e: Error) => void }
>();

async function* pulled(id: number): AsyncGenerator<SearchJobDoc> {
  for (;;) {
    const docs = await new Promise<SearchJobDoc[] | null>((resolve, reject) => {
      batchWaiters.set(id, { resolve, reject });
      send({ type: 'pull', id });
    });
    if (docs === null) return;
    yield* docs;
  }
}

let index: EmbeddedSearchIndex;
try {
  index = replica
    ? EmbeddedSearchIndex.openReplica(dir, log)
    : EmbeddedSearchIndex.open(dir, log, { release() {} });
} catch (e) {
  send({ type: 'failed', error: toWire(e) });
  throw e;
}

function run(call: ThreadCall): unknown {
  switch (call.op) {
    case 'search':
      return index.search(call.query);
    case 'searchRendered':
      return index.search(call.query).then((result) => rendered(result, call.buffer));
    case 'upsert':
      return index.upsert(call.doc, call.options);
    case 'remove':
      return index.remove(call.jobId, call.version, call.removedAt, call.options);
    case 'sync':
      return index.sync();
    case 'status':
      return index.status();
    case 'maintain':
      return index.maintain();
    case 'pruneTombstones':
      return index.pruneTombstones(call.before);
    case 'rebuild':
      return index.rebuild(pulled(call.id), (p) => send({ type: 'progress', id: call.id, ...p }));
    case 'close':
      return index.close();
  }
}

function lentBack(value: unknown): ArrayBuffer[] {
  const buffer = (value as Partial<RenderedOnWire> | null)?.buffer;
  return buffer instanceof ArrayBuffer ? [buffer] : [];
}

port.on('message', (message: ToThread) => {
  if (message.type === 'batch') {
    const waiter = batchWaiters.get(message.id);
    batchWaiters.delete(message.id);
    if (message.error) waiter?.reject(Object.assign(new Error(message.error.message), message.error));
    else waiter?.resolve(message.docs);
    return;
  }
  const { id } = message;
  Promise.resolve()
    .then(() => run(message))
    .then(
      // A buffer lent with the call goes back (transferred) with its answer.
      (value) => port.postMessage({ type: 'result', id, value } satisfies FromThread, lentBack(value)),
      (e: unknown) => send({ type: 'error', id, error: toWire(e) }),
    );
});
send({ type: 'ready' });
