import { businessDayStart } from '../../platform/clock.js';
import { readPage, type Page, type PageRequest } from '../../platform/cursor.js';
import { formatYuan, money } from '../../platform/money.js';
import { verificationClient } from '../verification/index.js';
import { InsufficientFundsError } from './ledger/index.js';
import type { PaymentContext } from './payment-context.js';
import { WithdrawalErrors } from './withdrawal.errors.js';
import { holdTransfer } from './withdrawal.ledger.js';
import { toWithdrawalView } from './withdrawal.mappers.js';
import type { WithdrawalRepository, WithdrawalRow } from './withdrawal.repository.js';
import type { CreateWithdrawalBody, WithdrawalView } from './withdrawal.schemas.js';
import type { WithdrawalSettlement } from './withdrawal.settlement.js';
import { PaymentErrors } from './payment.errors.js';

const yuan = (fen: number): string => formatYuan(money(fen));
const sameName = (name: string): string => name.normalize('NFC').trim();

/** A user's own withdrawals: asking for one, and reading them. */
export function createWithdrawalRequests(
  ctx: PaymentContext,
  repo: WithdrawalRepository,
  settlement: WithdrawalSettlement,
) {
  const limits = ctx.settings.withdrawal;
  const view = (row: WithdrawalRow) => toWithdrawalView(ctx, row);

  function checkDailyLimit(withdrawnFen: number, amountFen: number): void {
    if (withdrawnFen + amountFen > limits.dailyMaxFen) {
      throw WithdrawalErrors.WITHDRAWAL_DAILY_LIMIT({
        limit: yuan(limits.dailyMaxFen),
        remaining: yuan(Math.max(0, limits.dailyMaxFen - withdrawnFen)),
      });
    }
  }

  /**
   * Takes amount and fee from the wallet and sends the amount to the user's own channel account
   * (or queues it for an admin above the review threshold). The checks, in order: the channel, the
   * amount, the verified real name and the payee's name, the daily limit, the wallet's balance.
   */
  async function create(userId: string, body: CreateWithdrawalBody): Promise<WithdrawalView> {
    const { amountFen } = body;
    if (!ctx.channels.has(body.channel))
      throw PaymentErrors.PAYMENT_CHANNEL_UNAVAILABLE({ channel: body.channel });
    if (amountFen < limits.minFen || amountFen > limits.maxFen)
      throw WithdrawalErrors.WITHDRAWAL_AMOUNT_INVALID({
        min: yuan(limits.minFen),
        max: yuan(limits.maxFen),
      });
    const identity = await ctx.clients.get(verificationClient).identity(userId);
    if (identity.status !== 'approved' || identity.name === null) throw WithdrawalErrors.REAL_NAME_REQUIRED();
    const payeeName = sameName(body.payeeName);
    if (payeeName !== sameName(identity.name)) throw WithdrawalErrors.PAYEE_NAME_MISMATCH();
    const since = businessDayStart(ctx.clock.now(), ctx.config.businessTimeZone);
    checkDailyLimit(await repo.totalSince(userId, since), amountFen);

    const id = ctx.ids();
    const status = amountFen > limits.reviewAboveFen ? 'review' : 'processing';
    let created: WithdrawalRow | undefined;
    try {
      await ctx.ledger.transfer(
        holdTransfer({ id, userId, channel: body.channel, amountFen, feeFen: limits.feeFen }),
        {
          async onApplied(tx) {
            // Again under the ledger's lock of the wallet: two requests at once cannot both pass.
            checkDailyLimit(await repo.totalSince(userId, since, tx.db), amountFen);
            const row: WithdrawalRow = {
              id,
              user_id: userId,
              channel: body.channel,
              account_cipher: ctx.pii.encrypt(body.account),
              payee_name_cipher: ctx.pii.encrypt(payeeName),
              amount_fen: amountFen,
              fee_fen: limits.feeFen,
              status,
              channel_transaction_id: null,
              user_confirmation: null,
              reason: null,
              reviewed_by: null,
              created_at: tx.now,
              updated_at: tx.now,
              checked_at: tx.now,
              finished_at: null,
            };
            await repo.insert(row, tx.db);
            // The request's Idempotency-Key commits with the money, in the ledger's transaction:
            // a retry after a failure past this point must not withdraw twice.
            await ctx.sdb.commitRequestClaim(tx, view(row));
            created = row;
          },
        },
      );
    } catch (e) {
      if (e instanceof InsufficientFundsError) throw WithdrawalErrors.WALLET_INSUFFICIENT_FUNDS();
      throw e;
    }
    if (!created) throw new Error(`withdrawal ${id}: the hold committed without its row`);
    ctx.log.info({ withdrawalId: id, userId, amountFen, status }, 'withdrawal requested');
    if (status === 'processing') await settlement.send(created);
    return view((await repo.find(id)) ?? created);
  }

  function listMine(userId: string, page: PageRequest): Promise<Page<WithdrawalView>> {
    return readPage(
      ctx.cursors,
      `withdrawals:${userId}`,
      page,
      (beforeId, limit) => repo.listOfUser(userId, beforeId, limit),
      (rows) => rows.map(view),
    );
  }

  /** One of the user's withdrawals; another user's answers not found, like one that does not exist. */
  async function getMine(userId: string, id: string): Promise<WithdrawalView> {
    const row = await repo.find(id);
    if (!row || row.user_id !== userId) throw WithdrawalErrors.WITHDRAWAL_NOT_FOUND();
    return view(row);
  }

  return { create, listMine, getMine };
}

export type WithdrawalRequests = ReturnType<typeof createWithdrawalRequests>;
