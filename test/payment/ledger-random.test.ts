import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/platform/clock.js';
import { openConnection } from '../../src/platform/db/connect.js';
import { ServiceDatabase } from '../../src/platform/db/service-database.js';
import { createIdGenerator } from '../../src/platform/ids.js';
import { createLogger } from '../../src/platform/log.js';
import { toSafeInt } from '../../src/platform/money.js';
import {
  checkLedger,
  createLedger,
  InsufficientFundsError,
  type AccountRef as AnyAccountRef,
  type DefaultAccountKind,
  type Ledger,
  type TransferResult,
  type TransferSpec as AnyTransferSpec,
} from '../../src/services/payment/ledger/index.js';
import { paymentMigrations } from '../../src/services/payment/migrations/index.js';
import type { PaymentDB } from '../../src/services/payment/payment.db.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { DIALECT } from '../support/env.js';
import { prng } from '../support/prng.js';

/**
 * Thousands of concurrent transfers — top-ups, moves between wallets, holds into escrow, releases
 * with a fee, refunds, withdrawals that complete or fail — over many accounts, with requests sent
 * again under the same business key, from 50 clients (on MariaDB through two ledgers on two
 * connection pools, as two processes would). At the end every balance must equal an independent
 * model built from the requests the ledger said it applied, and `checkLedger` must find nothing.
 */
const CLIENTS = 50;
const OPERATIONS = 3_000;
const USERS = 150;
const CHANNELS = ['alipay', 'wechat', 'sandbox'] as const;

let database: TestDatabase;
const databases: ServiceDatabase<PaymentDB>[] = [];
const ledgers: Ledger[] = [];
const newId = createIdGenerator(systemClock);

beforeAll(async () => {
  database = await createTestDatabase();
  // SQLite has one process (and one connection); MariaDB gets two "processes".
  for (let i = 0; i < (DIALECT === 'mysql' ? 2 : 1); i++) {
    const sdb = new ServiceDatabase<PaymentDB>(
      'payment',
      openConnection(database.url),
      { clock: systemClock, ids: newId, log: createLogger({ level: 'silent' }) },
      paymentMigrations,
    );
    if (i === 0) {
      const migrated = await sdb.migrator().up();
      if (migrated.error) throw migrated.error as Error;
    }
    databases.push(sdb);
    ledgers.push(createLedger({ sdb, ids: newId }));
  }
});
afterAll(async () => {
  for (const l of ledgers) await l.close();
  for (const d of databases) await d.connection.close();
  await database.drop();
});

type AccountRef = AnyAccountRef<DefaultAccountKind>;
type TransferSpec = AnyTransferSpec<DefaultAccountKind>;
const key = (ref: AccountRef): string => `${ref.kind}:${ref.owner}`;

