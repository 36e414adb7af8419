import { writeAudit } from '../../platform/audit.js';
import { businessDay, isCalendarDate } from '../../platform/clock.js';
import { readPage, type PageRequest } from '../../platform/cursor.js';
import { insertIgnore } from '../../platform/db/helpers.js';
import type { Principal } from '../../platform/http/auth.js';
import { toSafeInt } from '../../platform/money.js';
import { ChannelError, type ChannelName, type StatementLine } from './channels/index.js';
import type { PaymentContext, PaymentFeature } from './payment-context.js';
import type { ReconciliationTables } from './reconciliation.db.js';
import { ReconciliationErrors } from './reconciliation.errors.js';
import { registerReconciliationRoutes } from './reconciliation.routes.js';
import type { ItemView, RunView } from './reconciliation.schemas.js';

type Item = ReconciliationTables['payment_reconciliation_items'];
type Run = ReconciliationTables['payment_reconciliation_runs'];

/** How far a business day can reach in UTC, either side: zones run from UTC−12 to UTC+14. */
const DAY_REACH_MS = 15 * 3_600_000;

/**
 * Daily reconciliation: each channel's statement (对账单) of a business day, line by line, against
 * the top-ups the ledger credited that day. A payment on the statement that the ledger did not
 * credit, a credit the statement does not show, and a line whose amount differs each become an
 * item for an admin, who resolves it with a note (audited). Runs are idempotent: a run repeated
 * records the same differences once. Withdrawals are checked one by one with the channel
 * (the withdrawals' poll), not here: the channels' trade statements do not list transfers.
 */
export function createReconciliation(ctx: PaymentContext): PaymentFeature & {
  run(channel: ChannelName, day: string): Promise<RunView>;
} {
  const { sdb, ledger, channels, clock, ids, log, at, cursors, config } = ctx;
  const tz = config.businessTimeZone;

  /** What the ledger credited for each of the channel's top-ups paid (or held) that day. */
  async function creditedThatDay(channel: ChannelName, day: string, extra: Set<string>) {
    const noon = Date.parse(`${day}T12:00:00Z`);
    const rows = await sdb.db
      .selectFrom('payment_topups')
      .select(['id', 'channel_transaction_id', 'paid_at'])
      .where('channel', '=', channel)
      .where('status', 'in', ['paid', 'held'])
      .where('paid_at', '>=', noon - 12 * 3_600_000 - DAY_REACH_MS)
      .where('paid_at', '<', noon + 12 * 3_600_000 + DAY_REACH_MS)
      .execute();
    const ids = new Set(rows.filter((r) => businessDay(Number(r.paid_at), tz) === day).map((r) => r.id));
    // A statement's line may name a top-up our side recorded on another day (paid at midnight).
    for (const id of extra) ids.add(id);
    const credited = new Map<string, Credited>();
    for (const id of ids) {
      const transfer = await ledger.transferByKey(`topup:${id}`);
      const leg = transfer?.legs.find((l) => l.kind === 'wallet');
      const row = rows.find((r) => r.id === id);
      if (leg) credited.set(id, { fen: leg.amountFen, transactionId: row?.channel_transaction_id ?? null });
    }
    return { ours: ids, credited };
  }

  async function run(channelName: ChannelName, day: string): Promise<RunView> {
    const channel = channels.get(channelName);
    if (!channel) throw ReconciliationErrors.RECONCILIATION_CHANNEL_UNKNOWN({ channel: channelName });
    if (!isCalendarDate(day) || day >= businessDay(clock.now(), tz))
      throw ReconciliationErrors.RECONCILIATION_DAY_INVALID();
    let lines: StatementLine[];
    try {
      // Only payments are reconciled here; refunds are never asked of a channel by this platform.
      lines = (await channel.statement(day)).filter((l) => l.kind === 'payment');
    } catch (e) {
      if (!(e instanceof ChannelError)) throw e;
      const note = `statement unavailable: ${e.kind}${e.code ? ` ${e.code}` : ''}`.slice(0, 200);
      log.warn({ channel: channelName, day, kind: e.kind }, 'reconciliation: statement unavailable');
      return saveRun(
        { channel: channelName, day, status: 'unavailable', statement_lines: 0, differences: 0, note },
        [],
      );
    }
    const { ours, credited } = await creditedThatDay(
      channelName,
      day,
      new Set(lines.map((l) => l.reference)),
    );
    const found = differencesOf(lines, ours, credited);
    return saveRun(
      {
        channel: channelName,
        day,
        status: found.length === 0 ? 'matched' : 'differences',
        statement_lines: lines.length,
        differences: found.length,
        note: null,
      },
      found,
    );
  }

  async function saveRun(runRow: Omit<Run, 'ran_at'>, found: Difference[]): Promise<RunView> {
    return sdb.transaction(async (tx) => {
      const row: Run = { ...runRow, ran_at: tx.now };
      await tx.db
        .deleteFrom('payment_reconciliation_runs')
        .where('channel', '=', row.channel)
        .where('day', '=', row.day)
        .execute();
      await tx.db.insertInto('payment_reconciliation_runs').values(row).execute();
      for (const item of found) {
        await insertIgnore(
          tx.db,
          sdb.dialect,
          'payment_reconciliation_items',
          {
            id: ids(),
            channel: row.channel,
            day: row.day,
            status: 'open',
            resolution: null,
            resolved_by: null,
            created_at: tx.now,
            resolved_at: null,
            ...item,
          },
          ['channel', 'day', 'kind', 'reference'],
        );
      }
      return toRunView(row);
    });
  }

  const toRunView = (r: Run): RunView => ({
    channel: r.channel,
    day: r.day,
    status: r.status,
    statementLines: toSafeInt(r.statement_lines),
    differences: toSafeInt(r.differences),
    note: r.note,
    ranAt: at(Number(r.ran_at)),
  });

  const toItemView = (r: Item): ItemView => ({
    id: r.id,
    channel: r.channel,
    day: r.day,
    kind: r.kind,
    reference: r.reference,
    channelTransactionId: r.transaction_id,
    statementFen: r.statement_fen === null ? null : toSafeInt(r.statement_fen),
    ledgerFen: r.ledger_fen === null ? null : toSafeInt(r.ledger_fen),
    status: r.status,
    resolution: r.resolution,
    resolvedBy: r.resolved_by,
    createdAt: at(Number(r.created_at)),
    resolvedAt: r.resolved_at === null ? null : at(Number(r.resolved_at)),
  });

  async function resolve(actor: Principal, id: string, resolution: string): Promise<ItemView> {
    return sdb.transaction(async (tx) => {
      const item = await tx.db
        .selectFrom('payment_reconciliation_items')
        .selectAll()
        .where('id', '=', id)
        .$if(sdb.dialect === 'mysql', (q) => q.forUpdate())
        .executeTakeFirst();
      if (!item) throw ReconciliationErrors.RECONCILIATION_ITEM_NOT_FOUND();
      if (item.status !== 'open') throw ReconciliationErrors.RECONCILIATION_ITEM_RESOLVED();
      const changes = {
        status: 'resolved' as const,
        resolution,
        resolved_by: actor.userId,
        resolved_at: tx.now,
      };
      await tx.db.updateTable('payment_reconciliation_items').set(changes).where('id', '=', id).execute();
      await writeAudit(tx, sdb.prefix, ids, {
        actorId: actor.userId,
        actorRole: 'admin',
        action: 'reconciliation.resolved',
        targetType: 'reconciliation_item',
        targetId: id,
        data: { kind: item.kind, reference: item.reference, channel: item.channel, day: item.day },
      });
      return toItemView({ ...item, ...changes });
    });
  }

  /** Yesterday, for every configured channel (each bill is ready by morning). */
  async function daily(): Promise<void> {
    const yesterday = businessDay(clock.now() - 24 * 3_600_000, tz);
    for (const name of channels.keys()) {
      // One channel's failure must not keep the others from being reconciled.
      try {
        await run(name, yesterday);
      } catch (e) {
        log.error({ err: e, channel: name, day: yesterday }, 'reconciliation failed');
      }
    }
  }

  async function list(status: 'open' | 'resolved', page: PageRequest) {
    return readPage(
      cursors,
      `reconciliation:${status}`,
      page,
      (afterId, limit) =>
        sdb.db
          .selectFrom('payment_reconciliation_items')
          .selectAll()
          .where('status', '=', status)
          .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
          .orderBy('id')
          .limit(limit)
          .execute(),
      (rows) => rows.map(toItemView),
    );
  }

  return {
    run,
    routes: (app) => registerReconciliationRoutes(app, { run, list, resolve }),
    schedules: [{ name: 'payment.reconcile-daily', cron: '30 9 * * *', run: daily }],
  };
}

