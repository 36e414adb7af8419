import { currentContext } from '../../../platform/context.js';
import type { Page, PageRequest } from '../../../platform/cursor.js';
import type { Executor, ServiceDatabase, Tx } from '../../../platform/db/service-database.js';
import { currentTransaction } from '../../../platform/db/tx-context.js';
import { PlatformErrors, PlatformMisuseError } from '../../../platform/errors.js';
import type { IdGenerator } from '../../../platform/ids.js';
import type { Logger } from '../../../platform/log.js';
import type { PaymentDB } from '../payment.db.js';
import {
  accountRefProblem,
  checkAccountKinds,
  LEDGER_ACCOUNT_KINDS,
  refKey,
  type AccountKinds,
  type AccountRef,
  type DefaultAccountKind,
} from './account-kinds.js';
import { createAccountResolver } from './account-resolver.js';
import { applyTransfers, isRetryable, StaleAccountError, type PendingTransfer } from './apply.js';
import { GroupCommitter, type BatchOptions, type BatcherStats } from './batcher.js';
import { createLedgerRepository } from './ledger.repository.js';
import type {
  LedgerAccount,
  LedgerEntry,
  Transfer,
  TransferLinks,
  TransferOptions,
  TransferResult,
  TransferSpec,
} from './ledger.types.js';
import { checkTransfer } from './transfer-spec.js';

export interface LedgerOptions<K extends string> {
  sdb: ServiceDatabase<PaymentDB>;
  ids: IdGenerator;
  /** The account kinds; the built-ins by default. */
  kinds?: AccountKinds<K>;
  batch?: BatchOptions;
  log?: Logger;
}

/**
 * The payment service's double-entry ledger. Money moves only by transfers: immutable, with a
 * unique business key, legs summing to zero, applied atomically, never taking an account that may
 * not go negative below zero.
 */
export interface Ledger<K extends string = DefaultAccountKind> {
  readonly kinds: AccountKinds<K>;
  /** The account of (kind, owner), made on first use (in a transaction of its own: not inside one). */
  account(kind: K, owner: string): Promise<LedgerAccount>;
  /**
   * Applies a transfer through the group commit; answers once it has committed. A known business
   * key answers the stored transfer (`replayed`) or, when it moved other money,
   * TransferConflictError. Refusals: InsufficientFundsError, InvalidTransferError (the request is
   * malformed), LEDGER_BUSY. Not inside a transaction: use `transferIn` there.
   */
  transfer(spec: TransferSpec<K>, options?: TransferOptions): Promise<TransferResult>;
  /**
   * Applies a transfer in the caller's open transaction, with the same rules and answers. A
   * refusal throws before anything is written, so the transaction remains usable.
   */
  transferIn(tx: Tx<PaymentDB>, spec: TransferSpec<K>): Promise<TransferResult>;
  /** The account's balance in fen (0 for an account never used). */
  balance(ref: AccountRef<K>, ex?: Executor<PaymentDB>): Promise<number>;
  getAccount(ref: AccountRef<K>, ex?: Executor<PaymentDB>): Promise<LedgerAccount | undefined>;
  /** An account's entries, newest first; the cursor is the previous page's `nextCursor`. */
  entries(ref: AccountRef<K>, page: PageRequest, ex?: Executor<PaymentDB>): Promise<Page<LedgerEntry>>;
  transferByKey(businessKey: string, ex?: Executor<PaymentDB>): Promise<Transfer | undefined>;
  transferById(id: string, ex?: Executor<PaymentDB>): Promise<Transfer | undefined>;
  /** The transfers linked to one order, payment or withdrawal (exactly one link), oldest first. */
  transfersOf(link: TransferLinks, ex?: Executor<PaymentDB>): Promise<Transfer[]>;
  stats(): BatcherStats;
  /** Refuses new transfers and waits for the queued ones. */
  close(): Promise<void>;
}

/** An account reference that names no account of the registry. A programming error (500). */
export class InvalidAccountError extends Error {
  override name = 'InvalidAccountError';
}

/** Most transfers `transfersOf` answers: one order has a handful. */
const MAX_LINKED = 1000;
const MAX_PAGE = 100;

