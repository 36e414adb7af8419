import type { Redis } from 'ioredis';
import type { Logger } from '../../platform/log.js';

/** A typed JSON frame sent to a user's open WebSockets (see message.schemas.ts, Frame). */
export interface Frame {
  type: 'message' | 'read' | 'notification';
  /** The id of what it carries (a message or a notification): a reconnecting client resumes after it. */
  id: string;
  [field: string]: unknown;
}

/** What the hub needs of a connection: to send it a frame (it renders and serialises it), to close it. */
export interface Connection {
  send(frame: Frame): void;
  close(code: number, reason: string): void;
}

/**
 * Delivery to users' open WebSockets across processes. Each process keeps its own connections; a
 * frame published anywhere goes through Redis pub/sub (one channel) to every process serving the
 * message service, and each delivers it to its own connections of the users named. Without Redis
 * (one process) the frame is delivered here directly. Pub/sub is at most once: what a client did
 * not receive it reads back when it reconnects (`resume` with the last id it saw).
 */
export function createRealtime(deps: { redis: Redis | undefined; channel: string; log: Logger }) {
  const { redis, channel, log } = deps;
  const sockets = new Map<string, Set<Connection>>();
  let subscriber: Redis | undefined;

  function deliverHere(userIds: readonly string[], frame: Frame): void {
    for (const user of userIds) {
      for (const c of sockets.get(user) ?? []) {
        try {
          c.send(frame);
        } catch (e) {
          log.debug({ err: e }, 'realtime: a frame could not be sent');
        }
      }
    }
  }

  return {
    async start(): Promise<void> {
      if (!redis || subscriber) return;
      subscriber = redis.duplicate();
      subscriber.on('message', (_ch: string, text: string) => {
        try {
          const { users, frame } = JSON.parse(text) as { users: string[]; frame: Frame };
          deliverHere(users, frame);
        } catch (e) {
          log.warn({ err: e }, 'realtime: a malformed frame on the channel');
        }
      });
      await subscriber.subscribe(channel);
    },

    /** Sends `frame` to every open connection of `userIds`, in whichever process it is. */
    async publish(userIds: readonly string[], frame: Frame): Promise<void> {
      if (userIds.length === 0) return;
      if (!redis) return deliverHere(userIds, frame);
      await redis.publish(channel, JSON.stringify({ users: userIds, frame }));
    },

    add(userId: string, c: Connection): void {
      let set = sockets.get(userId);
      if (!set) sockets.set(userId, (set = new Set()));
      set.add(c);
    },
    remove(userId: string, c: Connection): void {
      const set = sockets.get(userId);
      set?.delete(c);
      if (set?.size === 0) sockets.delete(userId);
    },
    /** This process's open connections of `userId`, oldest first. */
    connectionsOf: (userId: string): Connection[] => [...(sockets.get(userId) ?? [])],

    async close(): Promise<void> {
      const s = subscriber;
      subscriber = undefined;
      if (s) await s.quit().catch(() => s.disconnect());
    },
  };
}

export type Realtime = ReturnType<typeof createRealtime>;
