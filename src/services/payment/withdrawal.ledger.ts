import type { ChannelName } from './channels/index.js';
import { PLATFORM_OWNER, type DefaultAccountKind, type LegSpec, type TransferSpec } from './ledger/index.js';

/**
 * The withdrawal's three ledger transfers. The hold takes amount and fee from the wallet at once;
 * exactly one of `done` (the channel paid) and `returned` (the channel failed, or an admin
 * rejected it) follows, each keyed by the withdrawal so it applies once.
 */
type Leg = LegSpec<DefaultAccountKind>;
type Spec = TransferSpec<DefaultAccountKind>;

interface Money {
  id: string;
  userId: string;
  channel: ChannelName;
  amountFen: number;
  feeFen: number;
}

const wallet = (userId: string) => ({ kind: 'wallet', owner: userId }) as const;
const inFlight = (channel: ChannelName) => ({ kind: 'payouts_in_flight', owner: channel }) as const;
const clearing = (channel: ChannelName) => ({ kind: 'channel_clearing', owner: channel }) as const;
const fees = { kind: 'fee_revenue', owner: PLATFORM_OWNER } as const;

/** Legs without the zero ones (a fee of 0 has no leg). */
const legs = (...all: Leg[]): Leg[] => all.filter((l) => l.amountFen !== 0);

/** wallet −(amount + fee) → payouts in flight +amount, fee revenue +fee. */
export function holdTransfer(w: Money): Spec {
  return {
    businessKey: `withdrawal:${w.id}`,
    kind: 'withdrawal',
    description: 'Withdrawal to a channel account',
    withdrawalId: w.id,
    legs: legs(
      { account: wallet(w.userId), amountFen: -(w.amountFen + w.feeFen) },
      { account: inFlight(w.channel), amountFen: w.amountFen },
      { account: fees, amountFen: w.feeFen },
    ),
  };
}

/** The channel paid: payouts in flight −amount → channel clearing +amount. */
export function doneTransfer(w: Money): Spec {
  return {
    businessKey: `withdrawal.done:${w.id}`,
    kind: 'withdrawal.done',
    description: 'Withdrawal paid by the channel',
    withdrawalId: w.id,
    legs: [
      { account: inFlight(w.channel), amountFen: -w.amountFen },
      { account: clearing(w.channel), amountFen: w.amountFen },
    ],
  };
}

/** Failed or rejected: the amount out of payouts in flight and the fee out of fee revenue, back to the wallet. */
export function returnedTransfer(w: Money): Spec {
  return {
    businessKey: `withdrawal.failed:${w.id}`,
    kind: 'withdrawal.failed',
    description: 'Withdrawal failed or rejected: money back to the wallet',
    withdrawalId: w.id,
    legs: legs(
      { account: inFlight(w.channel), amountFen: -w.amountFen },
      { account: fees, amountFen: -w.feeFen },
      { account: wallet(w.userId), amountFen: w.amountFen + w.feeFen },
    ),
  };
}

/** The money of a stored withdrawal. */
export function moneyOf(row: {
  id: string;
  user_id: string;
  channel: ChannelName;
  amount_fen: number;
  fee_fen: number;
}): Money {
  return {
    id: row.id,
    userId: row.user_id,
    channel: row.channel,
    amountFen: row.amount_fen,
    feeFen: row.fee_fen,
  };
}