/** What the ledger credited for one top-up. */
export interface Credited {
  fen: number;
  transactionId: string | null;
}

/** A difference found, before it is stored as an item. */
export type Difference = Pick<Item, 'kind' | 'reference' | 'transaction_id' | 'statement_fen' | 'ledger_fen'>;

/**
 * The differences between a statement's payment lines and the top-ups of the same day (`ours`,
 * with what the ledger credited for each), line by line. Pure.
 */
export function differencesOf(
  lines: StatementLine[],
  ours: Set<string>,
  credited: ReadonlyMap<string, Credited>,
): Difference[] {
  const found: Difference[] = [];
  const onStatement = new Set<string>();
  for (const line of lines) {
    onStatement.add(line.reference);
    const ledgerSide = credited.get(line.reference);
    if (!ledgerSide) {
      found.push({
        kind: 'missing_in_ledger',
        reference: line.reference,
        transaction_id: line.transactionId,
        statement_fen: line.amountFen,
        ledger_fen: null,
      });
    } else if (ledgerSide.fen !== line.amountFen) {
      found.push({
        kind: 'amount_differs',
        reference: line.reference,
        transaction_id: line.transactionId,
        statement_fen: line.amountFen,
        ledger_fen: ledgerSide.fen,
      });
    }
  }
  for (const id of ours) {
    const ledgerSide = credited.get(id);
    if (ledgerSide && !onStatement.has(id)) {
      found.push({
        kind: 'missing_in_statement',
        reference: id,
        transaction_id: ledgerSide.transactionId,
        statement_fen: null,
        ledger_fen: ledgerSide.fen,
      });
    }
  }
  return found;
}
