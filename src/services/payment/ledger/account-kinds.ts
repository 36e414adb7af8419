/**
 * The kinds of ledger account and the rule each lives by.
 *
 * Sign convention: an account's balance is what it holds. A leg of +100 adds 100 fen to its
 * account, a leg of −100 takes 100 away; a transfer's legs sum to zero. Money entering from a
 * channel is taken from that channel's clearing account, which therefore runs negative: it mirrors
 * the money the channel holds for the platform.
 */
export interface AccountKindSpec {
  /** Whether the balance may go below zero. Copied onto each account when it is made. */
  readonly mayGoNegative: boolean;
  /** The only owners allowed (e.g. the channel names); any id-like owner when absent. */
  readonly owners?: readonly string[];
  /** What the account holds, for readers of the code and of `linggong ledger check`. */
  readonly description: string;
}

/** The channels money enters and leaves through. */
export const LEDGER_CHANNELS = ['alipay', 'wechat', 'sandbox'] as const;
export type LedgerChannel = (typeof LEDGER_CHANNELS)[number];

/** The owner of the platform's own accounts. */
export const PLATFORM_OWNER = 'platform';

/**
 * The built-in kinds. A deployment adds kinds by passing its own registry to `createLedger`
 * (`{ ...LEDGER_ACCOUNT_KINDS, subsidy: { … } }`). Changing an existing kind's rule does not touch
 * accounts already made: that needs a migration of their `may_go_negative`.
 */
export const LEDGER_ACCOUNT_KINDS = {
  wallet: {
    mayGoNegative: false,
    description:
      "A user's available balance: what they can spend, hold for an order or withdraw. Owner: user id.",
  },
  pending: {
    mayGoNegative: false,
    description: 'What a worker has earned but may not withdraw yet (pending settlement). Owner: user id.',
  },
  escrow: {
    mayGoNegative: false,
    description:
      'Wages held for one order until it is completed, refunded or split; zero once the order is final. Owner: order id.',
  },
  fee_revenue: {
    mayGoNegative: false,
    owners: [PLATFORM_OWNER],
    description:
      'Platform fees collected. A refunded fee comes out of it, so it cannot give back more than it took.',
  },
  channel_clearing: {
    mayGoNegative: true,
    owners: LEDGER_CHANNELS,
    description:
      "Money at a channel: a top-up takes from it, a completed payout adds to it. Negative while the channel holds users' money; positive when more was paid out through it than came in.",
  },
  payouts_in_flight: {
    mayGoNegative: false,
    owners: LEDGER_CHANNELS,
    description:
      'Withdrawals sent to a channel and not yet confirmed: the confirmation moves them to clearing, a failure back to the wallet.',
  },
} as const satisfies Record<string, AccountKindSpec>;

export type DefaultAccountKind = keyof typeof LEDGER_ACCOUNT_KINDS;

/** A registry of account kinds: the built-ins, or a deployment's superset of them. */
export type AccountKinds<K extends string = DefaultAccountKind> = Readonly<Record<K, AccountKindSpec>>;

/** An account named by what it is: `{ kind: 'wallet', owner: userId }`. */
export interface AccountRef<K extends string = string> {
  readonly kind: K;
  readonly owner: string;
}

const KIND_RE = /^[a-z][a-z0-9_]{0,31}$/;
/** Printable ASCII without spaces: ids, channel names, `platform`. */
const OWNER_RE = /^[\x21-\x7e]{1,64}$/;

/** Refuses a registry whose kind names do not fit the column. */
export function checkAccountKinds(kinds: AccountKinds<string>): void {
  for (const kind of Object.keys(kinds)) {
    if (!KIND_RE.test(kind))
      throw new TypeError(`ledger account kind "${kind}" must match ${String(KIND_RE)}`);
  }
}

/** Why the reference cannot name an account of this registry, or undefined when it can. */
export function accountRefProblem(kinds: AccountKinds<string>, ref: AccountRef): string | undefined {
  const spec = Object.hasOwn(kinds, ref.kind) ? kinds[ref.kind] : undefined;
  if (!spec) return `unknown account kind "${String(ref.kind)}"`;
  if (typeof ref.owner !== 'string' || !OWNER_RE.test(ref.owner)) {
    return `account owner of ${ref.kind} must be 1-64 printable ASCII characters`;
  }
  if (spec.owners && !spec.owners.includes(ref.owner)) {
    return `account kind ${ref.kind} has no owner "${ref.owner}" (one of ${spec.owners.join(', ')})`;
  }
  return undefined;
}

/** The map key of an account reference (kinds and owners contain no NUL). */
export function refKey(ref: AccountRef): string {
  return `${ref.kind}\u0000${ref.owner}`;
}
