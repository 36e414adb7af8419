import { createHash } from 'node:crypto';
import type { Updateable } from 'kysely';
import { writeAudit } from '../../platform/audit.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { Deadlines } from '../../platform/deadlines.js';
import type { DomainEvent, ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { ClientRegistry } from '../../platform/service.js';
import type { FileStorage } from '../../platform/storage.js';
import type { WorkflowRunner } from '../../platform/workflow/runner.js';
import type { OrderConfig } from './order.config.js';
import type { Actor, OrderDB } from './order.db.js';
import { OrderErrors } from './order.errors.js';
import { OrderEvents, type OrderChanged } from './order.events.js';
import type { OrderRepository, OrderRow } from './order.repository.js';
import { assertTransition, type OrderAction } from './order.states.js';

/** Who acts on an order: a user in a party's role or as admin, or the system (a deadline, a sweep). */
export interface Acting {
  id: string | null;
  as: Actor;
}

export const SYSTEM: Acting = { id: null, as: 'system' };

/** What every part of the order service shares. Built once in index.ts. */
export interface OrderContext {
  sdb: ServiceDatabase<OrderDB>;
  repo: OrderRepository;
  settings: OrderConfig;
  clients: ClientRegistry;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  cursors: CursorCodec;
  deadlines: Deadlines;
  workflows: WorkflowRunner;
  storage: FileStorage;
  timeZone: string;
  /** Formats an instant (epoch ms) as ISO 8601 in the business zone. */
  at: (instant: number) => string;
}

/** The event each action publishes, given the common payload (void publishes none). */
const EVENT_OF: Partial<Record<OrderAction, (p: OrderChanged) => DomainEvent>> = {
  check_in: OrderEvents.checkedIn,
  submit: OrderEvents.submitted,
  no_show: OrderEvents.noShow,
};

/**
 * Moves an order by `action` (the transition table decides whether it may), applies `changes` at
 * the version read, records the transition and publishes its event, all in `tx`. A concurrent move
 * of the same order makes this one fail with the state it found.
 */
export async function moveOrder(
  ctx: OrderContext,
  tx: Tx<OrderDB>,
  order: OrderRow,
  action: OrderAction,
  by: Acting,
  options: {
    changes?: Updateable<OrderDB['order_orders']>;
    reason?: string | null;
    detail?: Record<string, unknown>;
    /** The event to publish, for actions whose event carries more than the common payload. */
    event?: (changed: OrderChanged) => DomainEvent;
  } = {},
): Promise<OrderRow> {
  const to = assertTransition(action, order.state, by.as);
  const changes = { ...options.changes, state: to, updated_at: tx.now };
  if (!(await ctx.repo.updateOrder(order.id, order.version, changes, tx.db))) {
    const now = await ctx.repo.findOrder(order.id, tx.db);
    throw OrderErrors.ORDER_STATE_INVALID({ state: now?.state ?? order.state, action });
  }
  const reason = options.reason ?? null;
  await ctx.repo.insertTransition(
    {
      id: ctx.ids(),
      order_id: order.id,
      from_state: order.state,
      to_state: to,
      actor_id: by.id,
      actor: by.as,
      reason,
      detail: options.detail ? JSON.stringify(options.detail) : null,
      at: tx.now,
    },
    tx.db,
  );
  const next = { ...order, ...changes, version: order.version + 1 } as OrderRow;
  const changed: OrderChanged = {
    orderId: order.id,
    jobId: order.job_id,
    shiftId: order.shift_id,
    workerId: order.worker_id,
    employerId: order.employer_id,
    from: order.state,
    to,
    actor: by.as,
    reason,
    version: next.version,
  };
  const event = options.event ?? EVENT_OF[action];
  if (event) await tx.publish(event(changed));
  if (by.as === 'admin') {
    await writeAudit(tx, 'order_', ctx.ids, {
      actorId: by.id,
      actorRole: 'admin',
      action: `order.${action}`,
      targetType: 'order',
      targetId: order.id,
      data: { from: order.state, to, reason, ...options.detail },
    });
  }
  return next;
}

/** How `principal` acts on the order: as its worker or employer, else as an admin; 404 otherwise. */
export function actingOn(row: Pick<OrderRow, 'worker_id' | 'employer_id'>, principal: Principal): Acting {
  const party = partyOf(row, principal.userId);
  if (party) return { id: principal.userId, as: party };
  if (principal.roles.includes('admin')) return { id: principal.userId, as: 'admin' };
  throw OrderErrors.ORDER_NOT_FOUND();
}

/** The order and how `principal` acts on it (a party or an admin); 404 to everyone else. */
export async function orderFor(
  ctx: OrderContext,
  id: string,
  principal: Principal,
): Promise<{ row: OrderRow; acting: Acting }> {
  const row = await ctx.repo.findOrder(id);
  if (!row) throw OrderErrors.ORDER_NOT_FOUND();
  return { row, acting: actingOn(row, principal) };
}

/** The order again, locked in `tx` (it must exist: callers read it first). */
export async function lockOrder(ctx: OrderContext, tx: Tx<OrderDB>, id: string): Promise<OrderRow> {
  const row = await ctx.repo.findOrder(id, tx.db);
  if (!row) throw OrderErrors.ORDER_NOT_FOUND();
  return row;
}

export function partyOf(row: Pick<OrderRow, 'worker_id' | 'employer_id'>, userId: string | null) {
  if (userId === row.worker_id) return 'worker' as const;
  if (userId === row.employer_id) return 'employer' as const;
  return null;
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
