import { sql } from 'kysely';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { columnTypes } from '../../src/platform/db/schema.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { MAX_FEN, toSafeInt } from '../../src/platform/money.js';
import {
  checkLedger,
  createLedger,
  type Ledger,
  type Transfer,
} from '../../src/services/payment/ledger/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createTestDatabase, listTables, type TestDatabase } from '../support/databases.js';
import { DIALECT } from '../support/env.js';

/**
 * `checkLedger` finds each kind of damage: every test breaks the ledger by direct SQL (as a bug or a
 * hand edit would), expects exactly the problems that damage causes, then repairs it and expects
 * none.
 */
let database: TestDatabase;
let sdb: ServiceDatabase<PaymentDB>;
let ledger: Ledger;
const newId = createIdGenerator(systemClock);

const open = (url: string) =>
  new ServiceDatabase<PaymentDB>(
    'payment',
    openConnection(url),
    { clock: systemClock, ids: newId, log: createLogger({ level: 'silent' }) },
    paymentMigrations,
  );

beforeAll(async () => {
  database = await createTestDatabase();
  sdb = open(database.url);
  const migrated = await sdb.migrator().up();
  if (migrated.error) throw migrated.error as Error;
  ledger = createLedger({ sdb, ids: newId });
});
afterAll(async () => {
  await ledger.close();
  await sdb.connection.close();
  await database.drop();
});
beforeEach(async () => {
  expect(await checkLedger(sdb)).toEqual([]);
});

const wallet = (owner: string) => ({ kind: 'wallet', owner }) as const;
const clearing = { kind: 'channel_clearing', owner: 'alipay' } as const;

/** A user with money: a top-up of `fen` from Alipay. */
async function funded(fen: number): Promise<{ user: string; topUp: Transfer }> {
  const user = newId();
  const { transfer } = await ledger.transfer({
    businessKey: `topup:${user}`,
    kind: 'topup',
    legs: [
      { account: clearing, amountFen: -fen },
      { account: wallet(user), amountFen: fen },
    ],
  });
  return { user, topUp: transfer };
}
const accountId = async (owner: string) => (await ledger.getAccount(wallet(owner)))!.id;
const codes = (problems: { code: string }[]) => problems.map((p) => p.code).sort();

/** Writes a transfer straight into the tables, keeping seq and balances consistent with its legs. */
async function writeRaw(legs: { id: string; amount: number }[]): Promise<string> {
  const id = newId();
  await sdb.transaction(async (tx) => {
    await tx.db
      .insertInto('payment_ledger_transfers')
      .values({
        id,
        business_key: `raw:${id}`,
        kind: 'raw',
        description: null,
        order_id: null,
        payment_id: null,
        withdrawal_id: null,
        created_at: tx.now,
      })
      .execute();
    for (const [position, leg] of legs.entries()) {
      const a = await tx.db
        .selectFrom('payment_ledger_accounts')
        .select(['balance', 'seq'])
        .where('id', '=', leg.id)
        .executeTakeFirstOrThrow();
      const seq = toSafeInt(a.seq) + 1;
      const balance = toSafeInt(a.balance) + leg.amount;
      await tx.db
        .insertInto('payment_ledger_legs')
        .values({
          account_id: leg.id,
          seq,
          transfer_id: id,
          position,
          amount: leg.amount,
          balance_after: balance,
        })
        .execute();
      await tx.db
        .updateTable('payment_ledger_accounts')
        .set({ balance, seq })
        .where('id', '=', leg.id)
        .execute();
    }
  });
  return id;
}
/** Takes a raw transfer out again, legs and balances. */
async function removeRaw(transferId: string): Promise<void> {
  await sdb.transaction(async (tx) => {
    const legs = await tx.db
      .selectFrom('payment_ledger_legs')
      .selectAll()
      .where('transfer_id', '=', transferId)
      .execute();
    for (const l of legs) {
      await tx.db
        .updateTable('payment_ledger_accounts')
        .set((eb) => ({ balance: eb('balance', '-', toSafeInt(l.amount)), seq: eb('seq', '-', 1) }))
        .where('id', '=', l.account_id)
        .execute();
    }
    await tx.db.deleteFrom('payment_ledger_legs').where('transfer_id', '=', transferId).execute();
    await tx.db.deleteFrom('payment_ledger_transfers').where('id', '=', transferId).execute();
  });
}

