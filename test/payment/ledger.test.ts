import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { AppError, PlatformMisuseError } from '../../src/platform/errors.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { MAX_FEN, toSafeInt } from '../../src/platform/money.js';
import {
  createLedger,
  InsufficientFundsError,
  InvalidTransferError,
  TransferConflictError,
  type DefaultAccountKind,
  type Ledger,
  type TransferResult,
  type TransferSpec,
} from '../../src/services/payment/ledger/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { DIALECT, TEST_MYSQL_URL } from '../support/env.js';

/**
 * The ledger's rules one by one (src/services/payment/ledger): balanced transfers, refusals that
 * change nothing, idempotency by business key, the group commit, callbacks in the batch
 * transaction, transfers in the caller's transaction, and the reads.
 */
let database: TestDatabase;
let sdb: ServiceDatabase<PaymentDB>;
let ledger: Ledger;
const newId = createIdGenerator(systemClock);

beforeAll(async () => {
  database = await createTestDatabase();
  sdb = new ServiceDatabase<PaymentDB>(
    'payment',
    openConnection(database.url),
    { clock: systemClock, ids: newId, log: createLogger({ level: 'silent' }) },
    paymentMigrations,
  );
  const migrated = await sdb.migrator().up();
  if (migrated.error) throw migrated.error as Error;
  ledger = createLedger({ sdb, ids: newId });
});
afterAll(async () => {
  await ledger.close();
  await sdb.connection.close();
  await database.drop();
});

const wallet = (owner: string) => ({ kind: 'wallet', owner }) as const;
const escrow = (orderId: string) => ({ kind: 'escrow', owner: orderId }) as const;
const sandbox = { kind: 'channel_clearing', owner: 'sandbox' } as const;
const fees = { kind: 'fee_revenue', owner: 'platform' } as const;
type Spec = TransferSpec<DefaultAccountKind>;

