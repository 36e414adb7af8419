import type { PageRequest } from '../../platform/cursor.js';
import { readPage } from '../../platform/cursor.js';
import type { Lang } from '../../platform/context.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { MessageContext } from './message-context.js';
import type { MessageDB, NotificationKind } from './message.db.js';
import { toNotificationView } from './message.mappers.js';
import type { NotificationRow } from './message.repository.js';
import { render } from './notification.templates.js';
import { isCritical, type Pushes } from './pushes.js';

/**
 * The notification inbox (系统通知): consumers of other services' events write one notification per
 * event and user (keyed `<eventId>:<userId>`, so an event delivered twice writes one), and each is
 * sent to the user's open WebSockets once committed.
 */
export function createNotifications(ctx: MessageContext, pushes: Pushes) {
  const { repo, ids, realtime } = ctx;

  return {
    async notify(
      tx: Tx<MessageDB>,
      eventId: string,
      userId: string,
      kind: NotificationKind,
      params: Record<string, unknown>,
    ): Promise<void> {
      const row: NotificationRow = {
        id: ids(),
        user_id: userId,
        kind,
        params: JSON.stringify(params),
        dedupe_key: `${eventId}:${userId}`,
        read_at: null,
        created_at: tx.now,
        push_due_at: await pushes.dueAt(tx, userId, kind, params),
        pushed_at: null,
        push_attempts: 0,
        sms_due_at: isCritical(kind, params) ? tx.now : null,
        sms_sent_at: null,
        sms_attempts: 0,
      };
      if (!(await repo.insertNotification(row, tx.db))) return;
      tx.afterCommit(async () => {
        await realtime.publish([userId], {
          type: 'notification',
          id: row.id,
          kind,
          params,
          createdAt: ctx.at(tx.now),
        });
        // Not awaited: a slow push service must not hold up the consumer; the schedule retries.
        if ((row.push_due_at ?? Infinity) <= tx.now || row.sms_due_at !== null)
          void pushes
            .deliverDue([row.id])
            .catch((e: unknown) => ctx.log.warn({ err: e, notificationId: row.id }, 'push pass failed'));
      });
    },

    list(user: Principal, page: PageRequest, unreadOnly: boolean, lang: Lang) {
      return readPage(
        ctx.cursors,
        `notifications:${user.userId}:${unreadOnly ? 'unread' : 'all'}`,
        page,
        (before, limit) => repo.notificationsOf(user.userId, before, limit, unreadOnly),
        (rows) => rows.map((r) => toNotificationView(r, (k, p) => render(k, p, lang), ctx.at)),
      );
    },

    async unread(user: Principal) {
      return { notifications: await repo.unreadNotifications(user.userId) };
    },

    /** Marks the given notifications (or all) read; answers how many were unread. */
    async read(user: Principal, ids_: string[] | undefined) {
      return { marked: await repo.readNotifications(user.userId, ids_, ctx.clock.now()) };
    },
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
