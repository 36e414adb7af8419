import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, missingMallocTunables, runsOnGlibc, tunedGlibcTunables } from '../bin/malloc.mjs';
import { minorFaultsOf } from '../bench/http/proc.js';
import { contextUsesFrames } from '../src/platform/context.js';
import { TEST_MYSQL_URL } from './support/env.js';

/** The `linggong` command as a user runs it (`npm start` runs `linggong serve`). */
const BIN = join(import.meta.dirname, '..', 'bin', 'linggong.mjs');
const dirs: string[] = [];
const children: ChildProcess[] = [];

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'linggong-cli-'));
  dirs.push(d);
  return d;
}

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, TZ: process.env.TZ };
  return { ...env, ...extra };
}

function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env) });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

/** Starts `linggong serve` and resolves with its API address once it prints it. */
function serve(
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'serve'], { env: cleanEnv(env) });
    children.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${out}`)), 30_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /Docs:\s+(http:\/\/[^/\s]+)\/docs/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, output: () => out });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${out}`)));
  });
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('linggong CLI', () => {
  it('prints help for every command', async () => {
    const main = await run(['--help']);
    expect(main.code).toBe(0);
    for (const cmd of ['serve', 'migrate', 'seed', 'reindex', 'create-admin', 'config']) {
      expect(main.out).toContain(cmd);
      const sub = await run([cmd, '--help']);
      expect(sub.code).toBe(0);
      expect(sub.out).toContain(`Usage: linggong ${cmd}`);
    }
    expect((await run(['bogus'])).code).toBe(2);
    // Twelve process starts: generous for a loaded 2-core machine.
  }, 120_000);

  it('refuses bad configuration listing every problem, exit code 2', async () => {
    const r = await run(['migrate', 'status'], { LINGGONG_PORT: 'x', LINGGONG_BUSINESS_TZ: 'Nowhere/City' });
    expect(r.code).toBe(2);
    expect(r.err).toContain('LINGGONG_PORT');
    expect(r.err).toContain('LINGGONG_BUSINESS_TZ');
  });

  it('migrates and reports status', async () => {
    const dataDir = tempDir();
    const up = await run(['migrate', 'up'], { LINGGONG_DATA_DIR: dataDir });
    expect(up.code, up.err).toBe(0);
    const status = await run(['migrate', 'status'], { LINGGONG_DATA_DIR: dataDir });
    expect(status.code).toBe(0);
    expect(status.out).not.toContain('pending');
    expect(status.out).toContain('00000000_0000_platform_tables');
  });

  it('creates an admin on a fresh data folder, and makes an existing account admin once', async () => {
    const dataDir = tempDir();
    const created = await run(['create-admin', '--phone', '13900000009'], { LINGGONG_DATA_DIR: dataDir });
    expect(created.code, created.err).toBe(0);
    const id = /Admin account ([0-9A-HJKMNP-TV-Z]{26}) is ready/.exec(created.out)?.[1];
    expect(id, created.out).toBeDefined();
    const again = await run(['create-admin', '--phone', '13900000009'], { LINGGONG_DATA_DIR: dataDir });
    expect(again.code, again.err).toBe(0);
    expect(again.out).toContain(`Admin account ${id} is ready`);
    const db = new Database(join(dataDir, 'linggong.db'), { readonly: true });
    try {
      const rows = db.prepare('select id, roles from user_accounts').all();
      expect(rows).toEqual([{ id, roles: 'admin' }]);
    } finally {
      db.close();
    }
    const bad = await run(['create-admin', '--phone', '12345'], { LINGGONG_DATA_DIR: dataDir });
    expect(bad.code).toBe(2);
    expect(bad.err).toBe('create-admin: 12345 is not a mainland China mobile number (e.g. 13800000000)\n');
  }, 60_000);

  it.skipIf(!TEST_MYSQL_URL)('says in one line which MySQL database is missing, exit code 2', async () => {
    const url = new URL(TEST_MYSQL_URL!);
    url.pathname = '/lgt_missing_database';
    const r = await run(['migrate', 'up'], { LINGGONG_DATABASE_URL: url.toString() });
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      'The database "lgt_missing_database" does not exist: create it (CREATE DATABASE `lgt_missing_database` ' +
        'CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci) or point LINGGONG_DATABASE_URL ' +
        '(or LINGGONG_<SERVICE>_DATABASE_URL) at one that does.\n',
    );
  });

  it('rebuilds the search index into a new folder and swaps it in', async () => {
    const dataDir = tempDir();
    const first = await run(['reindex'], { LINGGONG_DATA_DIR: dataDir });
    expect(first.code, first.err).toBe(0);
    expect(first.out).toContain('reindex: done 0 jobs');
    expect(first.out).toMatch(/Search index rebuilt: 0 open jobs in \d+\.\d s\./);
    expect(readFileSync(join(dataDir, 'search', 'CURRENT'), 'utf8').trim()).toBe('index-2');
    const again = await run(['reindex'], { LINGGONG_DATA_DIR: dataDir });
    expect(again.code, again.err).toBe(0);
    expect(readdirSync(join(dataDir, 'search')).filter((n) => n.startsWith('index-'))).toEqual(['index-3']);
  }, 60_000);

  it("runs the README's first walk through the API, with curl, against a fresh `npm start`", async () => {
    const env = { LINGGONG_DATA_DIR: join(tempDir(), 'data'), LINGGONG_PORT: '0' };
    const { url, output } = await serve(env);
    // The README's block, as a newcomer copies it: commands joined across `\`, comments dropped.
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const block = /## A first walk through the API[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    const commands = block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.startsWith('curl '));
    expect(commands).toHaveLength(6);
    const vars: Record<string, string> = { API: url };
    const curl = (command: string): string =>
      execFileSync('bash', ['-c', command], { env: cleanEnv(vars), encoding: 'utf8' });
    const json = (text: string): Record<string, unknown> => JSON.parse(text) as Record<string, unknown>;

    // 1. The code is sent (to the server's log, in development).
    expect(json(curl(commands[0]!))).toEqual({ expiresIn: 300, resendAfter: 60 });
    // The server logs the code as it answers: wait for the line.
    let code: string | undefined;
    for (let i = 0; i < 100 && code === undefined; i++) {
      code = /SMS code for 138\*\*\*\*0001: (\d{6})/.exec(output())?.[1];
      if (code === undefined) await new Promise((r) => setTimeout(r, 20));
    }
    expect(code).toMatch(/^\d{6}$/);
    // 2. Sign in: the README's placeholder code is the one from the log.
    const login = json(curl(commands[1]!.replace('123456', code!)));
    expect(login).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    vars.TOKEN = login.accessToken as string;
    vars.REFRESH = login.refreshToken as string;
    expect(vars.TOKEN).toMatch(/^eyJ/);
    expect(vars.REFRESH).toMatch(/^rt_/);
    // 3. The profile, phone masked; then updated.
    expect(json(curl(commands[2]!))).toMatchObject({ phone: '138****0001', roles: ['worker'] });
    expect(json(curl(commands[3]!))).toMatchObject({
      bio: '五年保洁经验',
      skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'],
    });
    // 4. Refresh: a new pair.
    const refreshed = json(curl(commands[4]!));
    expect(refreshed.refreshToken).toMatch(/^rt_/);
    expect(refreshed.refreshToken).not.toBe(vars.REFRESH);
    // 5. Log out with the new access token from step 4.
    vars.TOKEN = refreshed.accessToken as string;
    expect(curl(commands[5]!)).toMatch(/^HTTP\/1\.1 204/);
    // The spent refresh token of step 2 is refused.
    expect(curl(`${commands[4]!} -o /dev/null -w '%{http_code}'`)).toBe('401');
  });

  it('serves on a fresh data folder, refuses a second process, and drains on SIGINT', async () => {
    const dataDir = join(tempDir(), 'data');
    const env = { LINGGONG_DATA_DIR: dataDir, LINGGONG_PORT: '0', LINGGONG_LOG_LEVEL: 'warn' };
    const { child, url } = await serve(env);
    expect(existsSync(join(dataDir, 'linggong.db'))).toBe(true);
    for (const path of ['/healthz', '/readyz', '/openapi.json', '/docs/', '/metrics']) {
      const res = await fetch(`${url}${path}`);
      expect(res.status, path).toBe(200);
    }

    const second = await run(['serve'], env);
    expect(second.code).toBe(2);
    expect(second.err).toContain(`The embedded database in ${dataDir} is in use by process`);

    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(dataDir, 'linggong.db.lock'))).toBe(false);
  });

  it('outside development, says so when this Node carries request contexts with an async hook', async () => {
    const env = {
      LINGGONG_ENV: 'staging',
      LINGGONG_SECRET: 's'.repeat(40),
      LINGGONG_SERVICE_TOKEN: 't'.repeat(32),
      LINGGONG_PII_KEYS: `k1:${Buffer.alloc(32, 7).toString('base64')}`,
      LINGGONG_DATA_DIR: join(tempDir(), 'data'),
      LINGGONG_PORT: '0',
    };
    const { child, output } = await serve(env);
    // On Node 20 (CI's first runs) the warning is there; on Node 24 (CI's last run) it is not.
    const warned = output().includes('production should run Node 24 LTS');
    expect(warned).toBe(!contextUsesFrames());
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

describe('the malloc settings of `linggong serve` (bin/malloc.mjs)', () => {
  const all = Object.entries(MALLOC_TUNABLES).map(([k, v]) => `${k}=${v}`);

  it('adds only the settings GLIBC_TUNABLES lacks, keeps the others, and can be turned off', () => {
    expect(all).toEqual([
      'glibc.malloc.mmap_threshold=67108864',
      'glibc.malloc.trim_threshold=67108864',
      'glibc.malloc.arena_max=1',
    ]);
    expect(tunedGlibcTunables({})).toBe(all.join(':'));
    expect(tunedGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.check=0' })).toBe(
      ['glibc.malloc.check=0', ...all].join(':'),
    );
    // A value already set wins.
    expect(tunedGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toBe(
      'glibc.malloc.arena_max=2:glibc.malloc.mmap_threshold=67108864:glibc.malloc.trim_threshold=67108864',
    );
    expect(tunedGlibcTunables({ GLIBC_TUNABLES: 'glibc.malloc.mmap_threshold=1048576' })).toBe(
      'glibc.malloc.mmap_threshold=1048576:glibc.malloc.trim_threshold=67108864:glibc.malloc.arena_max=1',
    );
    expect(tunedGlibcTunables({ GLIBC_TUNABLES: all.join(':') })).toBeUndefined();
    expect(tunedGlibcTunables({ LINGGONG_MALLOC_TUNING: 'off' })).toBeUndefined();
    expect(missingMallocTunables(undefined)).toEqual(all);
    expect(missingMallocTunables([...all].reverse().join(':'))).toEqual([]);
  });

  const loggedPid = (output: string): number => Number(/"pid":(\d+)/.exec(output)?.[1]);
  const gone = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return false;
    } catch {
      return true;
    }
  };

  /** Logs the demo worker in with its password `times` times; the server's page faults meanwhile. */
  const passwordLogins = async (url: string, output: string, pid: number, times: number): Promise<number> => {
    const password = /worker\s+phone 13800000001\s+password (\S+)/.exec(output)![1]!;
    const before = minorFaultsOf(pid);
    for (let i = 0; i < times; i++) {
      const res = await fetch(`${url}/api/v1/auth/login/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ phone: '13800000001', password }),
      });
      expect(res.status).toBe(200);
    }
    return minorFaultsOf(pid) - before;
  };
  /** One scrypt hash's 32 MiB in 4 KiB pages: what a hash faults in when its block is mapped afresh. */
  const HASH_PAGES = 8192;
  const hugePagesAlways = (): boolean => {
    try {
      return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').includes('[always]');
    } catch {
      return false;
    }
  };

  it.runIf(runsOnGlibc())(
    'runs the server in a child process with the settings; a killed launcher stops it, no orphan left',
    async () => {
      const dataDir = join(tempDir(), 'data');
      const { child, url, output } = await serve({ LINGGONG_DATA_DIR: dataDir, LINGGONG_PORT: '0' });
      const serverPid = loggedPid(output());
      expect(serverPid).toBeGreaterThan(0);
      expect(serverPid).not.toBe(child.pid);
      expect(output()).not.toContain('GLIBC_TUNABLES lacks');
      // The settings are in force: after the first hash, hashes reuse its block (4 hashes fault in
      // less than one block's pages; with glibc's defaults each faults in the whole block).
      await passwordLogins(url, output(), serverPid, 1);
      expect(await passwordLogins(url, output(), serverPid, 4)).toBeLessThan(HASH_PAGES);

      child.kill('SIGKILL');
      for (let i = 0; i < 200 && !(gone(serverPid) && !existsSync(join(dataDir, 'linggong.db.lock'))); i++)
        await new Promise((r) => setTimeout(r, 50));
      expect(gone(serverPid)).toBe(true);
      // It drained and stopped as on SIGTERM: the database lock was released, not left behind.
      expect(existsSync(join(dataDir, 'linggong.db.lock'))).toBe(false);
      expect(output()).toContain('"signal":"SIGTERM"');
    },
    60_000,
  );

  it.runIf(runsOnGlibc())(
    'LINGGONG_MALLOC_TUNING=off serves in one process and says what it costs',
    async () => {
      const env = {
        LINGGONG_DATA_DIR: join(tempDir(), 'data'),
        LINGGONG_PORT: '0',
        LINGGONG_MALLOC_TUNING: 'off',
      };
      const { child, url, output } = await serve(env);
      expect(loggedPid(output())).toBe(child.pid);
      expect(output()).toContain('GLIBC_TUNABLES lacks malloc settings');
      // What the settings prevent (unless transparent huge pages back every mapping).
      if (!hugePagesAlways()) {
        await passwordLogins(url, output(), child.pid!, 1);
        expect(await passwordLogins(url, output(), child.pid!, 2)).toBeGreaterThan(2 * HASH_PAGES);
      }
      const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    },
  );
});
