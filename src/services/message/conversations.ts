import { readPage, type Page, type PageRequest } from '../../platform/cursor.js';
import type { Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import { isUniqueViolation } from '../../platform/db/helpers.js';
import { IMAGE_TYPES, imageExtension } from '../../platform/images.js';
import { moderate } from '../job/index.js';
import type { MessageContext } from './message-context.js';
import type { MessageDB } from './message.db.js';
import { MessageErrors } from './message.errors.js';
import { toConversationView, toMessageView, type ConversationView } from './message.mappers.js';
import type { ConversationRow, MessageRow } from './message.repository.js';

// A mainland mobile number, spaces and dashes allowed between its digits; a WeChat or QQ id offered.
const PHONE = /(?<!\d)1[3-9](?:[\s-]?\d){9}(?!\d)/;
const ACCOUNT = /(微信|威信|薇信|v信|vx|wx|weixin|wechat|qq|扣扣)\s*[号:：]?\s*[a-z0-9_-]{5,}/i;

/** Whether a text offers a phone number or a WeChat/QQ account (to move off the platform). */
export function hasContactDetails(text: string): boolean {
  const folded = text.normalize('NFKC');
  return PHONE.test(folded) || ACCOUNT.test(folded);
}

export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
const UPLOAD_TTL_MS = 15 * 60_000;
/** Where a sender's direct upload to a conversation lands (the key binds it to both). */
const uploadKey = (conversationId: string, userId: string, uploadId: string) =>
  `message/uploads/${conversationId}/${userId}/${uploadId}`;
const IMAGE_LINK_TTL_MS = 10 * 60_000;
const IMAGE_MAX_SIDE = 8192;
const MINUTE = 60_000;

/** An image message's row: its file's key is the body (`id` when the message takes a given one). */
const imageMessage =
  (conversationId: string, senderId: string, key: string, id?: string) =>
  (newId: string, now: number): MessageRow => ({
    id: id ?? newId,
    conversation_id: conversationId,
    sender_id: senderId,
    kind: 'image',
    body: key,
    params: null,
    flagged: 0,
    created_at: now,
  });

/**
 * Conversations (私信): one per employer–worker pair and job, opened when the worker applies or is
 * invited; text, image and system messages; unread counts and read receipts; blocks; a per-sender
 * rate limit and a content filter (prohibited words refused; contact details and pay-to-work words
 * delivered with a warning to the recipient). Every new message and read receipt goes out as a
 * frame to both parties' open WebSockets once committed.
 */
export function createConversations(ctx: MessageContext) {
  const { sdb, repo, ids, realtime, settings } = ctx;
  const view = (row: MessageRow) => toMessageView(row, ctx.at);

  /** The conversation, if `userId` is one of its parties (404 otherwise). */
  async function mineOr404(conversationId: string, userId: string): Promise<ConversationRow> {
    const row = await repo.findConversation(conversationId);
    if (!row || (row.worker_id !== userId && row.employer_id !== userId))
      throw MessageErrors.CONVERSATION_NOT_FOUND();
    return row;
  }

  /** The storage key of an image message, if `user` is a party of its conversation. */
  async function imageKey(user: Principal, conversationId: string, messageId: string): Promise<string> {
    await mineOr404(conversationId, user.userId);
    const row = await repo.findMessage(messageId);
    if (!row || row.conversation_id !== conversationId || row.kind !== 'image')
      throw MessageErrors.MESSAGE_NOT_FOUND();
    return row.body;
  }

  /** Writes a message in `tx` and sends it to both parties once committed. */
  async function write(tx: Tx<MessageDB>, conv: ConversationRow, row: MessageRow): Promise<void> {
    await repo.insertMessage(row, tx.db);
    tx.afterCommit(() =>
      realtime.publish([conv.worker_id, conv.employer_id], {
        type: 'message',
        id: row.id,
        message: view(row),
      }),
    );
  }

  /** May `sender` write in the conversation now: a party, no block either way, under the rate. */
  async function mayWrite(sender: Principal, conversationId: string): Promise<ConversationRow> {
    const conv = await mineOr404(conversationId, sender.userId);
    const other = conv.worker_id === sender.userId ? conv.employer_id : conv.worker_id;
    if (await repo.blockedEitherWay(sender.userId, other)) throw MessageErrors.MESSAGE_BLOCKED();
    const sent = await repo.sentSince(sender.userId, ctx.clock.now() - MINUTE);
    if (sent >= settings.sendPerMinute)
      throw MessageErrors.MESSAGE_RATE_LIMITED({ limit: settings.sendPerMinute });
    return conv;
  }

  function send(conv: ConversationRow, make: (id: string, now: number) => MessageRow) {
    return sdb.transaction(async (tx) => {
      const row = make(ids(), tx.now);
      await write(tx, conv, row);
      return view(row);
    });
  }

  return {
    /** order.applied: the pair's conversation about the job (once; a second application reuses it). */
    async open(tx: Tx<MessageDB>, c: { jobId: string; workerId: string; employerId: string }): Promise<void> {
      const id = ids();
      const row = {
        id,
        job_id: c.jobId,
        worker_id: c.workerId,
        employer_id: c.employerId,
        created_at: tx.now,
        last_message_id: null,
        last_message_at: null,
      };
      if (!(await repo.insertConversation(row, tx.db))) return;
      await repo.insertParticipants(
        [
          {
            conversation_id: id,
            user_id: c.workerId,
            other_id: c.employerId,
            unread: 0,
            last_read_id: null,
            last_message_at: tx.now,
          },
          {
            conversation_id: id,
            user_id: c.employerId,
            other_id: c.workerId,
            unread: 0,
            last_read_id: null,
            last_message_at: tx.now,
          },
        ],
        tx.db,
      );
    },

    /** A system message (hired, cancelled …) in the pair's conversation about the job, if there is one. */
    async system(
      tx: Tx<MessageDB>,
      c: { jobId: string; workerId: string },
      code: string,
      params: Record<string, unknown>,
    ): Promise<void> {
      const conv = await repo.conversationOf(c.jobId, c.workerId, tx.db);
      if (!conv) return;
      const row: MessageRow = {
        id: ids(),
        conversation_id: conv.id,
        sender_id: null,
        kind: 'system',
        body: code,
        params: JSON.stringify(params),
        flagged: 0,
        created_at: tx.now,
      };
      await write(tx, conv, row);
    },

    async list(user: Principal, page: PageRequest): Promise<Page<ConversationView>> {
      const scope = `conversations:${user.userId}`;
      const before = page.cursor ? ctx.cursors.decode(page.cursor, scope) : undefined;
      const rows = await repo.mine(
        user.userId,
        before ? { at: Number(before.at), id: String(before.id) } : undefined,
        page.limit + 1,
      );
      const items = rows.slice(0, page.limit);
      const last = items.at(-1);
      return {
        items: items.map((r) => toConversationView(r, ctx.at)),
        nextCursor:
          rows.length > page.limit && last
            ? ctx.cursors.encodeFor(scope, { at: Number(last.sort_at), id: last.id })
            : null,
      };
    },

    async get(user: Principal, conversationId: string): Promise<ConversationView> {
      const conv = await mineOr404(conversationId, user.userId);
      const me = (await repo.participant(conversationId, user.userId))!;
      return toConversationView(
        { ...conv, unread: me.unread, last_read_id: me.last_read_id, other_id: me.other_id },
        ctx.at,
      );
    },

    async history(user: Principal, conversationId: string, page: PageRequest) {
      await mineOr404(conversationId, user.userId);
      return readPage(
        ctx.cursors,
        `messages:${conversationId}`,
        page,
        (before, limit) => repo.history(conversationId, before, limit),
        (rows) => rows.map(view),
      );
    },

    async sendText(sender: Principal, conversationId: string, text: string) {
      const conv = await mayWrite(sender, conversationId);
      const verdict = moderate({ text });
      const warn = verdict.decision === 'review' || hasContactDetails(text);
      if (verdict.decision === 'refuse')
        throw MessageErrors.MESSAGE_TEXT_REFUSED({ terms: verdict.findings.map((f) => f.term).join('、') });
      return send(conv, (id, now) => ({
        id,
        conversation_id: conv.id,
        sender_id: sender.userId,
        kind: 'text',
        body: text,
        params: null,
        flagged: warn ? 1 : 0,
        created_at: now,
      }));
    },

    /** An image (raw body, private): stored first, then the message that points at it. */
    async sendImage(sender: Principal, conversationId: string, contentType: string, data: Buffer) {
      const conv = await mayWrite(sender, conversationId);
      const ext = imageExtension(contentType, data, { maxBytes: IMAGE_MAX_BYTES, maxSide: IMAGE_MAX_SIDE });
      if (!ext) throw MessageErrors.IMAGE_INVALID();
      const key = `message/images/${conversationId}/${ids()}.${ext}`;
      await ctx.storage.put(key, data, contentType);
      try {
        return await send(conv, imageMessage(conv.id, sender.userId, key));
      } catch (e) {
        await ctx.storage.delete(key).catch(() => undefined);
        throw e;
      }
    },

    /**
     * Where to upload an image straight to the bucket (S3: a presigned PUT for 15 minutes); the
     * message is written when the upload is completed. Refused on local storage: upload through
     * POST …/images instead.
     */
    async imageUpload(sender: Principal, conversationId: string, contentType: string) {
      await mayWrite(sender, conversationId);
      const type = IMAGE_TYPES[contentType];
      if (!type) throw MessageErrors.IMAGE_INVALID();
      const uploadId = `${ids()}.${type.ext}`;
      const expiresAt = ctx.clock.now() + UPLOAD_TTL_MS;
      const target = await ctx.storage.uploadTarget(
        uploadKey(conversationId, sender.userId, uploadId),
        contentType,
        expiresAt,
      );
      if (!target) throw MessageErrors.DIRECT_UPLOAD_UNAVAILABLE();
      return { upload: uploadId, ...target, expiresAt: ctx.at(expiresAt) };
    },

    /** The uploaded object checked as an image (else deleted), then the message; once per upload. */
    async completeImageUpload(sender: Principal, conversationId: string, uploadId: string) {
      const conv = await mayWrite(sender, conversationId);
      const key = uploadKey(conversationId, sender.userId, uploadId);
      const file = await ctx.storage.get(key);
      if (!file) throw MessageErrors.UPLOAD_NOT_FOUND();
      if (
        !imageExtension(file.contentType, file.data, { maxBytes: IMAGE_MAX_BYTES, maxSide: IMAGE_MAX_SIDE })
      ) {
        await ctx.storage.delete(key);
        throw MessageErrors.IMAGE_INVALID();
      }
      // The message takes the upload's id, so a second completion cannot write a second message.
      const messageId = uploadId.slice(0, 26);
      try {
        return await send(conv, imageMessage(conv.id, sender.userId, key, messageId));
      } catch (e) {
        if (isUniqueViolation(e)) throw MessageErrors.UPLOAD_USED();
        throw e;
      }
    },

    /** An image message's file, to the conversation's parties only. */
    async image(user: Principal, conversationId: string, messageId: string) {
      const file = await ctx.storage.get(await imageKey(user, conversationId, messageId));
      if (!file) throw MessageErrors.MESSAGE_NOT_FOUND();
      return file;
    },

    /** A link to an image message's file that needs no token, for 10 minutes (an <img> source). */
    async imageLink(user: Principal, conversationId: string, messageId: string) {
      const key = await imageKey(user, conversationId, messageId);
      const expiresAt = ctx.clock.now() + IMAGE_LINK_TTL_MS;
      return { url: await ctx.storage.link(key, expiresAt), expiresAt: ctx.at(expiresAt) };
    },

    /** Marks read up to `messageId`; the other party's open apps get a read receipt. */
    async read(user: Principal, conversationId: string, messageId: string) {
      const conv = await mineOr404(conversationId, user.userId);
      const msg = await repo.findMessage(messageId);
      if (!msg || msg.conversation_id !== conversationId) throw MessageErrors.MESSAGE_NOT_FOUND();
      const other = conv.worker_id === user.userId ? conv.employer_id : conv.worker_id;
      await sdb.transaction(async (tx) => {
        if (!(await repo.markRead(conversationId, user.userId, messageId, tx.db))) return;
        await repo.setUnread(
          conversationId,
          user.userId,
          await repo.unreadAfter(conversationId, user.userId, messageId, tx.db),
          tx.db,
        );
        tx.afterCommit(() =>
          realtime.publish([other, user.userId], {
            type: 'read',
            id: messageId,
            conversationId,
            userId: user.userId,
            lastReadId: messageId,
          }),
        );
      });
      return this.get(user, conversationId);
    },

    async unread(user: Principal) {
      return { messages: await repo.totalUnread(user.userId) };
    },

    async block(user: Principal, otherId: string) {
      if (otherId === user.userId) throw MessageErrors.BLOCK_SELF();
      await repo.block(user.userId, otherId, ctx.clock.now());
      return { blockedId: otherId };
    },
    async unblock(user: Principal, otherId: string) {
      await repo.unblock(user.userId, otherId);
    },
    async blocks(user: Principal) {
      return {
        items: (await repo.blocksOf(user.userId)).map((b) => ({
          userId: b.blocked_id,
          since: ctx.at(Number(b.created_at)),
        })),
      };
    },
  };
}

export type Conversations = ReturnType<typeof createConversations>;
