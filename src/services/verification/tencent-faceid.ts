import { createHash, createHmac } from 'node:crypto';

import { systemClock } from '../../platform/clock.js';
import type { IdentityCheck, IdentityProvider } from './identity-provider.js';

/**
 * Tencent Cloud FaceID (慧眼) adapter for `IdCardVerification` (API version 2018-03-01): the
 * two-factor check of a name against a resident ID number. Requests are signed with Tencent Cloud
 * API 3.0's TC3-HMAC-SHA256; `signTc3` is pure so it can be checked against Tencent's published
 * signing example (see tencent-faceid.test.ts).
 */

/** The content type every request is sent and signed with; the signature covers it byte for byte. */
export const TC3_JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Inputs of one TC3-HMAC-SHA256 signature for a POST to `/` with an empty query string. */
export interface Tc3SignInput {
  secretId: string;
  secretKey: string;
  /** Product name, which also names the endpoint: `faceid` for faceid.tencentcloudapi.com. */
  service: string;
  /** The Host header exactly as sent (with the port when it is not the scheme's default). */
  host: string;
  /** The request body exactly as sent. */
  payload: string;
  /** X-TC-Timestamp: Unix time in whole seconds. Its UTC date is the credential scope's date. */
  timestamp: number;
  /** Defaults to {@link TC3_JSON_CONTENT_TYPE}. */
  contentType?: string;
}

/** A TC3 signature with its intermediate strings, which Tencent's documentation prints too. */
export interface Tc3Signature {
  canonicalRequest: string;
  /** `<UTC date>/<service>/tc3_request`. */
  credentialScope: string;
  stringToSign: string;
  /** Lower-case hex HMAC-SHA256. */
  signature: string;
  /** The value of the Authorization header. */
  authorization: string;
}

const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');
const hmac = (key: string | Buffer, text: string): Buffer =>
  createHmac('sha256', key).update(text, 'utf8').digest();

/**
 * Signs a Tencent Cloud API 3.0 POST request with TC3-HMAC-SHA256. Only `content-type` and `host`
 * are signed (the two headers the algorithm requires), as in Tencent's own example.
 *
 * @throws RangeError if `timestamp` is not a non-negative whole number of seconds (a caller's bug).
 */
export function signTc3(input: Tc3SignInput): Tc3Signature {
  if (!Number.isSafeInteger(input.timestamp) || input.timestamp < 0) {
    throw new RangeError('TC3 timestamp must be whole seconds since the epoch');
  }
  const contentType = input.contentType ?? TC3_JSON_CONTENT_TYPE;
  const signedHeaders = 'content-type;host';
  const canonicalRequest = [
    'POST',
    '/',
    '', // The query string: always empty for a POST.
    `content-type:${contentType.trim().toLowerCase()}\nhost:${input.host.trim().toLowerCase()}\n`,
    signedHeaders,
    sha256Hex(input.payload),
  ].join('\n');
  // The date is the UTC date of the timestamp, never the local one (Tencent's docs warn about UTC+8).
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const credentialScope = `${date}/${input.service}/tc3_request`;
  const stringToSign = [
    'TC3-HMAC-SHA256',
    String(input.timestamp),
    credentialScope,
    sha256Hex(canonicalRequest),
  ].join('\n');
  const secretDate = hmac(`TC3${input.secretKey}`, date);
  const secretService = hmac(secretDate, input.service);
  const secretSigning = hmac(secretService, 'tc3_request');
  const signature = createHmac('sha256', secretSigning).update(stringToSign, 'utf8').digest('hex');
  const authorization =
    `TC3-HMAC-SHA256 Credential=${input.secretId}/${credentialScope}, ` +
    `SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return { canonicalRequest, credentialScope, stringToSign, signature, authorization };
}

/** Options of {@link createTencentFaceIdProvider}. */
export interface TencentFaceIdOptions {
  secretId: string;
  secretKey: string;
  /** Sent as X-TC-Region, e.g. `ap-guangzhou`. */
  region: string;
  /** Defaults to `https://faceid.tencentcloudapi.com`. */
  endpoint?: string;
  /** How long to wait for the whole answer; defaults to 5000 ms. */
  timeoutMs?: number;
  /** Epoch milliseconds, for X-TC-Timestamp and the signature; defaults to the system clock. */
  now?: () => number;
}

