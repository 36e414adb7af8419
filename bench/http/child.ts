import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { tunedGlibcTunables } from '../../bin/malloc.mjs';
import type { SeedResult } from './seed.js';

/** What a benchmark child process reports once it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
}

/** What bench/http/prepare.ts reports once the database is migrated and seeded. */
export interface PreparedMessage extends SeedResult {
  type: 'prepared';
  /** The database and its version, for the report (asked on the servers' Node, which opens it). */
  version: string;
}

/** A server running in a child process (so it has a core of its own, apart from the load generator). */
export interface ChildServer {
  name: string;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * The GLIBC_TUNABLES every benchmark server starts with: the malloc settings `linggong serve` runs
 * with (bin/linggong.mjs) added to the environment's, unless LINGGONG_MALLOC_TUNING=off.
 */
export const SERVER_GLIBC_TUNABLES: string | undefined =
  tunedGlibcTunables(process.env) ?? process.env.GLIBC_TUNABLES;

/**
 * The Node.js binary every benchmark server runs on: LINGGONG_BENCH_SERVER_NODE, e.g. a newer
 * Node to compare with, or the one running the benchmark. Its native modules must load there
 * (better-sqlite3 is built for one Node ABI, so another Node suits the MySQL runs).
 */
export const SERVER_NODE: string = process.env.LINGGONG_BENCH_SERVER_NODE || process.execPath;

function forkScript(
  script: string,
  env: Record<string, string>,
  args: string[],
  execArgv: string[],
): ChildProcess {
  return fork(resolve('bin/run-ts.mjs'), [resolve('bench/http', script), ...args], {
    env: {
      ...process.env,
      ...(SERVER_GLIBC_TUNABLES ? { GLIBC_TUNABLES: SERVER_GLIBC_TUNABLES } : {}),
      ...env,
    },
    execArgv,
    execPath: SERVER_NODE,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/**
 * Migrates and seeds the benchmark's database in a child process on the servers' Node
 * (bench/http/prepare.ts), configured by `env`, and answers what it reports.
 */
export async function prepareDatabase(env: Record<string, string>): Promise<PreparedMessage> {
  const child = forkScript('prepare.ts', env, [], []);
  return new Promise<PreparedMessage>((resolveSeed, reject) => {
    let prepared: PreparedMessage | undefined;
    child.on('message', (m: PreparedMessage) => {
      if (m.type === 'prepared') prepared = m;
    });
    child.once('error', reject);
    // 'close', not 'exit': by then every message the child sent has arrived.
    child.once('close', (code) => {
      if (prepared && code === 0) resolveSeed(prepared);
      else reject(new Error(`bench/http/prepare.ts exited with code ${String(code)}`));
    });
  });
}

/** Runs `bench/http/<script>` through bin/run-ts.mjs in a child process and waits until it listens. */
export async function startChild(
  name: string,
  script: string,
  env: Record<string, string> = {},
  args: string[] = [],
  execArgv: string[] = [],
): Promise<ChildServer> {
  const child = forkScript(script, env, args, execArgv);
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 120 s`)), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with code ${String(code)} before listening`));
    });
    child.on('message', (m: ReadyMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolvePort(m.port);
      }
    });
  });
  child.removeAllListeners('exit');
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    pid: child.pid!,
    async stop() {
      if (child.exitCode !== null) return;
      // Let requests the load generator abandoned at the end of its run finish first.
      await new Promise((r) => setTimeout(r, 1000));
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** In a child: tells the parent the port it listens on, and runs `close` on SIGTERM before exiting. */
export function reportReady(port: number, close: () => Promise<void>): void {
  process.send?.({ type: 'ready', port } satisfies ReadyMessage);
  process.once('SIGTERM', () => {
    close().then(
      () => process.exit(0),
      (e: unknown) => {
        console.error(e);
        process.exit(1);
      },
    );
  });
  // The parent went away: stop too.
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}
