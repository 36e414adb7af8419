import { sql } from 'kysely';
import { runWithContext, type RequestContext } from '../../../platform/context.js';
import { isUniqueViolation } from '../../../platform/db/helpers.js';
import type { Tx } from '../../../platform/db/service-database.js';
import type { IdGenerator } from '../../../platform/ids.js';
import type { PaymentDB } from '../payment.db.js';
import { InsufficientFundsError, LedgerErrors, TransferConflictError } from './ledger.errors.js';
import type { LedgerRepository, LegInsert, LockedAccount, TransferInsert } from './ledger.repository.js';
import type { OnApplied, Transfer, TransferLeg, TransferResult } from './ledger.types.js';
import { sameTransfer, type CheckedTransfer } from './transfer-spec.js';

/** A checked request waiting to be applied, with what runs in its transaction. */
export interface PendingTransfer {
  readonly spec: CheckedTransfer;
  readonly onApplied?: OnApplied | undefined;
  /** The caller's request context: its callback runs in it (trace ids of logs and events). */
  readonly context?: RequestContext | undefined;
}

/** How one request of a batch ended. */
export type Outcome = { ok: true; value: TransferResult } | { ok: false; error: unknown };

/**
 * An account id (from the cache of resolved accounts) that the database does not have; the caller
 * forgets its cached ids and tries again. Thrown before anything is written.
 */
export class StaleAccountError extends Error {
  override name = 'StaleAccountError';
  constructor(readonly accountIds: readonly string[]) {
    super(`ledger accounts not found: ${accountIds.join(', ')}`);
  }
}

/**
 * The balance update of a batch did not match every account it decided on: something changed the
 * accounts outside the locks. The transaction must roll back (the batcher then runs it again).
 */
export class LedgerRaceError extends Error {
  override name = 'LedgerRaceError';
}

/** An account during a batch: as decided so far, and as written to the database so far. */
interface AccountState extends LockedAccount {
  writtenBalance: number;
  writtenSeq: number;
}

const SAVEPOINT = 'ledger_transfer';

/**
 * Applies a batch of transfers in the open transaction, each on its own:
 * 1. locks every account the batch touches, in ascending id order (MySQL: SELECT … FOR UPDATE);
 * 2. finds the business keys already used (a repeat is answered with the stored transfer);
 * 3. decides each request in order on the locked balances held in memory — a refused request
 *    (insufficient funds, a conflicting repeat) leaves those balances as they were, so it cannot
 *    affect the others;
 * 4. writes the accepted transfers and legs, and moves each touched account's balance once by a
 *    conditional update, which must match every account (LedgerRaceError otherwise).
 * A request with an `onApplied` callback is written at its turn inside a savepoint, and the
 * callback runs there; if it throws, the savepoint is rolled back and the request alone fails.
 * Nothing is written for a refused request, so `transferIn` leaves the caller's transaction usable.
 */
