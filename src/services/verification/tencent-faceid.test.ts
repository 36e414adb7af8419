import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterEach, describe, expect, it } from 'vitest';

import { manualIdentityProvider, type IdentityCheck } from './identity-provider.js';
import { createTencentFaceIdProvider, signTc3, TC3_JSON_CONTENT_TYPE } from './tencent-faceid.js';

/*
 * Tencent's own signing example from the "Signature v3" page of the Tencent Cloud API 3.0 docs, which
 * every product's API section repeats (e.g. https://www.tencentcloud.com/document/product/1026/31038;
 * "签名方法 v3" on cloud.tencent.com): CVM DescribeInstances in ap-guangzhou, version 2017-03-12,
 * X-TC-Timestamp 1551113065, SecretId AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE, SecretKey
 * Gu5t9xGARNpq86cd98joQYCN3EXAMPLE. The payload,
 * the hashes, the CanonicalRequest, the StringToSign, the signature and the Authorization below are
 * as printed there (the payload keeps its literal `\u672a\u547d\u540d` escapes, "未命名").
 */
const DOC = {
  secretId: 'AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE',
  secretKey: 'Gu5t9xGARNpq86cd98joQYCN3EXAMPLE',
  service: 'cvm',
  host: 'cvm.tencentcloudapi.com',
  timestamp: 1551113065,
  payload: String.raw`{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}`,
};
const DOC_HASHED_PAYLOAD = '35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064';
const DOC_CANONICAL_REQUEST = [
  'POST',
  '/',
  '',
  'content-type:application/json; charset=utf-8',
  'host:cvm.tencentcloudapi.com',
  '',
  'content-type;host',
  DOC_HASHED_PAYLOAD,
].join('\n');
const DOC_STRING_TO_SIGN = [
  'TC3-HMAC-SHA256',
  '1551113065',
  '2019-02-25/cvm/tc3_request',
  '5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031',
].join('\n');
const DOC_SIGNATURE = '72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168';
const DOC_AUTHORIZATION =
  'TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, ' +
  `SignedHeaders=content-type;host, Signature=${DOC_SIGNATURE}`;

const sha256Hex = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('signTc3', () => {
  it("reproduces Tencent's documented DescribeInstances signing example step by step", () => {
    expect(sha256Hex(DOC.payload)).toBe(DOC_HASHED_PAYLOAD);
    const signed = signTc3(DOC);
    expect(signed.canonicalRequest).toBe(DOC_CANONICAL_REQUEST);
    // 1551113065 is 2019-02-26 00:44 in UTC+8: the scope takes the UTC date, as the docs stress.
    expect(signed.credentialScope).toBe('2019-02-25/cvm/tc3_request');
    expect(signed.stringToSign).toBe(DOC_STRING_TO_SIGN);
    expect(signed.signature).toBe(DOC_SIGNATURE);
    expect(signed.authorization).toBe(DOC_AUTHORIZATION);
  });

  it('signs the content type it is given and refuses a timestamp that is not whole seconds', () => {
    expect(signTc3({ ...DOC, contentType: TC3_JSON_CONTENT_TYPE }).signature).toBe(DOC_SIGNATURE);
    expect(signTc3({ ...DOC, contentType: 'application/json' }).signature).not.toBe(DOC_SIGNATURE);
    expect(() => signTc3({ ...DOC, timestamp: 1551113065.5 })).toThrow(RangeError);
    expect(() => signTc3({ ...DOC, timestamp: Number.NaN })).toThrow(RangeError);
  });
});

describe('manualIdentityProvider', () => {
  it('queues every request for an admin', async () => {
    expect(manualIdentityProvider.name).toBe('manual');
    await expect(
      manualIdentityProvider.check({ name: '韦小宝', idNumber: '11204416541220243X' }),
    ).resolves.toEqual({ result: 'review', reference: null, detail: 'queued for manual review' });
  });
});

// The input of the IdCardVerification reference's example 1 ("身份信息认证一致示例").
const SUBJECT = { name: '韦小宝', idNumber: '11204416541220243X' };
const SECRET_ID = 'AKIDlinggongTESTID000000000000000000';
const SECRET_KEY = 'linggong-test-secret-key-0123456789';
const NOW = Date.UTC(2026, 11, 1, 16, 30, 0, 250); // 2026-12-02 00:30 in UTC+8; the scope must say 12-01.

