import { createHmac } from 'node:crypto';

import { describe, it, expect } from 'vitest';

import { FakeClock } from '../clock.js';
import {
  aliyunRpcStringToSign,
  buildSendSmsQuery,
  canonicalizeAliyunQuery,
  createAliyunSmsProvider,
  formatAliyunTimestamp,
  percentEncode,
  signAliyunRpcRequest,
} from './aliyun-sms.js';
import { SmsSendError } from './port.js';

/*
 * Documented example 1 (primary): Aliyun's RPC signature example for ECS DescribeRegions with
 * AccessKeyId "testid" and AccessKeySecret "testsecret". Inputs, StringToSign and the expected
 * signature below are as printed in Aliyun's documentation, as the search tool returned it:
 *   - "API 签名机制(示例)", https://developer.aliyun.com/ask/210168 (Aliyun developer community, 云栖大讲堂),
 *   - Aliyun ECS documentation "Sign signatures" (English), which prints the same request, StringToSign,
 *     HMAC key "testsecret&" and signature "CT9X0VtwR86fNWSnsc6v8YGOjuE=".
 * The same signature appears, URL-encoded, in Aliyun's "Request signatures" overviews, e.g.
 * https://www.alibabacloud.com/help/doc-detail/69009.html. Note the example spells the parameter
 * "TimeStamp" (capital S): the parameters are signed exactly as given.
 */
const DESCRIBE_REGIONS_PARAMS = {
  TimeStamp: '2016-02-23T12:46:24Z',
  Format: 'XML',
  AccessKeyId: 'testid',
  Action: 'DescribeRegions',
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf',
  Version: '2014-05-26',
  SignatureVersion: '1.0',
};
/** The StringToSign exactly as the docs print it (see the first test for its separators). */
const DESCRIBE_REGIONS_STRING_TO_SIGN =
  'GET&%2F&AccessKeyId%3Dtestid&Action%3DDescribeRegions&Format%3DXML&SignatureMethod%3DHMAC-SHA1' +
  '&SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf&SignatureVersion%3D1.0' +
  '&TimeStamp%3D2016-02-23T12%253A46%253A24Z&Version%3D2014-05-26';
const DESCRIBE_REGIONS_SIGNATURE = 'CT9X0VtwR86fNWSnsc6v8YGOjuE=';

/*
 * Documented example 2 (corroborating): the SMS SendSms signing walkthrough, "如何生成请求签名",
 * https://help.aliyun.com/document_detail/101343.htm (Aliyun SMS docs). The excerpt the search tool
 * returned shows these inputs (AccessKeyId "testId", secret "testSecret", SignName 阿里云短信测试专用,
 * TemplateCode SMS_71390007, TemplateParam {"customer":"test"}, OutId 123); the fixed Timestamp,
 * SignatureNonce, phone 15300000001 and expected signature "zJDF+Lrzhj/ThnlvIToysFRq6t4=" (URL-encoded
 * "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D") are from later in that walkthrough, which the excerpt cut off;
 * they were checked against several independent public copies of it, not against the page itself.
 * Example 1 is the one verified end to end from Aliyun's own text.
 */
const SEND_SMS_DOC_PARAMS = {
  SignatureMethod: 'HMAC-SHA1',
  SignatureNonce: '45e25e9b-0a6f-4070-8c85-2956eda1b466',
  AccessKeyId: 'testId',
  SignatureVersion: '1.0',
  Timestamp: '2017-07-12T02:42:19Z',
  Format: 'XML',
  Action: 'SendSms',
  Version: '2017-05-25',
  RegionId: 'cn-hangzhou',
  PhoneNumbers: '15300000001',
  SignName: '阿里云短信测试专用',
  TemplateParam: '{"customer":"test"}',
  TemplateCode: 'SMS_71390007',
  OutId: '123',
};

