import { connect, type Socket } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendJsonBytes } from '../../src/platform/http/json-text.js';

/**
 * sendJsonBytes sends a body from a lent buffer and gives the buffer back only when the response
 * is over: the socket may still read the bytes until then. Checked on real sockets.
 */
describe('sendJsonBytes', () => {
  let app: FastifyInstance;
  let port: number;
  const done: string[] = [];
  let bigAnswers = 0;
  /** Holds /slow's answer until the test lets it go. */
  let letGo: () => void = () => undefined;
  // 8 MiB: more than loopback's socket buffers hold, so the write waits for the client to read.
  const big = Buffer.alloc(8 * 1024 * 1024, 'a');
  big.write('{"a":"', 0, 'latin1');
  big.write('"}', big.length - 2, 'latin1');

  beforeAll(async () => {
    app = Fastify();
    app.get('/big', (_req, reply) => {
      bigAnswers++;
      sendJsonBytes(reply, big, () => done.push('big'));
      return reply;
    });
    app.get('/slow', async (_req, reply) => {
      await new Promise<void>((resolve) => (letGo = resolve));
      sendJsonBytes(reply, Buffer.from('{"late":true}'), () => done.push('slow'));
      return reply;
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });
  afterAll(() => app.close());

  const request = (path: string, method = 'GET'): Socket => {
    const socket = connect(port, '127.0.0.1');
    socket.write(`${method} ${path} HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n`);
    return socket;
  };
  const readAll = (socket: Socket): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const parts: Buffer[] = [];
      socket.on('data', (d: Buffer) => parts.push(d));
      socket.on('end', () => resolve(Buffer.concat(parts)));
      socket.on('error', reject);
    });
  const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('gives the buffer back only after the client has taken the whole body', async () => {
    done.length = 0;
    const socket = request('/big');
    socket.pause();
    await wait(300);
    // The client reads nothing: most of the body is still waiting in the buffer.
    expect(done).toEqual([]);
    socket.resume();
    const raw = await readAll(socket);
    const body = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
    expect(raw.toString('latin1', 0, 200)).toMatch(/content-type: application\/json; charset=utf-8/);
    expect(body.equals(big)).toBe(true);
    await wait(20);
    expect(done).toEqual(['big']);
  });

  it('gives back the buffers of pipelined answers still queued when the client leaves', async () => {
    done.length = 0;
    bigAnswers = 0;
    const socket = connect(port, '127.0.0.1');
    socket.pause();
    socket.write('GET /big HTTP/1.1\r\nhost: x\r\n\r\n'.repeat(3));
    for (let i = 0; i < 100 && bigAnswers < 3; i++) await wait(10);
    // All three are answered: the first is being written (the client reads nothing), the other
    // two wait behind it without a socket of their own.
    expect(bigAnswers).toBe(3);
    await wait(100);
    expect(done).toEqual([]);
    socket.destroy();
    for (let i = 0; i < 100 && done.length < 3; i++) await wait(10);
    expect(done).toEqual(['big', 'big', 'big']);
  });

  it('gives it back when the client has gone before the answer, and after a HEAD answer', async () => {
    done.length = 0;
    const socket = request('/slow');
    await wait(100);
    socket.destroy();
    await wait(100);
    letGo();
    for (let i = 0; i < 50 && done.length === 0; i++) await wait(10);
    expect(done).toEqual(['slow']);

    done.length = 0;
    const head = request('/big', 'HEAD');
    const raw = await readAll(head);
    expect(raw.toString('latin1')).toMatch(/^HTTP\/1.1 200/);
    for (let i = 0; i < 50 && done.length === 0; i++) await wait(10);
    expect(done).toEqual(['big']);
  });
});
