import Fastify from 'fastify';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import { toPublicProfile } from '../../src/services/user/user.mappers.js';
import type { AccountRow } from '../../src/services/user/user.repository.js';
import { reportReady } from './child.js';
import { mysqlPoolOptions } from '../../src/platform/db/connect.js';

/**
 * The MySQL baseline: a bare Fastify route doing the public profile's reads with raw mysql2
 * `execute` (server-side prepared statements) on a pool of the same size and options as
 * Linggong's (src/platform/db/connect.ts), mapping rows with the same mapper. No plugins, no
 * validation, no Kysely: what the endpoint costs beyond this is Linggong's own overhead.
 *
 * `--shape two`: two statements, account then skills (the endpoint before optimisation).
 * `--shape join`: one statement, account LEFT JOIN skills (the endpoint after optimisation).
 */
const shape = process.argv[process.argv.indexOf('--shape') + 1] === 'join' ? 'join' : 'two';
const url = new URL(process.env.BENCH_MYSQL_URL ?? '');
const pool = createPool(mysqlPoolOptions(url.toString(), 10));

const TWO_ACCOUNT_SQL = 'select * from `user_accounts` where `id` = ?';
const TWO_SKILLS_SQL = 'select `category` from `user_skills` where `user_id` = ? order by `category`';
const JOIN_SQL =
  'select `a`.`id`, `a`.`display_name`, `a`.`avatar_key`, `a`.`bio`, `a`.`home_area`, `a`.`availability`, ' +
  '`a`.`roles`, `a`.`status`, `a`.`created_at`, `s`.`category` from `user_accounts` as `a` ' +
  'left join `user_skills` as `s` on `s`.`user_id` = `a`.`id` where `a`.`id` = ? order by `s`.`category`';

type Row = AccountRow & RowDataPacket;

async function read(id: string) {
  if (shape === 'two') {
    const [accounts] = await pool.execute<Row[]>(TWO_ACCOUNT_SQL, [id]);
    const row = accounts[0];
    if (!row || row.status !== 'active') return undefined;
    const [skills] = await pool.execute<(RowDataPacket & { category: string })[]>(TWO_SKILLS_SQL, [id]);
    return toPublicProfile(
      row,
      skills.map((s) => s.category),
    );
  }
  const [rows] = await pool.execute<(Row & { category: string | null })[]>(JOIN_SQL, [id]);
  const row = rows[0];
  if (!row || row.status !== 'active') return undefined;
  const skills: string[] = [];
  for (const r of rows) if (r.category !== null) skills.push(r.category);
  return toPublicProfile(row, skills);
}

const app = Fastify({ logger: false });
app.get<{ Params: { id: string } }>('/api/v1/users/:id', async (req, reply) => {
  const profile = await read(req.params.id);
  return profile ?? reply.code(404).send({ code: 'USER_NOT_FOUND' });
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
reportReady(address.port, async () => {
  await app.close();
  await pool.end();
});
