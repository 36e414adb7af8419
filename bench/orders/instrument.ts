import { createRequire } from 'node:module';
import SQLite from 'better-sqlite3';
import { currentContext } from '../../src/platform/context.js';
import type { Platform } from '../../src/app.js';

/**
 * Counts, at the database drivers, every statement and every commit the process makes, and, at the
 * services' in-process clients, every cross-service call; each is put down to what it served by the
 * request context it ran in (server.ts takes the `x-request-id` the load sends):
 *   apply   — a request id `bench-a-…` (POST …/applications), and everything it started;
 *   hire    — `bench-h-…` (POST …/hire), the hire workflow it kicked included (the runner drives it
 *             in the request's async context);
 *   ledger  — the payment ledger's batch transactions (context `ledger-batch`): one commit holds the
 *             escrow holds of every hire queued meanwhile, so it is shared by several hires;
 *   other   — everything else: event relay and consumers (their own contexts), schedules, setup.
 *
 * A commit is counted exactly: a COMMIT of a transaction that wrote, or a write statement run
 * outside any transaction (its own commit: autocommit). COMMITs of transactions that wrote nothing
 * are counted apart (they write nothing to the log). better-sqlite3's statements and mysql2's
 * connections are patched at their prototypes, so nothing Linggong runs goes around the count.
 */
export const KINDS = ['apply', 'hire', 'ledger', 'other'] as const;
export type Kind = (typeof KINDS)[number];

export interface KindCounts {
  statements: number;
  /** COMMITs of transactions that wrote. */
  txCommits: number;
  /** Write statements outside a transaction: each commits by itself. */
  autocommits: number;
  /** COMMITs of transactions that wrote nothing. */
  emptyCommits: number;
  rollbacks: number;
  /** Commits (both kinds) by the service whose tables they wrote. */
  commitsByService: Map<string, number>;
  /** Cross-service calls, `service.method`. */
  calls: Map<string, number>;
  /** Milliseconds from sending statements to their answers, summed (SQLite: the call, fsyncs included). */
  dbMs: number;
  /** Milliseconds waited for a connection of the MySQL pool, summed, and how many waits. */
  poolWaitMs: number;
  poolWaits: number;
  /** Statements by their SQL text (kept only when `keepStatements` is on). */
  sql: Map<string, number>;
}

/** Whether to count statements by their text too (`--statements`). */
export const options = { keepStatements: false };

const fresh = (): KindCounts => ({
  statements: 0,
  txCommits: 0,
  autocommits: 0,
  emptyCommits: 0,
  rollbacks: 0,
  commitsByService: new Map(),
  calls: new Map(),
  dbMs: 0,
  poolWaitMs: 0,
  poolWaits: 0,
  sql: new Map(),
});

export const counts: Record<Kind, KindCounts> = {
  apply: fresh(),
  hire: fresh(),
  ledger: fresh(),
  other: fresh(),
};

export function resetCounts(): void {
  for (const k of KINDS) counts[k] = fresh();
}

export function kindNow(): Kind {
  const id = currentContext()?.requestId;
  if (!id) return 'other';
  if (id.startsWith('bench-a-')) return 'apply';
  if (id.startsWith('bench-h-')) return 'hire';
  if (id === 'ledger-batch') return 'ledger';
  return 'other';
}

const bump = (m: Map<string, number>, key: string, by = 1) => m.set(key, (m.get(key) ?? 0) + by);

