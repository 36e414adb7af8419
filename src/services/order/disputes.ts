import { writeAudit } from '../../platform/audit.js';
import type { PageRequest } from '../../platform/cursor.js';
import { readPage } from '../../platform/cursor.js';
import { imageExtension } from '../../platform/images.js';
import type { Principal } from '../../platform/http/auth.js';
import { lockOrder, moveOrder, orderFor, type Acting, type OrderContext } from './order-context.js';
import type { DisputeFault } from './order.db.js';
import { OrderErrors } from './order.errors.js';
import { OrderEvents } from './order.events.js';
import { toDisputeView, type EvidenceFile } from './order.mappers.js';
import type { OrderRow } from './order.repository.js';
import type { Work } from './work.js';

export const EVIDENCE_MAX_BYTES = 5 * 1024 * 1024;
const EVIDENCE_MAX_SIDE = 8000;
export const EVIDENCE_LIMIT = 9;
const HOUR = 3_600_000;

/**
 * Disputes (纠纷): either party opens one on work done (checked out or submitted) with a reason and
 * evidence images in private storage; the escrow stays frozen (a disputed order cannot be
 * confirmed); the other party answers by a deadline; an admin decides the split, audited, and the
 * decision releases the escrow — the worker's share as pay, the rest back to the employer.
 */
