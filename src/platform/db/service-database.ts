import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import type { Clock } from '../clock.js';
import { currentContext, formatTraceparent } from '../context.js';
import { PlatformMisuseError } from '../errors.js';
import type { IdGenerator } from '../ids.js';
import type { Logger } from '../log.js';
import type { Connection, Dialect } from './connect.js';
import { assertOutsideTransactionOf } from './driver-guard.js';
import { createServiceMigrator, type MigrationSet } from './migrator.js';
import {
  PLATFORM_BATCHES_MIGRATION_NAME,
  PLATFORM_DUE_ORDER_MIGRATION_NAME,
  PLATFORM_DEADLINES_MIGRATION_NAME,
  PLATFORM_EVENTS_MIGRATION_NAME,
  PLATFORM_MIGRATION_NAME,
  PLATFORM_WORKFLOWS_MIGRATION_NAME,
  platformBatchesMigration,
  platformDueOrderMigration,
  platformDeadlinesMigration,
  platformEventsMigration,
  platformTablesMigration,
  platformWorkflowsMigration,
} from './platform-tables.js';
import { currentTransaction, runInTransactionContext, runOutsideTransaction } from './tx-context.js';

/** An event as a service publishes it: `entity.verb`, a versioned payload. */
export interface DomainEvent<TType extends string = string, TPayload = unknown> {
  type: TType;
  /** Version of the payload's schema. */
  version: number;
  payload: TPayload;
}

/**
 * The handle a unit of work gives its callback: the transaction-bound Kysely, event publishing
 * into the outbox, after-commit hooks, and "now" fixed for the whole transaction.
 */
export interface Tx<DB> {
  readonly db: Transaction<DB>;
  readonly now: number;
  /** Writes the event to this service's outbox in this transaction; returns its id. */
  publish(event: DomainEvent): Promise<string>;
  /** Writes many events with one statement (bulk changes); returns their ids in order. */
  publishAll(events: DomainEvent[]): Promise<string[]>;
  /** Runs fn once the transaction has committed (never if it rolls back). */
  afterCommit(fn: () => void | Promise<void>): void;
  /**
   * Runs fn after the unit of work, just before COMMIT; if it throws, the transaction rolls back.
   * A hook given more than once runs once, so each of a batch's handlers can ask for the same
   * closing step (e.g. one fsync of a side index for the whole batch).
   */
  beforeCommit(fn: () => void | Promise<void>): void;
}

/** Everything a repository needs: the typed handle, or the transaction when inside one. */
export type Executor<DB> = Kysely<DB> | Transaction<DB>;

/**
 * A service's view of its database: its typed Kysely handle, its unit of work and its migrator.
 * Services configured on the same URL share one connection (and on SQLite one writer).
 */
export class ServiceDatabase<DB> {
  readonly db: Kysely<DB>;
  readonly dialect: Dialect;
  readonly prefix: string;
  /** Set by the event system: called after a transaction that published events has committed. */
  onEventsCommitted: (() => void) | undefined;

  constructor(
    readonly service: string,
    readonly connection: Connection,
    private readonly deps: { clock: Clock; ids: IdGenerator; log: Logger },
    private readonly migrations: MigrationSet,
  ) {
    this.db = connection.kysely as Kysely<DB>;
    this.dialect = connection.dialect;
    this.prefix = `${service}_`;
  }

  /** Table name with this service's prefix: `table('outbox')` → `user_outbox`. */
  table(name: string): string {
    return `${this.prefix}${name}`;
  }

  migrator(): ReturnType<typeof createServiceMigrator> {
    return createServiceMigrator({
      service: this.service,
      db: this.connection.kysely,
      dialect: this.dialect,
      migrations: {
        [PLATFORM_MIGRATION_NAME]: platformTablesMigration,
        [PLATFORM_EVENTS_MIGRATION_NAME]: platformEventsMigration,
        [PLATFORM_DEADLINES_MIGRATION_NAME]: platformDeadlinesMigration,
        [PLATFORM_BATCHES_MIGRATION_NAME]: platformBatchesMigration,
        [PLATFORM_DUE_ORDER_MIGRATION_NAME]: platformDueOrderMigration,
        [PLATFORM_WORKFLOWS_MIGRATION_NAME]: platformWorkflowsMigration,
        ...this.migrations,
      },
    });
  }

