import { MAX_FEN } from '../../../platform/money.js';
import { accountRefProblem, refKey, type AccountKinds, type AccountRef } from './account-kinds.js';
import { InvalidTransferError } from './ledger.errors.js';
import type { Transfer, TransferSpec } from './ledger.types.js';

/** Most legs one transfer may have (a release with a fee and a partial refund has four). */
export const MAX_LEGS = 32;

/** A leg once checked, with the map key of its account. */
export interface CheckedLeg {
  readonly ref: AccountRef;
  readonly key: string;
  readonly amountFen: number;
}

/** A transfer request once checked: every field in its stored form. */
export interface CheckedTransfer {
  readonly businessKey: string;
  readonly kind: string;
  readonly description: string | null;
  readonly orderId: string | null;
  readonly paymentId: string | null;
  readonly withdrawalId: string | null;
  readonly legs: readonly CheckedLeg[];
}

const KEY_RE = /^[\x21-\x7e]{1,200}$/;
const KIND_RE = /^[a-z][a-z0-9_.:-]{0,63}$/;
const LINK_RE = /^[\x21-\x7e]{1,64}$/;

/**
 * Checks a transfer request against the column bounds and the double-entry rules: at least two
 * legs on different accounts, every amount a non-zero safe integer within MAX_FEN, summing to zero.
 * Throws InvalidTransferError, before anything is queued or written.
 */
export function checkTransfer(kinds: AccountKinds<string>, spec: TransferSpec): CheckedTransfer {
  const fail = (why: string): never => {
    throw new InvalidTransferError(`transfer ${JSON.stringify(spec.businessKey)}: ${why}`);
  };
  if (typeof spec.businessKey !== 'string' || !KEY_RE.test(spec.businessKey)) {
    fail('the business key must be 1-200 printable ASCII characters');
  }
  if (typeof spec.kind !== 'string' || !KIND_RE.test(spec.kind)) fail(`kind must match ${String(KIND_RE)}`);
  const description = spec.description ?? null;
  if (description !== null && (typeof description !== 'string' || [...description].length > 200)) {
    fail('the description must be a text of at most 200 characters');
  }
  const link = (name: string, value: string | undefined): string | null => {
    if (value === undefined || value === null) return null;
    if (typeof value !== 'string' || !LINK_RE.test(value))
      fail(`${name} must be 1-64 printable ASCII characters`);
    return value;
  };
  if (!Array.isArray(spec.legs) || spec.legs.length < 2 || spec.legs.length > MAX_LEGS) {
    fail(`a transfer has 2 to ${MAX_LEGS} legs`);
  }
  const seen = new Set<string>();
  let sum = 0;
  const legs = spec.legs.map((leg, i): CheckedLeg => {
    const problem = accountRefProblem(kinds, leg.account);
    if (problem) fail(`leg ${i}: ${problem}`);
    const amount = leg.amountFen;
    if (!Number.isSafeInteger(amount) || amount === 0 || Math.abs(amount) > MAX_FEN) {
      fail(`leg ${i}: the amount must be a non-zero whole number of fen within ±${MAX_FEN}`);
    }
    const ref = { kind: leg.account.kind, owner: leg.account.owner };
    const key = refKey(ref);
    // One leg per account: the balance check and the account's history read one movement each.
    if (seen.has(key)) fail(`leg ${i}: the ${ref.kind} account of ${ref.owner} appears twice`);
    seen.add(key);
    sum += amount;
    return { ref, key, amountFen: amount };
  });
  if (sum !== 0) fail(`the legs sum to ${sum} fen, not zero`);
  return {
    businessKey: spec.businessKey,
    kind: spec.kind,
    description,
    orderId: link('orderId', spec.orderId),
    paymentId: link('paymentId', spec.paymentId),
    withdrawalId: link('withdrawalId', spec.withdrawalId),
    legs,
  };
}

/**
 * Whether a stored transfer is what this request asks for: the same kind, links and legs (in any
 * order). The description is free text and not compared.
 */
export function sameTransfer(request: CheckedTransfer, stored: Transfer): boolean {
  if (
    request.kind !== stored.kind ||
    request.orderId !== stored.orderId ||
    request.paymentId !== stored.paymentId ||
    request.withdrawalId !== stored.withdrawalId ||
    request.legs.length !== stored.legs.length
  ) {
    return false;
  }
  const amounts = new Map(stored.legs.map((l) => [refKey(l), l.amountFen]));
  return request.legs.every((l) => amounts.get(l.key) === l.amountFen);
}
