import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../../src/platform/db/connect.js';
import { createServiceMigrator } from '../../src/platform/db/migrator.js';
import { accounts } from '../../src/services/user/migrations/20261125_0001_accounts.js';
import { userMigrations } from '../../src/services/user/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { DIALECT } from '../support/env.js';

const open: { database: TestDatabase; conn: Connection }[] = [];
afterEach(async () => {
  for (const { database, conn } of open.splice(0)) {
    await conn.close();
    await database.drop();
  }
});

/** A fresh database migrated to the last migration before skills moved. */
async function beforeTheMove(): Promise<Connection> {
  const database = await createTestDatabase();
  const conn = openConnection(database.url);
  open.push({ database, conn });
  expect((await migrator(conn, { '20261125_0001_accounts': accounts }).up()).error).toBeUndefined();
  return conn;
}

const migrator = (conn: Connection, migrations: typeof userMigrations) =>
  createServiceMigrator({ service: 'user', db: conn.kysely, dialect: conn.dialect, migrations });

// Twenty codes of 64 characters: 1,299 characters joined, past MySQL's default aggregate limit
// (1,024; MariaDB's default is 1 MiB, so on MariaDB this checks the order and the join only).
const LONG = Array.from({ length: 20 }, (_, i) => `z${String.fromCharCode(97 + i)}`.padEnd(64, '_'));
/** Ids that sort as they are numbered. */
const idOf = (n: number) => `01HZ${String(n).padStart(22, '0')}`;

/**
 * Accounts 0..n-1: account 0 has two short skills given out of order, account 1 none, every other
 * account the twenty long ones, also given in reverse order. Both databases hand the rows to
 * `group_concat` in primary-key order whatever the insert order, so the migration's ORDER BY is a
 * guarantee these rows cannot tell from that; what they check is the sorted, joined result.
 */
async function seed(conn: Connection, n: number): Promise<{ id: string; skills: string }[]> {
  const db = conn.kysely;
  const expected: { id: string; skills: string }[] = [];
  for (let from = 0; from < n; from += 500) {
    const ids = Array.from({ length: Math.min(500, n - from) }, (_, i) => idOf(from + i));
    await db
      .insertInto('user_accounts')
      .values(
        ids.map((id) => ({
          id,
          display_name: '测试',
          roles: 'worker',
          status: 'active',
          version: 1,
          created_at: 1,
          updated_at: 1,
        })),
      )
      .execute();
    const skills = ids.flatMap((id, i) =>
      from + i === 0
        ? [
            { user_id: id, category: 'housekeeping.cleaner' },
            { user_id: id, category: 'food.waiter' },
          ]
        : from + i === 1
          ? []
          : [...LONG].reverse().map((category) => ({ user_id: id, category })),
    );
    for (let k = 0; k < skills.length; k += 1000)
      await db
        .insertInto('user_skills')
        .values(skills.slice(k, k + 1000))
        .execute();
    for (const [i, id] of ids.entries()) {
      const n = from + i;
      expected.push({
        id,
        skills: n === 0 ? 'food.waiter,housekeeping.cleaner' : n === 1 ? '' : LONG.join(','),
      });
    }
  }
  return expected;
}

const accountSkills = (conn: Connection) =>
  conn.kysely.selectFrom('user_accounts').select(['id', 'skills']).orderBy('id').execute();
const skillRows = (conn: Connection) =>
  conn.kysely
    .selectFrom('user_skills')
    .select(['user_id', 'category'])
    .orderBy('user_id')
    .orderBy('category')
    .execute();
const rowsOf = (expected: { id: string; skills: string }[]) =>
  expected.flatMap((a) =>
    a.skills === '' ? [] : a.skills.split(',').map((category) => ({ user_id: a.id, category })),
  );

describe(`user migration 20261204_0001_skills_on_account on ${DIALECT}`, () => {
  it('moves 2,100 accounts’ skills onto their rows, sorted, and every one back on the way down', async () => {
    const conn = await beforeTheMove();
    // 2,099 accounts × 20 skills: several pages of accounts and many insert chunks on the way down.
    const expected = await seed(conn, 2100);

    expect((await migrator(conn, userMigrations).up()).error).toBeUndefined();
    expect(await accountSkills(conn)).toEqual(expected);
    await expect(conn.kysely.selectFrom('user_skills').selectAll().execute()).rejects.toThrow();

    expect((await migrator(conn, userMigrations).down()).error).toBeUndefined();
    expect(await skillRows(conn)).toEqual(rowsOf(expected));
    const columns = Object.keys(
      (await conn.kysely.selectFrom('user_accounts').selectAll().executeTakeFirstOrThrow()) as object,
    );
    expect(columns).not.toContain('skills');
  });

  it('runs again after failing part-way, in either direction', async () => {
    const conn = await beforeTheMove();
    const expected = await seed(conn, 5);
    // Up stopped after adding the column (MySQL keeps DDL that ran before a failure).
    await conn.kysely.schema
      .alterTable('user_accounts')
      .addColumn('skills', sql`varchar(1400)`, (c) => c.notNull().defaultTo(''))
      .execute();
    expect((await migrator(conn, userMigrations).up()).error).toBeUndefined();
    expect(await accountSkills(conn)).toEqual(expected);

    // Down stopped after recreating the table and writing some of the rows.
    await conn.kysely.schema
      .createTable('user_skills')
      .addColumn('user_id', sql`char(26)`, (c) => c.notNull())
      .addColumn('category', sql`varchar(64)`, (c) => c.notNull())
      .addPrimaryKeyConstraint('user_skills_pk', ['user_id', 'category'])
      .execute();
    await conn.kysely.insertInto('user_skills').values(rowsOf(expected).slice(0, 3)).execute();
    expect((await migrator(conn, userMigrations).down()).error).toBeUndefined();
    expect(await skillRows(conn)).toEqual(rowsOf(expected));
  });
});
