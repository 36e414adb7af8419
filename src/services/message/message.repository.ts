import { sql, type Insertable, type Selectable } from 'kysely';
import { affectedRows, insertIgnore } from '../../platform/db/helpers.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import type { MessageDB } from './message.db.js';

export type ConversationRow = Selectable<MessageDB['message_conversations']>;
export type ParticipantRow = Selectable<MessageDB['message_participants']>;
export type MessageRow = Selectable<MessageDB['message_messages']>;
export type NotificationRow = Selectable<MessageDB['message_notifications']>;
export type PreferencesRow = Selectable<MessageDB['message_preferences']>;
export type DeviceRow = Selectable<MessageDB['message_devices']>;

/** How many messages or notifications a reconnecting client gets back at most. */
export const RESUME_LIMIT = 500;

/** Every query of the message service's tables. */
export function createMessageRepository(sdb: ServiceDatabase<MessageDB>) {
  const root = sdb.db;
  const mysql = sdb.dialect === 'mysql';

  return {
    // Conversations.
    insertConversation: (row: Insertable<MessageDB['message_conversations']>, ex: Executor<MessageDB>) =>
      insertIgnore(ex, sdb.dialect, 'message_conversations', row, ['job_id', 'worker_id']),
    async insertParticipants(rows: Insertable<MessageDB['message_participants']>[], ex: Executor<MessageDB>) {
      await ex.insertInto('message_participants').values(rows).execute();
    },
    conversationOf: (jobId: string, workerId: string, ex: Executor<MessageDB> = root) =>
      ex
        .selectFrom('message_conversations')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('worker_id', '=', workerId)
        .executeTakeFirst(),
    findConversation: (id: string, ex: Executor<MessageDB> = root) =>
      ex
        .selectFrom('message_conversations')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    participant: (conversationId: string, userId: string, ex: Executor<MessageDB> = root) =>
      ex
        .selectFrom('message_participants')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .executeTakeFirst(),
    /** My conversations, most recent first, keyset-paged by (last_message_at, conversation_id). */
    mine: (userId: string, before: { at: number; id: string } | undefined, limit: number) =>
      root
        .selectFrom('message_participants as p')
        .innerJoin('message_conversations as c', 'c.id', 'p.conversation_id')
        .select([
          'c.id',
          'c.job_id',
          'c.worker_id',
          'c.employer_id',
          'c.created_at',
          'c.last_message_id',
          'c.last_message_at',
          'p.unread',
          'p.last_read_id',
          'p.other_id',
          'p.last_message_at as sort_at',
        ])
        .where('p.user_id', '=', userId)
        .$if(before !== undefined, (q) =>
          q.where((eb) =>
            eb.or([
              eb('p.last_message_at', '<', before!.at),
              eb.and([eb('p.last_message_at', '=', before!.at), eb('p.conversation_id', '<', before!.id)]),
            ]),
          ),
        )
        .orderBy('p.last_message_at', 'desc')
        .orderBy('p.conversation_id', 'desc')
        .limit(limit)
        .execute(),
    async totalUnread(userId: string): Promise<number> {
      const row = await root
        .selectFrom('message_participants')
        .select((eb) => eb.fn.sum<number | string | null>('unread').as('n'))
        .where('user_id', '=', userId)
        .executeTakeFirst();
      return Number(row?.n ?? 0);
    },

    // Messages.
    async insertMessage(row: MessageRow, ex: Executor<MessageDB>) {
      await ex.insertInto('message_messages').values(row).execute();
      await ex
        .updateTable('message_conversations')
        .set({ last_message_id: row.id, last_message_at: row.created_at })
        .where('id', '=', row.conversation_id)
        .execute();
      // The other side's unread count grows (a system message's, both sides'); both lists re-sort.
      await ex
        .updateTable('message_participants')
        .set((eb) => ({
          last_message_at: row.created_at,
          unread:
            row.sender_id === null
              ? eb('unread', '+', 1)
              : sql<number>`case when ${sql.ref('user_id')} = ${row.sender_id} then ${sql.ref('unread')} else ${sql.ref('unread')} + 1 end`,
        }))
        .where('conversation_id', '=', row.conversation_id)
        .execute();
    },
    /** A conversation's messages before `beforeId`, newest first. */
    history: (conversationId: string, beforeId: string | undefined, limit: number) =>
      root
        .selectFrom('message_messages')
        .selectAll()
        .where('conversation_id', '=', conversationId)
        .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    findMessage: (id: string) =>
      root.selectFrom('message_messages').selectAll().where('id', '=', id).executeTakeFirst(),
    async sentSince(senderId: string, since: number): Promise<number> {
      const row = await root
        .selectFrom('message_messages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('sender_id', '=', senderId)
        .where('created_at', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Messages of my conversations after `afterId`, oldest first (a reconnecting client's gap). */
    messagesAfter: (userId: string, afterId: string) =>
      root
        .selectFrom('message_messages as m')
        .innerJoin('message_participants as p', 'p.conversation_id', 'm.conversation_id')
        .selectAll('m')
        .where('p.user_id', '=', userId)
        .where('m.id', '>', afterId)
        .orderBy('m.id')
        .limit(RESUME_LIMIT)
        .execute(),
    /** Marks read up to `messageId` (never backwards); answers whether anything changed. */
    async markRead(conversationId: string, userId: string, messageId: string, ex: Executor<MessageDB>) {
      const result = await ex
        .updateTable('message_participants')
        .set({ last_read_id: messageId, unread: 0 })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .where((eb) => eb.or([eb('last_read_id', 'is', null), eb('last_read_id', '<', messageId)]))
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    /** Unread messages after `messageId` that the other side sent (after a read up to it). */
    async unreadAfter(conversationId: string, userId: string, messageId: string, ex: Executor<MessageDB>) {
      const row = await ex
        .selectFrom('message_messages')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('conversation_id', '=', conversationId)
        .where('id', '>', messageId)
        .where((eb) => eb.or([eb('sender_id', 'is', null), eb('sender_id', '<>', userId)]))
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    async setUnread(conversationId: string, userId: string, unread: number, ex: Executor<MessageDB>) {
      await ex
        .updateTable('message_participants')
        .set({ unread })
        .where('conversation_id', '=', conversationId)
        .where('user_id', '=', userId)
        .execute();
    },

    // Blocks.
    block: (blockerId: string, blockedId: string, now: number) =>
      insertIgnore(
        root,
        sdb.dialect,
        'message_blocks',
        { blocker_id: blockerId, blocked_id: blockedId, created_at: now },
        ['blocker_id', 'blocked_id'],
      ),
    async unblock(blockerId: string, blockedId: string) {
      await root
        .deleteFrom('message_blocks')
        .where('blocker_id', '=', blockerId)
        .where('blocked_id', '=', blockedId)
        .execute();
    },
    async blockedEitherWay(a: string, b: string): Promise<boolean> {
      const row = await root
        .selectFrom('message_blocks')
        .select('blocker_id')
        .where((eb) =>
          eb.or([
            eb.and([eb('blocker_id', '=', a), eb('blocked_id', '=', b)]),
            eb.and([eb('blocker_id', '=', b), eb('blocked_id', '=', a)]),
          ]),
        )
        .executeTakeFirst();
      return row !== undefined;
    },
    blocksOf: (userId: string) =>
      root
        .selectFrom('message_blocks')
        .selectAll()
        .where('blocker_id', '=', userId)
        .orderBy('created_at', 'desc')
        .limit(500)
        .execute(),

    // Notifications.
    insertNotification: (row: NotificationRow, ex: Executor<MessageDB>) =>
      insertIgnore(ex, sdb.dialect, 'message_notifications', row, ['dedupe_key']),
    notificationsOf: (userId: string, beforeId: string | undefined, limit: number, unreadOnly: boolean) =>
      root
        .selectFrom('message_notifications')
        .selectAll()
        .where('user_id', '=', userId)
        .$if(unreadOnly, (q) => q.where('read_at', 'is', null))
        .$if(beforeId !== undefined, (q) => q.where('id', '<', beforeId!))
        .orderBy('id', 'desc')
        .limit(limit)
        .execute(),
    notificationsAfter: (userId: string, afterId: string) =>
      root
        .selectFrom('message_notifications')
        .selectAll()
        .where('user_id', '=', userId)
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(RESUME_LIMIT)
        .execute(),
    async unreadNotifications(userId: string): Promise<number> {
      const row = await root
        .selectFrom('message_notifications')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.n);
    },
    /** Marks `ids` (or all, when undefined) of the user's notifications read; answers how many. */
    async readNotifications(userId: string, ids: string[] | undefined, now: number) {
      const result = await root
        .updateTable('message_notifications')
        .set({ read_at: now })
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .$if(ids !== undefined, (q) => q.where('id', 'in', ids!))
        .executeTakeFirst();
      return affectedRows(result);
    },

    // Pushes.
    pushesDue: (now: number, limit: number, onlyIds?: string[]) =>
      root
        .selectFrom('message_notifications')
        .selectAll()
        .where('push_due_at', '<=', now)
        .$if(onlyIds !== undefined, (q) => q.where('id', 'in', onlyIds!))
        .orderBy('push_due_at')
        .limit(limit)
        .execute(),
    smsDue: (now: number, limit: number, onlyIds?: string[]) =>
      root
        .selectFrom('message_notifications')
        .selectAll()
        .where('sms_due_at', '<=', now)
        .$if(onlyIds !== undefined, (q) => q.where('id', 'in', onlyIds!))
        .orderBy('sms_due_at')
        .limit(limit)
        .execute(),
    async markSms(id: string, now: number) {
      await root
        .updateTable('message_notifications')
        .set({ sms_due_at: null, sms_sent_at: now })
        .where('id', '=', id)
        .execute();
    },
    async smsFailed(id: string, attempts: number, next: number | null) {
      await root
        .updateTable('message_notifications')
        .set({ sms_due_at: next, sms_attempts: attempts })
        .where('id', '=', id)
        .execute();
    },
    async markPushed(id: string, now: number) {
      await root
        .updateTable('message_notifications')
        .set({ push_due_at: null, pushed_at: now })
        .where('id', '=', id)
        .execute();
    },
    async pushFailed(id: string, attempts: number, next: number | null) {
      await root
        .updateTable('message_notifications')
        .set({ push_due_at: next, push_attempts: attempts })
        .where('id', '=', id)
        .execute();
    },

    // Reminders.
    saveReminder: (row: Selectable<MessageDB['message_reminders']>, ex: Executor<MessageDB>) =>
      insertIgnore(ex, sdb.dialect, 'message_reminders', row, ['order_id']),
    findReminder: (orderId: string, ex: Executor<MessageDB>) =>
      ex.selectFrom('message_reminders').selectAll().where('order_id', '=', orderId).executeTakeFirst(),

    // Preferences and devices.
    findPreferences: (userId: string, ex: Executor<MessageDB> = root) =>
      ex.selectFrom('message_preferences').selectAll().where('user_id', '=', userId).executeTakeFirst(),
    async savePreferences(row: PreferencesRow) {
      const { user_id: _, ...changes } = row;
      const insert = root.insertInto('message_preferences').values(row);
      if (mysql) await insert.onDuplicateKeyUpdate(changes).execute();
      else await insert.onConflict((oc) => oc.column('user_id').doUpdateSet(changes)).execute();
    },
    devicesOf: (userId: string) =>
      root
        .selectFrom('message_devices')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('updated_at', 'desc')
        .execute(),
    async saveDevice(row: DeviceRow) {
      const changes = { platform: row.platform, updated_at: row.updated_at };
      const insert = root.insertInto('message_devices').values(row);
      if (mysql) await insert.onDuplicateKeyUpdate(changes).execute();
      else
        await insert
          .onConflict((oc) => oc.columns(['user_id', 'registration_id']).doUpdateSet(changes))
          .execute();
    },
    async removeDevice(userId: string, registrationId: string) {
      await root
        .deleteFrom('message_devices')
        .where('user_id', '=', userId)
        .where('registration_id', '=', registrationId)
        .execute();
    },
  };
}

export type MessageRepository = ReturnType<typeof createMessageRepository>;
