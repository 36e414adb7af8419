import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, MysqlDialect, SqliteDialect, createQueryId, type CompiledQuery, type Driver } from 'kysely';
import { createPool, type Pool, type PoolOptions } from 'mysql2';
import { GuardedDriver } from './driver-guard.js';
import { acquireProcessLock, type ProcessLock } from './process-lock.js';

export type Dialect = 'sqlite' | 'mysql';

/** One physical database (a SQLite file or a MySQL pool), shared by the services configured on it. */
export interface Connection {
  readonly key: string;
  readonly dialect: Dialect;
  // Services type their own tables; the shared handle is untyped on purpose.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  readonly kysely: Kysely<any>;
  /**
   * Runs a compiled read on the root handle without Kysely's per-query steps (connection provider,
   * driver mutex, result transform): for hot reads built once. Same SQL, same parameters, same
   * rows as `kysely.executeQuery`. Not for transactions: the caller checks (ServiceDatabase.read).
   */
  readRows<R>(query: CompiledQuery<R>, parameters: readonly unknown[]): Promise<R[]>;
  /** Runs `SELECT 1`; used by /readyz. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

const STATEMENT_CACHE_SIZE = 2000;
/** Bytes of the SQLite file read through a memory map (the rest, if larger, through read calls). */
const SQLITE_MMAP_BYTES = 1024 * 1024 * 1024;

/**
 * Opens a database from its URL. SQLite: WAL, synchronous=FULL (money must survive a power cut),
 * a busy timeout, a prepared-statement cache, a memory map, and a lock file so a second process
 * refuses to start (the database is then opened in exclusive locking mode).
 * MySQL/MariaDB: a mysql2 pool whose queries run as prepared statements (`execute`, cached per
 * connection), utf8mb4, UTC, and exact integers.
 */
export function openConnection(url: string, options: { lock?: boolean; poolSize?: number } = {}): Connection {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options.lock ?? true);
  return openMysql(url, options.poolSize ?? 10);
}

function openSqlite(path: string, lock: boolean): Connection {
  const file = path === ':memory:' ? path : resolve(path);
  let processLock: ProcessLock | undefined;
  if (file !== ':memory:') {
    mkdirSync(dirname(file), { recursive: true });
    if (lock) processLock = acquireProcessLock(`${file}.lock`);
  }
  let db: SQLite.Database;
  try {
    db = new SQLite(file);
  } catch (e) {
    processLock?.release();
    throw e;
  }
  // One process owns the file (the lock file above), so EXCLUSIVE locking, set before WAL is first
  // used, keeps the WAL index in heap memory and takes no file locks per transaction; reads go
  // through a memory map instead of a pread per page. Both save system calls on every query
  // (docs/benchmarks.md, "The SQLite connection").
  db.pragma('locking_mode = EXCLUSIVE');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  db.pragma(`mmap_size = ${SQLITE_MMAP_BYTES}`);

  // Kysely's stock driver prepares every statement on every call; here each SQL text is prepared
  // once and reused (docs/benchmarks.md, "The SQLite connection").
  const cache = new Map<string, SQLite.Statement>();
  const cachedDb = {
    close: () => db.close(),
    prepare: (sql: string) => {
      let stmt = cache.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
        cache.set(sql, stmt);
      }
      return stmt;
    },
  };
  const key = `sqlite:${file}`;
  class Dialect extends SqliteDialect {
    override createDriver(): Driver {
      return new GuardedDriver(super.createDriver(), key);
    }
  }
  const kysely = new Kysely({ dialect: new Dialect({ database: cachedDb as unknown as SQLite.Database }) });
  return {
    key,
    dialect: 'sqlite',
    kysely,
    readRows<R>(query: CompiledQuery<R>, parameters: readonly unknown[]): Promise<R[]> {
      // A transaction of another request holds the one connection (between its awaits): wait for
      // it through Kysely's mutex, as any query would, instead of reading its uncommitted rows.
      if (db.inTransaction) {
        return kysely
          .executeQuery<R>({ ...query, parameters, queryId: createQueryId() })
          .then((result) => result.rows as R[]);
      }
      // better-sqlite3 runs synchronously: nothing else can use the connection meanwhile.
      try {
        return Promise.resolve(cachedDb.prepare(query.sql).all(parameters) as R[]);
      } catch (e) {
        return Promise.reject(e as Error);
      }
    },
    async ping() {
      db.prepare('select 1').get();
    },
    async close() {
      await kysely.destroy();
      processLock?.release();
    },
  };
}

/** The mysql2 pool options Linggong uses (benchmarks build their raw baseline from the same). */
export function mysqlPoolOptions(url: string, poolSize: number): PoolOptions {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 3306,
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.slice(1)),
    connectionLimit: poolSize,
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    // BIGINT and DECIMAL come back as numbers when exact, strings otherwise; toSafeInt() checks.
    supportBigNumbers: true,
    bigNumberStrings: false,
    decimalNumbers: true,
    dateStrings: true,
    enableKeepAlive: true,
    // Statements are cached per connection by mysql2; bound the cache.
    maxPreparedStatements: 2000,
  };
}

function openMysql(url: string, poolSize: number): Connection {
  const u = new URL(url);
  const options = mysqlPoolOptions(url, poolSize);
  const pool = createPool(options);
  const key = `mysql:${u.host}${u.pathname}`;
  const executingPool = withPreparedStatements(pool);
  class Dialect extends MysqlDialect {
    override createDriver(): Driver {
      return new GuardedDriver(super.createDriver(), key);
    }
  }
  const kysely = new Kysely({ dialect: new Dialect({ pool: executingPool }) });
  return {
    key,
    dialect: 'mysql',
    kysely,
    readRows<R>(query: CompiledQuery<R>, parameters: readonly unknown[]): Promise<R[]> {
      return new Promise((resolveRows, reject) => {
        pool.execute(query.sql, parameters.map(toMysqlParam) as never, (err, rows) => {
          if (err) reject(err);
          else resolveRows(rows as R[]);
        });
      });
    },
    async ping() {
      await pool.promise().query('select 1');
    },
    async close() {
      await kysely.destroy();
    },
  };
}

type QueryCallback = (err: unknown, result?: unknown) => void;

/** Presents a mysql2 pool to Kysely with `query` routed to `execute` (server-side prepared statements). */
function withPreparedStatements(pool: Pool): Pool {
  return new Proxy(pool, {
    get(target, prop, receiver) {
      if (prop === 'getConnection') {
        return (cb: (err: unknown, conn?: unknown) => void) =>
          target.getConnection((err, conn) => {
            if (err) return cb(err);
            cb(
              null,
              new Proxy(conn, {
                get(c, p, r) {
                  if (p === 'query') {
                    return (sql: string, params: unknown[], callback: QueryCallback) => {
                      // Statements without parameters (BEGIN, DDL) are not all preparable.
                      if (!params || params.length === 0) return c.query(sql, callback);
                      return c.execute(sql, params.map(toMysqlParam) as never, callback);
                    };
                  }
                  const v: unknown = Reflect.get(c, p, r);
                  return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(c) : v;
                },
              }),
            );
          });
      }
      const v: unknown = Reflect.get(target, prop, receiver);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function toMysqlParam(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (value === undefined) return null;
  return value;
}
