import type { Insertable, Selectable, Updateable } from 'kysely';
import { affectedRows } from '../../platform/db/helpers.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import { toSafeInt } from '../../platform/money.js';
import type { PaymentDB } from './payment.db.js';

type Table = PaymentDB['payment_withdrawals'];
export type WithdrawalStatus = Table['status'];

/** A withdrawal row with its money columns read as safe integers. */
export type WithdrawalRow = Selectable<Table>;

/** Statuses whose amount counts towards the daily limit: everything not given back. */
const COUNTED: WithdrawalStatus[] = ['review', 'processing', 'succeeded'];

/** Every query of payment_withdrawals. Money columns go through `toSafeInt` (mysql2 strings). */
export function createWithdrawalRepository(sdb: ServiceDatabase<PaymentDB>) {
  const root = sdb.db;
  const read = (row: WithdrawalRow): WithdrawalRow => ({
    ...row,
    amount_fen: toSafeInt(row.amount_fen),
    fee_fen: toSafeInt(row.fee_fen),
    created_at: toSafeInt(row.created_at),
    updated_at: toSafeInt(row.updated_at),
    checked_at: toSafeInt(row.checked_at),
    finished_at: row.finished_at === null ? null : toSafeInt(row.finished_at),
  });

  return {
    insert: (row: Insertable<Table>, ex: Executor<PaymentDB>) =>
      ex.insertInto('payment_withdrawals').values(row).execute(),

    async find(id: string, ex: Executor<PaymentDB> = root): Promise<WithdrawalRow | undefined> {
      const row = await ex
        .selectFrom('payment_withdrawals')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row && read(row);
    },

    /** A user's withdrawals, newest first, before `beforeId`. */
    async listOfUser(userId: string, beforeId: string | undefined, limit: number): Promise<WithdrawalRow[]> {
      const rows = await root
        .selectFrom('payment_withdrawals')
        .selectAll()
        .where('user_id', '=', userId)
        .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(read);
    },

    /** Withdrawals in one status, oldest first, after `afterId` (the admin queue). */
    async listByStatus(status: WithdrawalStatus, afterId: string | undefined, limit: number) {
      const rows = await root
        .selectFrom('payment_withdrawals')
        .selectAll()
        .where('status', '=', status)
        .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(read);
    },

    /** Processing withdrawals the channel was last asked about at or before `before`, longest-unasked first. */
    async dueForCheck(before: number, limit: number): Promise<WithdrawalRow[]> {
      const rows = await root
        .selectFrom('payment_withdrawals')
        .selectAll()
        .where('status', '=', 'processing')
        .where('checked_at', '<=', before)
        .orderBy('checked_at')
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map(read);
    },

    /** What a user has withdrawn since `since` (failed and rejected ones not counted), in fen. */
    async totalSince(userId: string, since: number, ex: Executor<PaymentDB> = root): Promise<number> {
      const row = await ex
        .selectFrom('payment_withdrawals')
        .select((eb) => eb.fn.sum<number | string | null>('amount_fen').as('total'))
        .where('user_id', '=', userId)
        .where('created_at', '>=', since)
        .where('status', 'in', COUNTED)
        .executeTakeFirst();
      return row?.total == null ? 0 : toSafeInt(row.total);
    },

    /** Applies a change if the withdrawal is still in `from`; false when it moved on meanwhile. */
    async update(
      id: string,
      from: WithdrawalStatus,
      changes: Updateable<Table>,
      ex: Executor<PaymentDB>,
    ): Promise<boolean> {
      const result = await ex
        .updateTable('payment_withdrawals')
        .set(changes)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
  };
}

export type WithdrawalRepository = ReturnType<typeof createWithdrawalRepository>;