function move(
  from: { kind: 'wallet' | 'escrow'; owner: string },
  to: { kind: 'wallet' | 'escrow'; owner: string },
  fen: number,
  key = `move:${newId()}`,
): Spec {
  return {
    businessKey: key,
    kind: 'move',
    legs: [
      { account: from, amountFen: -fen },
      { account: to, amountFen: fen },
    ],
  };
}
async function topUp(owner: string, fen: number): Promise<void> {
  await ledger.transfer({
    businessKey: `topup:${newId()}`,
    kind: 'topup',
    legs: [
      { account: sandbox, amountFen: -fen },
      { account: wallet(owner), amountFen: fen },
    ],
  });
}
async function rowCounts(): Promise<{ transfers: number; legs: number }> {
  const count = async (table: 'payment_ledger_transfers' | 'payment_ledger_legs') =>
    toSafeInt(
      (
        await sdb.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return { transfers: await count('payment_ledger_transfers'), legs: await count('payment_ledger_legs') };
}

describe(`ledger (${DIALECT})`, () => {
  it('applies a balanced transfer to every account, and reads it back', async () => {
    const user = newId();
    const clearingBefore = await ledger.balance(sandbox);
    const { transfer, replayed } = await ledger.transfer({
      businessKey: `topup:${user}`,
      kind: 'topup',
      description: '充值',
      paymentId: 'PAY1',
      legs: [
        { account: sandbox, amountFen: -12_345 },
        { account: wallet(user), amountFen: 12_345 },
      ],
    });
    expect(replayed).toBe(false);
    expect(transfer).toMatchObject({
      businessKey: `topup:${user}`,
      kind: 'topup',
      description: '充值',
      paymentId: 'PAY1',
    });
    expect(transfer.legs[1]).toMatchObject({
      kind: 'wallet',
      owner: user,
      amountFen: 12_345,
      seq: 1,
      balanceAfterFen: 12_345,
    });
    expect(await ledger.balance(wallet(user))).toBe(12_345);
    expect(await ledger.balance(sandbox)).toBe(clearingBefore - 12_345);
    expect(await ledger.transferByKey(`topup:${user}`)).toEqual(transfer);
    expect(await ledger.transferById(transfer.id)).toEqual(transfer);
    expect(await ledger.transfersOf({ paymentId: 'PAY1' })).toEqual([transfer]);
    expect(await ledger.getAccount(wallet(user))).toMatchObject({
      balanceFen: 12_345,
      entryCount: 1,
      mayGoNegative: false,
    });
  });

  it('refuses unbalanced and malformed transfers before writing anything', async () => {
    const a = newId();
    const b = newId();
    const before = await rowCounts();
    const bad: [string, Spec][] = [
      [
        'unbalanced',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: wallet(a), amountFen: -100 },
            { account: wallet(b), amountFen: 99 },
          ],
        },
      ],
      ['one leg', { businessKey: `x:${a}`, kind: 'move', legs: [{ account: wallet(a), amountFen: 0 }] }],
      [
        'zero amounts',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: wallet(a), amountFen: 0 },
            { account: wallet(b), amountFen: 0 },
          ],
        },
      ],
      [
        'beyond MAX_FEN',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: sandbox, amountFen: -(MAX_FEN + 1) },
            { account: wallet(b), amountFen: MAX_FEN + 1 },
          ],
        },
      ],
      [
        'a fraction',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: wallet(a), amountFen: -0.5 },
            { account: wallet(b), amountFen: 0.5 },
          ],
        },
      ],
      [
        'the same account twice',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: wallet(a), amountFen: -1 },
            { account: wallet(a), amountFen: 1 },
          ],
        },
      ],
      [
        'an unknown kind',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: { kind: 'vault' as DefaultAccountKind, owner: a }, amountFen: -1 },
            { account: wallet(b), amountFen: 1 },
          ],
        },
      ],
      [
        'an unknown channel',
        {
          businessKey: `x:${a}`,
          kind: 'move',
          legs: [
            { account: { kind: 'channel_clearing', owner: 'paypal' }, amountFen: -1 },
            { account: wallet(b), amountFen: 1 },
          ],
        },
      ],
      ['a key too long', { ...move(wallet(a), wallet(b), 1), businessKey: 'k'.repeat(201) }],
      ['a key with spaces', { ...move(wallet(a), wallet(b), 1), businessKey: 'hold: 1' }],
    ];
    for (const [why, spec] of bad) {
      await expect(ledger.transfer(spec), why).rejects.toBeInstanceOf(InvalidTransferError);
    }
    await sdb.transaction(async (tx) => {
      await expect(ledger.transferIn(tx, bad[0]![1])).rejects.toBeInstanceOf(InvalidTransferError);
    });
    expect(await rowCounts()).toEqual(before);
  });

  it('refuses a debit beyond the balance, naming the account, and changes nothing', async () => {
    const payer = newId();
    const payee = newId();
    await topUp(payer, 500);
    const before = { counts: await rowCounts(), payer: await ledger.getAccount(wallet(payer)) };
    const spec = move(wallet(payer), wallet(payee), 501);
    const error = await ledger.transfer(spec).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InsufficientFundsError);
    expect(error).toMatchObject({
      code: 'LEDGER_INSUFFICIENT_FUNDS',
      status: 409,
      kind: 'wallet',
      owner: payer,
      balanceFen: 500,
      debitFen: 501,
    });
    expect((error as InsufficientFundsError).accountId).toBe(before.payer!.id);
    expect(await ledger.getAccount(wallet(payer))).toEqual(before.payer);
    expect(await ledger.balance(wallet(payee))).toBe(0);
    expect(await ledger.transferByKey(spec.businessKey)).toBeUndefined();
    // The payee's account may have been made; no transfer or leg was written.
    expect(await rowCounts()).toEqual(before.counts);
    // Exactly the balance is fine.
    await ledger.transfer(move(wallet(payer), wallet(payee), 500));
    expect(await ledger.balance(wallet(payer))).toBe(0);
  });

  it('answers a repeated business key with the stored transfer and moves the money once', async () => {
    const payer = newId();
    const payee = newId();
    await topUp(payer, 1_000);
    const spec = move(wallet(payer), wallet(payee), 300, `pay:${payer}`);
    const first = await ledger.transfer(spec);
    const again = await ledger.transfer({ ...spec, description: 'a retry may say it differently' });
    // Repeats in flight together, some in one batch, are answered the same way.
    const together = await Promise.all([ledger.transfer(spec), ledger.transfer(spec), ledger.transfer(spec)]);
    const inTx = await sdb.transaction((tx) => ledger.transferIn(tx, spec));
    for (const r of [again, ...together, inTx]) {
      expect(r.replayed).toBe(true);
      expect(r.transfer).toEqual(first.transfer);
    }
    expect(first.replayed).toBe(false);
    expect(await ledger.balance(wallet(payer))).toBe(700);
    expect(await ledger.balance(wallet(payee))).toBe(300);

    const fresh = move(wallet(payer), wallet(payee), 50, `pay2:${payer}`);
    const racing = await Promise.all([ledger.transfer(fresh), ledger.transfer(fresh)]);
    expect(racing.map((r) => r.replayed).sort()).toEqual([false, true]);
    expect(racing[0]!.transfer.id).toBe(racing[1]!.transfer.id);
    expect(await ledger.balance(wallet(payer))).toBe(650);
  });

  it('refuses a repeated business key that moves other money (conflict), changing nothing', async () => {
    const payer = newId();
    const payee = newId();
    const other = newId();
    await topUp(payer, 1_000);
    const spec = { ...move(wallet(payer), wallet(payee), 300, `hold:${payer}`), orderId: 'ORDER-1' };
    const { transfer } = await ledger.transfer(spec);
    const conflicts: Spec[] = [
      {
        ...spec,
        legs: [
          { account: wallet(payer), amountFen: -301 },
          { account: wallet(payee), amountFen: 301 },
        ],
      },
      {
        ...spec,
        legs: [
          { account: wallet(payer), amountFen: -300 },
          { account: wallet(other), amountFen: 300 },
        ],
      },
      { ...spec, kind: 'refund' },
      { ...spec, orderId: 'ORDER-2' },
    ];
    for (const c of conflicts) {
      const error = await ledger.transfer(c).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(TransferConflictError);
      expect(error).toMatchObject({
        code: 'LEDGER_TRANSFER_CONFLICT',
        status: 422,
        businessKey: spec.businessKey,
      });
      expect((error as TransferConflictError).existing).toEqual(transfer);
    }
    await sdb.transaction(async (tx) => {
      await expect(ledger.transferIn(tx, conflicts[0]!)).rejects.toBeInstanceOf(TransferConflictError);
    });
    // The legs in another order are the same request.
    expect((await ledger.transfer({ ...spec, legs: [...spec.legs].reverse() })).replayed).toBe(true);
    expect(await ledger.balance(wallet(payer))).toBe(700);
    expect(await ledger.balance(wallet(other))).toBe(0);
  });

  it('group commit: concurrent transfers share commits, and the one that overdraws fails alone', async () => {
    const users = Array.from({ length: 60 }, () => newId());
    await Promise.all(users.map((u) => topUp(u, 1_000)));
    const broke = newId();
    const before = ledger.stats();
    const specs = users.map((u, i) => move(wallet(u), wallet(users[(i + 1) % users.length]!), 10 + i));
    const overdraw = move(wallet(users[7]!), wallet(broke), 5_000);
    specs.splice(30, 0, overdraw);
    const results = await Promise.allSettled(specs.map((s) => ledger.transfer(s)));
    const after = ledger.stats();

    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect(results[30]).toMatchObject({ status: 'rejected', reason: { kind: 'wallet', owner: users[7] } });
    expect((results[30] as PromiseRejectedResult).reason).toBeInstanceOf(InsufficientFundsError);
    for (const [i, u] of users.entries()) {
      const received = 10 + ((i - 1 + users.length) % users.length);
      expect(await ledger.balance(wallet(u))).toBe(1_000 - (10 + i) + received);
    }
    expect(await ledger.balance(wallet(broke))).toBe(0);
    expect(await ledger.transferByKey(overdraw.businessKey)).toBeUndefined();
    // 61 requests went through far fewer commits.
    expect(after.settled - before.settled).toBe(61);
    expect(after.commits - before.commits).toBeLessThan(20);
    expect(after.largestBatch).toBeGreaterThan(5);
  });

  it('runs onApplied in the batch transaction; a callback that throws undoes its transfer alone', async () => {
    const users = Array.from({ length: 4 }, () => newId());
    await Promise.all(users.map((u) => topUp(u, 1_000)));
    const committed: string[] = [];
    const seen: number[] = [];
    const ok = (i: number) =>
      ledger.transfer(move(wallet(users[i]!), escrow(`order-${users[i]!}`), 100), {
        onApplied: async (tx, transfer) => {
          // The transfer is written when the callback runs, in the same transaction.
          seen.push(await ledger.balance(escrow(`order-${users[i]!}`), tx.db));
          await tx.publish({ type: 'escrow.held', version: 1, payload: { transferId: transfer.id } });
          tx.afterCommit(() => void committed.push(transfer.id));
        },
      });
    const failing = ledger.transfer(move(wallet(users[1]!), escrow(`order-${users[1]!}`), 100), {
      onApplied: async (tx, transfer) => {
        await tx.publish({ type: 'escrow.held', version: 1, payload: { transferId: transfer.id } });
        tx.afterCommit(() => void committed.push('never'));
        throw new Error('the order changed meanwhile');
      },
    });
    const results = await Promise.allSettled([ok(0), failing, ok(2), ok(3)]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({
      message: 'the order changed meanwhile',
    });
    expect(seen).toEqual([100, 100, 100]);
    expect(committed.sort()).toEqual(
      results
        .filter((r) => r.status === 'fulfilled')
        .map((r) => r.value.transfer.id)
        .sort(),
    );
    expect(await ledger.balance(wallet(users[1]!))).toBe(1_000);
    expect(await ledger.balance(escrow(`order-${users[1]!}`))).toBe(0);
    const events = await sdb
      .untyped()
      .selectFrom('payment_outbox')
      .select('payload')
      .where('type', '=', 'escrow.held')
      .execute();
    const announced = events.map(
      (e) => (JSON.parse(e.payload as string) as { transferId: string }).transferId,
    );
    expect(announced.sort()).toEqual([...committed].sort());
    // A repeat applies nothing, so its callback does not run.
    const first = (results[0] as PromiseFulfilledResult<TransferResult>).value.transfer;
    const again = await ledger.transfer(
      move(wallet(users[0]!), escrow(`order-${users[0]!}`), 100, first.businessKey),
      { onApplied: () => Promise.reject(new Error('not for a repeat')) },
    );
    expect(again).toEqual({ transfer: first, replayed: true });
  });

  it('transferIn applies in the caller’s transaction; a refusal leaves the transaction usable', async () => {
    const payer = newId();
    const payee = newId();
    await topUp(payer, 1_000);
    const results = await sdb.transaction(async (tx) => {
      const first = await ledger.transferIn(tx, move(wallet(payer), wallet(payee), 400));
      const refused = await ledger
        .transferIn(tx, move(wallet(payer), wallet(payee), 601))
        .catch((e: unknown) => e);
      const second = await ledger.transferIn(tx, move(wallet(payer), wallet(payee), 600));
      expect(await ledger.balance(wallet(payer), tx.db)).toBe(0);
      return { first, refused, second };
    });
    expect(results.refused).toBeInstanceOf(InsufficientFundsError);
    expect(results.second.transfer.legs[0]).toMatchObject({ seq: 3, balanceAfterFen: 0 });
    expect(await ledger.balance(wallet(payee))).toBe(1_000);

    // A transaction that rolls back takes its transfers, and the accounts it made, with it.
    const fresh = newId();
    await expect(
      sdb.transaction(async (tx) => {
        await ledger.transferIn(tx, move(wallet(payee), wallet(fresh), 100));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await ledger.getAccount(wallet(fresh))).toBeUndefined();
    expect(await ledger.balance(wallet(payee))).toBe(1_000);
    await ledger.transfer(move(wallet(payee), wallet(fresh), 100));
    expect(await ledger.balance(wallet(fresh))).toBe(100);
  });

  it('refuses ledger.transfer inside a transaction (it would wait for itself)', async () => {
    await sdb.transaction(async () => {
      await expect(ledger.transfer(move(wallet(newId()), wallet(newId()), 1))).rejects.toBeInstanceOf(
        PlatformMisuseError,
      );
    });
  });

  it('lists an account’s entries newest first, paged by cursor', async () => {
    const user = newId();
    const other = newId();
    await topUp(user, 1_000);
    for (const fen of [100, 200, 300]) await ledger.transfer(move(wallet(user), wallet(other), fen));
    await ledger.transfer({ ...move(wallet(other), wallet(user), 50), description: '退回' });
    const pages: { seq: number; amountFen: number; balanceAfterFen: number }[][] = [];
    let cursor: string | undefined;
    do {
      const page = await ledger.entries(wallet(user), { limit: 2, cursor });
      pages.push(
        page.items.map(({ seq, amountFen, balanceAfterFen }) => ({ seq, amountFen, balanceAfterFen })),
      );
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(pages).toEqual([
      [
        { seq: 5, amountFen: 50, balanceAfterFen: 450 },
        { seq: 4, amountFen: -300, balanceAfterFen: 400 },
      ],
      [
        { seq: 3, amountFen: -200, balanceAfterFen: 700 },
        { seq: 2, amountFen: -100, balanceAfterFen: 900 },
      ],
      [{ seq: 1, amountFen: 1_000, balanceAfterFen: 1_000 }],
    ]);
    const [newest] = (await ledger.entries(wallet(user), { limit: 1 })).items;
    expect(newest).toMatchObject({ transferKind: 'move', description: '退回' });
    expect(await ledger.entries(wallet(newId()), { limit: 10 })).toEqual({ items: [], nextCursor: null });
    const invalid = await ledger.entries(wallet(user), { limit: 2, cursor: 'abc' }).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(AppError);
    expect(invalid).toMatchObject({ code: 'INVALID_CURSOR' });
  });

  it('makes an account once, whoever asks first, with its kind’s rule', async () => {
    const user = newId();
    const made = await Promise.all([ledger.account('wallet', user), ledger.account('wallet', user)]);
    expect(made[0]!.id).toBe(made[1]!.id);
    expect(made[0]).toMatchObject({ kind: 'wallet', owner: user, mayGoNegative: false, balanceFen: 0 });
    expect(await ledger.account('channel_clearing', 'alipay')).toMatchObject({ mayGoNegative: true });
    expect(await ledger.account('fee_revenue', 'platform')).toMatchObject({ mayGoNegative: false });
  });

  it('links the transfers of an order: hold, then release minus the fee', async () => {
    const employer = newId();
    const worker = newId();
    const order = newId();
    await topUp(employer, 10_000);
    await ledger.transfer({
      ...move(wallet(employer), escrow(order), 10_000, `hold:${order}`),
      kind: 'escrow.hold',
      orderId: order,
    });
    const feeBefore = await ledger.balance(fees);
    await ledger.transfer({
      businessKey: `release:${order}`,
      kind: 'escrow.release',
      orderId: order,
      legs: [
        { account: escrow(order), amountFen: -10_000 },
        { account: wallet(worker), amountFen: 9_500 },
        { account: fees, amountFen: 500 },
      ],
    });
    const linked = await ledger.transfersOf({ orderId: order });
    expect(linked.map((t) => t.kind)).toEqual(['escrow.hold', 'escrow.release']);
    expect(await ledger.balance(escrow(order))).toBe(0);
    expect(await ledger.balance(fees)).toBe(feeBefore + 500);
    expect(await ledger.balance(wallet(worker))).toBe(9_500);
    // Releasing again is a replay; releasing more than the escrow holds is refused.
    await expect(
      ledger.transfer({
        businessKey: `release-more:${order}`,
        kind: 'escrow.release',
        legs: [
          { account: escrow(order), amountFen: -1 },
          { account: wallet(worker), amountFen: 1 },
        ],
      }),
    ).rejects.toMatchObject({ kind: 'escrow', owner: order });
  });

  it('runs a batch again when its transaction fails for a reason that passes (a deadlock)', async () => {
    const users = Array.from({ length: 3 }, () => newId());
    await Promise.all(users.map((u) => topUp(u, 1_000)));
    const before = ledger.stats();
    let calls = 0;
    const results = await Promise.all([
      ledger.transfer(move(wallet(users[0]!), wallet(users[1]!), 100)),
      ledger.transfer(move(wallet(users[1]!), wallet(users[2]!), 200), {
        onApplied: async () => {
          calls++;
          // What InnoDB answers when it chose this transaction as a deadlock victim.
          if (calls === 1)
            throw Object.assign(new Error('Deadlock found when trying to get lock'), { errno: 1213 });
        },
      }),
    ]);
    expect(calls).toBe(2);
    expect(results.map((r) => r.replayed)).toEqual([false, false]);
    expect(ledger.stats().retries - before.retries).toBe(1);
    expect(await Promise.all(users.map((u) => ledger.balance(wallet(u))))).toEqual([900, 1_100 - 200, 1_200]);
  });

  it.skipIf(!TEST_MYSQL_URL)(
    'a business key another process takes meanwhile: the batch runs again and answers a conflict',
    async () => {
      // A second ledger on a pool of its own, as another process would have.
      const other = new ServiceDatabase<PaymentDB>(
        'payment',
        openConnection(database.url),
        { clock: systemClock, ids: newId, log: createLogger({ level: 'silent' }) },
        paymentMigrations,
      );
      const second = createLedger({ sdb: other, ids: newId });
      try {
        const [a, b, c, d] = Array.from({ length: 4 }, () => newId());
        await Promise.all([topUp(a!, 1_000), topUp(c!, 1_000)]);
        const businessKey = `hold:${newId()}`;
        let release!: () => void;
        const held = new Promise<void>((r) => (release = r));
        // The first holds its transaction open, its transfer written, until the second has tried.
        const first = ledger.transfer(move(wallet(a!), wallet(b!), 100, businessKey), {
          onApplied: () => held,
        });
        await new Promise((r) => setTimeout(r, 100));
        const secondTry = second
          .transfer(move(wallet(c!), wallet(d!), 100, businessKey))
          .catch((e: unknown) => e);
        await new Promise((r) => setTimeout(r, 200));
        release();
        const { transfer } = await first;
        const error = await secondTry;
        expect(error).toBeInstanceOf(TransferConflictError);
        expect((error as TransferConflictError).existing.id).toBe(transfer.id);
        expect(second.stats().retries).toBeGreaterThanOrEqual(1);
        expect(await ledger.balance(wallet(c!))).toBe(1_000);
      } finally {
        await second.close();
        await other.connection.close();
      }
    },
  );
});
