import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJPushProvider } from './jpush.js';
import { PushSendError } from './port.js';

/**
 * The JPush adapter against a local server that answers as JPush's REST API v3 does: the request
 * it receives (path, Basic authentication, body) and how each answer is taken.
 */
let server: Server;
let endpoint: string;
const received: { path: string; auth: string; body: Record<string, unknown> }[] = [];
let answer: { status: number; body: unknown } = {
  status: 200,
  body: { sendno: '0', msg_id: '54043195528453636' },
};

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => resolve(text));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void read(req).then((text) => {
      received.push({
        path: req.url ?? '',
        auth: req.headers.authorization ?? '',
        body: JSON.parse(text) as Record<string, unknown>,
      });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const provider = () =>
  createJPushProvider({
    appKey: 'app-key-1',
    masterSecret: 'master-secret-1',
    endpoint,
    apnsProduction: true,
  });
const message = {
  registrationIds: ['1a0018970aa2b3c4d5e', '13165ffa4e0c5a4d7e1'],
  title: '录用成功',
  body: '你已被录用，请按时到岗并在现场签到。',
  data: { notificationId: '01JEXAMP1EN0T1F1CAT10N0001', kind: 'order_hired' },
};

describe('the JPush provider', () => {
  it('posts the notification to /v3/push with Basic authentication', async () => {
    answer = { status: 200, body: { sendno: '0', msg_id: '54043195528453636' } };
    await provider().send(message);
    const got = received.at(-1)!;
    expect(got.path).toBe('/v3/push');
    expect(got.auth).toBe(`Basic ${Buffer.from('app-key-1:master-secret-1').toString('base64')}`);
    expect(got.body).toEqual({
      platform: 'all',
      audience: { registration_id: message.registrationIds },
      notification: {
        android: { alert: message.body, title: message.title, extras: message.data },
        ios: { alert: { title: message.title, body: message.body }, sound: 'default', extras: message.data },
      },
      options: { time_to_live: 86_400, apns_production: true },
    });
  });

  it('takes a 4xx as final, with JPush’s error code, and a 5xx as worth retrying', async () => {
    answer = { status: 400, body: { error: { code: 1011, message: 'cannot find user by this audience' } } };
    const refused = await provider()
      .send(message)
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PushSendError);
    expect(refused).toMatchObject({ providerCode: '1011', retryable: false });
    answer = { status: 503, body: { error: { code: 1030, message: 'internal error' } } };
    await expect(provider().send(message)).rejects.toMatchObject({ providerCode: '1030', retryable: true });
  });

  it('takes an unreachable service as worth retrying', async () => {
    const away = createJPushProvider({
      appKey: 'k',
      masterSecret: 's',
      endpoint: 'http://127.0.0.1:9',
      apnsProduction: false,
    });
    await expect(away.send(message)).rejects.toMatchObject({ name: 'PushSendError', retryable: true });
  });
});