export function createDisputes(ctx: OrderContext, work: Work) {
  const { sdb, repo, ids, settings, storage } = ctx;
  const view = (row: Parameters<typeof toDisputeView>[0]) => toDisputeView(row, ctx.at);

  async function disputeFor(principal: Principal, orderId: string, disputeId: string) {
    const { row: order, acting } = await orderFor(ctx, orderId, principal);
    const row = await repo.findDispute(disputeId);
    if (!row || row.order_id !== orderId) throw OrderErrors.DISPUTE_NOT_FOUND();
    return { dispute: row, order, acting };
  }

  return {
    async open(principal: Principal, orderId: string, reason: string) {
      const { acting: user } = await orderFor(ctx, orderId, principal);
      const as = user.as;
      if (as !== 'worker' && as !== 'employer')
        throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action: 'dispute' });
      return sdb.transaction(async (tx) => {
        const locked = await lockOrder(ctx, tx, orderId);
        // Adjusted hours are contested within the window; after it the adjustment stands.
        if (as === 'worker' && locked.contest_until !== null && tx.now > locked.contest_until)
          throw OrderErrors.CONTEST_WINDOW_CLOSED();
        const id = ids();
        await moveOrder(
          ctx,
          tx,
          locked,
          'dispute',
          { id: user.id, as },
          {
            reason,
            detail: { disputeId: id },
            event: (c) => OrderEvents.disputed({ ...c, disputeId: id }),
          },
        );
        for (const kind of ['order.auto-submit', 'order.auto-confirm'])
          await ctx.deadlines.cancel(tx, kind, orderId);
        const row = {
          id,
          order_id: orderId,
          opened_by: user.id!,
          opened_as: as,
          reason,
          evidence: '[]',
          response: null,
          respond_by: tx.now + settings.disputeResponseHours * HOUR,
          from_state: locked.state,
          status: 'open' as const,
          worker_fen: null,
          decision: null,
          decided_by: null,
          decided_at: null,
          fault: null,
          created_at: tx.now,
        };
        await repo.insertDispute(row, tx.db);
        return view(row);
      });
    },

    /** Adds an evidence image (raw body) from either party while the dispute is open. */
    async addEvidence(
      principal: Principal,
      orderId: string,
      disputeId: string,
      contentType: string,
      data: Buffer,
    ) {
      const { dispute, acting } = await disputeFor(principal, orderId, disputeId);
      const by = acting.as;
      if (by !== 'worker' && by !== 'employer')
        throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action: 'evidence' });
      if (dispute.status !== 'open') throw OrderErrors.DISPUTE_CLOSED();
      const ext = imageExtension(contentType, data, {
        maxBytes: EVIDENCE_MAX_BYTES,
        maxSide: EVIDENCE_MAX_SIDE,
      });
      if (!ext) throw OrderErrors.EVIDENCE_INVALID();
      const key = `order/disputes/${disputeId}/${ids()}.${ext}`;
      await storage.put(key, data, contentType);
      try {
        return await sdb.transaction(async (tx) => {
          const row = (await repo.findDispute(disputeId, tx.db))!;
          if (row.status !== 'open') throw OrderErrors.DISPUTE_CLOSED();
          const files = JSON.parse(row.evidence) as EvidenceFile[];
          if (files.length >= EVIDENCE_LIMIT) throw OrderErrors.EVIDENCE_LIMIT({ limit: EVIDENCE_LIMIT });
          files.push({ key, contentType, size: data.length, by });
          await repo.updateDispute(disputeId, { evidence: JSON.stringify(files) }, tx.db);
          return view({ ...row, evidence: JSON.stringify(files) });
        });
      } catch (e) {
        await storage.delete(key).catch(() => undefined);
        throw e;
      }
    },

    async evidence(principal: Principal, orderId: string, disputeId: string, index: number) {
      const { dispute } = await disputeFor(principal, orderId, disputeId);
      const file = (JSON.parse(dispute.evidence) as EvidenceFile[])[index];
      const stored = file && (await storage.get(file.key));
      if (!stored) throw OrderErrors.EVIDENCE_NOT_FOUND();
      return stored;
    },

    /** The other party's answer (once, before the decision). */
    async respond(principal: Principal, orderId: string, disputeId: string, response: string) {
      const { dispute, acting } = await disputeFor(principal, orderId, disputeId);
      if (dispute.opened_by === acting.id || acting.as === 'admin')
        throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action: 'respond' });
      return sdb.transaction(async (tx) => {
        const row = (await repo.findDispute(disputeId, tx.db))!;
        if (row.status !== 'open') throw OrderErrors.DISPUTE_CLOSED();
        // After the deadline the admin decides on what is there.
        if (tx.now > Number(row.respond_by))
          throw OrderErrors.RESPONSE_WINDOW_CLOSED({ until: ctx.at(Number(row.respond_by)) });
        if (row.response !== null) throw OrderErrors.DISPUTE_CLOSED();
        await repo.updateDispute(disputeId, { response }, tx.db);
        return view({ ...row, response });
      });
    },

    async list(principal: Principal, orderId: string) {
      await orderFor(ctx, orderId, principal);
      return (await repo.disputesOf(orderId)).map(view);
    },

    queue(status: 'open' | 'decided', page: PageRequest) {
      return readPage(
        ctx.cursors,
        `order-disputes:${status}`,
        page,
        (afterId, limit) => repo.disputesInStatus(status, afterId, limit),
        (rows) => rows.map(view),
      );
    },

    /** An admin decides the split: `workerFen` of the wage held to the worker, the rest back. */
    async decide(
      principal: Principal,
      orderId: string,
      disputeId: string,
      workerFen: number,
      decision: string,
      fault: DisputeFault,
    ) {
      const admin: Acting = { id: principal.userId, as: 'admin' };
      const { dispute } = await disputeFor(principal, orderId, disputeId);
      if (dispute.status !== 'open') throw OrderErrors.DISPUTE_CLOSED();
      let decided: OrderRow | undefined;
      const answer = await sdb.transaction(async (tx) => {
        const order = await lockOrder(ctx, tx, orderId);
        if (workerFen > order.wage_fen) throw OrderErrors.DISPUTE_SPLIT_INVALID({ max: order.wage_fen });
        const row = (await repo.findDispute(disputeId, tx.db))!;
        if (row.status !== 'open') throw OrderErrors.DISPUTE_CLOSED();
        decided = await moveOrder(ctx, tx, order, 'decide', admin, {
          changes: {
            pay_fen: workerFen,
            completed_at: tx.now,
            escrow_action: 'release',
            escrow_pending: order.settlement === 'weekly' ? 1 : 0,
          },
          reason: decision,
          detail: { disputeId, workerFen, fault },
          event: (c) => OrderEvents.disputeDecided({ ...c, disputeId, workerFen, fault }),
        });
        const changes = {
          status: 'decided' as const,
          worker_fen: workerFen,
          decision,
          decided_by: admin.id,
          decided_at: tx.now,
          fault,
        };
        await repo.updateDispute(disputeId, changes, tx.db);
        await writeAudit(tx, 'order_', ids, {
          actorId: admin.id,
          actorRole: 'admin',
          action: 'dispute.decided',
          targetType: 'dispute',
          targetId: disputeId,
          data: { orderId, workerFen, wageFen: order.wage_fen, fault },
        });
        return view({ ...row, ...changes });
      });
      if (decided)
        await work
          .followEscrow(orderId)
          .catch((e: unknown) =>
            ctx.log.warn({ err: e, orderId }, 'order: escrow after decision failed; will retry'),
          );
      return answer;
    },
  };
}

export type Disputes = ReturnType<typeof createDisputes>;
