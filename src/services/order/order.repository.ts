import { sql, type Insertable, type Selectable, type Updateable } from 'kysely';
import { affectedRows, insertIgnore } from '../../platform/db/helpers.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import type { ApplicationStatus, OrderDB, OrderState } from './order.db.js';

export type ApplicationRow = Selectable<OrderDB['order_applications']>;
export type OrderRow = Selectable<OrderDB['order_orders']>;
export type TransitionRow = Selectable<OrderDB['order_transitions']>;
export type DisputeRow = Selectable<OrderDB['order_disputes']>;
export type JobSettingsRow = Selectable<OrderDB['order_job_settings']>;

const OPEN_APPLICATION: ApplicationStatus[] = ['pending', 'invited', 'hiring'];

/**
 * Every query of the order service's tables. A find given a transaction locks the row it reads
 * (FOR UPDATE on MySQL; SQLite's transaction holds the one writer lock anyway), since every read
 * inside a transaction here precedes a change of that row.
 */
export function createOrderRepository(sdb: ServiceDatabase<OrderDB>) {
  const root = sdb.db;
  const mysql = sdb.dialect === 'mysql';
  const after = (afterId: string | undefined) => afterId ?? '';

  return {
    // Places per shift.
    /**
     * Creates the shift's count at the job's headcount, or follows a changed headcount. One statement:
     * on MySQL an insert refused as a duplicate share-locks the row, and an update after it deadlocks
     * with every concurrent application or hire of the shift doing the same.
     */
    async ensureShift(jobId: string, shiftId: string, headcount: number, now: number, ex: Executor<OrderDB>) {
      const values = { shift_id: shiftId, job_id: jobId, headcount, reserved: 0, dirty: 0, updated_at: now };
      const insert = ex.insertInto('order_shifts').values(values);
      if (mysql) {
        await insert
          .onDuplicateKeyUpdate({
            // Assigned in order: updated_at first, while headcount is still the stored one.
            updated_at: sql<number>`if(${sql.ref('headcount')} <> ${headcount}, ${now}, ${sql.ref('updated_at')})`,
            headcount,
          })
          .execute();
      } else {
        await insert
          .onConflict((oc) =>
            oc
              .column('shift_id')
              .doUpdateSet({ headcount, updated_at: now })
              .where('order_shifts.headcount', '<>', headcount),
          )
          .execute();
      }
    },
    /** Takes one place if one is left (one conditional update: concurrent hires cannot pass it). */
    async reservePlace(shiftId: string, now: number, ex: Executor<OrderDB>): Promise<boolean> {
      const result = await ex
        .updateTable('order_shifts')
        .set((eb) => ({ reserved: eb('reserved', '+', 1), dirty: 1, updated_at: now }))
        .where('shift_id', '=', shiftId)
        .whereRef('reserved', '<', 'headcount')
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    async freePlace(shiftId: string, now: number, ex: Executor<OrderDB>): Promise<void> {
      await ex
        .updateTable('order_shifts')
        .set((eb) => ({ reserved: eb('reserved', '-', 1), dirty: 1, updated_at: now }))
        .where('shift_id', '=', shiftId)
        .where('reserved', '>', 0)
        .execute();
    },
    /** Marks the count reported if it is still `reserved` (a change meanwhile keeps it dirty). */
    markReported: (shiftId: string, reserved: number, ex: Executor<OrderDB> = root) =>
      ex
        .updateTable('order_shifts')
        .set({ dirty: 0 })
        .where('shift_id', '=', shiftId)
        .where('reserved', '=', reserved)
        .execute(),
    dirtyShifts: (limit: number) =>
      root
        .selectFrom('order_shifts')
        .select(['shift_id', 'job_id'])
        .where('dirty', '=', 1)
        .limit(limit)
        .execute(),
    async reservedPlaces(shiftId: string, ex: Executor<OrderDB> = root): Promise<number> {
      const row = await ex
        .selectFrom('order_shifts')
        .select('reserved')
        .where('shift_id', '=', shiftId)
        .executeTakeFirst();
      return Number(row?.reserved ?? 0);
    },

    // Job settings.
    findSettings: (jobId: string, ex: Executor<OrderDB> = root) =>
      ex.selectFrom('order_job_settings').selectAll().where('job_id', '=', jobId).executeTakeFirst(),
    async saveSettings(row: Insertable<OrderDB['order_job_settings']>, ex: Executor<OrderDB>) {
      if (!(await insertIgnore(ex, sdb.dialect, 'order_job_settings', row, ['job_id']))) {
        await ex
          .updateTable('order_job_settings')
          .set({
            auto_hire: row.auto_hire,
            piece_max: row.piece_max ?? null,
            fence_meters: row.fence_meters,
            min_credit_score: row.min_credit_score ?? null,
            updated_at: row.updated_at,
          })
          .where('job_id', '=', row.job_id)
          .execute();
      }
    },

    // Applications.
    findApplication: (id: string, ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_applications')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    findApplicationOf: (shiftId: string, workerId: string, ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_applications')
        .selectAll()
        .where('shift_id', '=', shiftId)
        .where('worker_id', '=', workerId)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    /** Inserts the application unless the worker has one for the shift already (false then). */
    insertApplication: (row: Insertable<OrderDB['order_applications']>, ex: Executor<OrderDB>) =>
      insertIgnore(ex, sdb.dialect, 'order_applications', row, ['shift_id', 'worker_id']),
    /** Moves an application on if it is still in one of `from`; false when it moved meanwhile. */
    async moveApplication(
      id: string,
      from: ApplicationStatus[],
      changes: Updateable<OrderDB['order_applications']>,
      ex: Executor<OrderDB>,
    ): Promise<boolean> {
      const result = await ex
        .updateTable('order_applications')
        .set(changes)
        .where('id', '=', id)
        .where('status', 'in', from)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    async openApplications(workerId: string, ex: Executor<OrderDB>): Promise<number> {
      const row = await ex
        .selectFrom('order_applications')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('worker_id', '=', workerId)
        .where('status', 'in', OPEN_APPLICATION)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    applicationsOfShift: (
      shiftId: string,
      status: ApplicationStatus | undefined,
      afterId: string | undefined,
      limit: number,
    ) =>
      root
        .selectFrom('order_applications')
        .selectAll()
        .where('shift_id', '=', shiftId)
        .$if(status !== undefined, (q) => q.where('status', '=', status!))
        .where('id', '>', after(afterId))
        .orderBy('id')
        .limit(limit)
        .execute(),
    applicationsOfWorker: (workerId: string, afterId: string | undefined, limit: number) =>
      root
        .selectFrom('order_applications')
        .selectAll()
        .where('worker_id', '=', workerId)
        .where('id', '>', after(afterId))
        .orderBy('id')
        .limit(limit)
        .execute(),
    /** Open applications of a job (to expire when it ends), a batch at a time. */
    openApplicationsOfJob: (jobId: string, limit: number, ex: Executor<OrderDB>) =>
      ex
        .selectFrom('order_applications')
        .select(['id', 'shift_id'])
        .where('job_id', '=', jobId)
        .where('status', 'in', ['pending', 'invited'])
        .limit(limit)
        .execute(),
    /** Open applications whose shift has started (the expiry sweep). */
    startedApplications: (now: number, limit: number) =>
      root
        .selectFrom('order_applications')
        .select(['id'])
        .where('status', 'in', ['pending', 'invited'])
        .where('shift_starts_at', '<=', now)
        .limit(limit)
        .execute(),

    // Orders.
    findOrder: (id: string, ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_orders')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    insertOrder: (row: Insertable<OrderDB['order_orders']>, ex: Executor<OrderDB>) =>
      ex.insertInto('order_orders').values(row).execute(),
    /** Applies a change if the order is still at `version` (bumping it); false when it moved. */
    async updateOrder(
      id: string,
      version: number,
      changes: Updateable<OrderDB['order_orders']>,
      ex: Executor<OrderDB>,
    ): Promise<boolean> {
      const result = await ex
        .updateTable('order_orders')
        .set({ ...changes, version: version + 1 })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    /** Sets a flag column from 0 to 1 (or back); false when it already had that value. */
    async flipPlace(id: string, to: 0 | 1, ex: Executor<OrderDB>): Promise<boolean> {
      const result = await ex
        .updateTable('order_orders')
        .set({ place_reserved: to })
        .where('id', '=', id)
        .where('place_reserved', '=', to === 1 ? 0 : 1)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    ordersOf: (
      party: 'worker' | 'employer',
      userId: string,
      state: OrderState | undefined,
      afterId: string | undefined,
      limit: number,
    ) =>
      root
        .selectFrom('order_orders')
        .selectAll()
        .where(party === 'worker' ? 'worker_id' : 'employer_id', '=', userId)
        .$if(state !== undefined, (q) => q.where('state', '=', state!))
        .where('id', '>', after(afterId))
        .orderBy('id')
        .limit(limit)
        .execute(),
    ordersInState: (state: OrderState, afterId: string | undefined, limit: number) =>
      root
        .selectFrom('order_orders')
        .selectAll()
        .where('state', '=', state)
        .where('id', '>', after(afterId))
        .orderBy('id')
        .limit(limit)
        .execute(),
    liveOrdersOfJob: (jobId: string, states: readonly OrderState[], ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_orders')
        .select(['id'])
        .where('job_id', '=', jobId)
        .where('state', 'in', states)
        .execute(),
    /** Orders still hiring since before `before`, with what their workflow's input needs. */
    stuckHires: (before: number, limit: number) =>
      root
        .selectFrom('order_orders as o')
        .innerJoin('order_applications as a', 'a.id', 'o.application_id')
        .innerJoin('order_shifts as s', 's.shift_id', 'o.shift_id')
        .select([
          'o.id',
          'o.job_id',
          'o.shift_id',
          'o.shift_starts_at',
          's.headcount',
          'a.terms_hash',
          'a.job_version',
        ])
        .where('o.state', '=', 'hiring')
        .where('o.created_at', '<', before)
        .limit(limit)
        .execute(),
    /** Ended orders whose escrow is still to move (the follow-up sweep). */
    escrowDue: (limit: number) =>
      root
        .selectFrom('order_orders')
        .select(['id'])
        .where('escrow_action', 'is not', null)
        .where('escrow_done_at', 'is', null)
        .limit(limit)
        .execute(),
    /** Released weekly pay still waiting in pending settlement. */
    settlementDue: (afterId: string, limit: number) =>
      root
        .selectFrom('order_orders')
        .select(['id', 'worker_id'])
        .where('settlement', '=', 'weekly')
        .where('escrow_pending', '=', 1)
        .where('settled_at', 'is', null)
        .where('escrow_done_at', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute(),
    /** Orders in a final state, in id order (the ledger check's escrow invariant). */
    finalOrderIds: (afterId: string, limit: number) =>
      root
        .selectFrom('order_orders')
        .select(['id'])
        .where('escrow_done_at', 'is not', null)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(limit)
        .execute(),

    markEscrowDone: (id: string, now: number) =>
      root
        .updateTable('order_orders')
        .set({ escrow_done_at: now })
        .where('id', '=', id)
        .where('escrow_done_at', 'is', null)
        .execute(),
    markSettled: (id: string, now: number) =>
      root.updateTable('order_orders').set({ settled_at: now }).where('id', '=', id).execute(),

    // Transitions.
    insertTransition: (row: Insertable<OrderDB['order_transitions']>, ex: Executor<OrderDB>) =>
      ex.insertInto('order_transitions').values(row).execute(),
    transitionsOf: (orderId: string, ex: Executor<OrderDB> = root) =>
      ex.selectFrom('order_transitions').selectAll().where('order_id', '=', orderId).orderBy('id').execute(),

    // Disputes.
    findDispute: (id: string, ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_disputes')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    openDisputeOf: (orderId: string, ex: Executor<OrderDB> = root) =>
      ex
        .selectFrom('order_disputes')
        .selectAll()
        .where('order_id', '=', orderId)
        .where('status', '=', 'open')
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    disputesOf: (orderId: string) =>
      root.selectFrom('order_disputes').selectAll().where('order_id', '=', orderId).orderBy('id').execute(),
    insertDispute: (row: Insertable<OrderDB['order_disputes']>, ex: Executor<OrderDB>) =>
      ex.insertInto('order_disputes').values(row).execute(),
    updateDispute: (id: string, changes: Updateable<OrderDB['order_disputes']>, ex: Executor<OrderDB>) =>
      ex.updateTable('order_disputes').set(changes).where('id', '=', id).execute(),
    disputesInStatus: (status: 'open' | 'decided', afterId: string | undefined, limit: number) =>
      root
        .selectFrom('order_disputes')
        .selectAll()
        .where('status', '=', status)
        .where('id', '>', after(afterId))
        .orderBy('id')
        .limit(limit)
        .execute(),
  };
}

export type OrderRepository = ReturnType<typeof createOrderRepository>;
