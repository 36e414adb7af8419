import type { AccountRef, DefaultAccountKind, LegSpec, Transfer, TransferSpec } from './ledger/index.js';
import { PLATFORM_OWNER } from './ledger/index.js';
import { feeFor, type FeeTerms } from './fees.js';
import type { EscrowState } from './payment.client.js';

/**
 * The escrow's transfers as pure functions: how each is written (kind, business key, description,
 * legs) and how an order's escrow state is read back from its transfers. No I/O here.
 *
 * Descriptions are written "中文 / English" (the wallet API splits them). The hold's description
 * also records its terms — the wage and who pays the fee — because the ledger keeps no other
 * field for them and a release must be computed from the hold alone (the escrow is zero by the
 * time a release is repeated).
 */
export const ESCROW_KINDS = {
  hold: 'escrow.hold',
  release: 'escrow.release',
  refund: 'escrow.refund',
  settle: 'escrow.settle',
} as const;

/**
 * One business key per order and step. Release and refund share `escrow.final:` so that only one
 * of them can ever apply to an order: the other is refused by the ledger as a conflict.
 */
export const escrowKeys = {
  hold: (orderId: string) => `escrow.hold:${orderId}`,
  final: (orderId: string) => `escrow.final:${orderId}`,
  settle: (orderId: string) => `escrow.settle:${orderId}`,
};

type Ref = AccountRef<DefaultAccountKind>;
type Spec = TransferSpec<DefaultAccountKind>;
const wallet = (userId: string): Ref => ({ kind: 'wallet', owner: userId });
const pending = (userId: string): Ref => ({ kind: 'pending', owner: userId });
const escrowOf = (orderId: string): Ref => ({ kind: 'escrow', owner: orderId });
const feeRevenue: Ref = { kind: 'fee_revenue', owner: PLATFORM_OWNER };

/** What a hold fixed: who held, the wage, the fee held with it (0 when the worker pays). */
export interface HoldTerms {
  employerId: string;
  wageFen: number;
  feeFen: number;
  payer: 'employer' | 'worker';
  /** wageFen + feeFen: what the escrow received. */
  heldFen: number;
}

const HOLD_TERMS_RE = /\(wage (\d+) fen; fee (?:(\d+) fen, )?paid by the (employer|worker)\)$/;

function holdDescription(t: Omit<HoldTerms, 'employerId' | 'heldFen'>): string {
  return t.payer === 'employer'
    ? `订单押金托管（工资 ${t.wageFen} 分，服务费 ${t.feeFen} 分由雇主支付） / ` +
        `Wage held in escrow (wage ${t.wageFen} fen; fee ${t.feeFen} fen, paid by the employer)`
    : `订单押金托管（工资 ${t.wageFen} 分，服务费由工人支付） / ` +
        `Wage held in escrow (wage ${t.wageFen} fen; fee paid by the worker)`;
}

/** The hold of `wageFen`: the wage, plus the fee on all of it when the employer pays the fee. */
export function holdTransfer(
  orderId: string,
  employerId: string,
  wageFen: number,
  fee: Required<FeeTerms>,
): { spec: Spec; terms: HoldTerms } {
  const feeFen = fee.payer === 'employer' ? feeFor(wageFen, fee) : 0;
  const heldFen = wageFen + feeFen;
  return {
    terms: { employerId, wageFen, feeFen, payer: fee.payer, heldFen },
    spec: {
      businessKey: escrowKeys.hold(orderId),
      kind: ESCROW_KINDS.hold,
      description: holdDescription({ wageFen, feeFen, payer: fee.payer }),
      orderId,
      legs: [
        { account: wallet(employerId), amountFen: -heldFen },
        { account: escrowOf(orderId), amountFen: heldFen },
      ],
    },
  };
}

/** The terms a stored hold transfer was made with. */
export function holdTermsOf(hold: Transfer): HoldTerms {
  const match = HOLD_TERMS_RE.exec(hold.description ?? '');
  const employerLeg = hold.legs.find((l) => l.kind === 'wallet' && l.amountFen < 0);
  const escrowLeg = hold.legs.find((l) => l.kind === 'escrow' && l.amountFen > 0);
  if (!match || !employerLeg || !escrowLeg)
    throw new Error(`escrow hold ${hold.businessKey} does not record its terms`);
  const wageFen = Number(match[1]);
  const payer = match[3] as 'employer' | 'worker';
  return {
    employerId: employerLeg.owner,
    wageFen,
    feeFen: escrowLeg.amountFen - wageFen,
    payer,
    heldFen: escrowLeg.amountFen,
  };
}

/** Legs with one per account (amounts on the same account added) and none of zero. */
function mergeLegs(legs: LegSpec<DefaultAccountKind>[]): LegSpec<DefaultAccountKind>[] {
  const byAccount = new Map<string, { account: Ref; amountFen: number }>();
  for (const leg of legs) {
    const key = `${leg.account.kind}\u0000${leg.account.owner}`;
    const known = byAccount.get(key);
    if (known) known.amountFen += leg.amountFen;
    else byAccount.set(key, { account: leg.account, amountFen: leg.amountFen });
  }
  return [...byAccount.values()].filter((l) => l.amountFen !== 0);
}

export interface ReleasePlan {
  spec: Spec;
  payFen: number;
  feeFen: number;
  refundFen: number;
}

/**
 * Pays out the whole escrow: the worker's pay (less the fee when the worker pays it) to their
 * wallet or pending settlement, the fee to the platform, the rest back to the employer. The fee
 * uses today's rate, by the payer fixed at the hold; an employer-paid fee never exceeds the fee
 * held, so the legs never take more than the escrow holds. `payFen` is at most the wage.
 */