interface Received {
  method: string | undefined;
  url: string | undefined;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local FaceID stand-in on 127.0.0.1: records each request and answers with `reply`. */
async function startServer(reply: (res: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method, url: req.url, headers: req.headers, body });
      reply(res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  servers.push(close);
  return { endpoint: `http://127.0.0.1:${port}`, received };
}
const servers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((close) => close()));
});

const json = (status: number, body: unknown) => (res: ServerResponse) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
};

async function checkAgainst(reply: (res: ServerResponse) => void, timeoutMs = 2_000) {
  const { endpoint, received } = await startServer(reply);
  const provider = createTencentFaceIdProvider({
    secretId: SECRET_ID,
    secretKey: SECRET_KEY,
    region: 'ap-guangzhou',
    endpoint,
    timeoutMs,
    now: () => NOW,
  });
  const check = await provider.check(SUBJECT);
  expectNothingSensitive(check);
  return { check, received, provider };
}

function expectNothingSensitive(check: IdentityCheck) {
  for (const text of [check.detail, check.reference ?? '']) {
    expect(text).not.toContain(SUBJECT.idNumber);
    expect(text).not.toContain(SUBJECT.name);
    expect(text).not.toContain(SECRET_KEY);
  }
}

/**
 * The Authorization a FaceID server expects for a received request, derived here step by step from
 * the algorithm's description (not through signTc3), from what arrived on the wire and the secret.
 */
function expectedAuthorization(received: Received, secretKey: string): string {
  const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();
  const timestamp = String(received.headers['x-tc-timestamp']);
  const canonicalRequest =
    `POST\n/\n\ncontent-type:${received.headers['content-type']}\nhost:${received.headers.host}\n\n` +
    `content-type;host\n${sha256Hex(received.body)}`;
  const date = new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
  const stringToSign = `TC3-HMAC-SHA256\n${timestamp}\n${date}/faceid/tc3_request\n${sha256Hex(canonicalRequest)}`;
  const signingKey = hmac(hmac(hmac(`TC3${secretKey}`, date), 'faceid'), 'tc3_request');
  const signature = createHmac('sha256', signingKey).update(stringToSign).digest('hex');
  return (
    `TC3-HMAC-SHA256 Credential=${SECRET_ID}/${date}/faceid/tc3_request, ` +
    `SignedHeaders=content-type;host, Signature=${signature}`
  );
}

/*
 * The answers below are shaped as the IdCardVerification reference shows them ("输出示例",
 * https://www.tencentcloud.com/zh/document/api/1061/79049: `{"Response": {"Result", "Description",
 * "RequestId"}}`) and as the API 3.0 "Responses" page shows a failed request
 * (https://tencentcloud.com/document/api/599/33214: `{"Response": {"Error": {"Code", "Message"},
 * "RequestId"}}`; the Error tests reuse its RequestId). Result codes are the documented ones: 0 match,
 * -1 mismatch, -2 … -7 not billed (invalid input, no record, service busy, daily limit).
 */
const REQUEST_ID = '94b54cdf-d975-4718-b091-32f8d79d6397';
const answer = (result: string, description: string) =>
  json(200, { Response: { Result: result, Description: description, RequestId: REQUEST_ID } });