  /**
   * Runs fn in one database transaction. Events published through `tx.publish` commit or roll back
   * with the change; `beforeCommit` hooks run last inside it, `afterCommit` hooks after a
   * successful commit, outside the transaction.
   * Nesting is refused: on SQLite it would deadlock, and anywhere it hides which writes are atomic.
   */
  async transaction<T>(fn: (tx: Tx<DB>) => Promise<T>): Promise<T> {
    const open = currentTransaction();
    if (open) {
      throw new PlatformMisuseError(
        `Nested transaction: service "${this.service}" tried to open a transaction inside one of ` +
          `service "${open.service}". Pass the open transaction down instead.`,
      );
    }
    const hooks: (() => void | Promise<void>)[] = [];
    const closing = new Set<() => void | Promise<void>>();
    let published = 0;
    const now = this.deps.clock.now();
    const result = await this.db.transaction().execute((trx) =>
      runInTransactionContext({ service: this.service, databaseKey: this.connection.key }, async () => {
        const tx: Tx<DB> = {
          db: trx,
          now,
          publish: async (event) => {
            published++;
            return (await this.writeOutbox(trx, [event], now))[0]!;
          },
          publishAll: (events) => {
            published += events.length;
            return this.writeOutbox(trx, events, now);
          },
          afterCommit: (hook) => {
            hooks.push(hook);
          },
          beforeCommit: (hook) => {
            closing.add(hook);
          },
        };
        const value = await fn(tx);
        for (const hook of closing) await hook();
        await this.commitRequestClaim(tx, value);
        return value;
      }),
    );
    if (published > 0) hooks.unshift(() => this.onEventsCommitted?.());
    for (const hook of hooks) {
      await runOutsideTransaction(async () => {
        try {
          await hook();
        } catch (e) {
          // The change is committed; a failing hook must not turn success into an error response.
          this.deps.log.error({ err: e, service: this.service }, 'afterCommit hook failed');
        }
      });
    }
    return result;
  }

  /**
   * Marks the current request's idempotency claim committed, with `answer`, in `tx`: an idempotent
   * request's key commits with the change it produced (see idempotency.ts). Every unit of work does
   * it; a change written in another transaction (the ledger's batch) calls it there itself.
   */
  async commitRequestClaim(tx: Tx<DB>, answer: unknown): Promise<void> {
    const claim = currentContext()?.idempotency;
    if (!claim || claim.service !== this.service || claim.committed) return;
    await this.untyped(tx.db)
      .updateTable(this.table('idempotency'))
      .set({ state: 'committed', response: JSON.stringify(answer ?? null) })
      .where('key_hash', '=', claim.keyHash)
      .execute();
    tx.afterCommit(() => {
      claim.committed = true;
    });
  }

  private async writeOutbox(trx: Transaction<DB>, events: DomainEvent[], now: number): Promise<string[]> {
    if (events.length === 0) return [];
    for (const event of events) {
      if (!/^[a-z][a-z_]*\.[a-z][a-z_]*$/.test(event.type)) {
        throw new PlatformMisuseError(`event type "${event.type}" is not entity.verb`);
      }
    }
    const ctx = currentContext();
    // The span that published is the parent of each consumer's span (tracing.ts, inConsumerSpan).
    const traceparent = ctx ? formatTraceparent(ctx.traceId, ctx.spanId, ctx.sampled) : null;
    const rows = events.map((event) => ({
      id: this.deps.ids(),
      type: event.type,
      version: event.version,
      payload: JSON.stringify(event.payload),
      traceparent,
      created_at: now,
      available_at: now,
      attempts: 0,
      published_at: null,
    }));
    // Chunked: SQLite allows at most 32,766 bound parameters per statement.
    for (let i = 0; i < rows.length; i += 1000) {
      await this.untyped(trx)
        .insertInto(this.table('outbox'))
        .values(rows.slice(i, i + 1000))
        .execute();
    }
    return rows.map((r) => r.id);
  }

  /**
   * Runs a read built and compiled once (e.g. by a repository at start) with these parameters, on
   * the root handle: the hot-path form of `db.executeQuery` (see Connection.readRows). Refused
   * inside a transaction of this database, like any root-handle query; pass `tx.db` there.
   */
  read<R>(query: CompiledQuery<R>, parameters: readonly unknown[]): Promise<R[]> {
    assertOutsideTransactionOf(this.connection.key);
    return this.connection.readRows(query, parameters);
  }

  /** The platform tables' names depend on the service, so they are queried untyped. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  untyped(executor: Executor<DB> = this.db): Kysely<any> {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    return executor as unknown as Kysely<any>;
  }
}

/** Throws when called inside a transaction: cross-service calls must not hold a transaction open. */
export function assertNoTransaction(what: string): void {
  const open = currentTransaction();
  if (open) {
    throw new PlatformMisuseError(
      `${what} was called inside a transaction of service "${open.service}". ` +
        'Calls to another service happen before or after the transaction (or through an event).',
    );
  }
}