describe('Aliyun RPC signature: documented examples', () => {
  it('reproduces the StringToSign of the DescribeRegions example', () => {
    // The docs print the parameter separators inside the encoded query as a bare "&", although their
    // own rule (percentEncode(CanonicalizedQueryString)) turns them into "%26"; only the "%26" form
    // yields the documented signature, so that is the form compared here.
    const prefix = 'GET&%2F&';
    const encodedSeparators =
      prefix + DESCRIBE_REGIONS_STRING_TO_SIGN.slice(prefix.length).replaceAll('&', '%26');
    expect(aliyunRpcStringToSign(DESCRIBE_REGIONS_PARAMS, 'GET')).toBe(encodedSeparators);

    const hmac = (text: string) => createHmac('sha1', 'testsecret&').update(text, 'utf8').digest('base64');
    expect(hmac(encodedSeparators)).toBe(DESCRIBE_REGIONS_SIGNATURE);
    expect(hmac(DESCRIBE_REGIONS_STRING_TO_SIGN)).not.toBe(DESCRIBE_REGIONS_SIGNATURE);
  });

  it('reproduces the signature of the DescribeRegions example', () => {
    expect(signAliyunRpcRequest(DESCRIBE_REGIONS_PARAMS, 'testsecret')).toBe(DESCRIBE_REGIONS_SIGNATURE);
    // The documented signed URL carries it as Signature=CT9X0VtwR86fNWSnsc6v8YGOjuE%3D.
    expect(percentEncode(DESCRIBE_REGIONS_SIGNATURE)).toBe('CT9X0VtwR86fNWSnsc6v8YGOjuE%3D');
  });

  it('ignores a Signature parameter already present, as the docs exclude it', () => {
    const withSignature = { ...DESCRIBE_REGIONS_PARAMS, Signature: 'anything' };
    expect(signAliyunRpcRequest(withSignature, 'testsecret')).toBe(DESCRIBE_REGIONS_SIGNATURE);
  });

  it('reproduces the signature of the SMS SendSms walkthrough (Chinese SignName, JSON TemplateParam)', () => {
    expect(canonicalizeAliyunQuery(SEND_SMS_DOC_PARAMS)).toBe(
      'AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001' +
        '&RegionId=cn-hangzhou' +
        '&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8' +
        '&SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466' +
        '&SignatureVersion=1.0&TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D' +
        '&Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25',
    );
    expect(signAliyunRpcRequest(SEND_SMS_DOC_PARAMS, 'testSecret')).toBe('zJDF+Lrzhj/ThnlvIToysFRq6t4=');
  });
});

describe('percentEncode and canonicalization edge cases', () => {
  it('encodes a space as %20, never +', () => {
    expect(percentEncode('a b')).toBe('a%20b');
    expect(percentEncode('a+b')).toBe('a%2Bb');
  });

  it('encodes * as %2A and leaves ~ alone', () => {
    expect(percentEncode('*')).toBe('%2A');
    expect(percentEncode('~')).toBe('~');
    expect(percentEncode('a~b*c')).toBe('a~b%2Ac');
  });

  it('leaves only A-Z a-z 0-9 - _ . ~ unencoded', () => {
    expect(percentEncode('AZaz09-_.~')).toBe('AZaz09-_.~');
    expect(percentEncode("!'()")).toBe('%21%27%28%29');
    expect(percentEncode(':/?#[]@&=,;$"{}')).toBe('%3A%2F%3F%23%5B%5D%40%26%3D%2C%3B%24%22%7B%7D');
  });

  it('encodes Chinese characters as uppercase UTF-8 percent escapes', () => {
    // 零 = U+96F6 = E9 9B B6, 工 = U+5DE5 = E5 B7 A5 in UTF-8.
    expect(percentEncode('零工')).toBe('%E9%9B%B6%E5%B7%A5');
    // A character outside the BMP (4 UTF-8 bytes).
    expect(percentEncode('😀')).toBe('%F0%9F%98%80');
  });

  it('double-encodes values inside the string to sign', () => {
    expect(aliyunRpcStringToSign({ A: 'x y', B: '零' })).toBe('GET&%2F&A%3Dx%2520y%26B%3D%25E9%259B%25B6');
  });

  it('sorts by code unit, so SignName precedes SignatureMethod and uppercase precedes lowercase', () => {
    expect(canonicalizeAliyunQuery({ b: '1', SignatureMethod: '2', SignName: '零工', a: '3', B: '4' })).toBe(
      'B=4&SignName=%E9%9B%B6%E5%B7%A5&SignatureMethod=2&a=3&b=1',
    );
  });

  it('uses the HTTP method in the string to sign', () => {
    expect(aliyunRpcStringToSign({ A: '1' }, 'POST')).toBe('POST&%2F&A%3D1');
    expect(signAliyunRpcRequest({ A: '1' }, 's', 'POST')).not.toBe(
      signAliyunRpcRequest({ A: '1' }, 's', 'GET'),
    );
  });

  it('formats Timestamp in UTC to the second, without milliseconds', () => {
    expect(formatAliyunTimestamp(Date.UTC(2026, 10, 25, 12, 0, 0, 789))).toBe('2026-11-25T12:00:00Z');
    expect(() => formatAliyunTimestamp(Number.NaN)).toThrow(RangeError);
  });
});

