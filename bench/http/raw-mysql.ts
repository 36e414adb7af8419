import Fastify from 'fastify';
import { createPool, type RowDataPacket } from 'mysql2/promise';
import { toPublicProfile } from '../../src/services/user/user.mappers.js';
import type { PublicAccountRow } from '../../src/services/user/user.repository.js';
import { reportReady } from './child.js';
import { mysqlPoolOptions } from '../../src/platform/db/connect.js';

/**
 * The MySQL baseline: a bare Fastify route doing the public profile's read with raw mysql2
 * `execute` (a server-side prepared statement) on a pool of the same size and options as
 * Linggong's (src/platform/db/connect.ts), mapping the row with the same mapper. No plugins, no
 * validation, no Kysely: what the endpoint costs beyond this is Linggong's own overhead.
 */
const url = new URL(process.env.BENCH_MYSQL_URL ?? '');
const pool = createPool(mysqlPoolOptions(url.toString(), 10));

/** The statement the user repository compiles for the public profile (user.repository.ts). */
const PROFILE_SQL =
  'select `id`, `display_name`, `avatar_key`, `bio`, `home_area`, `availability`, `roles`, `status`, ' +
  '`created_at`, `skills` from `user_accounts` where `id` = ?';

async function read(id: string) {
  const [rows] = await pool.execute<(PublicAccountRow & RowDataPacket)[]>(PROFILE_SQL, [id]);
  const row = rows[0];
  if (!row || row.status !== 'active') return undefined;
  return toPublicProfile(row);
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
