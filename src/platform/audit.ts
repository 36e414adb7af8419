import type { Kysely } from 'kysely';
import { currentContext } from './context.js';
import type { IdGenerator } from './ids.js';
import type { Tx } from './db/service-database.js';

export interface AuditEntry {
  actorId: string | null;
  actorRole: string | null;
  /** `entity.action`, e.g. "job.approved", "user.deleted". */
  action: string;
  targetType: string;
  targetId: string;
  data?: Record<string, unknown>;
}

/**
 * Writes an audit row in the caller's transaction, so the record exists exactly when the change does.
 * Personal data must not be put in `data`; ids are enough.
 */
export async function writeAudit<DB>(
  tx: Tx<DB>,
  prefix: string,
  ids: IdGenerator,
  entry: AuditEntry,
): Promise<void> {
  const ctx = currentContext();
  // The audit table's name depends on the service, so it is written untyped.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  await (tx.db as unknown as Kysely<any>)
    .insertInto(`${prefix}audit`)
    .values({
      id: ids(),
      actor_id: entry.actorId,
      actor_role: entry.actorRole,
      action: entry.action,
      target_type: entry.targetType,
      target_id: entry.targetId,
      data: entry.data ? JSON.stringify(entry.data) : null,
      request_id: ctx?.requestId ?? null,
      trace_id: ctx?.traceId ?? null,
      created_at: tx.now,
    })
    .execute();
}
