import type { ServiceDatabase, Tx } from '../../../platform/db/service-database.js';
import { MAX_FEN, toSafeInt } from '../../../platform/money.js';
import type { PaymentDB } from '../payment.db.js';

interface AccountNamed {
  accountId: string;
  kind: string;
  owner: string;
}

/** Something `checkLedger` found wrong. `message` is a sentence for the command line. */
export type LedgerProblem = { message: string } & (
  | { code: 'TRANSFER_UNBALANCED'; transferId: string; businessKey: string; sumFen: number }
  | { code: 'TRANSFER_TOO_FEW_LEGS'; transferId: string; businessKey: string; legCount: number }
  | { code: 'LEG_AMOUNT_INVALID'; transferId: string; businessKey: string; invalidLegs: number }
  | {
      code: 'LEG_ORPHANED';
      accountId: string;
      seq: number;
      transferId: string;
      missing: 'transfer' | 'account';
    }
  | ({ code: 'BALANCE_MISMATCH'; balanceFen: number; legsSumFen: number } & AccountNamed)
  | ({
      code: 'HISTORY_MISMATCH';
      seq: number;
      legCount: number;
      firstSeq: number;
      lastSeq: number;
    } & AccountNamed)
  | ({
      code: 'RUNNING_BALANCE_MISMATCH';
      seq: number;
      balanceAfterFen: number;
      expectedFen: number;
    } & AccountNamed)
  | ({ code: 'NEGATIVE_BALANCE'; balanceFen: number } & AccountNamed)
  | { code: 'ESCROW_NOT_ZERO'; orderId: string; accountId: string; balanceFen: number }
);

export interface CheckLedgerOptions {
  /**
   * Orders that are final (completed, cancelled, settled by a dispute), as the order service knows
   * them: their escrow accounts must be zero. A list, or an async generator paging through them.
   */
  finalOrderIds?: Iterable<string> | AsyncIterable<string>;
  /** Stop after this many problems. Default 1,000. */
  maxProblems?: number;
  /** The kind of the per-order escrow accounts. Default `escrow`. */
  escrowKind?: string;
}

/** Accounts or transfers read per transaction. */
const PAGE = 500;

/**
 * Verifies the ledger's invariants over the whole database and answers what is wrong (nothing when
 * the ledger is sound):
 * - every transfer has at least two legs, each a non-zero amount within MAX_FEN, summing to zero;
 * - every leg belongs to an existing transfer and account;
 * - every account's balance is the sum of its legs, its legs are numbered 1…n without gaps (n is the
 *   account's seq), and each leg's balance_after is the running sum up to it;
 * - no account that may not go negative is below zero;
 * - the escrow account of every final order is zero.
 * Accounts and transfers are read a page at a time, each page in one transaction, so that writes
 * going on meanwhile neither wait long nor show up half done. Sums go through `toSafeInt`.
 */
export async function checkLedger(
  sdb: ServiceDatabase<PaymentDB>,
  options: CheckLedgerOptions = {},
): Promise<LedgerProblem[]> {
  const problems: LedgerProblem[] = [];
  const max = options.maxProblems ?? 1000;
  const report = (p: LedgerProblem): void => {
    if (problems.length < max) problems.push(p);
  };
  const full = (): boolean => problems.length >= max;

  for (let after = ''; !full();) {
    const last = await sdb.transaction((tx) => checkAccountPage(tx, after, report));
    if (last === undefined) break;
    after = last;
  }
  for (let after = ''; !full();) {
    const last = await sdb.transaction((tx) => checkTransferPage(tx, after, report));
    if (last === undefined) break;
    after = last;
  }
  if (!full()) await checkOrphans(sdb, max - problems.length, report);
  if (!full() && options.finalOrderIds) {
    await checkEscrows(sdb, options.finalOrderIds, options.escrowKind ?? 'escrow', report, full);
  }
  return problems;
}