const DEFAULT_ENDPOINT = 'https://faceid.tencentcloudapi.com';
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * What each documented `Response.Result` of IdCardVerification means to us. Source: Tencent's
 * IdCardVerification reference ("身份信息认证（二要素核验）", output parameter Result) and the same
 * text in the official SDKs' IdCardVerificationResponse (tencentcloud-sdk-nodejs faceid v20180301).
 * "0" and "-1" are the billed answers of the ID database; the others are not billed and decide
 * nothing about the person, so an admin looks at them. Codes missing here also go to review.
 */
const RESULT_CODES: ReadonlyMap<string, { result: IdentityCheck['result']; meaning: string }> = new Map([
  // 0: 姓名和身份证号一致
  ['0', { result: 'match', meaning: 'name and ID number match' }],
  // -1: 姓名和身份证号不一致
  ['-1', { result: 'mismatch', meaning: 'name and ID number do not match' }],
  // -2: 非法身份证号（长度、校验位等不正确）
  ['-2', { result: 'review', meaning: 'ID number refused as invalid (length or check digit)' }],
  // -3: 非法姓名（长度、格式等不正确）
  ['-3', { result: 'review', meaning: 'name refused as invalid (length or format)' }],
  // -4: 证件库服务异常
  ['-4', { result: 'review', meaning: 'ID database service error' }],
  // -5: 证件库中无此身份证记录
  ['-5', { result: 'review', meaning: 'no record of this ID number in the ID database' }],
  // -6: 权威比对系统升级中，请稍后再试
  ['-6', { result: 'review', meaning: 'authoritative source under upgrade, try later' }],
  // -7: 认证次数超过当日限制
  ['-7', { result: 'review', meaning: 'daily verification limit exceeded' }],
]);

/** Tencent error codes look like `AuthFailure.SignatureFailure`; anything else is not quoted. */
const ERROR_CODE = /^[A-Za-z][A-Za-z0-9]*(?:\.[A-Za-z0-9]+)*$/;
/** Request ids are UUIDs; a short token is accepted, anything else is dropped. */
const REQUEST_ID = /^[A-Za-z0-9-]{1,64}$/;
/** Result codes are small integers; anything else is reported without being quoted. */
const RESULT_CODE = /^-?\d{1,4}$/;
/** Node's transport error codes, e.g. `ECONNREFUSED` or `UND_ERR_SOCKET`. */
const ERRNO = /^[A-Z][A-Z0-9_]{0,39}$/;

/**
 * Creates the `tencent` {@link IdentityProvider}: one signed `IdCardVerification` call per check.
 * It never throws for Tencent's failures (network, timeout, HTTP status, malformed answer, API
 * error): those come back as `review` with a short detail. Tencent's own `Description` and error
 * `Message` are never copied, as an error message may quote the request.
 */
export function createTencentFaceIdProvider(opts: TencentFaceIdOptions): IdentityProvider {
  const url = new URL(opts.endpoint ?? DEFAULT_ENDPOINT);
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const now = opts.now ?? (() => systemClock.now());

  return {
    name: 'tencent',
    async check(subject) {
      const payload = JSON.stringify({ IdCard: subject.idNumber, Name: subject.name });
      const timestamp = Math.floor(now() / 1000);
      // fetch derives Host from the URL and ignores one set by hand, so the signature covers url.host.
      const { authorization } = signTc3({
        secretId: opts.secretId,
        secretKey: opts.secretKey,
        service: 'faceid',
        host: url.host,
        payload,
        timestamp,
      });
      const outcome = await call(url, timeoutMs, payload, {
        authorization,
        'content-type': TC3_JSON_CONTENT_TYPE,
        'x-tc-action': 'IdCardVerification',
        'x-tc-version': '2018-03-01',
        'x-tc-region': opts.region,
        'x-tc-timestamp': String(timestamp),
      });
      return withoutSecrets(outcome, [subject.idNumber, subject.name, opts.secretKey]);
    },
  };
}

