import { readPage, type PageRequest } from '../../platform/cursor.js';
import type { Principal } from '../../platform/http/auth.js';
import { jobClient } from '../job/index.js';
import { reviewClient } from '../review/contract.js';
import { userClient } from '../user/index.js';
import { verificationClient } from '../verification/index.js';
import { orderFor, type OrderContext } from './order-context.js';
import type { ApplicationStatus, OrderState } from './order.db.js';
import { OrderErrors } from './order.errors.js';
import { toApplicationView, toOrderView, toTransitionView } from './order.mappers.js';

/** Reading applications and orders (each party its own), the agreement, and a job's order settings. */
export function createOrderReads(ctx: OrderContext) {
  const { repo, cursors, settings } = ctx;
  const at = ctx.at;

  /** The job, if `employer` posted it; 404 otherwise. */
  async function ownJob(employer: Principal, jobId: string) {
    const terms = await ctx.clients.get(jobClient).getTerms(jobId);
    if (terms.employerId !== employer.userId) throw OrderErrors.JOB_NOT_FOUND();
    return terms;
  }

  return {
    async application(user: Principal, id: string) {
      const row = await repo.findApplication(id);
      if (!row || (row.worker_id !== user.userId && row.employer_id !== user.userId))
        throw OrderErrors.APPLICATION_NOT_FOUND();
      return toApplicationView(row, at);
    },

    myApplications(worker: Principal, page: PageRequest) {
      return readPage(
        cursors,
        `order-applications:${worker.userId}`,
        page,
        (afterId, limit) => repo.applicationsOfWorker(worker.userId, afterId, limit),
        (rows) => rows.map((r) => toApplicationView(r, at)),
      );
    },

    /** A shift's applicants, first come first, with each worker's public profile and real-name standing. */
    async applicants(
      employer: Principal,
      jobId: string,
      shiftId: string,
      status: ApplicationStatus | undefined,
      page: PageRequest,
    ) {
      const terms = await ownJob(employer, jobId);
      if (!terms.shifts.some((s) => s.id === shiftId)) throw OrderErrors.SHIFT_NOT_FOUND();
      const users = ctx.clients.get(userClient);
      const verifications = ctx.clients.get(verificationClient);
      const reputations = ctx.clients.get(reviewClient);
      return readPage(
        cursors,
        `order-applicants:${shiftId}:${status ?? ''}`,
        page,
        (afterId, limit) => repo.applicationsOfShift(shiftId, status, afterId, limit),
        async (rows) => {
          const reputation = await reputations.summaries(rows.map((r) => r.worker_id));
          return Promise.all(
            rows.map(async (r) => {
              const [profile, identity] = await Promise.all([
                users.getPublicProfile(r.worker_id),
                verifications.identity(r.worker_id),
              ]);
              const rep = reputation.get(r.worker_id)!;
              return {
                ...toApplicationView(r, at),
                worker: {
                  id: profile.id,
                  displayName: profile.displayName,
                  avatarUrl: profile.avatarUrl,
                  skills: profile.skills,
                  memberSince: profile.memberSince,
                  realNameVerified: identity.status === 'approved',
                  creditScore: rep.credit.score,
                  creditLevel: rep.credit.level,
                  rating: { count: rep.asWorker.count, average: rep.asWorker.average },
                },
              };
            }),
          );
        },
      );
    },

    myOrders(user: Principal, as: 'worker' | 'employer', state: OrderState | undefined, page: PageRequest) {
      return readPage(
        cursors,
        `orders:${as}:${user.userId}:${state ?? ''}`,
        page,
        (afterId, limit) => repo.ordersOf(as, user.userId, state, afterId, limit),
        (rows) => rows.map((r) => toOrderView(r, at)),
      );
    },

    adminOrders(state: OrderState, page: PageRequest) {
      return readPage(
        cursors,
        `orders-admin:${state}`,
        page,
        (afterId, limit) => repo.ordersInState(state, afterId, limit),
        (rows) => rows.map((r) => toOrderView(r, at)),
      );
    },

    /** One order with its every transition. */
    async order(principal: Principal, id: string) {
      const { row } = await orderFor(ctx, id, principal);
      const transitions = await repo.transitionsOf(id);
      return { ...toOrderView(row, at), transitions: transitions.map((t) => toTransitionView(t, at)) };
    },

    /** The labour agreement (电子协议): the canonical terms both parties accepted, and their SHA-256. */
    async agreement(principal: Principal, id: string) {
      const { row } = await orderFor(ctx, id, principal);
      return {
        orderId: row.id,
        sha256: row.agreement_sha256,
        agreement: JSON.parse(row.agreement) as Record<string, unknown>,
        canonical: row.agreement,
      };
    },

    /** The on-site fallback code, for the employer's contact to show a worker whose GPS fails. */
    async fallbackCode(principal: Principal, id: string) {
      const { row, acting } = await orderFor(ctx, id, principal);
      if (acting.as !== 'admin' && acting.as !== 'employer')
        throw OrderErrors.ORDER_ACTION_FORBIDDEN({ action: 'code' });
      return { orderId: row.id, code: row.fallback_code };
    },

    async jobSettings(employer: Principal, jobId: string) {
      await ownJob(employer, jobId);
      const row = await repo.findSettings(jobId);
      return {
        jobId,
        autoHire: row ? row.auto_hire === 1 : false,
        pieceMax: row?.piece_max ?? null,
        fenceMeters: row?.fence_meters ?? settings.fenceMeters,
        minCreditScore: row?.min_credit_score ?? null,
      };
    },

    async saveJobSettings(
      employer: Principal,
      jobId: string,
      input: {
        autoHire?: boolean | undefined;
        pieceMax?: number | null | undefined;
        fenceMeters?: number | undefined;
        minCreditScore?: number | null | undefined;
      },
    ) {
      const terms = await ownJob(employer, jobId);
      const current = await this.jobSettings(employer, jobId);
      const next = {
        autoHire: input.autoHire ?? current.autoHire,
        pieceMax: input.pieceMax === undefined ? current.pieceMax : input.pieceMax,
        fenceMeters: input.fenceMeters ?? current.fenceMeters,
        minCreditScore: input.minCreditScore === undefined ? current.minCreditScore : input.minCreditScore,
      };
      if (next.autoHire && terms.pay.type === 'piece' && !next.pieceMax)
        throw OrderErrors.PIECE_MAX_REQUIRED();
      await ctx.sdb.transaction((tx) =>
        repo.saveSettings(
          {
            job_id: jobId,
            employer_id: employer.userId,
            auto_hire: next.autoHire ? 1 : 0,
            piece_max: next.pieceMax,
            fence_meters: next.fenceMeters,
            min_credit_score: next.minCreditScore,
            updated_at: tx.now,
          },
          tx.db,
        ),
      );
      return { jobId, ...next };
    },
  };
}

export type OrderReads = ReturnType<typeof createOrderReads>;
