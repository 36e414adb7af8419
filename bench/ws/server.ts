import { sql, type Kysely } from 'kysely';
import { buildPlatform } from '../../src/app.js';
import { systemClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import type { App } from '../../src/platform/http/server.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { benchLogDestination, openJob, pool, setupRetries, signUp, type Party } from '../orders/setup.js';

/**
 * The Linggong process of bench/ws (a child of run.ts, so that it has a core of its own, apart from
 * the 5,000 WebSocket clients): every service, configured from LINGGONG_* variables like `linggong
 * serve`. Before it listens it makes the benchmark's data through the API (Fastify inject, as
 * bench/orders does): BENCH_EMPLOYERS employers and BENCH_WORKERS workers sign in with SMS codes
 * (the console provider's codes read back from the log), each employer opens one job, and worker i
 * applies to employer i mod BENCH_EMPLOYERS's job; the message service opens the pair's conversation
 * (its consumer of order.applied), one per worker. Then it listens on 127.0.0.1 and sends run.ts the
 * port, the tokens and the conversations (IPC); it answers `{type: 'count'}` with the rows it holds,
 * and closes on SIGTERM.
 */

/** What the server sends run.ts once it listens. */
export interface ReadyMessage {
  type: 'ready';
  port: number;
  setupSeconds: number;
  /** SMS-code requests answered 500 and sent again (MariaDB deadlocks on the quota rows). */
  setupRetries: number;
  database: string;
  employers: Party[];
  workers: Party[];
  /** One per worker, in worker order: the conversation with its employer. */
  conversations: { id: string; worker: number; employer: number }[];
}

/** Rows in the database, for the report. */
export interface CountsMessage {
  type: 'counts';
  accounts: number;
  conversations: number;
  messages: number;
  /** Lines of the log at warn or error level (other than SMS codes). */
  logLines: number;
}

const workerCount = Number(process.env.BENCH_WORKERS);
const employerCount = Number(process.env.BENCH_EMPLOYERS);
if (!(workerCount > 0 && employerCount > 0))
  throw new Error('server.ts needs BENCH_WORKERS, BENCH_EMPLOYERS');

const logs = benchLogDestination();
const config = loadConfig({ services: ALL_SERVICES, env: process.env });
const log = createLogger({ level: config.logLevel, destination: logs.destination });
const platform = await buildPlatform({ config, log });
await platform.migrate('up');
platform.startBackground();
const app = platform.app;
const messageDb = platform.services.get('message')!.db.db as Kysely<unknown>;

const count = async (table: string): Promise<number> =>
  toSafeInt(
    (await sql<{ n: unknown }>`select count(*) as n from ${sql.table(table)}`.execute(messageDb)).rows[0]!.n,
  );

async function apply(app: App, worker: Party, jobId: string, shiftId: string): Promise<void> {
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/jobs/${jobId}/shifts/${shiftId}/applications`,
    headers: worker.auth,
    payload: {},
  });
  if (res.statusCode !== 201) throw new Error(`apply answered ${res.statusCode}: ${res.body}`);
}

const setupStart = performance.now();
const employers = await pool(employerCount, 8, (i) =>
  signUp(app, logs.codes, `138${String(i).padStart(8, '0')}`, 'employer', 100_000 + i),
);
const workers = await pool(workerCount, 16, (i) =>
  signUp(app, logs.codes, `139${String(i).padStart(8, '0')}`, 'worker', i),
);
const headcount = Math.ceil(workerCount / employerCount);
const slots = await pool(employerCount, 8, async (e) => {
  const [slot] = await openJob(app, employers[e]!, systemClock.now(), 1, headcount, e);
  return slot!;
});
await pool(workerCount, 16, (w) => {
  const slot = slots[w % employerCount]!;
  return apply(app, workers[w]!, slot.jobId, slot.shiftId);
});
// The conversations open in the background (the outbox relay, then the message service's consumer).
const deadline = Date.now() + 120_000;
while ((await count('message_conversations')) < workerCount) {
  if (Date.now() > deadline) throw new Error('the conversations did not all open within 120 s');
  await new Promise((r) => setTimeout(r, 100));
}
const rows = await sql<{ id: string; worker_id: string }>`
  select id, worker_id from message_conversations`.execute(messageDb);
const byWorker = new Map(rows.rows.map((r) => [r.worker_id, r.id]));
const conversations = workers.map((w, i) => {
  const id = byWorker.get(w.userId);
  if (!id) throw new Error(`no conversation for worker ${i}`);
  return { id, worker: i, employer: i % employerCount };
});
const setupSeconds = (performance.now() - setupStart) / 1000;

const database = config.databaseUrl.startsWith('sqlite')
  ? `SQLite ${(await sql<{ v: string }>`select sqlite_version() as v`.execute(messageDb)).rows[0]!.v}`
  : await (async () => {
      const v = (await sql<{ v: string }>`select version() as v`.execute(messageDb)).rows[0]!.v;
      return `${/mariadb/i.test(v) ? 'MariaDB' : 'MySQL'} ${v}`;
    })();

await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
process.send!({
  type: 'ready',
  port: address.port,
  setupSeconds,
  setupRetries: setupRetries.count,
  database,
  employers,
  workers,
  conversations,
} satisfies ReadyMessage);

process.on('message', (m: { type?: string }) => {
  if (m.type !== 'count') return;
  void (async () => {
    process.send!({
      type: 'counts',
      accounts: toSafeInt(
        (
          await sql<{ n: unknown }>`select count(*) as n from user_accounts`.execute(
            platform.services.get('user')!.db.db as Kysely<unknown>,
          )
        ).rows[0]!.n,
      ),
      conversations: await count('message_conversations'),
      messages: await count('message_messages'),
      logLines: logs.state.otherLines,
    } satisfies CountsMessage);
  })();
});

let closing = false;
const stop = () => {
  if (closing) return;
  closing = true;
  platform.close().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
};
process.once('SIGTERM', stop);
// The parent went away: stop too.
process.once('disconnect', stop);
