import { AsyncLocalStorage } from 'node:async_hooks';

/** The transaction open in the current async context, if any. */
export interface OpenTransaction {
  service: string;
  databaseKey: string;
}

const storage = new AsyncLocalStorage<OpenTransaction>();

export function currentTransaction(): OpenTransaction | undefined {
  return storage.getStore();
}

export function runInTransactionContext<T>(tx: OpenTransaction, fn: () => T): T {
  return storage.run(tx, fn);
}

/** Runs fn outside any transaction context (afterCommit hooks). */
export function runOutsideTransaction<T>(fn: () => T): T {
  return storage.exit(fn);
}