const WRITE_RE = /^\s*(?:insert|update|delete|replace)\b/i;
const TABLE_RE =
  /^\s*(?:insert\s+(?:or\s+\w+\s+|ignore\s+)?into|replace\s+into|update(?:\s+ignore)?|delete\s+from)\s+[`"]?([a-z]+)_/i;
const BEGIN_RE = /^\s*(?:begin|start\s+transaction)\b/i;
const COMMIT_RE = /^\s*commit\b/i;
const ROLLBACK_RE = /^\s*rollback\s*(?:work\s*)?;?\s*$/i;

const serviceOf = (sql: string): string => TABLE_RE.exec(sql)?.[1] ?? '?';

/** Per connection: whether a transaction is open (mysql2) and which services it wrote. */
interface TxState {
  open: boolean;
  wrote: string | undefined;
}

function onStatement(state: TxState, sql: string, inTransaction: boolean): KindCounts {
  const c = counts[kindNow()];
  c.statements++;
  if (options.keepStatements) bump(c.sql, sql.replace(/\s+/g, ' ').slice(0, 150));
  if (BEGIN_RE.test(sql)) {
    state.open = true;
    state.wrote = undefined;
  } else if (COMMIT_RE.test(sql)) {
    if (state.wrote !== undefined) {
      c.txCommits++;
      bump(c.commitsByService, state.wrote);
    } else c.emptyCommits++;
    state.open = false;
    state.wrote = undefined;
  } else if (ROLLBACK_RE.test(sql)) {
    c.rollbacks++;
    state.open = false;
    state.wrote = undefined;
  } else if (WRITE_RE.test(sql)) {
    if (inTransaction) state.wrote ??= serviceOf(sql);
    else {
      c.autocommits++;
      bump(c.commitsByService, serviceOf(sql));
    }
  }
  return c;
}

let installed = false;

/** Patches better-sqlite3 and mysql2 (once per process). */
export function installDriverCounters(): void {
  if (installed) return;
  installed = true;

  // better-sqlite3: Kysely runs every statement (BEGIN and COMMIT too) through run/all/get.
  const probe = new SQLite(':memory:');
  const statementProto = Object.getPrototypeOf(probe.prepare('select 1')) as Record<
    'run' | 'all' | 'get' | 'iterate',
    (this: SQLite.Statement, ...args: unknown[]) => unknown
  >;
  probe.close();
  const sqliteStates = new WeakMap<SQLite.Database, TxState>();
  for (const method of ['run', 'all', 'get', 'iterate'] as const) {
    const original = statementProto[method];
    statementProto[method] = function (this: SQLite.Statement, ...args: unknown[]) {
      let state = sqliteStates.get(this.database);
      if (!state) sqliteStates.set(this.database, (state = { open: false, wrote: undefined }));
      const c = onStatement(state, this.source, this.database.inTransaction);
      const t0 = performance.now();
      try {
        return original.apply(this, args);
      } finally {
        c.dbMs += performance.now() - t0;
      }
    };
  }

  // mysql2: every connection (pooled ones included) runs statements through query or execute.
  const require = createRequire(import.meta.url);
  const { PoolConnection } = require('mysql2') as { PoolConnection: { prototype: object } };
  // The class that defines query and execute (BaseConnection), which pooled connections inherit.
  let proto = PoolConnection.prototype;
  while (!Object.prototype.hasOwnProperty.call(proto, 'execute'))
    proto = Object.getPrototypeOf(proto) as object;
  const connectionProto = proto as Record<'query' | 'execute', (this: object, ...args: unknown[]) => unknown>;
  const mysqlStates = new WeakMap<object, TxState>();
  for (const method of ['query', 'execute'] as const) {
    const original = connectionProto[method];
    connectionProto[method] = function (this: object, ...args: unknown[]) {
      const first = args[0] as string | { sql?: string } | undefined;
      const sql = typeof first === 'string' ? first : (first?.sql ?? '');
      let state = mysqlStates.get(this);
      if (!state) mysqlStates.set(this, (state = { open: false, wrote: undefined }));
      const c = onStatement(state, sql, state.open);
      const last = args.length - 1;
      const callback = args[last];
      if (typeof callback === 'function') {
        const t0 = performance.now();
        args[last] = (...result: unknown[]) => {
          c.dbMs += performance.now() - t0;
          return (callback as (...a: unknown[]) => unknown)(...result);
        };
      }
      return original.apply(this, args);
    };
  }
  // The wait for one of the pool's connections (Kysely takes one per statement, or per transaction).
  const { Pool } = require('mysql2') as {
    Pool: { prototype: { getConnection: (this: object, cb: (...a: unknown[]) => unknown) => unknown } };
  };
  const getConnection = Pool.prototype.getConnection;
  Pool.prototype.getConnection = function (this: object, cb: (...a: unknown[]) => unknown) {
    const c = counts[kindNow()];
    const t0 = performance.now();
    return getConnection.call(this, (...result: unknown[]) => {
      c.poolWaitMs += performance.now() - t0;
      c.poolWaits++;
      return cb(...result);
    });
  };
}

/** Wraps every in-process service client so each call is counted (`job.getTerms`, `payment.hold`…). */
export function countClientCalls(platform: Platform): void {
  for (const [name, entry] of platform.services) {
    const client = entry.instance.client as Record<string | symbol, unknown> | undefined;
    if (!client) continue;
    entry.instance.client = new Proxy(client, {
      get(target, prop, receiver) {
        const value = Reflect.get(target, prop, receiver) as unknown;
        if (typeof value !== 'function') return value;
        const method = `${name}.${String(prop)}`;
        return function (this: unknown, ...args: unknown[]) {
          bump(counts[kindNow()].calls, method);
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      },
    });
  }
}

/** Total commits (transactions that wrote, and autocommit writes). */
export const commitsOf = (c: KindCounts): number => c.txCommits + c.autocommits;