/** Sends the request and reads the answer; every failure becomes a `review`. */
async function call(
  url: URL,
  timeoutMs: number,
  payload: string,
  headers: Record<string, string>,
): Promise<IdentityCheck> {
  let status: number;
  let text: string;
  try {
    // The timeout signal also covers reading the body, so a server that stalls mid-answer is cut off.
    const response = await fetch(url, {
      method: 'POST',
      headers,
      body: payload,
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    text = await response.text();
  } catch (e) {
    // The error itself is not kept: it could quote the request.
    return review(null, `FaceID request failed: ${describeTransportError(e)}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return review(null, `FaceID answered HTTP ${status} with a body that is not JSON`);
  }
  return readAnswer(status, parsed);
}

/** Maps Tencent's `{ Response: { Result | Error, RequestId } }` answer to an IdentityCheck. */
function readAnswer(status: number, parsed: unknown): IdentityCheck {
  const response = field(parsed, 'Response');
  const requestId = field(response, 'RequestId');
  const reference = typeof requestId === 'string' && REQUEST_ID.test(requestId) ? requestId : null;
  const error = field(response, 'Error');
  const code = field(error, 'Code');
  const errorCode = typeof code === 'string' && ERROR_CODE.test(code) ? code : undefined;
  if (status < 200 || status > 299) {
    return review(reference, `FaceID answered HTTP ${status}${errorCode ? ` (${errorCode})` : ''}`);
  }
  if (response === undefined) return review(reference, 'FaceID answer has no Response object');
  if (error !== undefined) return review(reference, `FaceID error ${errorCode ?? 'without a readable code'}`);

  const result = field(response, 'Result');
  if (typeof result !== 'string') return review(reference, 'FaceID answer has no Result');
  const known = RESULT_CODES.get(result);
  if (known === undefined) {
    const quoted = RESULT_CODE.test(result) ? ` ${result}` : '';
    return review(reference, `FaceID Result${quoted} is not a documented code`);
  }
  const detail = `FaceID Result ${result}: ${known.meaning}`;
  // Only a decided answer needs a reference; without a RequestId nobody could trace it, so review it.
  if (known.result === 'review' || reference === null) {
    return review(reference, reference === null ? `${detail}, but no RequestId` : detail);
  }
  return { result: known.result, reference, detail };
}

function review(reference: string | null, detail: string): IdentityCheck {
  return { result: 'review', reference, detail };
}

/** Reads a property of a parsed JSON object; undefined for anything that is not an object. */
function field(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  return Object.hasOwn(value, key) ? (value as Record<string, unknown>)[key] : undefined;
}

/**
 * Last guard of the rule that no check carries the name, the ID number or the secret key: should one
 * of them appear anyway (e.g. echoed in a token-shaped field), the text is replaced.
 */
function withoutSecrets(check: IdentityCheck, secrets: readonly string[]): IdentityCheck {
  const leaks = (text: string | null): boolean =>
    text !== null && secrets.some((secret) => secret.length > 0 && text.includes(secret));
  if (!leaks(check.detail) && !leaks(check.reference)) return check;
  return review(null, 'FaceID answer withheld: it quoted the request');
}

/** Names a transport failure (timeout, refused connection, …) without quoting its message. */
function describeTransportError(e: unknown): string {
  if (!(e instanceof Error)) return 'unknown error';
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
  const code = field(e.cause, 'code');
  return typeof code === 'string' && ERRNO.test(code) ? `${e.name} (${code})` : e.name;
}
