import type { Static } from 'typebox';
import type { LedgerEntry } from './ledger/index.js';
import type { PaymentContext, PaymentFeature } from './payment-context.js';
import { createWalletRepository } from './wallet.repository.js';
import { registerWalletRoutes, type WalletService } from './wallet.routes.js';
import type { WalletEntrySchema } from './wallet.schemas.js';

type WalletEntry = Static<typeof WalletEntrySchema>;

/**
 * A stored description "中文 / English" as both languages; one without the separator is shown as
 * is in both, none at all as the transfer's kind.
 */
export function describeEntry(description: string | null, kind: string): { zh: string; en: string } {
  if (!description) return { zh: kind, en: kind };
  const at = description.indexOf(' / ');
  if (at < 0) return { zh: description, en: description };
  return { zh: description.slice(0, at).trim(), en: description.slice(at + 3).trim() };
}

/** The wallet API: balances and the history of entries. */
export function createWallet(ctx: PaymentContext): PaymentFeature {
  const { ledger, sdb } = ctx;
  const repo = createWalletRepository(sdb.db);

  const entryOf = (e: LedgerEntry): WalletEntry => ({
    seq: e.seq,
    transferId: e.transferId,
    amountFen: e.amountFen,
    balanceAfterFen: e.balanceAfterFen,
    kind: e.transferKind,
    description: describeEntry(e.description, e.transferKind),
    orderId: e.orderId,
    paymentId: e.paymentId,
    withdrawalId: e.withdrawalId,
    at: ctx.at(e.createdAt),
  });

  const service: WalletService = {
    async walletOf(userId) {
      const wallet = await ledger.getAccount({ kind: 'wallet', owner: userId });
      const [pendingFen, heldFen, withdrawingFen] = await Promise.all([
        ledger.balance({ kind: 'pending', owner: userId }),
        wallet ? repo.heldFen(wallet.id) : 0,
        repo.withdrawingFen(userId),
      ]);
      return { availableFen: wallet?.balanceFen ?? 0, pendingFen, heldFen, withdrawingFen };
    },
    async entriesOf(userId, page) {
      const found = await ledger.entries({ kind: 'wallet', owner: userId }, page);
      return { items: found.items.map(entryOf), nextCursor: found.nextCursor };
    },
  };

  return { routes: (app) => registerWalletRoutes(app, service) };
}
