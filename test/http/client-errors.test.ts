import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * Every error the server sends is problem+json with a stable code, including those refused before
 * any route runs: by Node's HTTP parser (sent over a raw socket here, as a client library would not
 * send them) and by Fastify's router.
 */
let p: TestPlatform;
let port: number;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [widgetModule] });
  await p.app.listen({ host: '127.0.0.1', port: 0 });
  port = (p.app.server.address() as AddressInfo).port;
});
afterAll(async () => {
  await p.stop();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Writes `request` as is to a new connection and reads the answer until the server closes it. */
function raw(request: string | Buffer): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
  });
}

function expectProblem(answer: RawAnswer, status: number, code: string): void {
  expect(answer.status, answer.body).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.headers['x-content-type-options']).toBe('nosniff');
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, title: code, type: `urn:linggong:error:${code}` });
  expect(typeof body.detail).toBe('string');
  expect(body.requestId).toBe(answer.headers['x-request-id']);
}

describe('errors refused before any route runs', () => {
  it('answers a 100,000-character query string with 431 HEADERS_TOO_LARGE', async () => {
    const answer = await raw(
      `GET /api/v1/widgets?q=${'x'.repeat(100_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`,
    );
    expectProblem(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it('answers huge headers with 431 HEADERS_TOO_LARGE', async () => {
    const answer = await raw(
      `GET /api/v1/widgets HTTP/1.1\r\nHost: localhost\r\nx-filler: ${'y'.repeat(40_000)}\r\n\r\n`,
    );
    expectProblem(answer, 431, 'HEADERS_TOO_LARGE');
  });

  it("answers malformed HTTP (Node's parser) with 400 BAD_REQUEST", async () => {
    expectProblem(await raw('THIS IS NOT HTTP\r\n\r\n'), 400, 'BAD_REQUEST');
    expectProblem(
      await raw('GET /api/v1/widgets HTTP/1.1\r\nHost: localhost\r\nContent-Length: nope\r\n\r\n'),
      400,
      'BAD_REQUEST',
    );
  });

  it('answers an overlong id in the path with 414 URI_TOO_LONG', async () => {
    const res = await p.app.inject({ method: 'GET', url: `/api/v1/widgets/${'7'.repeat(300)}` });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.json()).toMatchObject({
      status: 414,
      code: 'URI_TOO_LONG',
      requestId: res.headers['x-request-id'],
    });
    // Over a real connection too, where the answer leaves through the same path.
    const answer = await raw(
      `GET /api/v1/widgets/${'7'.repeat(300)} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
    );
    expect(answer.status).toBe(414);
    expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers a URL that is not validly percent-encoded with 400 URL_MALFORMED', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/api/v1/widgets/%E0%A4%A' });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'URL_MALFORMED' });
  });

  it('answers an unknown route with 404 ROUTE_NOT_FOUND', async () => {
    const res = await p.app.inject({ method: 'GET', url: '/api/v1/nothing-here' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'ROUTE_NOT_FOUND' });
  });
});
