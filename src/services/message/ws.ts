import websocket from '@fastify/websocket';
import type { FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import type { Lang } from '../../platform/context.js';
import { isAppError } from '../../platform/errors.js';
import type { Principal } from '../../platform/http/auth.js';
import { requestLang } from '../../platform/http/problem.js';
import type { App } from '../../platform/http/server.js';
import type { MessageContext } from './message-context.js';
import { MessageErrors } from './message.errors.js';
import { toMessageView } from './message.mappers.js';
import { render } from './notification.templates.js';
import type { Connection, Frame } from './realtime.js';

/** A client must authenticate this soon after connecting (header, or its first message). */
export const AUTH_TIMEOUT_MS = 10_000;

/** WebSocket close codes (4000–4999 are the application's). */
export const CLOSE = {
  unauthenticated: 4001,
  tooMany: 4008,
  badFrame: 4400,
} as const;

type ClientFrame = { type: 'auth'; token: string } | { type: 'resume'; after: string } | { type: 'ping' };

const ULID = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

function parseClientFrame(text: string): ClientFrame | undefined {
  try {
    const f = JSON.parse(text) as Record<string, unknown>;
    if (f.type === 'auth' && typeof f.token === 'string' && f.token.length < 4096)
      return { type: 'auth', token: f.token };
    if (f.type === 'resume' && typeof f.after === 'string' && ULID.test(f.after))
      return { type: 'resume', after: f.after };
    if (f.type === 'ping') return { type: 'ping' };
  } catch {
    // not JSON
  }
  return undefined;
}

/**
 * GET /ws: the real-time channel. The access token comes in the `Authorization` header of the
 * upgrade request, or as the first message `{"type":"auth","token":"…"}` (browsers cannot set
 * headers) — never in the URL, which access logs keep. Then the server sends new messages, read
 * receipts and notifications as JSON frames; `{"type":"resume","after":"<last id seen>"}` sends what
 * the client missed while away. Pings every 30 s (LINGGONG_MESSAGE_WS_HEARTBEAT_MS), a client that
 * did not answer the last one is cut off, and the token is checked again at each, so a revoked
 * session or an expired token closes the socket (4001; a client refreshes and reconnects, or sends a
 * new `auth` first).
 */
export async function registerWebSocket(app: App, ctx: MessageContext): Promise<void> {
  const { realtime, repo, settings, log } = ctx;
  await app.register(websocket, { options: { maxPayload: 16 * 1024 } });
  const open = new Set<Live>();

  interface Live extends Connection {
    socket: WebSocket;
    lang: Lang;
    token: string | undefined;
    principal: Principal | undefined;
    alive: boolean;
  }

  // Each beat pings every socket; the tokens are checked again spread over the interval, so many
  // sockets do not queue their checks (and every request's) at one moment.
  const heartbeat = setInterval(() => {
    for (const c of open) {
      if (!c.alive) {
        c.socket.terminate();
        continue;
      }
      c.alive = false;
      c.socket.ping();
      const token = c.token;
      if (token) setTimeout(() => void check(c, token), Math.random() * settings.wsHeartbeatMs).unref();
    }
  }, settings.wsHeartbeatMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  // A frame is serialised once per language, however many sockets it goes to.
  const texts = new WeakMap<Frame, Map<Lang, string>>();
  function textOf(frame: Frame, lang: Lang): string {
    let byLang = texts.get(frame);
    if (!byLang) texts.set(frame, (byLang = new Map<Lang, string>()));
    let text = byLang.get(lang);
    if (text === undefined) {
      const out =
        frame.type === 'notification'
          ? { ...frame, ...render(String(frame.kind), frame.params as Record<string, unknown>, lang) }
          : frame;
      byLang.set(lang, (text = JSON.stringify(out)));
    }
    return text;
  }

  function sendFrame(c: Live, frame: Frame): void {
    if (c.socket.readyState !== c.socket.OPEN) return;
    c.socket.send(textOf(frame, c.lang));
  }

  /** Verifies the token; the first success registers the connection under its user. */
  async function check(c: Live, token: string): Promise<boolean> {
    let principal: Principal;
    try {
      principal = await app.verifyAccessToken(token);
    } catch (e) {
      const code = isAppError(e) ? e.code : 'TOKEN_INVALID';
      c.socket.close(CLOSE.unauthenticated, code);
      return false;
    }
    if (c.principal && c.principal.userId !== principal.userId) {
      c.socket.close(CLOSE.unauthenticated, 'TOKEN_OTHER_USER');
      return false;
    }
    c.token = token;
    if (!c.principal) {
      c.principal = principal;
      // Past the limit, the oldest of the user's connections here gives way.
      const mine = realtime.connectionsOf(principal.userId);
      if (mine.length >= settings.wsMaxPerUser) mine[0]!.close(CLOSE.tooMany, 'TOO_MANY_CONNECTIONS');
      realtime.add(principal.userId, c);
      c.socket.send(JSON.stringify({ type: 'ready', userId: principal.userId }));
    }
    return true;
  }

  /** What the user missed after `after`: messages of their conversations and notifications, in id order. */
  async function resume(c: Live, after: string): Promise<void> {
    const user = c.principal!.userId;
    const [messages, notifications] = await Promise.all([
      repo.messagesAfter(user, after),
      repo.notificationsAfter(user, after),
    ]);
    const frames: Frame[] = [
      ...messages.map((m): Frame => ({ type: 'message', id: m.id, message: toMessageView(m, ctx.at) })),
      ...notifications.map((n): Frame => ({
        type: 'notification',
        id: n.id,
        kind: n.kind,
        params: JSON.parse(n.params) as Record<string, unknown>,
        createdAt: ctx.at(Number(n.created_at)),
      })),
    ].sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const f of frames) sendFrame(c, f);
    c.socket.send(JSON.stringify({ type: 'resumed', count: frames.length }));
  }

  app.route({
    method: 'GET',
    url: '/ws',
    schema: {
      tags: ['message'],
      summary: 'The real-time channel (WebSocket)',
      description:
        'Upgrade to a WebSocket. Authenticate with `Authorization: Bearer <access token>` on the ' +
        'upgrade request, or send `{"type":"auth","token":"…"}` first (within 10 s). The server ' +
        'answers `{"type":"ready"}`, then sends frames `{"type":"message"|"read"|"notification","id",…}`. ' +
        'Send `{"type":"resume","after":"<last id seen>"}` after a reconnect to receive what was missed. ' +
        'Close codes: 4001 unauthenticated (token invalid, expired or session revoked), 4008 too many ' +
        'connections, 4400 a frame not understood. A plain GET answers 426.',
      response: { 101: { type: 'null', description: 'Switching Protocols: the WebSocket is open' } },
      responseDescription: 'Switching Protocols: the WebSocket is open',
      errors: [MessageErrors.UPGRADE_REQUIRED()],
    },
    handler: async (_req, reply) => {
      reply.header('upgrade', 'websocket');
      throw MessageErrors.UPGRADE_REQUIRED();
    },
    wsHandler: (socket: WebSocket, req: FastifyRequest) => {
      const c: Live = {
        socket,
        lang: requestLang(req),
        token: undefined,
        principal: undefined,
        alive: true,
        send: (frame) => sendFrame(c, frame),
        close: (code, reason) => socket.close(code, reason),
      };
      open.add(c);
      socket.on('pong', () => {
        c.alive = true;
      });
      socket.on('close', () => {
        open.delete(c);
        if (c.principal) realtime.remove(c.principal.userId, c);
      });
      socket.on('error', (e) => log.debug({ err: e }, 'ws: connection error'));
      const timer = setTimeout(() => {
        if (!c.principal) socket.close(CLOSE.unauthenticated, 'AUTH_TIMEOUT');
      }, AUTH_TIMEOUT_MS);
      timer.unref();
      socket.on('close', () => clearTimeout(timer));
      // Messages wait for authentication to settle, in order.
      let queue: Promise<unknown> = Promise.resolve();
      const header = req.headers.authorization;
      if (typeof header === 'string' && header.startsWith('Bearer '))
        queue = check(c, header.slice('Bearer '.length).trim());
      socket.on('message', (data) => {
        queue = queue
          .then(async () => {
            const frame = parseClientFrame(
              Buffer.isBuffer(data)
                ? data.toString('utf8')
                : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]).toString('utf8'),
            );
            if (!frame) return socket.close(CLOSE.badFrame, 'BAD_FRAME');
            if (frame.type === 'auth') return void (await check(c, frame.token));
            if (!c.principal) return socket.close(CLOSE.unauthenticated, 'AUTH_REQUIRED');
            if (frame.type === 'ping') return socket.send(JSON.stringify({ type: 'pong' }));
            await resume(c, frame.after);
          })
          .catch((e: unknown) => log.warn({ err: e }, 'ws: a client frame failed'));
      });
    },
  });
}