describe(`checkLedger (${DIALECT})`, () => {
  it('finds a balance that differs from its legs', async () => {
    const { user } = await funded(1_000);
    const id = await accountId(user);
    await sdb.db
      .updateTable('payment_ledger_accounts')
      .set({ balance: 1_001 })
      .where('id', '=', id)
      .execute();
    const problems = await checkLedger(sdb);
    expect(problems).toEqual([
      expect.objectContaining({
        code: 'BALANCE_MISMATCH',
        accountId: id,
        kind: 'wallet',
        owner: user,
        balanceFen: 1_001,
        legsSumFen: 1_000,
      }),
    ]);
    expect(problems[0]!.message).toContain('balance 1001 fen');
    await sdb.db
      .updateTable('payment_ledger_accounts')
      .set({ balance: 1_000 })
      .where('id', '=', id)
      .execute();
    expect(await checkLedger(sdb)).toEqual([]);
  });

  it('finds a tampered leg: the transfer no longer balances, nor the account, nor its running balance', async () => {
    const { user, topUp } = await funded(1_000);
    await ledger.transfer({
      businessKey: `spend:${user}`,
      kind: 'spend',
      legs: [
        { account: wallet(user), amountFen: -300 },
        { account: clearing, amountFen: 300 },
      ],
    });
    const id = await accountId(user);
    const tamper = (amount: number) =>
      sdb.db
        .updateTable('payment_ledger_legs')
        .set({ amount })
        .where('account_id', '=', id)
        .where('seq', '=', 1)
        .execute();
    await tamper(1_500);
    const problems = await checkLedger(sdb);
    expect(codes(problems)).toEqual(['BALANCE_MISMATCH', 'RUNNING_BALANCE_MISMATCH', 'TRANSFER_UNBALANCED']);
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'TRANSFER_UNBALANCED', transferId: topUp.id, sumFen: 500 }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'RUNNING_BALANCE_MISMATCH',
        accountId: id,
        seq: 1,
        balanceAfterFen: 1_000,
        expectedFen: 1_500,
      }),
    );
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'BALANCE_MISMATCH',
        accountId: id,
        balanceFen: 700,
        legsSumFen: 1_200,
      }),
    );
    await tamper(1_000);
  });

  it('finds an unbalanced transfer written by direct SQL, with amounts beyond MAX_FEN', async () => {
    const { user } = await funded(1_000);
    const clearingId = (await ledger.getAccount(clearing))!.id;
    const raw = await writeRaw([
      { id: await accountId(user), amount: 250 },
      { id: clearingId, amount: -200 },
    ]);
    expect(await checkLedger(sdb)).toEqual([
      expect.objectContaining({
        code: 'TRANSFER_UNBALANCED',
        transferId: raw,
        businessKey: `raw:${raw}`,
        sumFen: 50,
      }),
    ]);
    await removeRaw(raw);
    const huge = await writeRaw([
      { id: clearingId, amount: -(MAX_FEN + 7) },
      { id: await accountId(user), amount: MAX_FEN + 7 },
    ]);
    expect(await checkLedger(sdb)).toEqual([
      expect.objectContaining({ code: 'LEG_AMOUNT_INVALID', transferId: huge, invalidLegs: 2 }),
    ]);
    await removeRaw(huge);
  });

  it('finds a wallet below zero', async () => {
    const { user } = await funded(100);
    const id = await accountId(user);
    const raw = await writeRaw([
      { id, amount: -150 },
      { id: (await ledger.getAccount(clearing))!.id, amount: 150 },
    ]);
    expect(await checkLedger(sdb)).toEqual([
      expect.objectContaining({
        code: 'NEGATIVE_BALANCE',
        accountId: id,
        kind: 'wallet',
        owner: user,
        balanceFen: -50,
      }),
    ]);
    await removeRaw(raw);
  });

  it('finds a final order whose escrow still holds money, and only a final one', async () => {
    const { user } = await funded(1_000);
    const [held, released] = [newId(), newId()];
    for (const order of [held, released]) {
      await ledger.transfer({
        businessKey: `hold:${order}`,
        kind: 'escrow.hold',
        orderId: order,
        legs: [
          { account: wallet(user), amountFen: -400 },
          { account: { kind: 'escrow', owner: order }, amountFen: 400 },
        ],
      });
    }
    await ledger.transfer({
      businessKey: `refund:${released}`,
      kind: 'escrow.refund',
      orderId: released,
      legs: [
        { account: { kind: 'escrow', owner: released }, amountFen: -400 },
        { account: wallet(user), amountFen: 400 },
      ],
    });
    const escrowId = (await ledger.getAccount({ kind: 'escrow', owner: held }))!.id;
    expect(await checkLedger(sdb, { finalOrderIds: [released, newId()] })).toEqual([]);
    async function* finalOrders() {
      yield released;
      yield held;
    }
    expect(await checkLedger(sdb, { finalOrderIds: finalOrders() })).toEqual([
      expect.objectContaining({
        code: 'ESCROW_NOT_ZERO',
        orderId: held,
        accountId: escrowId,
        balanceFen: 400,
      }),
    ]);
    await ledger.transfer({
      businessKey: `release:${held}`,
      kind: 'escrow.release',
      orderId: held,
      legs: [
        { account: { kind: 'escrow', owner: held }, amountFen: -400 },
        { account: wallet(newId()), amountFen: 400 },
      ],
    });
    expect(await checkLedger(sdb, { finalOrderIds: [released, held] })).toEqual([]);
  });

  it('finds a lost leg, a leg without its transfer, and a gap in an account’s history', async () => {
    const { user, topUp } = await funded(1_000);
    const id = await accountId(user);
    const leg = await sdb.db
      .selectFrom('payment_ledger_legs')
      .selectAll()
      .where('account_id', '=', id)
      .executeTakeFirstOrThrow();
    await sdb.db.deleteFrom('payment_ledger_legs').where('account_id', '=', id).execute();
    expect(codes(await checkLedger(sdb))).toEqual([
      'BALANCE_MISMATCH',
      'HISTORY_MISMATCH',
      'TRANSFER_TOO_FEW_LEGS',
      'TRANSFER_UNBALANCED',
    ]);
    await sdb.db.insertInto('payment_ledger_legs').values(leg).execute();

    await sdb.db.updateTable('payment_ledger_legs').set({ seq: 2 }).where('account_id', '=', id).execute();
    await sdb.db.updateTable('payment_ledger_accounts').set({ seq: 2 }).where('id', '=', id).execute();
    expect(await checkLedger(sdb)).toEqual([
      expect.objectContaining({
        code: 'HISTORY_MISMATCH',
        accountId: id,
        seq: 2,
        legCount: 1,
        firstSeq: 2,
        lastSeq: 2,
      }),
    ]);
    await sdb.db.updateTable('payment_ledger_legs').set({ seq: 1 }).where('account_id', '=', id).execute();
    await sdb.db.updateTable('payment_ledger_accounts').set({ seq: 1 }).where('id', '=', id).execute();

    const row = await sdb.db
      .selectFrom('payment_ledger_transfers')
      .selectAll()
      .where('id', '=', topUp.id)
      .executeTakeFirstOrThrow();
    await sdb.db.deleteFrom('payment_ledger_transfers').where('id', '=', topUp.id).execute();
    const problems = await checkLedger(sdb);
    expect(problems).toHaveLength(2);
    expect(problems).toContainEqual(
      expect.objectContaining({
        code: 'LEG_ORPHANED',
        accountId: id,
        transferId: topUp.id,
        missing: 'transfer',
      }),
    );
    await sdb.db.insertInto('payment_ledger_transfers').values(row).execute();
  });

  it('reads sums beyond 2^32 back exactly, and stops at maxProblems', async () => {
    const users = await Promise.all(Array.from({ length: 3 }, () => funded(MAX_FEN)));
    const clearingBalance = await ledger.balance(clearing);
    expect(clearingBalance).toBeLessThanOrEqual(-3 * MAX_FEN);
    expect(await checkLedger(sdb)).toEqual([]);
    for (const { user } of users) {
      await sdb.db
        .updateTable('payment_ledger_accounts')
        .set({ balance: 0 })
        .where('id', '=', await accountId(user))
        .execute();
    }
    expect(await checkLedger(sdb, { maxProblems: 2 })).toHaveLength(2);
    for (const { user } of users) {
      await sdb.db
        .updateTable('payment_ledger_accounts')
        .set({ balance: MAX_FEN })
        .where('id', '=', await accountId(user))
        .execute();
    }
  });
});

