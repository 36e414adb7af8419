import { sql, type Kysely } from 'kysely';
import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Accounts read per page on the way down. */
const PAGE = 1000;
/** Skill rows per INSERT on the way down: one statement text (prepared once on MySQL), 2,000
 * bound values (SQLite allows 32,766). */
const CHUNK = 1000;

/** Where an earlier, failed attempt left the two places skills can be. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function state(db: Kysely<any>): Promise<{ column: boolean; table: boolean }> {
  const tables = await db.introspection.getTables();
  return {
    column: tables.some((t) => t.name === 'user_accounts' && t.columns.some((c) => c.name === 'skills')),
    table: tables.some((t) => t.name === 'user_skills'),
  };
}

/**
 * Skills move from their own table (`user_skills`, a row per skill) onto the account row
 * (`user_accounts.skills`: the codes sorted and joined by commas, '' for none). Every reader of
 * skills reads the account too: the public profile was an account LEFT JOIN skills, the admin
 * list one skills query per account. Skill codes match `^[a-z_.]{1,64}$` (no commas) and an
 * account has at most 20: 1,299 characters at most.
 *
 * Both directions can run again after failing part-way (MySQL commits each DDL statement; on
 * SQLite the migrator runs the whole step in one transaction). The old code reads `user_skills`,
 * so stop it before migrating up (README, "Upgrading").
 */
export const skillsOnAccount: ServiceMigration = {
  async up({ db, dialect, t }) {
    const before = await state(db);
    if (!before.table) return; // moved already: the table goes last
    if (!before.column) {
      await db.schema
        .alterTable('user_accounts')
        .addColumn('skills', t.ascii(1400), (c) => c.notNull().defaultTo(''))
        .execute();
    }
    if (dialect === 'mysql') {
      // One connection, so the session's aggregate limit (1,024 bytes by default on MySQL)
      // applies to the update.
      await db.connection().execute(async (conn) => {
        await sql`set session group_concat_max_len = 65536`.execute(conn);
        await sql`
          update user_accounts a
          join (
            select user_id, group_concat(category order by category separator ',') as skills
            from user_skills group by user_id
          ) k on k.user_id = a.id
          set a.skills = k.skills`.execute(conn);
      });
    } else {
      await sql`
        update user_accounts set skills = (
          select group_concat(category, ',' order by category) from user_skills
          where user_skills.user_id = user_accounts.id
        )
        where id in (select user_id from user_skills)`.execute(db);
    }
    await db.schema.dropTable('user_skills').execute();
  },

  async down({ db, dialect, t }) {
    if (!(await state(db)).column) return; // moved back already: the column goes last
    await createTable(db, dialect, 'user_skills')
      .ifNotExists()
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('category', t.ascii(64), (c) => c.notNull())
      .addPrimaryKeyConstraint('user_skills_pk', ['user_id', 'category'])
      .execute();
    // Rows from an earlier attempt that failed part-way.
    await db.deleteFrom('user_skills').execute();
    // Full chunks across pages, so every insert but the last has the same statement text.
    const pending: { user_id: string; category: string }[] = [];
    const insert = (rows: typeof pending) => db.insertInto('user_skills').values(rows).execute();
    for (let after = ''; ;) {
      const page = (await db
        .selectFrom('user_accounts')
        .select(['id', 'skills'])
        .where('skills', '<>', '')
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute()) as { id: string; skills: string }[];
      if (page.length === 0) break;
      for (const a of page)
        for (const category of a.skills.split(',')) pending.push({ user_id: a.id, category });
      while (pending.length >= CHUNK) await insert(pending.splice(0, CHUNK));
      after = page[page.length - 1]!.id;
    }
    if (pending.length > 0) await insert(pending);
    await db.schema.alterTable('user_accounts').dropColumn('skills').execute();
  },
};
