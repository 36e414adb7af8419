/**
 * bench/ledger — throughput and latency of the payment ledger's group commit.
 *
 *   node bin/run-ts.mjs bench/ledger/run.ts [--duration 10] [--clients 50] [--users 10000]
 *   LINGGONG_BENCH_MYSQL_URL=mysql://root@127.0.0.1:3306/test node bin/run-ts.mjs bench/ledger/run.ts
 *
 * `--clients` loops each send one `ledger.transfer()` at a time and wait for its answer (a mix of
 * moves, escrow holds, releases with a fee and top-ups: workload.ts) for `--duration` seconds after a
 * two-second warm-up. SQLite is a file in a temporary directory opened as Linggong opens it (WAL,
 * synchronous=FULL); MariaDB/MySQL runs too when LINGGONG_BENCH_MYSQL_URL is set (a database of its
 * own, dropped afterwards), or alone with `--dialect mysql`. Reported: transfers/s, latency
 * percentiles, commits (batch transactions) and their average size, the data written, and the time
 * `checkLedger` took over it (which must find nothing).
 * Options: --dialect sqlite|mysql|both, --max-batch, --concurrency (batch transactions in flight).
 */
import { statSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { systemClock } from '../../src/platform/clock.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import { checkLedger, createLedger } from '../../src/services/payment/ledger/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createBenchDatabase, type BenchDialect } from '../http/env.js';
import { fundUsers, percentile, runClients } from './workload.js';

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    clients: { type: 'string', default: '50' },
    users: { type: 'string', default: '10000' },
    dialect: { type: 'string' },
    'max-batch': { type: 'string' },
    concurrency: { type: 'string' },
  },
});
const mysqlUrl = process.env.LINGGONG_BENCH_MYSQL_URL || undefined;
const dialects: BenchDialect[] =
  args.dialect === 'both'
    ? ['sqlite', 'mysql']
    : args.dialect
      ? [args.dialect as BenchDialect]
      : mysqlUrl
        ? ['sqlite', 'mysql']
        : ['sqlite'];

async function bench(dialect: BenchDialect): Promise<void> {
  const database = await createBenchDatabase(dialect, mysqlUrl);
  const ids = createIdGenerator(systemClock);
  const sdb = new ServiceDatabase<PaymentDB>(
    'payment',
    openConnection(database.url),
    { clock: systemClock, ids, log: createLogger({ level: 'silent' }) },
    paymentMigrations,
  );
  try {
    const migrated = await sdb.migrator().up();
    if (migrated.error) throw migrated.error as Error;
    const ledger = createLedger({
      sdb,
      ids,
      batch: {
        ...(args['max-batch'] ? { maxBatch: Number(args['max-batch']) } : {}),
        ...(args.concurrency ? { concurrency: Number(args.concurrency) } : {}),
      },
    });
    const users = Array.from({ length: Number(args.users) }, () => ids());
    await fundUsers(ledger, ids, users, 10_000_000);
    const before = ledger.stats();
    const figures = await runClients({
      ledger,
      ids,
      users,
      clients: Number(args.clients),
      seconds: Number(args.duration),
      warmupSeconds: 2,
    });
    const after = ledger.stats();
    await ledger.close();

    const count = async (table: keyof PaymentDB) =>
      toSafeInt(
        (
          await sdb.db
            .selectFrom(table)
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const rows = {
      accounts: await count('payment_ledger_accounts'),
      transfers: await count('payment_ledger_transfers'),
      legs: await count('payment_ledger_legs'),
    };
    const checkStart = performance.now();
    const problems = await checkLedger(sdb);
    const checkSeconds = (performance.now() - checkStart) / 1000;

    const total = figures.applied + figures.refused;
    const commits = after.commits - before.commits;
    const settled = after.settled - before.settled;
    const server =
      dialect === 'mysql'
        ? (
            await sql<{
              v: string;
              flush: string;
            }>`select version() as v, @@innodb_flush_log_at_trx_commit as flush`.execute(sdb.db)
          ).rows[0]!
        : undefined;
    console.log(
      `\n${dialect}${server ? ` (${server.v}, innodb_flush_log_at_trx_commit=${server.flush})` : ' (WAL, synchronous=FULL)'}: ` +
        `${args.clients} clients, ${args.duration} s, ${users.length} users`,
    );
    console.log(
      `  ${Math.round(total / figures.seconds)} transfers/s (${figures.applied} applied, ${figures.refused} refused); ` +
        `latency p50 ${percentile(figures.latencies, 50).toFixed(1)} ms, p99 ${percentile(figures.latencies, 99).toFixed(1)} ms, ` +
        `max ${percentile(figures.latencies, 100).toFixed(1)} ms`,
    );
    console.log(
      `  ${commits} commits (${Math.round(commits / (figures.seconds + 2))}/s incl. warm-up), ${(settled / commits).toFixed(1)} transfers per commit on average, ` +
        `largest ${after.largestBatch} (funding included); ${after.retries} retries, ${after.splits} splits`,
    );
    console.log(
      `  data: ${rows.accounts} accounts, ${rows.transfers} transfers, ${rows.legs} legs; ${await dataSize(dialect, sdb, database.url)}`,
    );
    console.log(
      `  checkLedger over it: ${checkSeconds.toFixed(1)} s, ${problems.length} problems${problems.length ? `: ${problems[0]!.message}` : ''}`,
    );
  } finally {
    await sdb.connection.close();
    await database.drop();
  }
}

async function dataSize(
  dialect: BenchDialect,
  sdb: ServiceDatabase<PaymentDB>,
  url: string,
): Promise<string> {
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (dialect === 'sqlite') {
    const file = url.slice('sqlite:'.length);
    const size = (p: string) => {
      try {
        return statSync(p).size;
      } catch {
        return 0;
      }
    };
    return `database file ${mib(size(file))}, WAL ${mib(size(`${file}-wal`))} (in ${dirname(file)})`;
  }
  // InnoDB's table statistics lag behind; refresh them first.
  for (const table of ['payment_ledger_accounts', 'payment_ledger_transfers', 'payment_ledger_legs']) {
    await sql`analyze table ${sql.table(table)}`.execute(sdb.db);
  }
  const { rows } = await sql<{ data: unknown; idx: unknown }>`
    select sum(data_length) as data, sum(index_length) as idx from information_schema.tables
    where table_schema = database() and table_name like 'payment_ledger%'`.execute(sdb.db);
  return `InnoDB data ${mib(toSafeInt(rows[0]!.data))}, indexes ${mib(toSafeInt(rows[0]!.idx))} (InnoDB's estimates)`;
}

console.log(
  `bench/ledger: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}`,
);
for (const dialect of dialects) await bench(dialect);
process.exit(0);
