import { CompiledQuery, sql, type Compilable, type Insertable, type Selectable } from 'kysely';
import { format } from 'mysql2';
import type { Dialect } from '../../../platform/db/connect.js';
import type { Executor } from '../../../platform/db/service-database.js';
import { toSafeInt } from '../../../platform/money.js';
import type { PaymentDB } from '../payment.db.js';
import type { AccountRef } from './account-kinds.js';
import type { LedgerAccount, LedgerEntry, Transfer, TransferLeg, TransferLinks } from './ledger.types.js';

type Ex = Executor<PaymentDB>;
type AccountRow = Selectable<PaymentDB['payment_ledger_accounts']>;
type TransferRow = Selectable<PaymentDB['payment_ledger_transfers']>;
export type TransferInsert = Insertable<PaymentDB['payment_ledger_transfers']>;
export type LegInsert = Insertable<PaymentDB['payment_ledger_legs']>;

/** An account as the apply step reads it under lock. */
export interface LockedAccount {
  id: string;
  kind: string;
  owner: string;
  mayGoNegative: boolean;
  balance: number;
  seq: number;
}

/** What one batch does to one account: its balance moves by delta and it gains `legs` legs. */
export interface BalanceChange {
  id: string;
  delta: number;
  legs: number;
  /** The account's seq when it was read under lock: the update checks nothing moved since. */
  seqBefore: number;
}

/** Rows or values per statement: far below SQLite's 32,766 bound parameters and MySQL's 65,535. */
const CHUNK = 512;

/*
 * Batches vary in size, and each size would be a statement text of its own: on MySQL a server-side
 * prepared statement per text and connection (the server caps them all at max_prepared_stmt_count).
 * So statements come in power-of-two sizes only: IN lists are padded by repeating their last value,
 * and rows to insert are split into power-of-two pieces.
 */

/** Values for IN lists: pieces of at most `size`, each padded to a power of two. */
function inLists<T>(values: readonly T[], size = CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < values.length; i += size) {
    const part = values.slice(i, i + size);
    const padded = 2 ** Math.ceil(Math.log2(part.length));
    while (part.length < padded) part.push(part.at(-1)!);
    out.push(part);
  }
  return out;
}

/**
 * Rows to insert, in pieces whose sizes are powers of two (at most CHUNK), largest first. On MySQL
 * a batch's rows go in one statement per CHUNK instead, sent as text with the values escaped by
 * mysql2 (as its `query` does): one round trip, and no prepared statement per size.
 */
function pieces<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length;) {
    let size = CHUNK;
    while (size > rows.length - i) size /= 2;
    out.push(rows.slice(i, i + size));
    i += size;
  }
  return out;
}

