import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/log.js';

/** A logger whose lines are kept in memory (`lines`, one JSON text per line) for tests to read. */
export function capturedLogger(level = 'info'): {
  log: Logger;
  lines: string[];
} {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString('utf8'));
      cb();
    },
  });
  return { log: createLogger({ level, destination }), lines };
}
