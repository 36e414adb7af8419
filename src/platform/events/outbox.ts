import { ulidTime } from '../ids.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { EventEnvelope } from './types.js';

/** Reading and marking one service's outbox (the relay's side of the table). */
export interface OutboxRow {
  id: string;
  type: string;
  version: number;
  payload: string;
  traceparent: string | null;
  created_at: number;
  available_at: number;
  attempts: number;
  published_at: number | null;
  confirmed_at: number | null;
  batch_id: string | null;
}

export function toEnvelope(service: string, r: OutboxRow): EventEnvelope {
  return {
    id: r.id,
    type: r.type,
    version: r.version,
    payload: JSON.parse(r.payload) as unknown,
    source: service,
    traceparent: r.traceparent,
    createdAt: Number(r.created_at),
  };
}

export function createOutbox(db: ServiceDatabase<unknown>) {
  const table = db.table('outbox');
  const q = () => db.untyped();
  return {
    service: db.service,
    /** Unpublished events that are due, oldest first. */
    async due(now: number, limit: number): Promise<OutboxRow[]> {
      return (await q()
        .selectFrom(table)
        .selectAll()
        .where('published_at', 'is', null)
        .where('available_at', '<=', now)
        .orderBy('id')
        .limit(limit)
        .execute()) as OutboxRow[];
    },
    /** Published long enough ago but not yet confirmed delivered (BullMQ bus). */
    async unconfirmed(before: number, limit: number): Promise<OutboxRow[]> {
      return (await q()
        .selectFrom(table)
        .selectAll()
        .where('confirmed_at', 'is', null)
        .where('published_at', 'is not', null)
        .where('published_at', '<', before)
        .orderBy('id')
        .limit(limit)
        .execute()) as OutboxRow[];
    },
    async markPublished(ids: string[], now: number, confirmed: boolean, batchId?: string): Promise<void> {
      if (!ids.length) return;
      await q()
        .updateTable(table)
        .set({
          published_at: now,
          ...(confirmed ? { confirmed_at: now } : {}),
          ...(batchId ? { batch_id: batchId } : {}),
        })
        .where('id', 'in', ids)
        .where('published_at', 'is', null)
        .execute();
    },
    async markConfirmed(ids: string[], now: number): Promise<void> {
      if (!ids.length) return;
      await q().updateTable(table).set({ confirmed_at: now }).where('id', 'in', ids).execute();
    },
    async postpone(id: string, until: number): Promise<void> {
      await q()
        .updateTable(table)
        .set((eb) => ({ available_at: until, attempts: eb('attempts', '+', 1) }))
        .where('id', '=', id)
        .execute();
    },
    /**
     * Seconds since the oldest unpublished event was written (0 when none). Ids are ULIDs minted in
     * the producing transaction, so the smallest pending id carries the oldest write time, and
     * finding it is one probe of the due index.
     */
    async lagSeconds(now: number): Promise<number> {
      const row = await q()
        .selectFrom(table)
        .select((eb) => eb.fn.min('id').as('oldest'))
        .where('published_at', 'is', null)
        .executeTakeFirst();
      const oldest = row?.oldest as string | null | undefined;
      return oldest ? Math.max(0, now - ulidTime(oldest)) / 1000 : 0;
    },
    /** Deletes confirmed events older than `before` (retention). */
    async purge(before: number): Promise<number> {
      const r = await q().deleteFrom(table).where('confirmed_at', '<', before).executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}

export type Outbox = ReturnType<typeof createOutbox>;
