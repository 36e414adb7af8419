import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { applyAndHire, call, fund, MINUTE, shiftJob, SITE, wallet } from '../order/support.js';
import {
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from '../support/databases.js';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from '../support/env.js';
import { verifiedUser } from '../support/identity.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { databaseName, linggong, mariadbTools } from './support.js';

/**
 * The restore drill, as an operator runs it on MariaDB: a platform whose services keep their data
 * in two databases (the user service in its own) moves real money — a top-up, a completed and paid
 * order, a hire whose wage is still held, a withdrawal — and stops; `linggong ledger check` is
 * clean; `mariadb-dump --single-transaction` dumps each database; the databases are dropped (the
 * CLI then refuses to run); they are created again and loaded with `mariadb`; and then every table
 * holds what it held, no migration is pending, the ledger check is clean again, and a platform on
 * the restored databases — with a Redis of its own, as after losing Redis too — answers every
 * wallet, statement and withdrawal as before and accepts the sessions issued before the backup.
 */
const enabled = Boolean(TEST_MYSQL_URL && TEST_REDIS_URL);

const FUNDS = 100_000;
const HELD = 21_000; // a day's pay of 200 元 and the employer's 5 % fee
const DAILY = 20_000;
const WITHDRAWN = 5_000;

describe.skipIf(!enabled)('the restore drill on MariaDB', () => {
  let workDir: string;
  let main: TestDatabase;
  let users: TestDatabase;
  let redisBefore: TestRedis;
  let redisAfter: TestRedis;
  const running: TestPlatform[] = [];
  // The secrets travel with a backup: PII columns are unreadable without the keys that wrote them.
  const secrets = {
    LINGGONG_SECRET: randomBytes(24).toString('hex'),
    LINGGONG_PII_KEYS: `drill:${randomBytes(32).toString('base64')}`,
  };

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), 'linggong-drill-'));
    main = await createTestDatabase();
    users = await createTestDatabase();
    redisBefore = (await createTestRedis())!;
    redisAfter = (await createTestRedis())!;
  });
  afterAll(async () => {
    for (const p of running) await p.stop().catch(() => undefined);
    await main?.drop();
    await users?.drop();
    await redisBefore?.cleanup();
    await redisAfter?.cleanup();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  /** The environment every process of the deployment gets: databases, Redis, secrets. */
  const deploymentEnv = (redis: TestRedis): Record<string, string> => ({
    LINGGONG_ENV: 'test',
    LINGGONG_DATABASE_URL: main.url,
    LINGGONG_USER_DATABASE_URL: users.url,
    LINGGONG_REDIS_URL: redis.url,
    LINGGONG_REDIS_PREFIX: redis.prefix,
    LINGGONG_LOG_LEVEL: 'warn',
    ...secrets,
  });

  /** `linggong <args>` as the operator runs it, with a data folder of its own (the search index). */
  const cli = (args: string[], redis: TestRedis) =>
    linggong(args, {
      ...deploymentEnv(redis),
      LINGGONG_DATA_DIR: mkdtempSync(join(workDir, 'cli-')),
    });

  async function start(redis: TestRedis, clock: FakeClock): Promise<TestPlatform> {
    const p = await startTestPlatform({ database: main, redis, clock, env: deploymentEnv(redis) });
    running.push(p);
    return p;
  }

  async function stop(p: TestPlatform): Promise<void> {
    running.splice(running.indexOf(p), 1);
    await p.stop();
  }

  /**
   * What each user reads of their money through the API: balances, statement, withdrawals (whose
   * account numbers are decrypted with the PII keys, then masked).
   */
  async function moneyViews(p: TestPlatform, people: LoggedIn[]) {
    const views = [];
    for (const u of people) {
      views.push({
        wallet: await wallet(p, u),
        entries: (await call(p, u, 'GET', '/api/v1/wallet/entries?limit=50')).body,
        withdrawals: (await call(p, u, 'GET', '/api/v1/withdrawals')).body,
      });
    }
    return views;
  }

  // Under a minute on a 2-core machine, most of it four starts of the CLI; the timeout leaves room
  // for a machine busy with other test files.
  it('dumps, drops and restores every database: same data, clean ledger, nothing pending', async () => {
    const clock = new FakeClock();
    const tools = mariadbTools(TEST_MYSQL_URL!);
    const databases = [databaseName(main.url), databaseName(users.url)];

    // (a) Money moves: a top-up, a paid order, a hire still held, a withdrawal.
    const p = await start(redisBefore, clock);
    const admin = await loginAsAdmin(p);
    const employer = await loginWithSms(p, newPhone(), 'employer');
    await fund(p, employer, FUNDS);
    const worker = await verifiedUser(p, admin, '李小红');
    const waiting = await verifiedUser(p, admin, '赵大勇');

    const today = await shiftJob(p, employer);
    const paid = await applyAndHire(p, employer, worker, today.job.id, today.shiftId);
    const later = await shiftJob(p, employer, { startsInHours: 96 });
    await applyAndHire(p, employer, waiting, later.job.id, later.shiftId);
    clock.set(today.startsAt - 10 * MINUTE);
    expect((await call(p, worker, 'POST', `/api/v1/orders/${paid.id}/check-in`, SITE)).status).toBe(200);
    clock.set(today.endsAt + 5 * MINUTE);
    expect((await call(p, worker, 'POST', `/api/v1/orders/${paid.id}/check-out`, SITE)).status).toBe(200);
    expect((await call(p, worker, 'POST', `/api/v1/orders/${paid.id}/submit`, {})).status).toBe(200);
    const confirmed = await call(p, employer, 'POST', `/api/v1/orders/${paid.id}/confirm`, {});
    expect(confirmed.body).toMatchObject({ state: 'completed', payFen: DAILY });
    const withdrawal = await call(p, worker, 'POST', '/api/v1/withdrawals', {
      channel: 'sandbox',
      account: '13812345678',
      payeeName: '李小红',
      amountFen: WITHDRAWN,
    });
    expect(withdrawal.body).toMatchObject({ status: 'succeeded', amountFen: WITHDRAWN });

    // (b) What the users see, then the platform stops.
    const people = [admin, employer, worker, waiting];
    const before = await moneyViews(p, people);
    expect(before.map((v) => v.wallet)).toEqual([
      { availableFen: 0, pendingFen: 0, heldFen: 0, withdrawingFen: 0 },
      { availableFen: FUNDS - 2 * HELD, pendingFen: 0, heldFen: HELD, withdrawingFen: 0 },
      { availableFen: DAILY - WITHDRAWN, pendingFen: 0, heldFen: 0, withdrawingFen: 0 },
      { availableFen: 0, pendingFen: 0, heldFen: 0, withdrawingFen: 0 },
    ]);
    await stop(p);

    // (b, c) The ledger check is clean; each database is dumped, as one consistent snapshot.
    const dumps = databases.map((db) => join(workDir, `${db}.sql`));
    const [checked, checksums, ...dumped] = await Promise.all([
      cli(['ledger', 'check'], redisBefore),
      Promise.all(databases.map((db) => tools.checksums(db))),
      ...databases.map((db, i) => tools.dump(db, dumps[i]!)),
    ]);
    expect(checked.code, checked.err).toBe(0);
    expect(checked.out).toMatch(/^Ledger check: clean \(\d+\.\d s\)\.$/m);
    for (const d of dumped) expect(d.code, d.err).toBe(0);
    for (const file of dumps) expect(statSync(file).size).toBeGreaterThan(0);
    // Both databases hold what the services wrote (the user service's accounts in its own).
    expect(Object.keys(checksums[0]!)).toEqual(
      expect.arrayContaining(['payment_ledger_legs', 'order_orders']),
    );
    expect(Object.keys(checksums[1]!)).toEqual(expect.arrayContaining(['user_accounts']));
    expect(Object.keys(checksums[0]!)).not.toContain('user_accounts');

    // (d) The databases are gone: no tables, and the CLI refuses to run.
    for (const db of databases) expect((await tools.execute(`DROP DATABASE \`${db}\``)).code).toBe(0);
    for (const db of databases) expect(await tools.checksums(db)).toEqual({});
    const refused = await cli(['ledger', 'check'], redisBefore);
    expect(refused.code).toBe(2);
    expect(databases).toContain(/The database "([^"]+)" does not exist/.exec(refused.err)?.[1]);

    // (e) Created again and loaded from the dumps: every table of both holds what it held.
    for (const [i, db] of databases.entries()) {
      const created = await tools.execute(
        `CREATE DATABASE \`${db}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
      expect(created.code, created.err).toBe(0);
      const restored = await tools.restore(db, dumps[i]!);
      expect(restored.code, restored.err).toBe(0);
    }
    expect(await Promise.all(databases.map((db) => tools.checksums(db)))).toEqual(checksums);

    // (f) Nothing pending, the ledger clean, and a platform on the restored data (and an empty
    // Redis) answers every user as before, with the sessions issued before the backup.
    const status = await cli(['migrate', 'status'], redisAfter);
    expect(status.code, status.err).toBe(0);
    // One line per migration of every service, each with the time it ran (log lines aside).
    const migrations = status.out.split('\n').filter((l) => /^\w+\s+\d{8}_\d{4}_\w+\s/.test(l));
    expect(migrations.length).toBeGreaterThan(8);
    expect(migrations.filter((l) => !/ \d{4}-\d\d-\d\dT[\d:.]+Z$/.test(l))).toEqual([]);
    expect(new Set(migrations.map((l) => l.split(/\s+/)[0]))).toEqual(
      new Set(['user', 'verification', 'payment', 'job', 'order', 'review', 'message', 'search']),
    );
    // The check and the platform read side by side: neither writes what the other reads.
    const [again, restoredPlatform] = await Promise.all([
      cli(['ledger', 'check'], redisAfter),
      start(redisAfter, clock),
    ]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toMatch(/^Ledger check: clean \(\d+\.\d s\)\.$/m);
    expect(await restoredPlatform.migrate('up')).toEqual([]);
    expect(await moneyViews(restoredPlatform, people)).toEqual(before);
    await stop(restoredPlatform);
  }, 180_000);
});
