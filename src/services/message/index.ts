import { createInstantFormatter } from '../../platform/clock.js';
import type { Tx } from '../../platform/db/service-database.js';
import { consumerOf } from '../../platform/events/types.js';
import type { ServiceModule } from '../../platform/service.js';
import type { OrderEventMap } from '../order/index.js';
import type { PaymentEventMap } from '../payment/index.js';
import type { ReviewEventMap } from '../review/index.js';
import { accountExists, userClient } from '../user/index.js';
import type { VerificationEventMap } from '../verification/index.js';
import { createConversations } from './conversations.js';
import type { MessageContext } from './message-context.js';
import { messageConfig } from './message.config.js';
import type { MessageDB } from './message.db.js';
import { MessageErrors } from './message.errors.js';
import { createMessageRepository } from './message.repository.js';
import { registerMessageRoutes } from './message.routes.js';
import { messageMigrations } from './migrations/index.js';
import { createNotifications } from './notifications.js';
import { createConsolePushProvider } from './push/console.js';
import { createJPushProvider } from './push/jpush.js';
import { createPushes } from './pushes.js';
import { createRealtime } from './realtime.js';
import { CHECK_IN_MISSING, createReminders, SHIFT_REMINDER } from './reminders.js';
import { registerWebSocket } from './ws.js';

export { messageConfig, type MessageConfig } from './message.config.js';

// A conversation opens when a worker applies or is invited.
const openConversations = consumerOf<OrderEventMap>()('message.open-conversations', ['order.applied']);
// Notifications and system messages of an order's life.
const orderNotices = consumerOf<OrderEventMap>()('message.order-notices', [
  'order.hired',
  'order.checked_in',
  'order.cancelled',
  'order.no_show',
  'order.completed',
  'dispute.decided',
]);
const verificationNotices = consumerOf<VerificationEventMap>()('message.verification-notices', [
  'verification.approved',
  'verification.rejected',
]);
const reviewNotices = consumerOf<ReviewEventMap>()('message.review-notices', ['review.published']);
const paymentNotices = consumerOf<PaymentEventMap>()('message.payment-notices', [
  'payment.topped_up',
  'payment.settled',
  'payment.withdrawal_succeeded',
  'payment.withdrawal_failed',
]);

/**
 * The message service (消息服务): conversations between employers and workers, the notification
 * inbox fed by other services' events, and real-time delivery over WebSocket across processes.
 */
