import type { DatabaseConnection, Driver, TransactionSettings } from 'kysely';
import { PlatformMisuseError } from '../errors.js';
import { currentTransaction } from './tx-context.js';

/** Throws when a transaction of database `databaseKey` is open in the current async context. */
export function assertOutsideTransactionOf(databaseKey: string): void {
  const tx = currentTransaction();
  if (tx && tx.databaseKey === databaseKey) {
    throw new PlatformMisuseError(
      `A query used the root database handle inside a transaction of service "${tx.service}": ` +
        'pass the transaction (tx.db) to the repository instead.',
    );
  }
}

/**
 * Wraps a Kysely driver so that a query on the root handle while a transaction of the same
 * database is open in the current async context fails at once. On SQLite (one connection behind a
 * mutex) such a query would otherwise wait for the transaction that waits for it: a silent hang.
 */
export class GuardedDriver implements Driver {
  constructor(
    private readonly inner: Driver,
    private readonly databaseKey: string,
  ) {}

  init(): Promise<void> {
    return this.inner.init();
  }

  acquireConnection(): Promise<DatabaseConnection> {
    assertOutsideTransactionOf(this.databaseKey);
    return this.inner.acquireConnection();
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}