describe('buildSendSmsQuery', () => {
  const input = {
    accessKeyId: 'testId',
    accessKeySecret: 'testSecret',
    phoneNumbers: '13800000000',
    signName: '零工',
    templateCode: 'SMS_000000001',
    templateParam: { code: '123456' },
    now: Date.UTC(2026, 10, 25, 12, 0, 0, 123),
    nonce: 'nonce-0001',
  };

  it('contains every required parameter, sorted, followed by a signature that verifies', () => {
    const query = buildSendSmsQuery(input);
    const pairs = [...new URLSearchParams(query)];
    const names = pairs.map(([name]) => name);

    expect(names.at(-1)).toBe('Signature');
    const signed = names.slice(0, -1);
    expect(signed).toEqual([...signed].sort());
    expect(signed).toEqual([
      'AccessKeyId',
      'Action',
      'Format',
      'PhoneNumbers',
      'RegionId',
      'SignName',
      'SignatureMethod',
      'SignatureNonce',
      'SignatureVersion',
      'TemplateCode',
      'TemplateParam',
      'Timestamp',
      'Version',
    ]);

    const params = Object.fromEntries(pairs);
    expect(params).toMatchObject({
      AccessKeyId: 'testId',
      Action: 'SendSms',
      Format: 'JSON',
      PhoneNumbers: '13800000000',
      RegionId: 'cn-hangzhou',
      SignName: '零工',
      SignatureMethod: 'HMAC-SHA1',
      SignatureNonce: 'nonce-0001',
      SignatureVersion: '1.0',
      TemplateCode: 'SMS_000000001',
      TemplateParam: '{"code":"123456"}',
      Timestamp: '2026-11-25T12:00:00Z',
      Version: '2017-05-25',
    });

    const { Signature, ...rest } = params;
    expect(Signature).toBe(signAliyunRpcRequest(rest, 'testSecret'));
  });

  it('puts the encoded forms Aliyun expects on the wire', () => {
    const query = buildSendSmsQuery(input);
    expect(query).toContain('&SignName=%E9%9B%B6%E5%B7%A5&');
    expect(query).toContain('&TemplateParam=%7B%22code%22%3A%22123456%22%7D&');
    expect(query).toContain('&Timestamp=2026-11-25T12%3A00%3A00Z&');
    expect(query).not.toContain('+');
    expect(query).toMatch(/&Signature=[A-Za-z0-9%]+$/);
  });

  it('is deterministic, and changes with the nonce', () => {
    expect(buildSendSmsQuery(input)).toBe(buildSendSmsQuery(input));
    expect(buildSendSmsQuery({ ...input, nonce: 'nonce-0002' })).not.toBe(buildSendSmsQuery(input));
  });
});