describe(`ledger under concurrent random load (${DIALECT})`, () => {
  it(
    'ends with every balance equal to the model of what it applied, and checkLedger clean',
    { timeout: 120_000 },
    async () => {
      const seed = Math.floor(Math.random() * 2 ** 31);
      const rnd = prng(seed);
      const int = (lo: number, hi: number) => lo + Math.floor(rnd() * (hi - lo + 1));
      const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)]!;
      const users = Array.from({ length: USERS }, () => newId());
      const wallet = (u: string): AccountRef => ({ kind: 'wallet', owner: u });

      const model = new Map<string, number>();
      const applied = new Map<string, string>(); // business key → transfer id
      const replays: [string, string][] = [];
      const refusals: InsufficientFundsError[] = [];
      const finalOrders: string[] = [];
      let sent = 0;

      /** Sends a request (sometimes twice, as a client retrying would) and records what came back. */
      async function send(ledger: Ledger, spec: TransferSpec): Promise<TransferResult | undefined> {
        // A request sent again may reach another process, as a client's retry through a load balancer.
        const once = async (through = ledger): Promise<TransferResult | undefined> => {
          sent++;
          try {
            const r = await through.transfer(spec);
            if (r.replayed) {
              replays.push([spec.businessKey, r.transfer.id]);
            } else {
              expect(applied.has(spec.businessKey), `${spec.businessKey} applied twice`).toBe(false);
              applied.set(spec.businessKey, r.transfer.id);
              for (const leg of spec.legs)
                model.set(key(leg.account), (model.get(key(leg.account)) ?? 0) + leg.amountFen);
            }
            return r;
          } catch (e) {
            if (!(e instanceof InsufficientFundsError)) throw e;
            refusals.push(e);
            return undefined;
          }
        };
        const roll = rnd();
        if (roll < 0.1) {
          const [a, b] = await Promise.all([once(), once(pick(ledgers))]);
          return a ?? b;
        }
        const first = await once();
        if (roll < 0.2) return (await once(pick(ledgers))) ?? first;
        return first;
      }

      const transfer = (
        kind: string,
        legs: [AccountRef, number][],
        extra: Partial<TransferSpec> = {},
      ): TransferSpec => ({
        businessKey: `${kind}:${newId()}`,
        kind,
        legs: legs.map(([account, amountFen]) => ({ account, amountFen })),
        ...extra,
      });

      async function operation(ledger: Ledger): Promise<void> {
        const r = rnd();
        if (r < 0.15) {
          const channel = pick(CHANNELS);
          const fen = int(1, 5_000);
          await send(
            ledger,
            transfer('topup', [
              [{ kind: 'channel_clearing', owner: channel }, -fen],
              [wallet(pick(users)), fen],
            ]),
          );
        } else if (r < 0.5) {
          const a = pick(users);
          let b = pick(users);
          if (b === a) b = users[(users.indexOf(a) + 1) % users.length]!;
          const fen = int(1, 800);
          await send(
            ledger,
            transfer('move', [
              [wallet(a), -fen],
              [wallet(b), fen],
            ]),
          );
        } else if (r < 0.85) {
          // An order: hold the wage, then release it (fee to the platform, the rest pending for the
          // worker, later settled), refund it, or split it; an order left held is not final.
          const employer = pick(users);
          const worker = pick(users);
          const order = newId();
          const escrow: AccountRef = { kind: 'escrow', owner: order };
          const wage = int(100, 2_000);
          const hold = await send(
            ledger,
            transfer(
              'escrow.hold',
              [
                [wallet(employer), -wage],
                [escrow, wage],
              ],
              { orderId: order },
            ),
          );
          if (!hold) {
            finalOrders.push(order);
            return;
          }
          const outcome = rnd();
          if (outcome < 0.05) return;
          if (outcome < 0.55) {
            const fee = Math.floor(wage / 20);
            const pending: AccountRef = { kind: 'pending', owner: worker };
            const legs: [AccountRef, number][] = [
              [escrow, -wage],
              [pending, wage - fee],
            ];
            if (fee > 0) legs.push([{ kind: 'fee_revenue', owner: 'platform' }, fee]);
            await send(ledger, transfer('escrow.release', legs, { orderId: order }));
            if (rnd() < 0.7) {
              await send(
                ledger,
                transfer('settle', [
                  [pending, -(wage - fee)],
                  [wallet(worker), wage - fee],
                ]),
              );
            }
          } else if (outcome < 0.8 || worker === employer) {
            await send(
              ledger,
              transfer(
                'escrow.refund',
                [
                  [escrow, -wage],
                  [wallet(employer), wage],
                ],
                { orderId: order },
              ),
            );
          } else {
            const part = int(1, wage - 1);
            await send(
              ledger,
              transfer(
                'escrow.split',
                [
                  [escrow, -wage],
                  [wallet(worker), part],
                  [wallet(employer), wage - part],
                ],
                { orderId: order },
              ),
            );
          }
          finalOrders.push(order);
        } else {
          const user = pick(users);
          const channel = pick(CHANNELS);
          const inFlight: AccountRef = { kind: 'payouts_in_flight', owner: channel };
          const fen = int(1, 1_500);
          const withdrawalId = newId();
          const sentOut = await send(
            ledger,
            transfer(
              'withdraw',
              [
                [wallet(user), -fen],
                [inFlight, fen],
              ],
              { withdrawalId },
            ),
          );
          if (!sentOut) return;
          const back: AccountRef = rnd() < 0.8 ? { kind: 'channel_clearing', owner: channel } : wallet(user);
          await send(
            ledger,
            transfer(
              'withdraw.done',
              [
                [inFlight, -fen],
                [back, fen],
              ],
              { withdrawalId },
            ),
          );
        }
      }

      const started = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async (_, c) => {
          const ledger = ledgers[c % ledgers.length]!;
          while (sent < OPERATIONS) await operation(ledger);
        }),
      );
      const seconds = (performance.now() - started) / 1000;

      const context = `seed ${seed}`;
      for (const [businessKey, id] of replays) expect(applied.get(businessKey), context).toBe(id);
      for (const [k, fen] of model) {
        const [kind, owner] = k.split(':') as [DefaultAccountKind, string];
        expect(await ledgers[0]!.balance({ kind, owner }), `${k} (${context})`).toBe(fen);
      }
      const sdb = databases[0]!;
      const accounts = await sdb.db
        .selectFrom('payment_ledger_accounts')
        .select(['kind', 'owner', 'balance'])
        .execute();
      // Every account the ledger holds is in the model (no money moved that the model does not know).
      let total = 0;
      for (const a of accounts) {
        const balance = toSafeInt(a.balance);
        total += balance;
        expect(balance, `${a.kind}:${a.owner} (${context})`).toBe(model.get(`${a.kind}:${a.owner}`) ?? 0);
        if (['wallet', 'pending', 'escrow', 'payouts_in_flight', 'fee_revenue'].includes(a.kind)) {
          expect(balance).toBeGreaterThanOrEqual(0);
        }
      }
      expect(total).toBe(0);
      const transfers = toSafeInt(
        (
          await sdb.db
            .selectFrom('payment_ledger_transfers')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
      expect(transfers).toBe(applied.size);

      // Each refusal was right: the account had once held exactly the balance it named, too little.
      const seen = new Map<string, Set<number>>();
      for (const l of await sdb.db
        .selectFrom('payment_ledger_legs')
        .select(['account_id', 'balance_after'])
        .execute()) {
        const set = seen.get(l.account_id) ?? new Set([0]);
        set.add(toSafeInt(l.balance_after));
        seen.set(l.account_id, set);
      }
      for (const e of refusals) {
        expect(e.balanceFen).toBeLessThan(e.debitFen);
        expect((seen.get(e.accountId) ?? new Set([0])).has(e.balanceFen), context).toBe(true);
      }

      expect(await checkLedger(sdb, { finalOrderIds: finalOrders }), context).toEqual([]);
      const stats = ledgers.map((l) => l.stats());
      const commits = stats.reduce((s, x) => s + x.commits, 0);
      const settled = stats.reduce((s, x) => s + x.settled, 0);
      expect(settled).toBe(sent);
      expect(refusals.length).toBeGreaterThan(0);
      expect(replays.length).toBeGreaterThan(0);
      console.log(
        `${DIALECT}: ${sent} requests (${applied.size} applied, ${replays.length} replays, ${refusals.length} refused) ` +
          `in ${seconds.toFixed(2)} s; ${commits} commits, ${stats.reduce((s, x) => s + x.retries, 0)} retries, ` +
          `${stats.reduce((s, x) => s + x.splits, 0)} splits; ${finalOrders.length} final orders`,
      );
    },
  );
});
