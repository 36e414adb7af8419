import type { Selectable } from 'kysely';
import { readPage, type CursorCodec, type Page } from '../cursor.js';
import { insertIgnore, rowsAfterId } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { IdGenerator } from '../ids.js';
import type { EventEnvelope } from './types.js';

/**
 * The dead-letter store of one service: events one of its consumers gave up on after the last
 * attempt, with the error. Admins list, inspect, replay (run the consumer again, inbox still
 * guarding against double effect) or discard them. One row per (consumer, event).
 */
export interface DeadLetterRow {
  id: string;
  event_id: string;
  consumer: string;
  event_type: string;
  envelope: string;
  attempts: number;
  error: string;
  state: 'open' | 'replayed' | 'discarded';
  created_at: number;
  resolved_at: number | null;
  resolved_by: string | null;
}

export interface DeadLetter {
  id: string;
  service: string;
  eventId: string;
  consumer: string;
  eventType: string;
  attempts: number;
  error: string;
  state: string;
  createdAt: string;
  resolvedAt: string | null;
  event: EventEnvelope;
}

export function toDeadLetter(
  service: string,
  r: Selectable<DeadLetterRow>,
  formatInstant: (ms: number) => string,
): DeadLetter {
  return {
    id: r.id,
    service,
    eventId: r.event_id,
    consumer: r.consumer,
    eventType: r.event_type,
    attempts: r.attempts,
    error: r.error,
    state: r.state,
    createdAt: formatInstant(Number(r.created_at)),
    resolvedAt: r.resolved_at === null ? null : formatInstant(Number(r.resolved_at)),
    event: JSON.parse(r.envelope) as EventEnvelope,
  };
}

/** `formatInstant` answers times as the services do: ISO 8601 in the business time zone. */
export function createDeadLetterStore(
  db: ServiceDatabase<unknown>,
  ids: IdGenerator,
  cursors: CursorCodec,
  formatInstant: (ms: number) => string,
) {
  const table = db.table('dead_letters');
  const q = () => db.untyped();
  return {
    /** Records a dead letter (once per consumer and event); returns whether it was new. */
    async record(
      consumer: string,
      event: EventEnvelope,
      attempts: number,
      error: string,
      now: number,
    ): Promise<boolean> {
      const inserted = await insertIgnore(
        q(),
        db.dialect,
        table,
        {
          id: ids(),
          event_id: event.id,
          consumer,
          event_type: event.type,
          envelope: JSON.stringify(event),
          attempts,
          error,
          state: 'open',
          created_at: now,
          resolved_at: null,
          resolved_by: null,
        },
        ['consumer', 'event_id'],
      );
      if (!inserted) {
        // Dead again after a replay: reopen with the new error.
        await q()
          .updateTable(table)
          .set({ state: 'open', attempts, error, resolved_at: null, resolved_by: null })
          .where('consumer', '=', consumer)
          .where('event_id', '=', event.id)
          .execute();
      }
      return inserted;
    },
    async list(opts: { state?: string; limit: number; cursor?: string }): Promise<Page<DeadLetter>> {
      return readPage(
        cursors,
        `dead-letters:${db.service}`,
        opts,
        (afterId, limit) =>
          rowsAfterId<Selectable<DeadLetterRow>>(q(), table, { state: opts.state, afterId, limit }),
        (rows) => rows.map((r) => toDeadLetter(db.service, r, formatInstant)),
      );
    },
    async get(id: string): Promise<DeadLetter | undefined> {
      const row = (await q().selectFrom(table).selectAll().where('id', '=', id).executeTakeFirst()) as
        Selectable<DeadLetterRow> | undefined;
      return row ? toDeadLetter(db.service, row, formatInstant) : undefined;
    },
    /** Marks an open dead letter resolved; false if it was not open (already replayed or discarded). */
    async resolve(
      id: string,
      state: 'replayed' | 'discarded',
      by: string | null,
      now: number,
    ): Promise<boolean> {
      const r = await q()
        .updateTable(table)
        .set({ state, resolved_at: now, resolved_by: by })
        .where('id', '=', id)
        .where('state', '=', 'open')
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async countOpen(): Promise<number> {
      const row = await q()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('state', '=', 'open')
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
  };
}

export type DeadLetterStore = ReturnType<typeof createDeadLetterStore>;