describe('createTencentFaceIdProvider against a local FaceID stand-in', () => {
  it('sends a signed IdCardVerification request that the secret verifies', async () => {
    const { received, provider } = await checkAgainst(answer('0', '姓名和身份证号一致'));
    expect(provider.name).toBe('tencent');
    expect(received).toHaveLength(1);
    const request = received[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/');
    expect(request.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(request.headers['x-tc-action']).toBe('IdCardVerification');
    expect(request.headers['x-tc-version']).toBe('2018-03-01');
    expect(request.headers['x-tc-region']).toBe('ap-guangzhou');
    expect(request.headers['x-tc-timestamp']).toBe(String(Math.floor(NOW / 1000)));
    expect(JSON.parse(request.body)).toEqual({ IdCard: SUBJECT.idNumber, Name: SUBJECT.name });
    expect(request.headers.authorization).toContain('/2026-12-01/faceid/tc3_request,');
    expect(request.headers.authorization).toBe(expectedAuthorization(request, SECRET_KEY));
    expect(request.headers.authorization).not.toBe(expectedAuthorization(request, 'another-secret-key'));
  });

  it('answers match for Result "0", with the RequestId as reference', async () => {
    const { check } = await checkAgainst(answer('0', '姓名和身份证号一致'));
    expect(check).toEqual({
      result: 'match',
      reference: REQUEST_ID,
      detail: 'FaceID Result 0: name and ID number match',
    });
  });

  it('answers mismatch for Result "-1"', async () => {
    const { check } = await checkAgainst(answer('-1', '姓名和身份证号不一致'));
    expect(check).toEqual({
      result: 'mismatch',
      reference: REQUEST_ID,
      detail: 'FaceID Result -1: name and ID number do not match',
    });
  });

  it.each([
    ['-2', '非法身份证号（长度、校验位等不正确）'],
    ['-3', '非法姓名（长度、格式等不正确）'],
    ['-4', '证件库服务异常'],
    ['-5', '证件库中无此身份证记录'],
    ['-6', '权威比对系统升级中，请稍后再试'],
    ['-7', '认证次数超过当日限制'],
  ])('sends the undecided Result %s to review', async (code, description) => {
    const { check } = await checkAgainst(answer(code, description));
    expect(check.result).toBe('review');
    expect(check.reference).toBe(REQUEST_ID);
    expect(check.detail).toMatch(new RegExp(`^FaceID Result ${code}: `));
  });

  it('sends an undocumented Result to review, and never quotes a Result that is not a code', async () => {
    const unknown = await checkAgainst(answer('-99', '?'));
    expect(unknown.check).toEqual({
      result: 'review',
      reference: REQUEST_ID,
      detail: 'FaceID Result -99 is not a documented code',
    });
    const echoed = await checkAgainst(answer(SUBJECT.idNumber, '?'));
    expect(echoed.check).toEqual({
      result: 'review',
      reference: REQUEST_ID,
      detail: 'FaceID Result is not a documented code',
    });
  });

  it('sends a decided answer without a RequestId to review', async () => {
    const { check } = await checkAgainst(json(200, { Response: { Result: '0', Description: '一致' } }));
    expect(check).toMatchObject({ result: 'review', reference: null });
  });

  it.each(['AuthFailure.SignatureFailure', 'InternalError', 'RequestLimitExceeded'])(
    'sends an Error answer (%s) to review with its code',
    async (code) => {
      const { check } = await checkAgainst(
        json(200, {
          Response: {
            // A message quoting the request must not leak into the detail.
            Error: { Code: code, Message: `IdCard ${SUBJECT.idNumber} Name ${SUBJECT.name}` },
            RequestId: 'ed93f3cb-f35e-473f-b9f3-0d451b8b79c6',
          },
        }),
      );
      expect(check).toEqual({
        result: 'review',
        reference: 'ed93f3cb-f35e-473f-b9f3-0d451b8b79c6',
        detail: `FaceID error ${code}`,
      });
    },
  );

  it('sends an HTTP 500 to review', async () => {
    const { check } = await checkAgainst((res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('upstream exploded');
    });
    expect(check.result).toBe('review');
    expect(check.reference).toBeNull();
    expect(check.detail).toContain('HTTP 500');
  });

  it('sends a body that is not JSON to review', async () => {
    const { check } = await checkAgainst((res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<html>${SUBJECT.idNumber}</html>`);
    });
    expect(check).toEqual({
      result: 'review',
      reference: null,
      detail: 'FaceID answered HTTP 200 with a body that is not JSON',
    });
  });

  it('sends an answer that stalls beyond timeoutMs to review', async () => {
    const started = performance.now();
    const { check } = await checkAgainst(() => {
      // Never answers.
    }, 200);
    expect(check).toEqual({ result: 'review', reference: null, detail: 'FaceID request failed: timed out' });
    expect(performance.now() - started).toBeLessThan(1_500);
  });

  it('sends a refused connection to review', async () => {
    const { endpoint } = await startServer(() => undefined);
    await Promise.all(servers.splice(0).map((close) => close()));
    const provider = createTencentFaceIdProvider({
      secretId: SECRET_ID,
      secretKey: SECRET_KEY,
      region: 'ap-guangzhou',
      endpoint,
      now: () => NOW,
    });
    const check = await provider.check(SUBJECT);
    expectNothingSensitive(check);
    expect(check.result).toBe('review');
    expect(check.reference).toBeNull();
    expect(check.detail).toMatch(/^FaceID request failed: /);
  });
});
