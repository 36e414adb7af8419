import {
  Migrator,
  type Kysely,
  type Migration,
  type MigrationProvider,
  type MigrationResultSet,
} from 'kysely';
import type { Dialect } from './connect.js';
import { columnTypes, type ColumnTypes } from './schema.js';

/** What a migration receives: the database, its dialect and the dialect-neutral column types. */
export interface MigrationContext {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  dialect: Dialect;
  t: ColumnTypes;
  /** The service's table prefix, e.g. "user_". */
  prefix: string;
}

export interface ServiceMigration {
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

/** A service's migrations keyed by timestamped name ("20261125_0001_create_accounts"). */
export type MigrationSet = Record<string, ServiceMigration>;

export interface MigrationStatus {
  service: string;
  name: string;
  executedAt: Date | undefined;
}

/**
 * Runs one service's migrations with its own bookkeeping tables (`<service>_migrations`), so that
 * services sharing a database never see each other's history, and a service moves to its own
 * database by changing a URL.
 */
export function createServiceMigrator(opts: {
  service: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  dialect: Dialect;
  migrations: MigrationSet;
}): {
  up(): Promise<MigrationResultSet>;
  down(): Promise<MigrationResultSet>;
  status(): Promise<MigrationStatus[]>;
} {
  const ctx: MigrationContext = {
    db: opts.db,
    dialect: opts.dialect,
    t: columnTypes(opts.dialect),
    prefix: `${opts.service}_`,
  };
  const provider: MigrationProvider = {
    getMigrations: async () =>
      Object.fromEntries(
        Object.entries(opts.migrations).map(([name, m]): [string, Migration] => [
          name,
          {
            up: (db) => atomically(db, (trx) => m.up({ ...ctx, db: trx })),
            down: (db) => atomically(db, (trx) => m.down({ ...ctx, db: trx })),
          },
        ]),
      ),
  };
  // SQLite has transactional DDL, but Kysely's SQLite adapter does not claim it (its migrator holds
  // the one connection), so a migration would run statement by statement, and one that failed
  // half-way would leave its first steps applied and itself unrecorded. Each SQLite migration
  // therefore runs in a transaction of its own, on the migrator's connection. MySQL commits every
  // DDL statement implicitly: migrations there must be safe to run again after a failure.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const atomically = (db: Kysely<any>, step: (db: Kysely<any>) => Promise<void>): Promise<void> =>
    opts.dialect === 'sqlite' ? db.transaction().execute(step) : step(db);
  const migrator = new Migrator({
    db: opts.db,
    provider,
    migrationTableName: `${opts.service}_migrations`,
    migrationLockTableName: `${opts.service}_migrations_lock`,
  });
  return {
    up: () => migrator.migrateToLatest(),
    down: () => migrator.migrateDown(),
    async status() {
      const list = await migrator.getMigrations();
      return list.map((m) => ({ service: opts.service, name: m.name, executedAt: m.executedAt }));
    },
  };
}
