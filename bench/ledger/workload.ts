import type { IdGenerator } from '../../src/platform/ids.js';
import {
  InsufficientFundsError,
  MAX_LEGS,
  type AccountRef as AnyAccountRef,
  type DefaultAccountKind,
  type Ledger,
  type TransferSpec as AnyTransferSpec,
} from '../../src/services/payment/ledger/index.js';

type AccountRef = AnyAccountRef<DefaultAccountKind>;
type TransferSpec = AnyTransferSpec<DefaultAccountKind>;

/** What the clients did in the measured window. */
export interface LoadFigures {
  applied: number;
  refused: number;
  /** Milliseconds from ledger.transfer() to its answer, sorted. */
  latencies: number[];
  seconds: number;
}

const CHANNELS = ['alipay', 'wechat', 'sandbox'] as const;
const wallet = (owner: string): AccountRef => ({ kind: 'wallet', owner });
const FEES: AccountRef = { kind: 'fee_revenue', owner: 'platform' };

/** Gives every user a starting balance: transfers of MAX_LEGS legs, one from a channel to many wallets. */
export async function fundUsers(
  ledger: Ledger,
  ids: IdGenerator,
  users: readonly string[],
  fen: number,
): Promise<void> {
  const perTransfer = MAX_LEGS - 1;
  const jobs: Promise<unknown>[] = [];
  for (let i = 0; i < users.length; i += perTransfer) {
    const group = users.slice(i, i + perTransfer);
    jobs.push(
      ledger.transfer({
        businessKey: `seed:${ids()}`,
        kind: 'topup',
        legs: [
          {
            account: { kind: 'channel_clearing', owner: CHANNELS[i % CHANNELS.length]! },
            amountFen: -fen * group.length,
          },
          ...group.map((u) => ({ account: wallet(u), amountFen: fen })),
        ],
      }),
    );
    if (jobs.length >= 200) await Promise.all(jobs.splice(0));
  }
  await Promise.all(jobs);
}

/**
 * `clients` loops, each sending one transfer at a time and waiting for its answer, for `seconds`
 * (after `warmupSeconds` not counted). The mix, as gig work would make it: 50 % moves between two
 * wallets, 20 % wage holds into a new order's escrow (a new account each), 20 % releases of a held
 * order to the worker minus the platform fee (three legs; the fee account is shared by all), 10 %
 * top-ups from a channel (its clearing account is shared by all).
 */
export async function runClients(options: {
  ledger: Ledger;
  ids: IdGenerator;
  users: readonly string[];
  clients: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<LoadFigures> {
  const { ledger, ids, users } = options;
  const figures: LoadFigures = { applied: 0, refused: 0, latencies: [], seconds: 0 };
  const start = performance.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = measureFrom + options.seconds * 1000;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;

  async function client(): Promise<void> {
    const held: { order: string; wage: number }[] = [];
    while (performance.now() < end) {
      const r = Math.random();
      let spec: TransferSpec;
      if (r < 0.5 || (r >= 0.7 && r < 0.9 && held.length === 0)) {
        const a = Math.floor(Math.random() * users.length);
        const b = (a + 1 + Math.floor(Math.random() * (users.length - 1))) % users.length;
        const fen = 1 + Math.floor(Math.random() * 500);
        spec = {
          businessKey: `move:${ids()}`,
          kind: 'move',
          legs: [
            { account: wallet(users[a]!), amountFen: -fen },
            { account: wallet(users[b]!), amountFen: fen },
          ],
        };
      } else if (r < 0.7) {
        const order = ids();
        const wage = 1_000 + Math.floor(Math.random() * 20_000);
        held.push({ order, wage });
        spec = {
          businessKey: `hold:${order}`,
          kind: 'escrow.hold',
          orderId: order,
          legs: [
            { account: wallet(pick(users)), amountFen: -wage },
            { account: { kind: 'escrow', owner: order }, amountFen: wage },
          ],
        };
      } else if (r < 0.9) {
        const { order, wage } = held.shift()!;
        const fee = Math.round(wage / 20);
        spec = {
          businessKey: `release:${order}`,
          kind: 'escrow.release',
          orderId: order,
          legs: [
            { account: { kind: 'escrow', owner: order }, amountFen: -wage },
            { account: wallet(pick(users)), amountFen: wage - fee },
            { account: FEES, amountFen: fee },
          ],
        };
      } else {
        const fen = 100 + Math.floor(Math.random() * 100_000);
        spec = {
          businessKey: `topup:${ids()}`,
          kind: 'topup',
          legs: [
            { account: { kind: 'channel_clearing', owner: pick(CHANNELS) }, amountFen: -fen },
            { account: wallet(pick(users)), amountFen: fen },
          ],
        };
      }
      const t0 = performance.now();
      let ok = true;
      try {
        await ledger.transfer(spec);
      } catch (e) {
        if (!(e instanceof InsufficientFundsError)) throw e;
        ok = false;
      }
      const t1 = performance.now();
      if (t0 >= measureFrom && t1 <= end) {
        figures.latencies.push(t1 - t0);
        if (ok) figures.applied++;
        else figures.refused++;
      }
    }
  }

  await Promise.all(Array.from({ length: options.clients }, () => client()));
  figures.seconds = options.seconds;
  figures.latencies.sort((a, b) => a - b);
  return figures;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