export async function applyTransfers(
  deps: { repo: LedgerRepository; ids: IdGenerator },
  tx: Tx<PaymentDB>,
  batch: readonly PendingTransfer[],
  accountIds: ReadonlyMap<string, string>,
): Promise<Outcome[]> {
  const { repo } = deps;
  const idOf = (key: string): string => {
    const id = accountIds.get(key);
    if (id === undefined) throw new Error(`ledger account ${key.replace('\u0000', ':')} was not resolved`);
    return id;
  };
  const wanted = [...new Set(batch.flatMap((p) => p.spec.legs.map((l) => idOf(l.key))))].sort();
  const state = new Map<string, AccountState>();
  for (const a of await repo.lockAccounts(tx.db, wanted)) {
    state.set(a.id, { ...a, writtenBalance: a.balance, writtenSeq: a.seq });
  }
  if (state.size !== wanted.length) throw new StaleAccountError(wanted.filter((id) => !state.has(id)));

  const known = new Map<string, Transfer>();
  for (const t of await repo.findTransfersByKeys(tx.db, [...new Set(batch.map((p) => p.spec.businessKey))])) {
    known.set(t.businessKey, t);
  }

  let transferRows: TransferInsert[] = [];
  let legRows: LegInsert[] = [];
  const flush = async (): Promise<void> => {
    if (transferRows.length === 0) return;
    await repo.insertTransfers(tx.db, transferRows);
    await repo.insertLegs(tx.db, legRows);
    const changed = [...state.values()].filter((a) => a.seq !== a.writtenSeq);
    const matched = await repo.applyBalances(
      tx.db,
      changed.map((a) => ({
        id: a.id,
        delta: a.balance - a.writtenBalance,
        legs: a.seq - a.writtenSeq,
        seqBefore: a.writtenSeq,
      })),
      tx.now,
    );
    if (matched !== changed.length) {
      throw new LedgerRaceError(`ledger balance update matched ${matched} of ${changed.length} accounts`);
    }
    for (const a of changed) {
      a.writtenBalance = a.balance;
      a.writtenSeq = a.seq;
    }
    transferRows = [];
    legRows = [];
  };

  /** Decides a new transfer on the balances in memory; on success moves them and queues its rows. */
  const decide = (spec: CheckedTransfer): Transfer | Error => {
    const accounts = spec.legs.map((l) => state.get(idOf(l.key))!);
    for (const [i, leg] of spec.legs.entries()) {
      const a = accounts[i]!;
      const next = a.balance + leg.amountFen;
      if (next < 0 && !a.mayGoNegative) {
        return new InsufficientFundsError(a.id, a.kind, a.owner, a.balance, -leg.amountFen);
      }
      if (!Number.isSafeInteger(next))
        return LedgerErrors.LEDGER_BALANCE_LIMIT({}, { data: { accountId: a.id } });
    }
    const id = deps.ids();
    const legs: TransferLeg[] = spec.legs.map((leg, i) => {
      const a = accounts[i]!;
      a.balance += leg.amountFen;
      a.seq += 1;
      legRows.push({
        account_id: a.id,
        seq: a.seq,
        transfer_id: id,
        position: i,
        amount: leg.amountFen,
        balance_after: a.balance,
      });
      return {
        accountId: a.id,
        kind: a.kind,
        owner: a.owner,
        amountFen: leg.amountFen,
        seq: a.seq,
        balanceAfterFen: a.balance,
      };
    });
    const transfer: Transfer = {
      id,
      businessKey: spec.businessKey,
      kind: spec.kind,
      description: spec.description,
      orderId: spec.orderId,
      paymentId: spec.paymentId,
      withdrawalId: spec.withdrawalId,
      createdAt: tx.now,
      legs,
    };
    transferRows.push({
      id,
      business_key: spec.businessKey,
      kind: spec.kind,
      description: spec.description,
      order_id: spec.orderId,
      payment_id: spec.paymentId,
      withdrawal_id: spec.withdrawalId,
      created_at: tx.now,
    });
    return transfer;
  };

  const outcomes: Outcome[] = [];
  for (const p of batch) {
    const prior = known.get(p.spec.businessKey);
    if (prior) {
      outcomes.push(
        sameTransfer(p.spec, prior)
          ? { ok: true, value: { transfer: prior, replayed: true } }
          : { ok: false, error: new TransferConflictError(p.spec.businessKey, prior) },
      );
      continue;
    }
    // A callback sees the ledger as of its transfer: everything decided before it is written first.
    if (p.onApplied) await flush();
    const decided = decide(p.spec);
    if (decided instanceof Error) {
      outcomes.push({ ok: false, error: decided });
      continue;
    }
    if (p.onApplied) {
      const failed = await writeWithCallback(tx, flush, decided, p.onApplied, p.context);
      if (failed) {
        // The savepoint undid its rows and the callback's; put the balances back as they were.
        for (const leg of decided.legs) {
          const a = state.get(leg.accountId)!;
          a.balance = a.writtenBalance = leg.balanceAfterFen - leg.amountFen;
          a.seq = a.writtenSeq = leg.seq - 1;
        }
        outcomes.push({ ok: false, error: failed.error });
        continue;
      }
    }
    known.set(decided.businessKey, decided);
    outcomes.push({ ok: true, value: { transfer: decided, replayed: false } });
  }
  await flush();
  return outcomes;
}

/**
 * Writes one decided transfer and runs its callback inside a savepoint. Answers the callback's
 * error after rolling the savepoint back, or undefined when both succeeded. Hooks the callback
 * registers (afterCommit, beforeCommit) join the transaction only if it succeeded.
 */
async function writeWithCallback(
  tx: Tx<PaymentDB>,
  flush: () => Promise<void>,
  transfer: Transfer,
  onApplied: OnApplied,
  context: RequestContext | undefined,
): Promise<{ error: unknown } | undefined> {
  await sql.raw(`savepoint ${SAVEPOINT}`).execute(tx.db);
  await flush();
  const after: (() => void | Promise<void>)[] = [];
  const before: (() => void | Promise<void>)[] = [];
  const scoped: Tx<PaymentDB> = {
    db: tx.db,
    now: tx.now,
    publish: (event) => tx.publish(event),
    publishAll: (events) => tx.publishAll(events),
    afterCommit: (fn) => void after.push(fn),
    beforeCommit: (fn) => void before.push(fn),
  };
  try {
    await (context
      ? runWithContext(context, () => onApplied(scoped, transfer))
      : onApplied(scoped, transfer));
  } catch (error) {
    // A deadlock has already rolled the whole transaction back on MySQL: the batch runs again.
    if (abortsTransaction(error)) throw error;
    await sql.raw(`rollback to savepoint ${SAVEPOINT}`).execute(tx.db);
    await sql.raw(`release savepoint ${SAVEPOINT}`).execute(tx.db);
    return { error };
  }
  await sql.raw(`release savepoint ${SAVEPOINT}`).execute(tx.db);
  for (const fn of after) tx.afterCommit(fn);
  for (const fn of before) tx.beforeCommit(fn);
  return undefined;
}

/** MySQL's deadlock error: InnoDB has rolled back the whole transaction, savepoints included. */
export function abortsTransaction(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === 1213;
}

/**
 * Errors after which the same batch may well succeed in a new transaction: a deadlock or lock wait
 * (MySQL), a duplicate key (another writer used a business key in the meantime: the new attempt
 * finds it), a busy database, or an account change outside the locks.
 */
export function isRetryable(error: unknown): boolean {
  if (error instanceof LedgerRaceError || error instanceof StaleAccountError) return true;
  const e = error as { errno?: number; code?: string } | null;
  if (!e) return false;
  if (e.errno === 1213 || e.errno === 1205 || isUniqueViolation(e)) return true;
  return typeof e.code === 'string' && e.code.startsWith('SQLITE_BUSY');
}
