import type {
  AnyColumn,
  InsertObject,
  InsertResult,
  Kysely,
  Transaction,
  UpdateResult,
  DeleteResult,
} from 'kysely';
import type { Dialect } from './connect.js';

/**
 * Inserts a row unless one with the same unique key exists; returns whether it inserted.
 * For dedupe tables (inboxes, once-only markers). Unlike MySQL's INSERT IGNORE it swallows only
 * the duplicate-key case: truncation, NOT NULL and type errors still throw.
 */
export async function insertIgnore<DB, T extends keyof DB & string>(
  executor: Kysely<DB> | Transaction<DB>,
  dialect: Dialect,
  table: T,
  values: InsertObject<DB, T>,
  conflictColumns: readonly (keyof DB[T] & string)[],
): Promise<boolean> {
  if (dialect === 'sqlite') {
    const result = await executor
      .insertInto(table)
      .values(values)
      .onConflict((oc) => oc.columns(conflictColumns as unknown as readonly AnyColumn<DB, T>[]).doNothing())
      .executeTakeFirst();
    return insertedRows(result) > 0;
  }
  try {
    await executor.insertInto(table).values(values).execute();
    return true;
  } catch (e) {
    // ER_DUP_ENTRY. In a MySQL transaction the failed statement alone is rolled back.
    if ((e as { errno?: number }).errno === 1062) return false;
    throw e;
  }
}

/** Rows inserted, from either driver. */
export function insertedRows(result: InsertResult | undefined): number {
  return Number(result?.numInsertedOrUpdatedRows ?? 0n);
}

/**
 * Rows an UPDATE or DELETE matched. Conditional writes (`… WHERE taken < capacity`) check this:
 * 0 means the condition no longer held. Both drivers count matched rows (mysql2 sets FOUND_ROWS).
 */
export function affectedRows(result: UpdateResult | DeleteResult | undefined): number {
  if (!result) return 0;
  if ('numUpdatedRows' in result) return Number(result.numUpdatedRows);
  return Number(result.numDeletedRows);
}

/** True for a unique-key violation on either dialect. */
export function isUniqueViolation(e: unknown): boolean {
  const err = e as { errno?: number; code?: string };
  return (
    err.errno === 1062 ||
    err.code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    err.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * The keyset read of a platform table's admin list (dead letters, workflows): rows in id order
 * after `afterId`, in one `state` when given, at most `limit`. The table's name depends on the
 * service, so it is read untyped and the caller names the row type.
 */
export async function rowsAfterId<Row>(
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  table: string,
  opts: { state?: string | undefined; afterId: string | undefined; limit: number },
): Promise<Row[]> {
  const rows = await db
    .selectFrom(table)
    .selectAll()
    .$if(opts.state !== undefined, (b) => b.where('state', '=', opts.state!))
    .$if(opts.afterId !== undefined, (b) => b.where('id', '>', opts.afterId!))
    .orderBy('id')
    .limit(opts.limit)
    .execute();
  return rows as Row[];
}

/**
 * MySQL's deadlock (InnoDB rolled the whole transaction back): the same short transaction may be
 * run again at once.
 */
export function isDeadlock(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === 1213;
}

/** Runs `fn` again after a deadlock, a few times, each after a short random pause. */
export async function retryOnDeadlock<T>(fn: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!isDeadlock(e) || attempt >= attempts) throw e;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}
