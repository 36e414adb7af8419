import type { Clock } from './clock.js';
import { affectedRows, insertIgnore } from './db/helpers.js';
import type { ServiceDatabase, Tx } from './db/service-database.js';
import { PlatformMisuseError } from './errors.js';
import { backoffMs } from './events/types.js';
import type { IdGenerator } from './ids.js';
import type { ScheduleSpec } from './jobs/scheduler.js';
import type { Logger } from './log.js';

/**
 * Deadlines are rows, not timers: "auto-confirm order X at T", "expire job Y when its last shift
 * ends". A service sets them in its own transactions and registers a handler per kind; a scheduled
 * sweep (every 5 s) runs each due deadline once, in a transaction that also marks it done, so a
 * crash never loses or doubles one. A failing handler is retried with backoff, then marked failed.
 */
export interface DueDeadline {
  kind: string;
  refId: string;
  dueAt: number;
}

// Each service types its own transactions.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DeadlineHandler = (deadline: DueDeadline, tx: Tx<any>) => Promise<void>;

const MAX_ATTEMPTS = 10;
const BATCH = 100;

export function createDeadlines(
  db: ServiceDatabase<unknown>,
  deps: { clock: Clock; ids: IdGenerator; log: Logger },
) {
  const table = db.table('deadlines');
  const handlers = new Map<string, DeadlineHandler>();
  // A deadline is written in the caller's transaction, whatever its service's schema.
  const q = <DB>(tx?: Tx<DB>) => db.untyped(tx?.db as never);

  return {
    /** Registers what to do when deadlines of a kind fall due (at service creation). */
    register(kind: string, handler: DeadlineHandler): void {
      if (handlers.has(kind)) throw new PlatformMisuseError(`deadline kind ${kind} registered twice`);
      handlers.set(kind, handler);
    },
    /** Sets (or moves) the deadline of kind/refId, in the caller's transaction. */
    async set<DB>(tx: Tx<DB>, kind: string, refId: string, dueAt: number): Promise<void> {
      if (!handlers.has(kind))
        throw new PlatformMisuseError(`no handler registered for deadline kind ${kind}`);
      const values = {
        id: deps.ids(),
        kind,
        ref_id: refId,
        due_at: dueAt,
        state: 'pending',
        attempts: 0,
        last_error: null,
        created_at: tx.now,
      };
      if (!(await insertIgnore(q(tx), db.dialect, table, values, ['kind', 'ref_id']))) {
        await q(tx)
          .updateTable(table)
          .set({ due_at: dueAt, state: 'pending', attempts: 0, last_error: null })
          .where('kind', '=', kind)
          .where('ref_id', '=', refId)
          .execute();
      }
    },
    async cancel<DB>(tx: Tx<DB>, kind: string, refId: string): Promise<void> {
      await q(tx)
        .deleteFrom(table)
        .where('kind', '=', kind)
        .where('ref_id', '=', refId)
        .where('state', '=', 'pending')
        .execute();
    },
    /** Runs every due deadline once; returns how many ran. */
    async sweep(): Promise<number> {
      const due = (await db
        .untyped()
        .selectFrom(table)
        .select(['id', 'kind', 'ref_id', 'due_at', 'attempts'])
        .where('state', '=', 'pending')
        .where('due_at', '<=', deps.clock.now())
        .orderBy('due_at')
        .limit(BATCH)
        .execute()) as { id: string; kind: string; ref_id: string; due_at: number; attempts: number }[];
      let ran = 0;
      for (const d of due) {
        const handler = handlers.get(d.kind);
        if (!handler) continue;
        try {
          const claimed = await db.transaction(async (tx) => {
            const r = await q(tx)
              .updateTable(table)
              .set({ state: 'done' })
              .where('id', '=', d.id)
              .where('state', '=', 'pending')
              .where('due_at', '=', d.due_at)
              .executeTakeFirst();
            if (affectedRows(r) !== 1) return false; // another process, or moved meanwhile
            await handler({ kind: d.kind, refId: d.ref_id, dueAt: Number(d.due_at) }, tx);
            return true;
          });
          if (claimed) ran++;
        } catch (e) {
          const attempts = d.attempts + 1;
          const failed = attempts >= MAX_ATTEMPTS;
          await db
            .untyped()
            .updateTable(table)
            .set({
              attempts,
              state: failed ? 'failed' : 'pending',
              due_at: deps.clock.now() + backoffMs(attempts),
              last_error: String((e as Error)?.message ?? e).slice(0, 2000),
            })
            .where('id', '=', d.id)
            .where('state', '=', 'pending')
            .execute();
          deps.log[failed ? 'error' : 'warn'](
            { err: e, kind: d.kind, refId: d.ref_id, attempts },
            'deadline handler failed',
          );
        }
      }
      return ran;
    },
    /** The sweep as a schedule; included only when the service registered a kind. */
    schedule(): ScheduleSpec | undefined {
      if (handlers.size === 0) return undefined;
      return {
        name: `${db.service}.sweep-deadlines`,
        every: '5s',
        run: async () => {
          while ((await this.sweep()) === BATCH);
        },
      };
    },
  };
}

export type Deadlines = ReturnType<typeof createDeadlines>;