describe('createAliyunSmsProvider', () => {
  const PHONE = '13912345678';
  const CODE = '654321';

  interface Call {
    url: string;
    init: RequestInit | undefined;
  }

  /** A stand-in for the network only: records what would be sent and answers like Aliyun would. */
  function fakeFetch(answer: () => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
    const calls: Call[] = [];
    const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      calls.push({ url: input instanceof Request ? input.url : input.toString(), init });
      return answer();
    };
    return { fetch: impl as typeof fetch, calls };
  }

  function jsonResponse(body: object, status = 200): Response {
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }

  function provider(
    fetchImpl: typeof fetch,
    extra: { timeoutMs?: number; endpoint?: string; noticeTemplates?: Record<string, string> } = {},
  ) {
    return createAliyunSmsProvider({
      accessKeyId: 'testId',
      accessKeySecret: 'testSecret',
      signName: '零工',
      templateCode: 'SMS_000000001',
      clock: new FakeClock(Date.UTC(2026, 10, 25, 12, 0, 0)),
      fetch: fetchImpl,
      nonce: () => 'fixed-nonce',
      ...extra,
    });
  }

  async function caught(p: Promise<unknown>): Promise<SmsSendError> {
    const error = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SmsSendError);
    return error as SmsSendError;
  }

  function expectNoPersonalData(error: Error): void {
    expect(error.message).not.toContain(PHONE);
    expect(error.message).not.toContain(CODE);
    expect(String(error.stack)).not.toContain(PHONE);
    expect(String(error.stack)).not.toContain(CODE);
  }

  it('sends a notice with its own template and variables, and refuses one that has no template', async () => {
    const net = fakeFetch(() => jsonResponse({ Code: 'OK', Message: 'OK', RequestId: 'R1' }));
    const sms = provider(net.fetch, { noticeTemplates: { order_hired: 'SMS_000000002' } });
    await sms.sendNotice(PHONE, 'order_hired', { orderId: '01JEXAMP1E0RDER0000000001A' });
    const query = new URL(net.calls[0]!.url).searchParams;
    expect(query.get('TemplateCode')).toBe('SMS_000000002');
    expect(JSON.parse(query.get('TemplateParam')!)).toEqual({ orderId: '01JEXAMP1E0RDER0000000001A' });
    expect(query.get('PhoneNumbers')).toBe(PHONE);
    const refused = await caught(sms.sendNotice(PHONE, 'dispute_decided', {}));
    expect(refused.message).toBe('Aliyun SMS: no template configured for dispute_decided');
    expect(net.calls).toHaveLength(1);
  });

  it('sends a signed GET to dysmsapi and resolves on Code OK', async () => {
    const net = fakeFetch(() =>
      jsonResponse({
        Code: 'OK',
        Message: 'OK',
        BizId: '900619746936498440^0',
        RequestId: 'F655A8D5-B967-440B',
      }),
    );
    const sms = provider(net.fetch);

    expect(sms.name).toBe('aliyun');
    await expect(sms.sendCode(PHONE, CODE, 'login')).resolves.toBeUndefined();

    expect(net.calls).toHaveLength(1);
    const call = net.calls[0]!;
    expect(call.init?.method).toBe('GET');
    expect(call.init?.signal).toBeInstanceOf(AbortSignal);
    const url = new URL(call.url);
    expect(`${url.origin}${url.pathname}`).toBe('https://dysmsapi.aliyuncs.com/');
    expect(url.search.slice(1)).toBe(
      buildSendSmsQuery({
        accessKeyId: 'testId',
        accessKeySecret: 'testSecret',
        phoneNumbers: PHONE,
        signName: '零工',
        templateCode: 'SMS_000000001',
        templateParam: { code: CODE },
        now: Date.UTC(2026, 10, 25, 12, 0, 0),
        nonce: 'fixed-nonce',
      }),
    );
    expect(url.searchParams.get('TemplateParam')).toBe(`{"code":"${CODE}"}`);
    expect(url.searchParams.get('Timestamp')).toBe('2026-11-25T12:00:00Z');
  });

  it('uses a configured endpoint, with or without a trailing slash', async () => {
    const net = fakeFetch(() => jsonResponse({ Code: 'OK', Message: 'OK' }));
    await provider(net.fetch, { endpoint: 'https://sms.example.test/' }).sendCode(
      PHONE,
      CODE,
      'reset_password',
    );
    expect(net.calls[0]!.url.startsWith('https://sms.example.test/?AccessKeyId=')).toBe(true);
  });

  it('throws SmsSendError with Aliyun’s Code when the message is refused', async () => {
    const net = fakeFetch(() =>
      jsonResponse({
        Code: 'isv.BUSINESS_LIMIT_CONTROL',
        Message: `触发小时级流控Permits:5 ${PHONE}`,
        RequestId: 'A1B2C3D4-0000-4000-8000-000000000001',
      }),
    );
    const error = await caught(provider(net.fetch).sendCode(PHONE, CODE, 'login'));
    expect(error.providerCode).toBe('isv.BUSINESS_LIMIT_CONTROL');
    expect(error.requestId).toBe('A1B2C3D4-0000-4000-8000-000000000001');
    expect(error.httpStatus).toBe(200);
    expect(error.message).toContain('isv.BUSINESS_LIMIT_CONTROL');
    expectNoPersonalData(error);
  });

  it('keeps Aliyun’s Message out of errors, since it can echo the string to sign', async () => {
    const net = fakeFetch(() =>
      jsonResponse(
        {
          Code: 'SignatureDoesNotMatch',
          Message: `Specified signature is not matched with our calculation. server string to sign is:GET&%2F&PhoneNumbers%3D${PHONE}%26TemplateParam%3D${CODE}`,
          RequestId: 'A1B2C3D4-0000-4000-8000-000000000002',
        },
        400,
      ),
    );
    const error = await caught(provider(net.fetch).sendCode(PHONE, CODE, 'delete_account'));
    expect(error.providerCode).toBe('SignatureDoesNotMatch');
    expect(error.httpStatus).toBe(400);
    expectNoPersonalData(error);
  });

  it('throws SmsSendError on HTTP 500 without a JSON body', async () => {
    const net = fakeFetch(() => new Response('<html>Internal Server Error</html>', { status: 500 }));
    const error = await caught(provider(net.fetch).sendCode(PHONE, CODE, 'login'));
    expect(error.httpStatus).toBe(500);
    expect(error.providerCode).toBeUndefined();
    expect(error.message).toContain('500');
    expectNoPersonalData(error);
  });

  it('throws SmsSendError on HTTP 500 even if the body says OK', async () => {
    const net = fakeFetch(() => jsonResponse({ Code: 'OK' }, 500));
    const error = await caught(provider(net.fetch).sendCode(PHONE, CODE, 'login'));
    expect(error.httpStatus).toBe(500);
  });

  it('throws SmsSendError when the network fails, without quoting the URL', async () => {
    const net = fakeFetch(() => {
      throw new TypeError(
        `fetch failed for https://dysmsapi.aliyuncs.com/?PhoneNumbers=${PHONE}&code=${CODE}`,
        {
          cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
        },
      );
    });
    const error = await caught(provider(net.fetch).sendCode(PHONE, CODE, 'login'));
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.cause).toBeUndefined();
    expectNoPersonalData(error);
  });

  it('gives up after timeoutMs', async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise<Response>((_resolve, reject) => {
        const signal = init?.signal;
        signal?.addEventListener('abort', () => reject(signal.reason as Error));
      });
    const error = await caught(provider(hanging, { timeoutMs: 20 }).sendCode(PHONE, CODE, 'login'));
    expect(error.message).toContain('timed out');
  });

  it('refuses a comma-separated or empty phone number without calling Aliyun', async () => {
    const net = fakeFetch(() => jsonResponse({ Code: 'OK' }));
    const sms = provider(net.fetch);
    expectNoPersonalData(await caught(sms.sendCode(`${PHONE},13800000000`, CODE, 'login')));
    await caught(sms.sendCode('', CODE, 'login'));
    await caught(sms.sendCode(PHONE, '', 'login'));
    expect(net.calls).toHaveLength(0);
  });
});
