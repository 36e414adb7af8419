import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

/** The `linggong` command as a user runs it (`npm start` runs `linggong serve`). */
export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'linggong.mjs');

export interface ServedProcess {
  child: ChildProcess;
  /** The API's base address, as the start banner prints it. */
  url: string;
  /** Everything it has written so far, stdout and stderr. */
  output: () => string;
}

/**
 * Starts `linggong serve` with exactly this environment and resolves once it prints where its API
 * is; rejects if it exits first or prints nothing within `timeoutMs`. The caller kills it.
 */
export function startServe(env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<ServedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer): void => {
      out += d.toString();
      const m = /Docs:\s+(http:\/\/[^/\s]+)\/docs/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${out}`));
    });
  });
}

/**
 * The environment of a `linggong serve` process on a shared test database and Redis prefix, with a
 * data folder of its own and the rate limits out of the way (several processes of one test).
 */
export function sharedServeEnv(
  shared: { databaseUrl: string; redisUrl: string; redisPrefix: string; dataDir: string },
  env: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TZ: process.env.TZ,
    LINGGONG_DATA_DIR: shared.dataDir,
    LINGGONG_PORT: '0',
    LINGGONG_DATABASE_URL: shared.databaseUrl,
    LINGGONG_REDIS_URL: shared.redisUrl,
    LINGGONG_REDIS_PREFIX: shared.redisPrefix,
    LINGGONG_RATE_LIMIT_MAX: '100000',
    LINGGONG_AUTH_RATE_LIMIT_MAX: '100000',
    ...env,
  };
}