/** Checks a page of accounts; answers the last id, or undefined when there were none. */
async function checkAccountPage(
  tx: Tx<PaymentDB>,
  after: string,
  report: (p: LedgerProblem) => void,
): Promise<string | undefined> {
  const accounts = await tx.db
    .selectFrom('payment_ledger_accounts')
    .select(['id', 'kind', 'owner', 'balance', 'seq', 'may_go_negative'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(PAGE)
    .execute();
  if (accounts.length === 0) return undefined;
  const ids = accounts.map((a) => a.id);
  const sums = await tx.db
    .selectFrom('payment_ledger_legs')
    .select((eb) => [
      'account_id',
      eb.fn.sum<string | number>('amount').as('total'),
      eb.fn.countAll<string | number>().as('n'),
      eb.fn.min<string | number>('seq').as('first'),
      eb.fn.max<string | number>('seq').as('last'),
    ])
    .where('account_id', 'in', ids)
    .groupBy('account_id')
    .execute();
  const byAccount = new Map(sums.map((s) => [s.account_id, s]));
  // The first leg of each account whose balance_after is not the running sum of its legs.
  const drifted = await tx.db
    .selectFrom(
      tx.db
        .selectFrom('payment_ledger_legs')
        .select((eb) => [
          'account_id',
          'seq',
          'balance_after',
          eb.fn
            .sum<string | number>('amount')
            .over((ob) => ob.partitionBy('account_id').orderBy('seq'))
            .as('running'),
        ])
        .where('account_id', 'in', ids)
        .as('r'),
    )
    .select((eb) => ['r.account_id', eb.fn.min('r.seq').as('seq')])
    .whereRef('r.running', '<>', 'r.balance_after')
    .groupBy('r.account_id')
    .execute();
  const firstDrift = new Map(drifted.map((d) => [d.account_id, toSafeInt(d.seq)]));

  for (const a of accounts) {
    const named = { accountId: a.id, kind: a.kind, owner: a.owner };
    const what = `${a.kind} account ${a.id} of ${a.owner}`;
    const balance = toSafeInt(a.balance);
    const seq = toSafeInt(a.seq);
    const s = byAccount.get(a.id);
    const total = toSafeInt(s?.total ?? 0);
    const n = toSafeInt(s?.n ?? 0);
    const first = toSafeInt(s?.first ?? 0);
    const lastSeq = toSafeInt(s?.last ?? 0);
    if (balance !== total) {
      report({
        code: 'BALANCE_MISMATCH',
        ...named,
        balanceFen: balance,
        legsSumFen: total,
        message: `${what}: balance ${balance} fen, its legs sum to ${total}`,
      });
    }
    if (n !== seq || (n > 0 && (first !== 1 || lastSeq !== n))) {
      report({
        code: 'HISTORY_MISMATCH',
        ...named,
        seq,
        legCount: n,
        firstSeq: first,
        lastSeq,
        message: `${what}: seq ${seq}, but ${n} legs numbered ${first}…${lastSeq}`,
      });
    }
    if (balance < 0 && toSafeInt(a.may_go_negative) !== 1) {
      report({
        code: 'NEGATIVE_BALANCE',
        ...named,
        balanceFen: balance,
        message: `${what} may not go negative, and holds ${balance} fen`,
      });
    }
    const driftSeq = firstDrift.get(a.id);
    if (driftSeq !== undefined) {
      const stored = await tx.db
        .selectFrom('payment_ledger_legs')
        .select('balance_after')
        .where('account_id', '=', a.id)
        .where('seq', '=', driftSeq)
        .executeTakeFirstOrThrow();
      const expected = await runningSum(tx, a.id, driftSeq);
      report({
        code: 'RUNNING_BALANCE_MISMATCH',
        ...named,
        seq: driftSeq,
        balanceAfterFen: toSafeInt(stored.balance_after),
        expectedFen: expected,
        message: `${what}: leg ${driftSeq} says the balance became ${toSafeInt(stored.balance_after)} fen, its legs up to it sum to ${expected}`,
      });
    }
  }
  return ids.at(-1);
}

async function runningSum(tx: Tx<PaymentDB>, accountId: string, seq: number): Promise<number> {
  const row = await tx.db
    .selectFrom('payment_ledger_legs')
    .select((eb) => eb.fn.sum<string | number>('amount').as('total'))
    .where('account_id', '=', accountId)
    .where('seq', '<=', seq)
    .executeTakeFirst();
  return toSafeInt(row?.total ?? 0);
}

/** Checks a page of transfers; answers the last id, or undefined when there were none. */
async function checkTransferPage(
  tx: Tx<PaymentDB>,
  after: string,
  report: (p: LedgerProblem) => void,
): Promise<string | undefined> {
  const transfers = await tx.db
    .selectFrom('payment_ledger_transfers')
    .select(['id', 'business_key'])
    .where('id', '>', after)
    .orderBy('id')
    .limit(PAGE)
    .execute();
  if (transfers.length === 0) return undefined;
  const sums = await tx.db
    .selectFrom('payment_ledger_legs')
    .select((eb) => [
      'transfer_id',
      eb.fn.sum<string | number>('amount').as('total'),
      eb.fn.countAll<string | number>().as('n'),
      eb.fn
        .sum<string | number>(
          eb
            .case()
            .when(eb.or([eb('amount', '=', 0), eb('amount', '>', MAX_FEN), eb('amount', '<', -MAX_FEN)]))
            .then(1)
            .else(0)
            .end(),
        )
        .as('invalid'),
    ])
    .where(
      'transfer_id',
      'in',
      transfers.map((t) => t.id),
    )
    .groupBy('transfer_id')
    .execute();
  const byTransfer = new Map(sums.map((s) => [s.transfer_id, s]));
  for (const t of transfers) {
    const named = { transferId: t.id, businessKey: t.business_key };
    const s = byTransfer.get(t.id);
    const total = toSafeInt(s?.total ?? 0);
    const n = toSafeInt(s?.n ?? 0);
    const invalid = toSafeInt(s?.invalid ?? 0);
    if (total !== 0) {
      report({
        code: 'TRANSFER_UNBALANCED',
        ...named,
        sumFen: total,
        message: `transfer ${t.id} (${t.business_key}): its legs sum to ${total} fen, not zero`,
      });
    }
    if (n < 2) {
      report({
        code: 'TRANSFER_TOO_FEW_LEGS',
        ...named,
        legCount: n,
        message: `transfer ${t.id} (${t.business_key}) has ${n} legs`,
      });
    }
    if (invalid > 0) {
      report({
        code: 'LEG_AMOUNT_INVALID',
        ...named,
        invalidLegs: invalid,
        message: `transfer ${t.id} (${t.business_key}) has ${invalid} legs of zero or beyond ±${MAX_FEN} fen`,
      });
    }
  }
  return transfers.at(-1)!.id;
}

/** Legs whose transfer or account does not exist. */
async function checkOrphans(
  sdb: ServiceDatabase<PaymentDB>,
  limit: number,
  report: (p: LedgerProblem) => void,
): Promise<void> {
  const rows = await sdb.db
    .selectFrom('payment_ledger_legs as l')
    .leftJoin('payment_ledger_transfers as t', 't.id', 'l.transfer_id')
    .leftJoin('payment_ledger_accounts as a', 'a.id', 'l.account_id')
    .select(['l.account_id', 'l.seq', 'l.transfer_id', 't.id as found_transfer', 'a.id as found_account'])
    .where((eb) => eb.or([eb('t.id', 'is', null), eb('a.id', 'is', null)]))
    .limit(limit)
    .execute();
  for (const r of rows) {
    const missing = r.found_transfer === null ? 'transfer' : 'account';
    report({
      code: 'LEG_ORPHANED',
      accountId: r.account_id,
      seq: toSafeInt(r.seq),
      transferId: r.transfer_id,
      missing,
      message: `leg ${toSafeInt(r.seq)} of account ${r.account_id} (transfer ${r.transfer_id}): its ${missing} does not exist`,
    });
  }
}

/** Escrow accounts of final orders that still hold (or owe) money. */
async function checkEscrows(
  sdb: ServiceDatabase<PaymentDB>,
  orderIds: Iterable<string> | AsyncIterable<string>,
  escrowKind: string,
  report: (p: LedgerProblem) => void,
  full: () => boolean,
): Promise<void> {
  const check = async (owners: string[]): Promise<void> => {
    const rows = await sdb.db
      .selectFrom('payment_ledger_accounts')
      .select(['id', 'owner', 'balance'])
      .where('kind', '=', escrowKind)
      .where('owner', 'in', owners)
      .where('balance', '<>', 0)
      .orderBy('owner')
      .execute();
    for (const r of rows) {
      const balance = toSafeInt(r.balance);
      report({
        code: 'ESCROW_NOT_ZERO',
        orderId: r.owner,
        accountId: r.id,
        balanceFen: balance,
        message: `order ${r.owner} is final, and its escrow account ${r.id} holds ${balance} fen`,
      });
    }
  };
  let owners: string[] = [];
  for await (const id of orderIds) {
    owners.push(id);
    if (owners.length === PAGE) {
      await check(owners);
      owners = [];
      if (full()) return;
    }
  }
  if (owners.length > 0) await check(owners);
}
