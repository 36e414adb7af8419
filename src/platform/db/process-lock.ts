import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export interface ProcessLock {
  release(): void;
}

/**
 * A lock file next to the SQLite database (or another embedded store, e.g. the search index): the
 * embedded topology serves exactly one process, so a second one refuses to start instead of
 * corrupting the single-writer assumptions. A lock left by a process that died is taken over.
 */
export function acquireProcessLock(path: string, what = 'embedded database'): ProcessLock {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          rmSync(path, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(path, 'utf8').trim());
      if (pid && pid !== process.pid && isAlive(pid)) {
        throw new DatabaseLockedError(path, pid, what);
      }
      if (pid === process.pid) throw new DatabaseLockedError(path, pid, what);
      rmSync(path, { force: true }); // stale: its process is gone
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

export class DatabaseLockedError extends Error {
  constructor(
    readonly path: string,
    readonly pid: number,
    what = 'embedded database',
  ) {
    const folder = dirname(path);
    super(
      what === 'embedded database'
        ? `The embedded database in ${folder} is in use by process ${pid} (lock file ${path}). ` +
            'The embedded SQLite database serves one process only: stop the other process, or run ' +
            'several processes on MySQL/MariaDB and Redis (LINGGONG_DATABASE_URL=mysql://…, LINGGONG_REDIS_URL=redis://…).'
        : `The ${what} in ${folder} is in use by process ${pid} (lock file ${path}). ` +
            'Each process keeps its own in its data folder: stop the other process, or give this one a ' +
            'data folder of its own with LINGGONG_DATA_DIR.',
    );
    this.name = 'DatabaseLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
