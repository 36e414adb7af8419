import { sql } from 'kysely';
import { buildPlatform } from '../../src/app.js';
import { systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createPiiCipher } from '../../src/platform/pii.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { hashPassword } from '../../src/services/user/passwords.js';
import type { UserDB } from '../../src/services/user/user.db.js';
import type { PreparedMessage } from './child.js';
import { seedUsers } from './seed.js';

/**
 * Migrates the benchmark's database and seeds its users, in a child process on the servers' Node
 * (bench/http/child.ts, prepareDatabase), configured from LINGGONG_* variables like the servers; the
 * seeding figures and the ids go back to the load generator. On the servers' Node because that is
 * where the database driver is built to load: with LINGGONG_BENCH_SERVER_NODE on another Node, the
 * load generator itself never opens the database (better-sqlite3 loads on one Node ABI only).
 *
 *   BENCH_USERS, BENCH_LOGIN_USERS, BENCH_PASSWORD: how many users, how many with the password.
 */
const users = Number(process.env.BENCH_USERS);
const loginUsers = Number(process.env.BENCH_LOGIN_USERS);
const password = process.env.BENCH_PASSWORD;
if (!Number.isInteger(users) || !Number.isInteger(loginUsers) || !password)
  throw new Error('prepare.ts needs BENCH_USERS, BENCH_LOGIN_USERS and BENCH_PASSWORD');

/** `MariaDB 10.11.19-MariaDB-…` or `MySQL 8.4.…`, from what `version()` answers. */
const mysqlVersion = (v: string): string => (/mariadb/i.test(v) ? `MariaDB ${v}` : `MySQL ${v}`);

const config = loadConfig({
  services: ALL_SERVICES,
  env: process.env,
});
const platform = await buildPlatform({ config });
try {
  await platform.migrate('up');
  const sdb = platform.services.get('user')!.db as ServiceDatabase<UserDB>;
  // The same key ring and lookup-hash secret as the user service (src/services/user/index.ts).
  const pii = createPiiCipher(config.piiKeys, `pii-lookup:${config.secret}`);
  const seeded = await seedUsers({
    sdb,
    pii,
    users,
    loginUsers,
    passwordHash: await hashPassword(password),
    now: systemClock.now(),
  });
  const version =
    sdb.dialect === 'sqlite'
      ? `SQLite ${(await sql<{ v: string }>`select sqlite_version() as v`.execute(sdb.db)).rows[0]!.v}`
      : mysqlVersion((await sql<{ v: string }>`select version() as v`.execute(sdb.db)).rows[0]!.v);
  process.send!({ type: 'prepared', ...seeded, version } satisfies PreparedMessage);
} finally {
  await platform.close();
}