export function createLedger<K extends string = DefaultAccountKind>(options: LedgerOptions<K>): Ledger<K> {
  const { sdb, ids } = options;
  const kinds = (options.kinds ?? LEDGER_ACCOUNT_KINDS) as AccountKinds<K>;
  checkAccountKinds(kinds);
  const repo = createLedgerRepository(sdb.dialect);
  const root = sdb.db;
  const accounts = createAccountResolver({ repo, kinds, ids });
  const checkRef = (ref: AccountRef): void => {
    const problem = accountRefProblem(kinds, ref);
    if (problem) throw new InvalidAccountError(problem);
  };
  const forget = (error: unknown): void => {
    if (error instanceof StaleAccountError) accounts.forget(error.accountIds);
  };

  const applyDeps = { repo, ids };
  const refsOf = (items: readonly PendingTransfer[]): AccountRef[] =>
    items.flatMap((p) => p.spec.legs.map((l) => l.ref));
  const committer = new GroupCommitter<PendingTransfer, TransferResult>(
    async (items) => {
      // Known accounts are looked up before the transaction; new ones are made in it.
      const known = await accounts.lookup(root, refsOf(items));
      try {
        return await sdb.transaction(async (tx) =>
          applyTransfers(applyDeps, tx, items, await accounts.make(tx, known)),
        );
      } catch (e) {
        forget(e);
        throw e;
      }
    },
    isRetryable,
    { concurrency: sdb.dialect === 'mysql' ? 2 : 1, ...options.batch },
    options.log,
  );

  return {
    kinds,
    async account(kind, owner) {
      const ref = { kind, owner };
      checkRef(ref);
      const key = refKey(ref);
      const resolve = async () => {
        const known = await accounts.lookup(root, [ref]);
        const resolved =
          known.missing.length > 0 ? await sdb.transaction((tx) => accounts.make(tx, known)) : known.ids;
        return repo.findAccountById(root, resolved.get(key)!);
      };
      const account = await resolve();
      if (account) return account;
      accounts.forgetRef(ref); // a cached id the database does not have (see StaleAccountError)
      return (await resolve())!;
    },

    async transfer(spec, transferOptions) {
      if (currentTransaction()) {
        throw new PlatformMisuseError(
          'ledger.transfer() was called inside a transaction: it waits for a batch transaction of its ' +
            'own (on SQLite forever). Use ledger.transferIn(tx, spec), or an onApplied callback.',
        );
      }
      const checked = checkTransfer(kinds, spec);
      return committer.submit({
        spec: checked,
        onApplied: transferOptions?.onApplied,
        context: currentContext(),
      });
    },

    async transferIn(tx, spec) {
      const checked = checkTransfer(kinds, spec);
      const pending: PendingTransfer = { spec: checked };
      const apply = async () =>
        (
          await applyTransfers(
            applyDeps,
            tx,
            [pending],
            await accounts.make(tx, await accounts.lookup(tx.db, refsOf([pending]), tx)),
          )
        )[0]!;
      let outcome;
      try {
        outcome = await apply();
      } catch (e) {
        if (!(e instanceof StaleAccountError)) throw e;
        // No transfer was written yet: resolve the accounts afresh and apply once more.
        forget(e);
        outcome = await apply();
      }
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    },

    async balance(ref, ex = root) {
      checkRef(ref);
      return (await repo.findAccount(ex, ref))?.balanceFen ?? 0;
    },

    async getAccount(ref, ex = root) {
      checkRef(ref);
      return repo.findAccount(ex, ref);
    },

    async entries(ref, page, ex = root) {
      checkRef(ref);
      if (!Number.isSafeInteger(page.limit) || page.limit < 1 || page.limit > MAX_PAGE) {
        throw new RangeError(`a page holds 1 to ${MAX_PAGE} entries`);
      }
      let before: number | undefined;
      if (page.cursor !== undefined) {
        if (!/^[1-9][0-9]{0,14}$/.test(page.cursor)) throw PlatformErrors.INVALID_CURSOR();
        before = Number(page.cursor);
      }
      const account = await repo.findAccount(ex, ref);
      if (!account) return { items: [], nextCursor: null };
      const items = await repo.entries(ex, account.id, before, page.limit);
      const last = items.at(-1);
      // An account's seqs run 1…n without gaps: entries remain below the last one unless it is 1.
      const more = items.length === page.limit && last !== undefined && last.seq > 1;
      return { items, nextCursor: more ? String(last.seq) : null };
    },

    transferByKey: async (businessKey, ex = root) => (await repo.findTransfersByKeys(ex, [businessKey]))[0],
    transferById: (id, ex = root) => repo.findTransferById(ex, id),

    async transfersOf(link, ex = root) {
      const given = [link.orderId, link.paymentId, link.withdrawalId].filter((v) => v !== undefined);
      if (given.length !== 1)
        throw new RangeError('transfersOf takes exactly one of orderId, paymentId, withdrawalId');
      return repo.findTransfersByLink(ex, link, MAX_LINKED);
    },

    stats: () => committer.stats(),
    close: () => committer.close(),
  };
}
