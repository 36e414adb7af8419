import { Agent, request as httpRequest } from 'node:http';
import type { App } from '../../src/platform/http/server.js';

/** A JSON answer: status and parsed body. */
export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: Record<string, any>;
}

export type Send = (
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  payload?: unknown,
) => Promise<Answer>;

/**
 * Requests to a listening server over keep-alive sockets (node:http, at most `sockets` open: one per
 * client), each body sent as JSON.
 */
export function httpSender(baseUrl: string, sockets: number): { send: Send; close: () => void } {
  const url = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
  const send: Send = (method, path, headers, payload) =>
    new Promise((resolve, reject) => {
      const body = payload === undefined ? undefined : JSON.stringify(payload);
      const req = httpRequest(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method,
          path,
          headers: {
            ...headers,
            ...(body === undefined
              ? {}
              : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            try {
              resolve({
                status: res.statusCode ?? 0,
                body: text ? (JSON.parse(text) as Answer['body']) : {},
              });
            } catch (e) {
              reject(e as Error);
            }
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

/** Requests through Fastify's `inject` (no sockets, no HTTP parsing). */
export function injectSender(app: App): { send: Send; close: () => void } {
  const send: Send = async (method, path, headers, payload) => {
    const res = await app.inject({
      method,
      url: path,
      headers,
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
    return { status: res.statusCode, body: res.body ? (res.json() as Answer['body']) : {} };
  };
  return { send, close: () => undefined };
}
