import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openConnection, type Connection } from '../../src/platform/db/connect.js';
import { createServiceMigrator } from '../../src/platform/db/migrator.js';
import { accounts } from '../../src/services/user/migrations/20261125_0001_accounts.js';
import { userMigrations } from '../../src/services/user/migrations/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { DIALECT } from '../support/env.js';

let database: TestDatabase;
let conn: Connection;
beforeAll(async () => {
  database = await createTestDatabase();
  conn = openConnection(database.url);
});
afterAll(async () => {
  await conn?.close();
  await database?.drop();
});

const migrator = (migrations: typeof userMigrations) =>
  createServiceMigrator({ service: 'user', db: conn.kysely, dialect: conn.dialect, migrations });

// Twenty codes of 64 characters: 1,299 characters joined, past MySQL's default aggregate limit
// (1,024; MariaDB's default is 1 MiB, so on MariaDB this checks the order and the join only).
const LONG = Array.from({ length: 20 }, (_, i) => `z${String.fromCharCode(97 + i)}`.padEnd(64, '_'));
const account = (id: string) => ({
  id,
  display_name: '测试',
  roles: 'worker',
  status: 'active',
  version: 1,
  created_at: 1,
  updated_at: 1,
});

describe(`user migration 20261204_0001_skills_on_account on ${DIALECT}`, () => {
  it('moves each account’s skills onto its row, sorted, and back again on the way down', async () => {
    expect((await migrator({ '20261125_0001_accounts': accounts }).up()).error).toBeUndefined();
    const db = conn.kysely;
    const ids = ['01HZZZZZZZZZZZZZZZZZZZZZZ1', '01HZZZZZZZZZZZZZZZZZZZZZZ2', '01HZZZZZZZZZZZZZZZZZZZZZZ3'];
    await db.insertInto('user_accounts').values(ids.map(account)).execute();
    await db
      .insertInto('user_skills')
      .values([
        { user_id: ids[0], category: 'housekeeping.cleaner' },
        { user_id: ids[0], category: 'food.waiter' },
        ...[...LONG].reverse().map((category) => ({ user_id: ids[1], category })),
      ])
      .execute();

    expect((await migrator(userMigrations).up()).error).toBeUndefined();
    const rows = await db.selectFrom('user_accounts').select(['id', 'skills']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: ids[0], skills: 'food.waiter,housekeeping.cleaner' },
      { id: ids[1], skills: LONG.join(',') },
      { id: ids[2], skills: '' },
    ]);
    await expect(db.selectFrom('user_skills').selectAll().execute()).rejects.toThrow();

    expect((await migrator(userMigrations).down()).error).toBeUndefined();
    const skills = await db
      .selectFrom('user_skills')
      .select(['user_id', 'category'])
      .orderBy('user_id')
      .orderBy('category')
      .execute();
    expect(skills).toEqual([
      { user_id: ids[0], category: 'food.waiter' },
      { user_id: ids[0], category: 'housekeeping.cleaner' },
      ...LONG.map((category) => ({ user_id: ids[1], category })),
    ]);
    const columns = Object.keys(
      (await db.selectFrom('user_accounts').selectAll().executeTakeFirstOrThrow()) as object,
    );
    expect(columns).not.toContain('skills');
  });
});
