import { writeAudit } from '../../platform/audit.js';
import { readPage, type Page, type PageRequest } from '../../platform/cursor.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import {
  ChannelError,
  type ChannelAnswer,
  type ChannelName,
  type ChannelPaymentState,
  type HttpHeaders,
  type PaymentChannel,
  type SandboxChannel,
  type TransferState,
} from './channels/index.js';
import type { PaymentContext } from './payment-context.js';
import type { PaymentDB } from './payment.db.js';
import { PaymentEvents } from './payment.events.js';
import { TopupErrors } from './topup.errors.js';
import { toAdminTopup, toTopupView } from './topup.mappers.js';
import {
  createTopupRepository,
  type TopupRepository,
  type TopupRow,
  type TopupStatus,
} from './topup.repository.js';
import type { AdminTopup, TopupView } from './topup.schemas.js';
import { PaymentErrors } from './payment.errors.js';

/** Shown to the payer by the channel. */
const SUBJECT = '零工钱包充值';
/** A pending top-up this old without a notification is asked about: the notification may be lost. */
export const LOST_NOTIFICATION_MS = 2 * 60_000;
const SWEEP_PAGE = 100;

type PaidState = Extract<ChannelPaymentState, { status: 'paid' }>;

/** Thrown inside a credit when the top-up moved on meanwhile; the transfer is then undone. */
class TopupMovedError extends Error {
  override name = 'TopupMovedError';
}

/**
 * The top-up flow (充值): a user asks to pay a channel, the channel's notification (or the sweep
 * asking the channel) credits the wallet once, a payment of another amount is held for an admin.
 */