export const messageModule: ServiceModule<MessageDB> = {
  name: 'message',
  migrations: messageMigrations,
  config: messageConfig,
  uses: [userClient],
  consumers: [openConversations, orderNotices, verificationNotices, reviewNotices, paymentNotices],
  create(sctx) {
    const { db: sdb, config, clock, ids, log } = sctx;
    const realtime = createRealtime({
      redis: sctx.redis,
      channel: `${config.redisPrefix}message:realtime`,
      log,
    });
    const ctx: MessageContext = {
      sdb,
      repo: createMessageRepository(sdb),
      settings: messageConfig.of(config),
      clients: sctx.clients,
      clock,
      ids,
      log,
      cursors: sctx.cursors,
      storage: sctx.storage,
      deadlines: sctx.deadlines,
      realtime,
      at: createInstantFormatter(config.businessTimeZone),
    };
    const push = ctx.settings.push;
    const provider =
      push.provider === 'jpush'
        ? createJPushProvider({
            appKey: push.appKey,
            masterSecret: push.masterSecret,
            apnsProduction: push.apnsProduction,
            ...(push.endpoint ? { endpoint: push.endpoint } : {}),
          })
        : createConsolePushProvider(log);
    const pushes = createPushes(ctx, provider, config.businessTimeZone);
    const conversations = createConversations(ctx);
    const notifications = createNotifications(ctx, pushes);
    const reminders = createReminders(ctx, notifications);
    sctx.deadlines.register(SHIFT_REMINDER, (d, tx: Tx<MessageDB>) => reminders.shiftSoon(tx, d.refId));
    sctx.deadlines.register(CHECK_IN_MISSING, (d, tx: Tx<MessageDB>) =>
      reminders.checkInMissing(tx, d.refId),
    );

    async function assertUser(userId: string): Promise<void> {
      if (!(await accountExists(ctx.clients.get(userClient), userId))) throw MessageErrors.USER_NOT_FOUND();
    }

    return {
      schedules: [
        // Pushes whose quiet hours ended, and retries of failed ones.
        { name: 'message.deliver-pushes', every: '10s', run: async () => void (await pushes.deliverDue()) },
      ],
      handlers: [
        openConversations.handle<MessageDB>(async ({ payload }, tx) => conversations.open(tx, payload)),
        orderNotices.handle<MessageDB>(async (event, tx: Tx<MessageDB>) => {
          const o = event.payload;
          const base = { orderId: o.orderId, jobId: o.jobId };
          const notice = (userId: string, kind: Parameters<typeof notifications.notify>[3], params = {}) =>
            notifications.notify(tx, event.id, userId, kind, { ...base, ...params });
          switch (event.type) {
            case 'order.hired':
              await notice(o.workerId, 'order_hired');
              // Events from before the shift's start was in the payload set no reminders.
              if (typeof event.payload.shiftStartsAt === 'number')
                await reminders.onHired(tx, { ...o, shiftStartsAt: event.payload.shiftStartsAt });
              break;
            case 'order.checked_in':
              await reminders.stop(tx, o.orderId);
              break;
            case 'order.cancelled': {
              await reminders.stop(tx, o.orderId);
              const p = {
                by: event.payload.by,
                late: event.payload.late,
                compensationFen: event.payload.compensationFen,
              };
              if (event.payload.by !== 'worker') await notice(o.workerId, 'order_cancelled', p);
              if (event.payload.by !== 'employer') await notice(o.employerId, 'order_cancelled', p);
              break;
            }
            case 'order.no_show':
              await reminders.stop(tx, o.orderId);
              await notice(o.employerId, 'order_no_show');
              break;
            case 'order.completed':
              await notice(o.workerId, 'order_completed', { payFen: event.payload.payFen });
              break;
            case 'dispute.decided':
              for (const u of [o.workerId, o.employerId])
                await notice(u, 'dispute_decided', { workerFen: event.payload.workerFen });
              break;
          }
          // The conversation shows the order's step as a system message.
          await conversations.system(tx, o, event.type, { orderId: o.orderId, to: o.to });
        }),
        verificationNotices.handle<MessageDB>(async (event, tx) => {
          const kind =
            event.type === 'verification.approved' ? 'verification_approved' : 'verification_rejected';
          await notifications.notify(tx, event.id, event.payload.userId, kind, { kind: event.payload.kind });
        }),
        paymentNotices.handle<MessageDB>(async (event, tx) => {
          const p = event.payload;
          const user = 'userId' in p ? p.userId : p.workerId;
          const kinds = {
            'payment.topped_up': 'topup_succeeded',
            'payment.settled': 'pay_settled',
            'payment.withdrawal_succeeded': 'withdrawal_succeeded',
            'payment.withdrawal_failed': 'withdrawal_failed',
          } as const;
          const params = { amountFen: p.amountFen, ...('orderId' in p ? { orderId: p.orderId } : {}) };
          await notifications.notify(tx, event.id, user, kinds[event.type], params);
        }),
        reviewNotices.handle<MessageDB>(async (event, tx) => {
          for (const r of event.payload.reviews) {
            if (r.stars === null) continue;
            await notifications.notify(tx, event.id, r.subjectId, 'review_received', {
              orderId: event.payload.orderId,
              reviewId: r.reviewId,
              stars: r.stars,
            });
          }
        }),
      ],
      async routes(app) {
        await realtime.start();
        await registerMessageRoutes(app, { conversations, notifications, pushes, assertUser });
        await registerWebSocket(app, ctx);
      },
      close: () => realtime.close(),
    };
  },
};