/** The only code that touches the ledger's tables. Every method takes the executor to run on. */
export function createLedgerRepository(dialect: Dialect) {
  const mysql = dialect === 'mysql';
  /*
   * The accounts table, read by primary key only. On a small table MariaDB may answer a long
   * `id IN (…)` with a scan of the whole primary key, and an UPDATE or FOR UPDATE doing so locks
   * every row it passes, out of the batch's order: other batches' accounts, hence deadlocks.
   */
  const accountsByPrimaryKey = mysql
    ? sql`payment_ledger_accounts force index (primary)`
    : sql`payment_ledger_accounts`;
  async function insertRows<R>(ex: Ex, rows: readonly R[], build: (part: R[]) => Compilable): Promise<void> {
    if (!mysql) {
      for (const part of pieces(rows)) await ex.executeQuery(build(part).compile());
      return;
    }
    for (let i = 0; i < rows.length; i += CHUNK) {
      const query = build(rows.slice(i, i + CHUNK)).compile();
      await ex.executeQuery(
        CompiledQuery.raw(format(query.sql, query.parameters as Parameters<typeof format>[1])),
      );
    }
  }
  const legColumns = [
    'l.transfer_id',
    'l.account_id',
    'l.seq',
    'l.position',
    'l.amount',
    'l.balance_after',
    'a.kind',
    'a.owner',
  ] as const;

  const repo = {
    /**
     * Accounts by (kind, owner). With `lock` (MySQL) a locking read: it sees rows committed after the
     * transaction's snapshot, such as an account another process just made.
     */
    async findAccounts(ex: Ex, refs: readonly AccountRef[], lock = false): Promise<AccountRow[]> {
      const byKind = new Map<string, string[]>();
      for (const r of refs) {
        const owners = byKind.get(r.kind);
        if (owners) owners.push(r.owner);
        else byKind.set(r.kind, [r.owner]);
      }
      const rows: AccountRow[] = [];
      for (const [kind, owners] of byKind) {
        for (const part of inLists(owners)) {
          rows.push(
            ...(await ex
              .selectFrom('payment_ledger_accounts')
              .selectAll()
              .where('kind', '=', kind)
              .where('owner', 'in', part)
              .$if(lock && mysql, (q) => q.forUpdate())
              .execute()),
          );
        }
      }
      return rows;
    },

    /** Inserts accounts unless their (kind, owner) exists; only the duplicate key is ignored. */
    async insertAccounts(ex: Ex, rows: Insertable<PaymentDB['payment_ledger_accounts']>[]): Promise<void> {
      await insertRows(ex, rows, (part) =>
        ex
          .insertInto('payment_ledger_accounts')
          .values(part)
          .$if(!mysql, (q) => q.onConflict((oc) => oc.columns(['kind', 'owner']).doNothing()))
          .$if(mysql, (q) => q.onDuplicateKeyUpdate({ id: sql<string>`id` })),
      );
    },

    /**
     * Reads accounts by id and, on MySQL, locks them until the transaction ends. The ids are asked
     * for in ascending order, so every writer (in any process) locks accounts in one order and no
     * two can wait for each other. SQLite has one writer at a time.
     */
    async lockAccounts(ex: Ex, sortedIds: readonly string[]): Promise<LockedAccount[]> {
      const out: LockedAccount[] = [];
      for (const part of inLists(sortedIds)) {
        const { rows } = await sql<
          Pick<AccountRow, 'id' | 'kind' | 'owner' | 'may_go_negative' | 'balance' | 'seq'>
        >`select id, kind, owner, may_go_negative, balance, seq from ${accountsByPrimaryKey}
          where id in (${sql.join(part)}) order by id${mysql ? sql` for update` : sql``}`.execute(ex);
        for (const r of rows) {
          out.push({
            id: r.id,
            kind: r.kind,
            owner: r.owner,
            mayGoNegative: toSafeInt(r.may_go_negative) === 1,
            balance: toSafeInt(r.balance),
            seq: toSafeInt(r.seq),
          });
        }
      }
      return out;
    },

    /** Transfers by business key, with their legs. A plain read: it takes no locks. */
    async findTransfersByKeys(ex: Ex, keys: readonly string[]): Promise<Transfer[]> {
      const rows: TransferRow[] = [];
      for (const part of inLists(keys)) {
        rows.push(
          ...(await ex
            .selectFrom('payment_ledger_transfers')
            .selectAll()
            .where('business_key', 'in', part)
            .execute()),
        );
      }
      return repo.withLegs(ex, rows);
    },

    async findTransferById(ex: Ex, id: string): Promise<Transfer | undefined> {
      const row = await ex
        .selectFrom('payment_ledger_transfers')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? (await repo.withLegs(ex, [row]))[0] : undefined;
    },

    /** The transfers of an order, a payment or a withdrawal, oldest first (one link per call). */
    async findTransfersByLink(ex: Ex, link: TransferLinks, limit: number): Promise<Transfer[]> {
      const [column, value] =
        link.orderId !== undefined
          ? (['order_id', link.orderId] as const)
          : link.paymentId !== undefined
            ? (['payment_id', link.paymentId] as const)
            : (['withdrawal_id', link.withdrawalId ?? ''] as const);
      const rows = await ex
        .selectFrom('payment_ledger_transfers')
        .selectAll()
        .where(column, '=', value)
        .orderBy('id')
        .limit(limit)
        .execute();
      return repo.withLegs(ex, rows);
    },

    async withLegs(ex: Ex, rows: readonly TransferRow[]): Promise<Transfer[]> {
      if (rows.length === 0) return [];
      const legs = new Map<string, TransferLeg[]>();
      for (const part of inLists(rows.map((r) => r.id))) {
        const legRows = await ex
          .selectFrom('payment_ledger_legs as l')
          .innerJoin('payment_ledger_accounts as a', 'a.id', 'l.account_id')
          .select(legColumns)
          .where('l.transfer_id', 'in', part)
          .orderBy('l.transfer_id')
          .orderBy('l.position')
          .execute();
        for (const l of legRows) {
          const list = legs.get(l.transfer_id) ?? [];
          list.push({
            accountId: l.account_id,
            kind: l.kind,
            owner: l.owner,
            amountFen: toSafeInt(l.amount),
            seq: toSafeInt(l.seq),
            balanceAfterFen: toSafeInt(l.balance_after),
          });
          legs.set(l.transfer_id, list);
        }
      }
      return rows.map((r) => ({
        id: r.id,
        businessKey: r.business_key,
        kind: r.kind,
        description: r.description,
        orderId: r.order_id,
        paymentId: r.payment_id,
        withdrawalId: r.withdrawal_id,
        createdAt: toSafeInt(r.created_at),
        legs: legs.get(r.id) ?? [],
      }));
    },

    async insertTransfers(ex: Ex, rows: readonly TransferInsert[]): Promise<void> {
      await insertRows(ex, rows, (part) => ex.insertInto('payment_ledger_transfers').values(part));
    },

    async insertLegs(ex: Ex, rows: readonly LegInsert[]): Promise<void> {
      await insertRows(ex, rows, (part) => ex.insertInto('payment_ledger_legs').values(part));
    },

    /**
     * Moves the balances of a batch, one statement per chunk of accounts. Each row updates only if
     * its seq is still the one read under lock and the new balance is allowed
     * (`balance + delta >= 0 or may_go_negative`): the decision was taken on locked rows, and this
     * is the database's own check of it. Returns how many accounts matched; fewer than asked means
     * the decision is void and the transaction must not commit.
     */
    async applyBalances(ex: Ex, changes: readonly BalanceChange[], now: number): Promise<number> {
      let matched = 0;
      // Each piece is padded: a repeated WHEN never wins and a repeated id matches its row once.
      for (const part of inLists(changes, 256)) {
        const when = (value: (c: BalanceChange) => number) =>
          sql<number>`case id ${sql.join(
            part.map((c) => sql`when ${c.id} then ${value(c)}`),
            sql` `,
          )} end`;
        const delta = when((c) => c.delta);
        const result = await sql`update ${accountsByPrimaryKey}
          set balance = balance + ${delta}, seq = seq + ${when((c) => c.legs)}, updated_at = ${now}
          where id in (${sql.join(part.map((c) => c.id))}) and seq = ${when((c) => c.seqBefore)}
            and (balance + ${delta} >= 0 or may_go_negative = 1)`.execute(ex);
        matched += Number(result.numAffectedRows ?? 0n);
      }
      return matched;
    },

    async findAccount(ex: Ex, ref: AccountRef): Promise<LedgerAccount | undefined> {
      const row = await ex
        .selectFrom('payment_ledger_accounts')
        .selectAll()
        .where('kind', '=', ref.kind)
        .where('owner', '=', ref.owner)
        .executeTakeFirst();
      return row ? toAccount(row) : undefined;
    },

    async findAccountById(ex: Ex, id: string): Promise<LedgerAccount | undefined> {
      const row = await ex
        .selectFrom('payment_ledger_accounts')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toAccount(row) : undefined;
    },

    /** An account's legs with their transfers, newest first, those before `beforeSeq` when given. */
    async entries(
      ex: Ex,
      accountId: string,
      beforeSeq: number | undefined,
      limit: number,
    ): Promise<LedgerEntry[]> {
      const rows = await ex
        .selectFrom('payment_ledger_legs as l')
        .innerJoin('payment_ledger_transfers as t', 't.id', 'l.transfer_id')
        .select([
          'l.seq',
          'l.amount',
          'l.balance_after',
          't.id',
          't.business_key',
          't.kind',
          't.description',
          't.order_id',
          't.payment_id',
          't.withdrawal_id',
          't.created_at',
        ])
        .where('l.account_id', '=', accountId)
        .$if(beforeSeq !== undefined, (q) => q.where('l.seq', '<', beforeSeq!))
        .orderBy('l.seq', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        seq: toSafeInt(r.seq),
        amountFen: toSafeInt(r.amount),
        balanceAfterFen: toSafeInt(r.balance_after),
        transferId: r.id,
        businessKey: r.business_key,
        transferKind: r.kind,
        description: r.description,
        orderId: r.order_id,
        paymentId: r.payment_id,
        withdrawalId: r.withdrawal_id,
        createdAt: toSafeInt(r.created_at),
      }));
    },
  };
  return repo;
}

export type LedgerRepository = ReturnType<typeof createLedgerRepository>;

function toAccount(row: AccountRow): LedgerAccount {
  return {
    id: row.id,
    kind: row.kind,
    owner: row.owner,
    mayGoNegative: toSafeInt(row.may_go_negative) === 1,
    balanceFen: toSafeInt(row.balance),
    entryCount: toSafeInt(row.seq),
    createdAt: toSafeInt(row.created_at),
  };
}
