import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILD = process.env.LINGGONG_TEST_BUILD;

/** The `linggong` command as a clone runs it, through tsx (`npm start` runs `linggong serve`). */
export const SOURCE_BIN = join(ROOT, 'bin', 'linggong.mjs');

/**
 * The `linggong` command the tests start: the run's compiled build (test/support/build.ts), as an
 * image runs it, or the sources' outside a test run (benchmarks).
 */
export const BIN = BUILD ? join(BUILD, 'bin', 'linggong.mjs') : SOURCE_BIN;

/** The arguments of `node` that run a fixture script (`test/fixtures/….ts`), built or through tsx. */
export function fixtureArgs(script: string): string[] {
  return BUILD ? [join(BUILD, script.replace(/\.ts$/, '.js'))] : [join(ROOT, 'bin', 'run-ts.mjs'), script];
}

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
export function startServe(env: NodeJS.ProcessEnv, timeoutMs = 30_000, bin = BIN): Promise<ServedProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, 'serve'], { env });
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
