import type { Executor, Tx } from '../../../platform/db/service-database.js';
import type { IdGenerator } from '../../../platform/ids.js';
import type { PaymentDB } from '../payment.db.js';
import { refKey, type AccountKinds, type AccountRef } from './account-kinds.js';
import type { LedgerRepository } from './ledger.repository.js';

/** Resolved account ids kept in memory; accounts are never deleted, so an entry stays true. */
const CACHE_SIZE = 100_000;

/** Account ids by reference (`refKey`), and the references still to be made. */
export interface Resolution {
  ids: Map<string, string>;
  missing: AccountRef[];
}

/**
 * Turns account references into ids: from memory, else by reading, else by making the account.
 * Looking up and making are separate steps so that the batch can look up before its transaction
 * (a plain read inside it would fix a MySQL transaction's snapshot too early) and make the missing
 * accounts inside it, in the batch's own commit.
 */
export function createAccountResolver(deps: {
  repo: LedgerRepository;
  kinds: AccountKinds<string>;
  ids: IdGenerator;
}) {
  const { repo, kinds, ids } = deps;
  const cache = new Map<string, string>();
  const remember = (key: string, id: string): void => {
    if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
    cache.set(key, id);
  };

  return {
    /**
     * Finds the accounts that exist, from memory or by one read per kind. Ids read outside a
     * transaction are committed and remembered at once; those read in `tx` once it commits.
     */
    async lookup(
      ex: Executor<PaymentDB>,
      refs: readonly AccountRef[],
      tx?: Tx<PaymentDB>,
    ): Promise<Resolution> {
      const found = new Map<string, string>();
      const unknown = new Map<string, AccountRef>();
      for (const ref of refs) {
        const key = refKey(ref);
        const id = cache.get(key);
        if (id !== undefined) found.set(key, id);
        else unknown.set(key, ref);
      }
      if (unknown.size > 0) {
        for (const row of await repo.findAccounts(ex, [...unknown.values()])) {
          const key = refKey(row);
          found.set(key, row.id);
          unknown.delete(key);
          if (tx) tx.afterCommit(() => remember(key, row.id));
          else remember(key, row.id);
        }
      }
      return { ids: found, missing: [...unknown.values()] };
    },

    /**
     * Makes the missing accounts in the transaction (a duplicate made meanwhile by another writer is
     * taken as it is) and adds their ids; remembered once the transaction commits. They are made in
     * key order, so two writers making the same accounts lock them in one order. The ids are read
     * back with a locking read, which on MySQL sees a duplicate committed after the transaction's
     * snapshot and, unlike a plain read at the start of a batch, leaves the snapshot to be taken
     * after the batch's locks (when a repeat of the same transfer has committed). Two batches making
     * several of the same accounts at once can still deadlock here; the batch then runs again.
     */
    async make(tx: Tx<PaymentDB>, resolution: Resolution): Promise<Map<string, string>> {
      if (resolution.missing.length === 0) return resolution.ids;
      const refs = [...resolution.missing].sort((a, b) => (refKey(a) < refKey(b) ? -1 : 1));
      await repo.insertAccounts(
        tx.db,
        refs.map((ref) => ({
          id: ids(),
          kind: ref.kind,
          owner: ref.owner,
          may_go_negative: kinds[ref.kind]!.mayGoNegative ? 1 : 0,
          balance: 0,
          seq: 0,
          created_at: tx.now,
          updated_at: tx.now,
        })),
      );
      const out = new Map(resolution.ids);
      for (const row of await repo.findAccounts(tx.db, refs, true)) {
        const key = refKey(row);
        out.set(key, row.id);
        tx.afterCommit(() => remember(key, row.id));
      }
      const lost = refs.filter((r) => !out.has(refKey(r)));
      if (lost.length > 0)
        throw new Error(`ledger accounts could not be made: ${lost.map(refKey).join(', ')}`);
      return out;
    },

    /** Forgets cached ids the database does not have (see StaleAccountError). */
    forget(accountIds: readonly string[]): void {
      for (const [key, id] of cache) if (accountIds.includes(id)) cache.delete(key);
    },

    forgetRef(ref: AccountRef): void {
      cache.delete(refKey(ref));
    },
  };
}

export type AccountResolver = ReturnType<typeof createAccountResolver>;
