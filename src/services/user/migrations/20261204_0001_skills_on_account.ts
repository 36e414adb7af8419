import { sql } from 'kysely';
import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Down-migration page size (accounts per read). */
const PAGE = 1000;

/**
 * Skills move from their own table (`user_skills`, a row per skill) onto the account row
 * (`user_accounts.skills`: the codes sorted and joined by commas, '' for none). Every reader of
 * skills reads the account too: the public profile was an account LEFT JOIN skills, the admin
 * list one skills query per account. Skill codes match `^[a-z_.]{1,64}$` (no commas) and an
 * account has at most 20: 1,299 characters at most.
 */
export const skillsOnAccount: ServiceMigration = {
  async up({ db, dialect, t }) {
    await db.schema
      .alterTable('user_accounts')
      .addColumn('skills', t.ascii(1400), (c) => c.notNull().defaultTo(''))
      .execute();
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
    await createTable(db, dialect, 'user_skills')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('category', t.ascii(64), (c) => c.notNull())
      .addPrimaryKeyConstraint('user_skills_pk', ['user_id', 'category'])
      .execute();
    let after = '';
    for (;;) {
      const page = (await db
        .selectFrom('user_accounts')
        .select(['id', 'skills'])
        .where('skills', '<>', '')
        .where('id', '>', after)
        .orderBy('id')
        .limit(PAGE)
        .execute()) as { id: string; skills: string }[];
      if (page.length === 0) break;
      const rows = page.flatMap((a) => a.skills.split(',').map((category) => ({ user_id: a.id, category })));
      await db.insertInto('user_skills').values(rows).execute();
      after = page[page.length - 1]!.id;
    }
    await db.schema.alterTable('user_accounts').dropColumn('skills').execute();
  },
};
