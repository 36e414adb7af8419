import type { Socket } from 'node:net';
import { finished } from 'node:stream';
import type { FastifyReply } from 'fastify';

/** The content type of a JSON body that a route sends already serialised. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/**
 * Sends `json`, a body already serialised in the shape of the route's response schema (a cached
 * view, a page rendered in a worker thread): a string with a JSON content type is sent as it is,
 * with no serialisation. The schema still documents the body; the type system only knows objects,
 * so whoever renders the text is responsible for its shape (and tests it against the schema).
 * The handler returns the reply afterwards.
 */
export function sendJsonText(reply: FastifyReply, json: string): void {
  void reply.type(JSON_CONTENT_TYPE).send(json);
}

/**
 * Sends `json`, a body already serialised as UTF-8 in a buffer lent to this answer (a pooled one,
 * platform/buffer-pool.ts), without copying it. The socket may read those bytes until the
 * response is over, so `done` (which gives the buffer back) runs only then, once: when the last
 * byte was handed to the operating system, or when the connection is gone (its socket closed:
 * nothing is written from the buffer after that). The socket is watched as well as the response
 * because a pipelined response still queued behind earlier ones has no socket of its own yet, and
 * is only dropped, never closed, if the client leaves.
 */
export function sendJsonBytes(reply: FastifyReply, json: Buffer, done: () => void): void {
  const socket = reply.request.raw.socket as Socket | undefined;
  let lent = true;
  const over = (): void => {
    if (!lent) return;
    lent = false;
    socket?.off('close', over);
    done();
  };
  socket?.once('close', over);
  finished(reply.raw, over);
  void reply.type(JSON_CONTENT_TYPE).send(json);
}
