import type { Insertable, Selectable } from 'kysely';
import { affectedRows } from '../../platform/db/helpers.js';
import type { Executor } from '../../platform/db/service-database.js';
import { toSafeInt } from '../../platform/money.js';
import type { PaymentDB } from './payment.db.js';

type Ex = Executor<PaymentDB>;
type Table = PaymentDB['payment_topups'];
export type TopupStatus = Table['status'];

/** A top-up as the flow reads it (money and times as safe integers). */
export type TopupRow = Selectable<Table>;

const toRow = (r: Selectable<Table>): TopupRow => ({
  ...r,
  amount_fen: toSafeInt(r.amount_fen),
  paid_amount_fen: r.paid_amount_fen === null ? null : toSafeInt(r.paid_amount_fen),
  expires_at: toSafeInt(r.expires_at),
  created_at: toSafeInt(r.created_at),
  updated_at: toSafeInt(r.updated_at),
  paid_at: r.paid_at === null ? null : toSafeInt(r.paid_at),
});

/** The top-ups table; the only Kysely user of the top-up flow. Each method takes an executor. */
export function createTopupRepository() {
  return {
    async insert(ex: Ex, row: Insertable<Table>): Promise<void> {
      await ex.insertInto('payment_topups').values(row).execute();
    },

    async find(ex: Ex, id: string): Promise<TopupRow | undefined> {
      const row = await ex.selectFrom('payment_topups').selectAll().where('id', '=', id).executeTakeFirst();
      return row && toRow(row);
    },

    /** A user's top-ups, newest first, before `beforeId`. */
    async listOfUser(ex: Ex, userId: string, beforeId: string | undefined, limit: number) {
      const rows = await ex
        .selectFrom('payment_topups')
        .selectAll()
        .where('user_id', '=', userId)
        .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toRow);
    },

    /** Top-ups in a status, oldest first, after `afterId`. */
    async listByStatus(ex: Ex, status: TopupStatus, afterId: string | undefined, limit: number) {
      const rows = await ex
        .selectFrom('payment_topups')
        .selectAll()
        .where('status', '=', status)
        .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toRow);
    },

    /** Pending top-ups created at or before `createdBefore` (expired ones among them), by id. */
    async pendingCreatedBefore(ex: Ex, createdBefore: number, afterId: string | undefined, limit: number) {
      const rows = await ex
        .selectFrom('payment_topups')
        .selectAll()
        .where('status', '=', 'pending')
        .where('created_at', '<=', createdBefore)
        .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(toRow);
    },

    async setStart(ex: Ex, id: string, start: string, now: number): Promise<void> {
      await ex.updateTable('payment_topups').set({ start, updated_at: now }).where('id', '=', id).execute();
    },

    /**
     * Moves a top-up from one of `from` to `to` with the given fields; false when it was in none
     * of them (someone else moved it first).
     */
    async move(
      ex: Ex,
      id: string,
      from: readonly TopupStatus[],
      to: TopupStatus,
      fields: Partial<Pick<Table, 'channel_transaction_id' | 'paid_amount_fen' | 'paid_at' | 'note'>> & {
        updated_at: number;
      },
    ): Promise<boolean> {
      const result = await ex
        .updateTable('payment_topups')
        .set({ ...fields, status: to })
        .where('id', '=', id)
        .where('status', 'in', [...from])
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
  };
}

export type TopupRepository = ReturnType<typeof createTopupRepository>;