describe(`ledger migration (${DIALECT})`, () => {
  it('migrates up, down and up again, creating and dropping its three tables', async () => {
    const own = await createTestDatabase();
    const db = open(own.url);
    try {
      // The ledger migration's own tables (payment_ledger_checks is the ledger check schedule's).
      const LEDGER = ['payment_ledger_accounts', 'payment_ledger_legs', 'payment_ledger_transfers'];
      const ledgerTables = async () =>
        (await listTables(db as ServiceDatabase<unknown>)).filter((t) => LEDGER.includes(t)).sort();
      expect((await db.migrator().up()).error).toBeUndefined();
      expect(await ledgerTables()).toEqual([
        'payment_ledger_accounts',
        'payment_ledger_legs',
        'payment_ledger_transfers',
      ]);
      // The migration runs again over what it made (MySQL commits each DDL statement).
      await paymentMigrations['20261207_0001_ledger']!.up({
        db: db.untyped(),
        dialect: db.dialect,
        t: columnTypes(db.dialect),
        prefix: 'payment_',
      });
      // Down one step per migration of the payment service: the ledger's is the first of them.
      for (let i = 0; i < Object.keys(paymentMigrations).length; i++)
        expect((await db.migrator().down()).error).toBeUndefined();
      expect(await ledgerTables()).toEqual([]);
      expect((await db.migrator().up()).error).toBeUndefined();
      expect(await ledgerTables()).toHaveLength(3);
      const indexes =
        db.dialect === 'sqlite'
          ? await sql<{
              name: string;
            }>`select name from sqlite_master where type = 'index' and tbl_name = 'payment_ledger_transfers'`.execute(
              db.db,
            )
          : await sql<{
              name: string;
            }>`select distinct index_name as name from information_schema.statistics where table_schema = database() and table_name = 'payment_ledger_transfers'`.execute(
              db.db,
            );
      expect(indexes.rows.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'payment_ledger_transfers_order_id_idx',
          'payment_ledger_transfers_payment_id_idx',
          'payment_ledger_transfers_withdrawal_id_idx',
        ]),
      );
    } finally {
      await db.connection.close();
      await own.drop();
    }
  });
});
