import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { MALLOC_TUNABLES, missingMallocTunables, runsOnGlibc, tunedGlibcTunables } from '../bin/malloc.mjs';
import { minorFaultsOf } from '../bench/http/proc.js';
import { contextUsesFrames } from '../src/platform/context.js';
import { BIN, SOURCE_BIN, startServe, type ServedProcess } from './support/serve.js';
import { TEST_MYSQL_URL } from './support/env.js';

const execFileAsync = promisify(execFile);
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

/** Starts `linggong serve` in a clean environment; stopped after the tests if still running. */
async function serve(env: Record<string, string>, bin = BIN): Promise<ServedProcess> {
  const served = await startServe(cleanEnv(env), 30_000, bin);
  children.push(served.child);
  return served;
}

afterAll(() => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** A shell statement of a README block: `\`-continued lines joined, quotes kept, its comment apart. */
interface Statement {
  command: string;
  comment: string;
}

/** Splits a README shell block into statements as bash reads them (a quoted string may span lines). */
function shellStatements(block: string): Statement[] {
  const statements: Statement[] = [];
  let command = '';
  let quote: string | null = null;
  for (let i = 0; i < block.length; i++) {
    const c = block[i]!;
    if (quote) {
      command += c;
      if (c === '\\' && quote === '"') command += block[++i] ?? '';
      else if (c === quote) quote = null;
    } else if (c === '\\' && block[i + 1] === '\n') {
      i++;
    } else if (c === "'" || c === '"') {
      quote = c;
      command += c;
    } else if (c === '#' && /(^|\s)$/.test(command)) {
      const end = block.indexOf('\n', i);
      const comment = block.slice(i + 1, end === -1 ? undefined : end).trim();
      if (command.trim()) statements.push({ command: command.trim(), comment });
      command = '';
      i = end === -1 ? block.length : end;
    } else if (c === '\n') {
      if (command.trim()) statements.push({ command: command.trim(), comment: '' });
      command = '';
    } else command += c;
  }
  if (command.trim()) statements.push({ command: command.trim(), comment: '' });
  return statements;
}

interface Answer {
  status: number;
  body: string;
  json: Record<string, unknown> | undefined;
}

/**
 * Runs a README curl command in bash with the reader's variables; adds only the status to its output.
 * Asynchronously: the test keeps reading the server's output meanwhile.
 */
async function curl(command: string, vars: Record<string, string>): Promise<Answer> {
  const { stdout: out } = await execFileAsync('bash', ['-c', `${command} -w '\\n%{http_code}'`], {
    env: cleanEnv(vars),
    encoding: 'utf8',
  });
  const cut = out.lastIndexOf('\n');
  const body = out.slice(0, cut);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(body) as Record<string, unknown>;
  } catch {
    json = undefined;
  }
  return { status: Number(out.slice(cut + 1)), body, json };
}

/** What the README says each of its curl commands answers, in order (`command` names the command). */
function walkThroughOutcomes(): {
  command: RegExp;
  check: (answer: Answer, vars: Record<string, string>) => void;
  /** Answered from the search index, which follows job events within a second. */
  settles?: boolean;
}[] {
  const codeSent = (a: Answer) => {
    expect(a.status).toBe(202);
    expect(a.json).toEqual({ expiresIn: 300, resendAfter: 60 });
  };
  const signedIn = (a: Answer) => {
    expect(a.status).toBe(200);
    expect(a.json).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(a.json!.accessToken).toMatch(/^eyJ/);
    expect(a.json!.refreshToken).toMatch(/^rt_/);
  };
  const job = (a: Answer, status: number, fields: Record<string, unknown>) => {
    expect(a.status, a.body).toBe(status);
    expect(a.json).toMatchObject(fields);
  };
  type Json = Record<string, unknown>;
  let refreshedAccess: unknown;
  return [
    // 1–2. The demo worker's code, then its login.
    { command: /sms-codes.*13800000001/, check: codeSent },
    { command: /login\/sms.*13800000001/, check: signedIn },
    // 3. The profile, phone masked; then updated.
    {
      command: /^curl -s \$API\/api\/v1\/users\/me/,
      check: (a) => job(a, 200, { phone: '138****0001', roles: ['worker'] }),
    },
    {
      command: /-X PATCH \$API\/api\/v1\/users\/me/,
      check: (a) =>
        job(a, 200, { bio: '五年保洁经验', skills: ['housekeeping.cleaner', 'housekeeping.deep_clean'] }),
    },
    // 4. Refresh: a new pair.
    {
      command: /auth\/refresh/,
      check: (a, vars) => {
        signedIn(a);
        expect(a.json!.refreshToken).not.toBe(vars.REFRESH);
        expect(a.json!.accessToken).not.toBe(vars.TOKEN);
        refreshedAccess = a.json!.accessToken;
      },
    },
    // 5. Log out, with the new access token (the README's TOKEN=… after step 4).
    {
      command: /auth\/logout/,
      check: (a, vars) => {
        expect(vars.TOKEN).toBe(refreshedAccess);
        expect(a.status).toBe(204);
        expect(a.body).toMatch(/^HTTP\/1\.1 204/);
      },
    },
    // The demo employer signs in.
    { command: /sms-codes.*13800000002/, check: codeSent },
    { command: /login\/sms.*13800000002/, check: signedIn },
    {
      command: /\/categories$/,
      check: (a) => {
        expect(a.status).toBe(200);
        expect(JSON.stringify(a.json)).toContain('"housekeeping.cleaner"');
      },
    },
    // 6. The draft (tomorrow's shift, from the README's DAY=$(date …)).
    {
      command: /-X POST \$API\/api\/v1\/jobs -H/,
      check: (a, vars) => {
        expect(vars.DAY).toMatch(/^\d{4}-\d\d-\d\d$/);
        job(a, 201, { version: 1, status: 'draft', title: '商场日常保洁 日结200元' });
      },
    },
    // 7. Submitted: open.
    { command: /\$JOB\/submit/, check: (a) => job(a, 200, { version: 2, status: 'open' }) },
    // 8. The public view (contact phone masked); the employer's list holds the demo jobs too.
    {
      command: /^curl -s \$API\/api\/v1\/jobs\/\$JOB$/,
      check: (a) => job(a, 200, { status: 'open', contact: { name: '王经理', phone: '139****5678' } }),
    },
    {
      command: /jobs\/mine/,
      check: (a) => {
        job(a, 200, { counts: { open: 8 }, nextCursor: null });
        const titles = (a.json!.items as Json[]).map((j) => j.title as string);
        expect(titles).toHaveLength(8);
        expect(titles.filter((t) => t.startsWith('【示例】'))).toHaveLength(7);
      },
    },
    // 9. Edited, then closed.
    {
      command: /-X PATCH \$API\/api\/v1\/jobs\/\$JOB/,
      check: (a) => job(a, 200, { version: 3, status: 'open', pay: { type: 'daily', amountFen: 22000 } }),
    },
    {
      command: /\$JOB\/close/,
      check: (a) => job(a, 200, { version: 4, status: 'closed', closeReason: '已招满' }),
    },
    // 10. A sandbox top-up of 500 元, paid.
    {
      command: /-X POST \$API\/api\/v1\/payments -H/,
      check: (a) => job(a, 201, { channel: 'sandbox', amountFen: 50000, status: 'pending' }),
    },
    { command: /sandbox\/\$TOPUP\/pay/, check: (a) => job(a, 200, { status: 'paid' }) },
    // 11. A shift from 20 minutes from now (START=$(date …)), opened.
    {
      command: /餐厅传菜员/,
      check: (a, vars) => {
        expect(vars.START).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
        job(a, 201, { version: 1, status: 'draft', title: '餐厅传菜员 日结200元' });
      },
    },
    { command: /\$JOB2\/submit/, check: (a) => job(a, 200, { version: 2, status: 'open' }) },
    // 12. A new worker signs up and applies.
    { command: /sms-codes.*13900000021/, check: codeSent },
    { command: /login\/sms.*13900000021/, check: signedIn },
    {
      command: /\$SHIFT\/applications/,
      check: (a) => job(a, 201, { application: { status: 'pending', note: '做过两年传菜' }, order: null }),
    },
    // 13. Hired: the day's pay and the 5 % fee held in escrow.
    {
      command: /\$APP\/hire/,
      check: (a) =>
        job(a, 201, { state: 'hired', terms: { payType: 'daily', wageFen: 20000, fenceMeters: 500 } }),
    },
    {
      command: /wallet -H "authorization: Bearer \$EMP"/,
      check: (a) => job(a, 200, { availableFen: 29000, pendingFen: 0, heldFen: 21000, withdrawingFen: 0 }),
    },
    // 14. Checked in at the place, out, submitted.
    {
      command: /\$ORDER\/check-in/,
      check: (a) => job(a, 200, { state: 'checked_in', attendance: { checkInMeters: 0 } }),
    },
    { command: /\$ORDER\/check-out/, check: (a) => job(a, 200, { state: 'checked_out' }) },
    { command: /\$ORDER\/submit/, check: (a) => job(a, 200, { state: 'submitted' }) },
    // 15. Confirmed and paid; every transition on the order; the worker's wallet.
    {
      command: /\$ORDER\/confirm/,
      check: (a) => job(a, 200, { state: 'completed', payFen: 20000, escrow: { action: 'release' } }),
    },
    {
      command: /orders\/\$ORDER -H/,
      check: (a) => {
        job(a, 200, { state: 'completed' });
        const moves = (a.json!.transitions as Json[]).map((t) => t.to);
        expect(moves).toEqual(['hired', 'checked_in', 'checked_out', 'submitted', 'completed']);
      },
    },
    {
      command: /wallet -H "authorization: Bearer \$WORKER"/,
      check: (a) => job(a, 200, { availableFen: 20000, pendingFen: 0, heldFen: 0, withdrawingFen: 0 }),
    },
    // 16. The real name, approved by the demo admin; the pay withdrawn.
    {
      command: /verifications\/identity/,
      check: (a) => job(a, 200, { status: 'pending', request: { status: 'pending', name: '王**' } }),
    },
    { command: /sms-codes.*13800000000/, check: codeSent },
    { command: /login\/sms.*13800000000/, check: signedIn },
    { command: /\$REQ\/approve/, check: (a) => job(a, 200, { status: 'approved' }) },
    {
      command: /\/withdrawals/,
      check: (a) => job(a, 201, { account: '138****5678', amountFen: 20000, status: 'succeeded' }),
    },
    // 17. Two reviews: the first waits hidden, the second publishes both; the worker's credit score.
    {
      command: /\$ORDER\/reviews -H "authorization: Bearer \$WORKER"/,
      // The review window opens when the review service hears order.completed.
      settles: true,
      check: (a) => job(a, 201, { direction: 'worker_to_employer', stars: 5, status: 'waiting' }),
    },
    {
      command: /\$ORDER\/reviews -H "authorization: Bearer \$EMP"/,
      check: (a) => job(a, 201, { direction: 'employer_to_worker', stars: 5, status: 'published' }),
    },
    {
      command: /\$WORKER_ID\/credit/,
      // The real name's approval reaches the score through its event.
      settles: true,
      check: (a) => {
        job(a, 200, { score: 671, level: 'very_good', levelLabel: '优秀' });
        expect((a.json!.parts as Json[])[0]).toMatchObject({ kind: 'base', points: 600 });
      },
    },
    // The search example: two demo jobs, nearest first; the job closed in step 9 has left the index.
    {
      command: /search\/jobs/,
      settles: true,
      check: (a) => {
        expect(a.status, a.body).toBe(200);
        const items = a.json!.items as Json[];
        expect(items.map((j) => [j.title, j.distanceMeters])).toEqual([
          ['【示例】商场保洁员 日结200元', 337],
          ['【示例】写字楼早班保洁 日结180元', 992],
        ]);
        expect(a.json).toMatchObject({
          facets: { category: { housekeeping: 2, 'housekeeping.cleaner': 2 }, payType: { daily: 2 } },
          total: { value: 2, exact: true },
          nextCursor: null,
        });
      },
    },
  ];
}

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

  it('checks the ledger: clean on a fresh database, each problem listed and exit 1 when broken', async () => {
    const dataDir = tempDir();
    const clean = await run(['ledger', 'check'], { LINGGONG_DATA_DIR: dataDir });
    expect(clean.code, clean.err).toBe(0);
    expect(clean.out).toMatch(/^Ledger check: clean \(\d+\.\d s\)\.\n$/);
    // A wallet whose balance no leg explains.
    const db = new Database(join(dataDir, 'linggong.db'));
    try {
      db.prepare(
        `insert into payment_ledger_accounts (id, kind, owner, may_go_negative, balance, seq, created_at, updated_at)
         values ('01JEXAMP1EACC0VNT000000001', 'wallet', '01JEXAMP1EW0RKER0000000001', 0, 500, 0, 0, 0)`,
      ).run();
    } finally {
      db.close();
    }
    const broken = await run(['ledger', 'check'], { LINGGONG_DATA_DIR: dataDir });
    expect(broken.code).toBe(1);
    expect(broken.out).toContain('BALANCE_MISMATCH: ');
    expect(broken.out).toMatch(/Ledger check: 1 problem\(s\)/);
    expect((await run(['ledger'], { LINGGONG_DATA_DIR: dataDir })).code).toBe(2);
  }, 60_000);

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
    const longName = await run(['create-admin', '--phone', '13900000010', '--name', '管'.repeat(41)], {
      LINGGONG_DATA_DIR: dataDir,
    });
    expect(longName.code).toBe(2);
    expect(longName.err).toContain('create-admin: --name breaks the rule of display names (TOO_LONG');
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

  it("runs the README's walk-through and search example, with curl, against a fresh `npm start`", async () => {
    const env = { LINGGONG_DATA_DIR: join(tempDir(), 'data'), LINGGONG_PORT: '0' };
    // From the sources through tsx, as `npm start` in a clone runs; the other tests run the build.
    const { url, output } = await serve(env, SOURCE_BIN);
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const waitFor = async <T>(find: () => T | undefined, what: string): Promise<T> => {
      for (let i = 0; i < 100; i++) {
        const found = find();
        if (found !== undefined) return found;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`${what} did not appear:\n${output()}`);
    };

    // The start banner as the README shows it: each paragraph is printed as shown (the demo
    // passwords aside), at the address this server got.
    const banner = /## Quick start[\s\S]*? prints:\n\n```\n([\s\S]*?)```/.exec(readme)![1]!;
    const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    for (const paragraph of banner.trim().split('\n\n')) {
      const pattern = new RegExp(
        escape(paragraph)
          .replace(/Demo…/g, 'Demo\\S+')
          .replaceAll(escape('http://127.0.0.1:3000'), () => escape(url)),
      );
      await waitFor(
        () => (pattern.test(output()) ? true : undefined),
        `the banner paragraph\n${paragraph}\n`,
      );
    }

    // Every README block that talks to $API, in order, as a newcomer copies it.
    const steps = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
      .map((m) => m[1]!)
      .filter((block) => block.includes('$API'))
      .flatMap(shellStatements);
    const vars: Record<string, string> = {};
    let last: Answer | undefined;
    const outcomes = walkThroughOutcomes();
    for (const { command, comment } of steps) {
      const assignment = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(command);
      if (assignment) {
        const [, name, value] = assignment as unknown as [string, string, string];
        if (name === 'API')
          vars.API = url; // the port this server got
        else if (value.includes('…')) {
          // "NAME=…   # the <field>": the reader copies that field of the answer before.
          // The field may be a path into the answer: "the shift's id: shifts[0].id".
          const path = /([\w.[\]]+)$/.exec(comment)?.[1];
          const captured = path
            ?.split(/[.[\]]+/)
            .filter(Boolean)
            .reduce<unknown>(
              (value, key) => (value as Record<string, unknown> | undefined)?.[key],
              last?.json,
            );
          expect(captured, `${command}  # ${comment}`).toEqual(expect.any(String));
          vars[name] = captured as string;
        } else {
          // A variable the reader's shell computes (DAY=$(date …)): computed the same way.
          const shell = await execFileAsync('bash', ['-c', `${command}\nprintf %s "$${name}"`], {
            env: cleanEnv(vars),
            encoding: 'utf8',
          });
          vars[name] = shell.stdout;
        }
        continue;
      }
      expect(command).toMatch(/^curl /);
      // A login sends the code the server logged for that phone, in place of the README's 123456.
      let run = command;
      const login = /"phone":"(1\d{10})","code":"123456"/.exec(command);
      if (login) {
        const masked = `${login[1]!.slice(0, 3)}\\*\\*\\*\\*${login[1]!.slice(7)}`;
        const code = await waitFor(
          () => new RegExp(`SMS code for ${masked}: (\\d{6})`).exec(output())?.[1],
          `the SMS code for ${login[1]}`,
        );
        run = command.replace('123456', code);
      }
      const outcome = outcomes.shift();
      expect(outcome, `no outcome listed for ${command}`).toBeDefined();
      expect(command).toMatch(outcome!.command);
      // Search answers follow the job events within a second: a reader is slower than this test.
      for (let attempt = 1; ; attempt++) {
        last = await curl(run, vars);
        try {
          outcome!.check(last, vars);
          break;
        } catch (e) {
          if (!outcome!.settles || attempt === 50) throw e;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    expect(outcomes.map((o) => o.command)).toEqual([]);
    // The refresh token of step 2 was spent by step 4 (and the session ended in step 5).
    const refresh = steps.find((s) => s.command.includes('/auth/refresh'))!.command;
    expect((await curl(refresh, vars)).status).toBe(401);
    // About forty curl runs and a server start: generous for a loaded 2-core machine.
  }, 180_000);

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
  /**
   * Waits for the start's background work to end: the search index holds the demo jobs seeded at
   * start (the search consumer rebuilds the index to catch up), and the server stops faulting in
   * pages for a second.
   */
  const startSettled = async (url: string, pid: number): Promise<void> => {
    const total = async (): Promise<number | undefined> => {
      const res = await fetch(`${url}/api/v1/search/jobs?city=${encodeURIComponent('上海市')}`);
      return ((await res.json()) as { total?: { value: number } }).total?.value;
    };
    for (let i = 0; i < 200 && (await total()) !== 7; i++) await new Promise((r) => setTimeout(r, 50));
    for (let i = 0; i < 20; i++) {
      const before = minorFaultsOf(pid);
      await new Promise((r) => setTimeout(r, 1000));
      if (minorFaultsOf(pid) - before < 64) return;
    }
    throw new Error('the server kept faulting in pages after its start');
  };
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
      // less than one block's pages; with glibc's defaults each faults in the whole block). Counted
      // once the start's background work (indexing the demo jobs) is over.
      await startSettled(url, serverPid);
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
