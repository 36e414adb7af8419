import { createInstantFormatter } from '../../platform/clock.js';
import type { Tx } from '../../platform/db/service-database.js';
import { consumerOf } from '../../platform/events/types.js';
import { createIdempotencyHooks } from '../../platform/http/idempotency.js';
import { commandsOf, type ServiceModule } from '../../platform/service.js';
import { jobClient, type JobEventMap } from '../job/index.js';
import { paymentClient } from '../payment/index.js';
import { reviewClient } from '../review/contract.js';
import { userClient } from '../user/index.js';
import { verificationClient } from '../verification/index.js';
import { createDisputes } from './disputes.js';
import { createHiring } from './hiring.js';
import { orderMigrations } from './migrations/index.js';
import type { OrderContext } from './order-context.js';
import { createOrderReads } from './order-reads.js';
import { orderConfig } from './order.config.js';
import type { OrderDB } from './order.db.js';
import { createOrderRepository } from './order.repository.js';
import { registerOrderRoutes } from './order.routes.js';
import { createWork } from './work.js';

export type { OrderEventMap, OrderChanged } from './order.events.js';
export { orderConfig, type OrderConfig } from './order.config.js';

/** What the CLI runs in-process (`linggong ledger check` asks which orders have ended). */
export interface OrderCommands {
  /** Ids of orders whose escrow has moved for good (it must be empty), in id order. */
  finalOrderIds(): AsyncIterable<string>;
}

export const orderCommands = commandsOf<OrderCommands>('order');

const jobEnded = consumerOf<JobEventMap>()('order.job-ended', ['job.closed', 'job.expired', 'job.archived']);

/**
 * The order service (订单服务): applications and invitations, the hire workflow (a place, the job's
 * count, the escrow), geofenced attendance, completion and pay, cancellations and no-shows by
 * rule, disputes, and the weekly settlement run.
 */
export const orderModule: ServiceModule<OrderDB, undefined, OrderCommands> = {
  name: 'order',
  migrations: orderMigrations,
  config: orderConfig,
  uses: [jobClient, paymentClient, reviewClient, userClient, verificationClient],
  consumers: [jobEnded],
  create(sctx) {
    const { db: sdb, config, clock, ids, log } = sctx;
    const repo = createOrderRepository(sdb);
    const ctx: OrderContext = {
      sdb,
      repo,
      settings: orderConfig.of(config),
      clients: sctx.clients,
      clock,
      ids,
      log,
      cursors: sctx.cursors,
      deadlines: sctx.deadlines,
      workflows: sctx.workflows,
      storage: sctx.storage,
      timeZone: config.businessTimeZone,
      at: createInstantFormatter(config.businessTimeZone),
    };
    const hiring = createHiring(ctx);
    const work = createWork(ctx, hiring);
    const disputes = createDisputes(ctx, work);
    const reads = createOrderReads(ctx);
    sctx.workflows.register(hiring.hireFlow);
    const deadline =
      (fn: (tx: Tx<OrderDB>, id: string) => Promise<void>) => (d: { refId: string }, tx: Tx<OrderDB>) =>
        fn(tx, d.refId);
    sctx.deadlines.register(
      'order.no-show',
      deadline((tx, id) => work.onNoShow(tx, id)),
    );
    sctx.deadlines.register(
      'order.auto-check-out',
      deadline((tx, id) => work.onAutoCheckOut(tx, id)),
    );
    sctx.deadlines.register(
      'order.auto-submit',
      deadline((tx, id) => work.onAutoSubmit(tx, id)),
    );
    sctx.deadlines.register(
      'order.auto-confirm',
      deadline((tx, id) => work.onAutoConfirm(tx, id)),
    );

    return {
      commands: {
        async *finalOrderIds() {
          let after = '';
          for (;;) {
            const rows = await repo.finalOrderIds(after, 1000);
            for (const r of rows) yield r.id;
            if (rows.length < 1000) return;
            after = rows.at(-1)!.id;
          }
        },
      },
      schedules: [
        {
          name: 'order.expire-applications',
          every: '1m',
          run: async () => void (await hiring.expireStarted()),
        },
        // Hires whose process died between writing the order and starting its workflow.
        { name: 'order.resume-hires', every: '1m', run: async () => void (await hiring.resumeHires()) },
        // Counts a hire's own report did not deliver (a crash, the job service away) reach the job.
        { name: 'order.report-hires', every: '10s', run: async () => void (await hiring.reportDirty()) },
        // Escrow of ended orders whose commit hook did not move it (a crash, the payment service away).
        { name: 'order.follow-escrow', every: '30s', run: async () => void (await work.followDue()) },
        // Weekly settlement, Mondays 10:00 in the business time zone (LINGGONG_SCHEDULES overrides it).
        {
          name: 'order.settle-weekly',
          cron: '0 10 * * 1',
          run: async () => void (await work.settleWeekly()),
        },
      ],
      handlers: [
        jobEnded.handle<OrderDB>(async (event, tx) => {
          if (event.type === 'job.closed') await work.onJobClosed(tx, event.payload);
          else await work.onJobEnded(tx, event.payload);
        }),
      ],
      async routes(app) {
        await registerOrderRoutes(
          app,
          ctx,
          { hiring, work, disputes, reads },
          {
            created: createIdempotencyHooks(sdb, clock, log, { successStatus: 201 }),
            ok: createIdempotencyHooks(sdb, clock, log, { successStatus: 200 }),
          },
        );
      },
    };
  },
};