export function createTopupService(
  ctx: PaymentContext,
  deps: {
    onTransferState: (channel: ChannelName, withdrawalId: string, state: TransferState) => Promise<void>;
  },
) {
  const { sdb, ledger, channels, settings, clock, ids, log, at } = ctx;
  const repo: TopupRepository = createTopupRepository();

  const channelOf = (name: ChannelName): PaymentChannel => {
    const channel = channels.get(name);
    if (!channel) throw PaymentErrors.PAYMENT_CHANNEL_UNAVAILABLE({ channel: name });
    return channel;
  };

  const toView = (row: TopupRow): TopupView => toTopupView(row, at);
  const toAdmin = (row: TopupRow): AdminTopup => toAdminTopup(row, at);

  async function own(userId: string, id: string): Promise<TopupRow> {
    const row = await repo.find(sdb.db, id);
    // Another user's top-up is answered as missing: ids are not secrets, but their existence is.
    if (!row || row.user_id !== userId) throw TopupErrors.TOPUP_NOT_FOUND();
    return row;
  }

  async function create(userId: string, body: { channel: ChannelName; amountFen: number }) {
    const channel = channelOf(body.channel);
    const { topupMinFen: minFen, topupMaxFen: maxFen } = settings;
    if (body.amountFen < minFen || body.amountFen > maxFen)
      throw TopupErrors.TOPUP_AMOUNT_OUT_OF_RANGE({ minFen, maxFen });
    const now = clock.now();
    const row: TopupRow = {
      id: ids(),
      user_id: userId,
      channel: body.channel,
      amount_fen: body.amountFen,
      status: 'pending',
      start: '',
      channel_transaction_id: null,
      paid_amount_fen: null,
      note: null,
      expires_at: now + settings.topupExpiryMinutes * 60_000,
      created_at: now,
      updated_at: now,
      paid_at: null,
    };
    // Not in a transaction: the request's Idempotency-Key commits with the first transaction (the
    // one storing `start` below), so a top-up the channel refused releases the key for a retry.
    await repo.insert(sdb.db, row);
    let start;
    try {
      start = await channel.createPayment({
        paymentId: row.id,
        amountFen: row.amount_fen,
        subject: SUBJECT,
        expiresAt: row.expires_at,
        notifyUrl: ctx.notifyUrl(body.channel),
      });
    } catch (e) {
      log.warn({ err: e, paymentId: row.id, channel: body.channel }, 'the channel did not take a top-up');
      const code = e instanceof ChannelError ? e.code : 'unexpected error';
      await repo.move(sdb.db, row.id, ['pending'], 'closed', {
        note: `channel error: ${code}`.slice(0, 200),
        updated_at: clock.now(),
      });
      // A write whose outcome is unknown may have created the payment: close it where we can.
      await channel.closePayment(row.id).catch((err: unknown) => {
        log.warn({ err, paymentId: row.id }, 'could not close a top-up at the channel');
      });
      if (e instanceof ChannelError) throw TopupErrors.PAYMENT_CHANNEL_ERROR();
      throw e;
    }
    const stored = JSON.stringify(start);
    return sdb.transaction(async (tx) => {
      await repo.setStart(tx.db, row.id, stored, tx.now);
      return toView({ ...row, start: stored, updated_at: tx.now });
    });
  }

  /**
   * Credits `amountFen` to the owner's wallet in one ledger transfer (business key
   * `topup:<id>`, so it happens once) whose commit also marks the top-up paid and publishes
   * payment.topped_up. Answers false when the credit had been made before.
   */
  async function credit(
    row: TopupRow,
    amountFen: number,
    from: readonly TopupStatus[],
    fields: { channel_transaction_id: string | null; paid_at: number; note: string | null },
    alsoInTransaction?: (tx: Tx<PaymentDB>) => Promise<void>,
  ): Promise<boolean> {
    const result = await ledger.transfer(
      {
        businessKey: `topup:${row.id}`,
        kind: 'topup',
        paymentId: row.id,
        description: '钱包充值',
        legs: [
          { account: { kind: 'channel_clearing', owner: row.channel }, amountFen: -amountFen },
          { account: { kind: 'wallet', owner: row.user_id }, amountFen },
        ],
      },
      {
        onApplied: async (tx) => {
          const moved = await repo.move(tx.db, row.id, from, 'paid', {
            ...fields,
            paid_amount_fen: amountFen,
            updated_at: tx.now,
          });
          if (!moved) throw new TopupMovedError(`top-up ${row.id} is no longer ${from.join(' or ')}`);
          await tx.publish(PaymentEvents.toppedUp({ userId: row.user_id, paymentId: row.id, amountFen }));
          await alsoInTransaction?.(tx);
        },
      },
    );
    return !result.replayed;
  }

  /** A channel says the top-up was paid: credit it once, or hold it when the amount differs. */
  async function settlePaid(row: TopupRow, paid: PaidState): Promise<void> {
    // Settled before (a replay), or refunded by an admin outside the platform: final.
    if (row.status === 'paid' || row.status === 'held' || row.status === 'refunded') return;
    // A late payment of a closed top-up is money received all the same: it is credited too.
    const from = ['pending', 'closed'] as const;
    if (paid.amountFen !== row.amount_fen) {
      const note = `paid ${paid.amountFen} fen, asked ${row.amount_fen} fen`;
      const held = await repo.move(sdb.db, row.id, from, 'held', {
        channel_transaction_id: paid.transactionId,
        paid_amount_fen: paid.amountFen,
        paid_at: paid.paidAt,
        note,
        updated_at: clock.now(),
      });
      if (held) log.warn({ paymentId: row.id, channel: row.channel }, `top-up held for an admin: ${note}`);
      return;
    }
    await credit(row, paid.amountFen, from, {
      channel_transaction_id: paid.transactionId,
      paid_at: paid.paidAt,
      note: null,
    });
  }

  async function applyPaymentState(name: ChannelName, paymentId: string, state: ChannelPaymentState) {
    if (state.status !== 'paid') return; // only payments change anything here; the sweep closes
    const row = await repo.find(sdb.db, paymentId);
    if (!row || row.channel !== name) {
      // Money arrived for no top-up of ours through this channel: a person must look at it.
      log.error({ channel: name, paymentId }, 'a channel reports a payment for an unknown top-up');
      return;
    }
    await settlePaid(row, state);
  }

  /**
   * Verifies and applies a channel's notification, answering what the channel expects. Throws on
   * an internal failure (the caller answers `retryAnswer`). A notification refused without hope of
   * a retry (a bad signature, a malformed body) is logged and answered as handled: the same bytes
   * can never pass, and a channel told to retry would send them for a day.
   */
  async function handleNotification(
    name: ChannelName,
    headers: HttpHeaders,
    rawBody: Buffer,
  ): Promise<ChannelAnswer> {
    const channel = channelOf(name);
    const check = await channel.verifyNotification(headers, rawBody);
    if (!check.ok) {
      // Never the body: it may carry account names.
      log.warn({ channel: name, reason: check.reason, retry: check.retry }, 'notification refused');
      return check.retry ? channel.retryAnswer(check.reason) : channel.handledAnswer();
    }
    const n = check.notification;
    switch (n.kind) {
      case 'payment':
        await applyPaymentState(name, n.paymentId, n.state);
        break;
      case 'transfer':
        await deps.onTransferState(name, n.withdrawalId, n.state);
        break;
    }
    return channel.handledAnswer();
  }

  /** The notify route's entry: as handleNotification, an internal failure answered as "retry". */
  async function receiveNotification(name: ChannelName, headers: HttpHeaders, rawBody: Buffer) {
    const channel = channelOf(name);
    try {
      return await handleNotification(name, headers, rawBody);
    } catch (e) {
      log.error({ err: e, channel: name }, 'could not handle a notification; the channel will retry');
      return channel.retryAnswer('internal error');
    }
  }

  /** The sandbox plays payer and channel: pays the top-up and feeds its notification through. */
  async function sandboxPay(userId: string, id: string, amountFen: number | undefined) {
    const channel = channels.get('sandbox');
    const sandbox = channel && 'simulatePaid' in channel ? (channel as SandboxChannel) : undefined;
    const row = await own(userId, id);
    if (!sandbox || row.channel !== 'sandbox' || row.status === 'closed')
      throw TopupErrors.TOPUP_NOT_PAYABLE();
    if (row.status === 'paid' || row.status === 'held') return toView(row);
    let notification;
    try {
      notification = sandbox.simulatePaid(id, amountFen ?? row.amount_fen);
    } catch (e) {
      // Closed, or unknown to a sandbox restarted since (its state lives in memory).
      if (e instanceof ChannelError) throw TopupErrors.TOPUP_NOT_PAYABLE();
      throw e;
    }
    await handleNotification('sandbox', notification.headers, notification.body);
    return toView((await repo.find(sdb.db, id))!);
  }

  async function closeRow(row: TopupRow, note: string | null): Promise<void> {
    await repo.move(sdb.db, row.id, ['pending'], 'closed', { note, updated_at: clock.now() });
  }

  async function reconcileOne(row: TopupRow, now: number): Promise<void> {
    const expired = now >= row.expires_at;
    const channel = channels.get(row.channel);
    if (!channel) {
      if (expired) await closeRow(row, 'channel no longer configured');
      return;
    }
    let state: ChannelPaymentState;
    try {
      state = await channel.queryPayment(row.id);
    } catch (e) {
      // Alipay knows a precreated trade only once the payer scanned it.
      if (!(e instanceof ChannelError && e.kind === 'not_found')) throw e;
      state = { status: 'pending' };
    }
    switch (state.status) {
      case 'paid':
        return settlePaid(row, state);
      case 'closed':
        return closeRow(row, expired ? null : 'closed by the channel');
      case 'pending':
        if (!expired) return;
        await channel.closePayment(row.id).catch((e: unknown) => {
          // Not known there (never scanned) is closed enough; anything else, e.g. paid meanwhile, waits.
          if (!(e instanceof ChannelError && e.kind === 'not_found')) throw e;
        });
        return closeRow(row, null);
    }
  }

  /**
   * The sweep (every minute): pending top-ups older than LOST_NOTIFICATION_MS are asked about;
   * paid ones are credited as a notification would, expired unpaid ones closed at the channel and
   * here. One top-up's failure is logged and leaves the others be.
   */
  async function reconcile(): Promise<void> {
    const now = clock.now();
    let afterId: string | undefined;
    for (;;) {
      const rows = await repo.pendingCreatedBefore(sdb.db, now - LOST_NOTIFICATION_MS, afterId, SWEEP_PAGE);
      for (const row of rows) {
        try {
          await reconcileOne(row, now);
        } catch (e) {
          log.warn({ err: e, paymentId: row.id, channel: row.channel }, 'could not reconcile a top-up');
        }
      }
      if (rows.length < SWEEP_PAGE) return;
      afterId = rows.at(-1)!.id;
    }
  }

  /** An admin settles a held top-up: credits what was paid, or closes it to refund offline. */
  async function resolve(
    admin: Principal,
    id: string,
    body: { action: 'credit' | 'refund_offline'; reason: string },
  ): Promise<AdminTopup> {
    const row = await repo.find(sdb.db, id);
    if (!row) throw TopupErrors.TOPUP_NOT_FOUND();
    if (row.status !== 'held' || row.paid_amount_fen === null || row.paid_amount_fen <= 0)
      throw TopupErrors.TOPUP_NOT_HELD();
    const audit = (tx: Tx<PaymentDB>, action: string) =>
      writeAudit(tx, sdb.prefix, ids, {
        actorId: admin.userId,
        actorRole: 'admin',
        action,
        targetType: 'topup',
        targetId: id,
        data: { reason: body.reason, paidAmountFen: row.paid_amount_fen, amountFen: row.amount_fen },
      });
    const note = `${body.action}: ${body.reason}`.slice(0, 200);
    switch (body.action) {
      case 'credit':
        try {
          await credit(
            row,
            row.paid_amount_fen,
            ['held'],
            { channel_transaction_id: row.channel_transaction_id, paid_at: row.paid_at ?? clock.now(), note },
            (tx) => audit(tx, 'topup.credited'),
          );
        } catch (e) {
          if (e instanceof TopupMovedError) throw TopupErrors.TOPUP_NOT_HELD();
          throw e;
        }
        break;
      case 'refund_offline':
        await sdb.transaction(async (tx) => {
          if (!(await repo.move(tx.db, id, ['held'], 'refunded', { note, updated_at: tx.now })))
            throw TopupErrors.TOPUP_NOT_HELD();
          await audit(tx, 'topup.refunded_offline');
        });
        break;
    }
    return toAdmin((await repo.find(sdb.db, id))!);
  }

  return {
    create,
    get: async (userId: string, id: string) => toView(await own(userId, id)),
    list: (userId: string, page: PageRequest): Promise<Page<TopupView>> =>
      readPage(
        ctx.cursors,
        `topups:${userId}`,
        page,
        (beforeId, limit) => repo.listOfUser(sdb.db, userId, beforeId, limit),
        (rows) => rows.map(toView),
      ),
    listForAdmin: (status: TopupStatus, page: PageRequest): Promise<Page<AdminTopup>> =>
      readPage(
        ctx.cursors,
        `admin-topups:${status}`,
        page,
        (afterId, limit) => repo.listByStatus(sdb.db, status, afterId, limit),
        (rows) => rows.map(toAdmin),
      ),
    receiveNotification,
    handleNotification,
    sandboxPay,
    reconcile,
    resolve,
    /** Whether the sandbox channel is configured (its pay route exists only then). */
    hasSandbox: () => channels.has('sandbox'),
  };
}

export type TopupService = ReturnType<typeof createTopupService>;