export function releaseTransfer(
  orderId: string,
  terms: HoldTerms,
  request: { workerId: string; payFen: number; pending: boolean },
  rate: Pick<FeeTerms, 'bps' | 'minFen'>,
): ReleasePlan {
  const { payFen } = request;
  // The payer fixed at the hold decides, whatever the configuration says today.
  const fee = feeFor(payFen, { bps: rate.bps, minFen: rate.minFen, payer: terms.payer });
  const feeFen = terms.payer === 'employer' ? Math.min(fee, terms.feeFen) : fee;
  const workerFen = terms.payer === 'employer' ? payFen : payFen - feeFen;
  const refundFen = terms.heldFen - workerFen - feeFen;
  const to = request.pending ? pending(request.workerId) : wallet(request.workerId);
  return {
    payFen,
    feeFen,
    refundFen,
    spec: {
      businessKey: escrowKeys.final(orderId),
      kind: ESCROW_KINDS.release,
      description: request.pending
        ? '订单报酬（待结算） / Order pay released (pending settlement)'
        : '订单报酬结算 / Order pay released',
      orderId,
      legs: mergeLegs([
        { account: escrowOf(orderId), amountFen: -terms.heldFen },
        { account: to, amountFen: workerFen },
        { account: feeRevenue, amountFen: feeFen },
        { account: wallet(terms.employerId), amountFen: refundFen },
      ]),
    },
  };
}

/** The whole escrow back to the employer. */
export function refundTransfer(orderId: string, terms: HoldTerms): Spec {
  return {
    businessKey: escrowKeys.final(orderId),
    kind: ESCROW_KINDS.refund,
    description: '订单押金退回 / Escrow refunded',
    orderId,
    legs: [
      { account: escrowOf(orderId), amountFen: -terms.heldFen },
      { account: wallet(terms.employerId), amountFen: terms.heldFen },
    ],
  };
}

/** The pay a release put in pending settlement, to the worker's wallet. */
export function settleTransfer(orderId: string, workerId: string, amountFen: number): Spec {
  return {
    businessKey: escrowKeys.settle(orderId),
    kind: ESCROW_KINDS.settle,
    description: '待结算报酬转入钱包 / Pending pay settled to the wallet',
    orderId,
    legs: [
      { account: pending(workerId), amountFen: -amountFen },
      { account: wallet(workerId), amountFen },
    ],
  };
}

/** An order's escrow transfers, each step found once. */
export interface EscrowHistory {
  hold: Transfer | undefined;
  /** The release or the refund. */
  final: Transfer | undefined;
  settle: Transfer | undefined;
  state: EscrowState;
  /** Who a release paid and where (undefined before a release). */
  released: { workerId: string; pending: boolean; workerFen: number } | undefined;
}

/**
 * Reads an order's escrow from its transfers (`ledger.transfersOf({ orderId })`). The balance is
 * the sum of the escrow legs among them, so the state is one consistent reading of one query.
 */
export function escrowHistory(orderId: string, transfers: readonly Transfer[]): EscrowHistory {
  const hold = transfers.find((t) => t.kind === ESCROW_KINDS.hold);
  const final = transfers.find((t) => t.kind === ESCROW_KINDS.release || t.kind === ESCROW_KINDS.refund);
  const settle = transfers.find((t) => t.kind === ESCROW_KINDS.settle);
  const balanceFen = transfers
    .flatMap((t) => t.legs)
    .filter((l) => l.kind === 'escrow' && l.owner === orderId)
    .reduce((sum, l) => sum + l.amountFen, 0);
  const state: EscrowState = {
    orderId,
    status: 'none',
    balanceFen,
    heldFen: 0,
    wageFen: 0,
    feePayer: null,
    payFen: 0,
    feeFen: 0,
    refundFen: 0,
    pendingSettlement: false,
  };
  if (!hold) return { hold, final, settle, state, released: undefined };
  const terms = holdTermsOf(hold);
  Object.assign(state, {
    status: 'held',
    heldFen: terms.heldFen,
    wageFen: terms.wageFen,
    feePayer: terms.payer,
  });
  if (!final) return { hold, final, settle, state, released: undefined };
  const employerFen = final.legs
    .filter((l) => l.kind === 'wallet' && l.owner === terms.employerId)
    .reduce((sum, l) => sum + l.amountFen, 0);
  if (final.kind === ESCROW_KINDS.refund) {
    Object.assign(state, { status: 'refunded', refundFen: employerFen });
    return { hold, final, settle, state, released: undefined };
  }
  const feeFen = final.legs.find((l) => l.kind === 'fee_revenue')?.amountFen ?? 0;
  const workerLeg = final.legs.find(
    (l) => l.kind === 'pending' || (l.kind === 'wallet' && l.owner !== terms.employerId),
  );
  const workerFen = workerLeg?.amountFen ?? 0;
  const pendingPay = workerLeg?.kind === 'pending';
  Object.assign(state, {
    status: 'released',
    payFen: terms.payer === 'employer' ? workerFen : workerFen + feeFen,
    feeFen,
    refundFen: employerFen,
    pendingSettlement: pendingPay && !settle,
  });
  // A release whose worker got nothing (all of the pay went to a worker-paid fee) names no worker.
  const released = workerLeg ? { workerId: workerLeg.owner, pending: pendingPay, workerFen } : undefined;
  return { hold, final, settle, state, released };
}
