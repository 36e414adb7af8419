import { createHmac, randomUUID } from 'node:crypto';

import type { Clock } from '../clock.js';
import { SmsSendError, type SmsNoticeTemplate, type SmsProvider, type SmsPurpose } from './port.js';

/**
 * Aliyun (阿里云) Short Message Service adapter for dysmsapi `SendSms`, signed with Aliyun's RPC
 * signature (SignatureMethod=HMAC-SHA1, SignatureVersion=1.0).
 *
 * Aliyun's documentation now labels this "V2 RPC signature" as no longer recommended in favour of V3
 * (ACS3-HMAC-SHA256); it is still the scheme of Aliyun's classic SMS SDKs and is what this adapter
 * implements. The signing functions are pure so they can be checked against Aliyun's published
 * examples (see aliyun-sms.test.ts).
 */

/**
 * Percent-encodes a string the way Aliyun's signature requires (RFC 3986 over UTF-8): only
 * `A-Z a-z 0-9 - _ . ~` stay as they are, a space becomes `%20` (never `+`), `*` becomes `%2A`.
 * This is what Aliyun's docs describe as Java's URLEncoder plus `+`→`%20`, `*`→`%2A`, `%7E`→`~`.
 *
 * @throws URIError if `value` contains a lone UTF-16 surrogate (it has no UTF-8 encoding).
 */
export function percentEncode(value: string): string {
  // encodeURIComponent already follows RFC 3986 except that it leaves ! ' ( ) * unescaped.
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/**
 * Builds Aliyun's canonicalized query string: parameters sorted by name, each name and value
 * percent-encoded, joined with `=` and `&`. A `Signature` parameter is left out, as the signature
 * is computed over everything else.
 */
export function canonicalizeAliyunQuery(params: Readonly<Record<string, string>>): string {
  return (
    Object.keys(params)
      .filter((key) => key !== 'Signature')
      // Plain UTF-16 code-unit order, as Aliyun's reference code (Java TreeMap) sorts; not locale order,
      // so that e.g. "SignName" comes before "SignatureMethod".
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
      .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
      .join('&')
  );
}

/**
 * Builds the string Aliyun's RPC signature is computed over:
 * `HTTPMethod + "&" + percentEncode("/") + "&" + percentEncode(canonicalizedQuery)`.
 */
export function aliyunRpcStringToSign(params: Readonly<Record<string, string>>, method = 'GET'): string {
  return `${method.toUpperCase()}&${percentEncode('/')}&${percentEncode(canonicalizeAliyunQuery(params))}`;
}

/**
 * Computes the Aliyun RPC request signature (HMAC-SHA1, SignatureVersion 1.0): Base64 of the
 * HMAC-SHA1 of the string-to-sign, keyed with `AccessKeySecret + "&"`. The result is the raw Base64
 * value; it must be percent-encoded like any other value when put into the query.
 *
 * @param params every request parameter except `Signature` (common and operation parameters alike)
 * @param accessKeySecret the AccessKey secret; Aliyun appends `&` to it to form the HMAC key
 * @param method the HTTP method the request will be sent with
 */
export function signAliyunRpcRequest(
  params: Readonly<Record<string, string>>,
  accessKeySecret: string,
  method = 'GET',
): string {
  return createHmac('sha1', `${accessKeySecret}&`)
    .update(aliyunRpcStringToSign(params, method), 'utf8')
    .digest('base64');
}

/**
 * Formats an instant as Aliyun's `Timestamp`: ISO 8601 in UTC to the second, e.g. `2026-11-25T12:00:00Z`.
 * Aliyun's documented format (`yyyy-MM-ddTHH:mm:ssZ`) has no milliseconds.
 *
 * @throws RangeError if `now` is not a valid instant.
 */
export function formatAliyunTimestamp(now: number): string {
  return new Date(now).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Inputs of a `SendSms` call. */
export interface SendSmsQueryInput {
  accessKeyId: string;
  accessKeySecret: string;
  /** One mainland number, or several separated by commas (Aliyun's `PhoneNumbers`). */
  phoneNumbers: string;
  /** Approved SMS signature name, e.g. `零工`. */
  signName: string;
  /** Approved template code, e.g. `SMS_123456789`. */
  templateCode: string;
  /** Values for the template's variables; sent as a JSON object in `TemplateParam`. */
  templateParam: Readonly<Record<string, string>>;
  /** The request instant in epoch milliseconds (from the Clock port, so tests can fix it). */
  now: number;
  /** A value used once per request (Aliyun's `SignatureNonce`, which guards against replay). */
  nonce: string;
  /** Aliyun's `RegionId`; dysmsapi accepts `cn-hangzhou`. */
  regionId?: string;
}

/**
 * Builds the complete signed query string for dysmsapi `SendSms` (Version 2017-05-25): the
 * canonicalized parameters followed by `&Signature=…`. Deterministic for given inputs; nothing here
 * reads the clock or draws randomness.
 */
export function buildSendSmsQuery(input: SendSmsQueryInput): string {
  const params: Record<string, string> = {
    AccessKeyId: input.accessKeyId,
    Action: 'SendSms',
    Format: 'JSON',
    PhoneNumbers: input.phoneNumbers,
    RegionId: input.regionId ?? 'cn-hangzhou',
    SignName: input.signName,
    SignatureMethod: 'HMAC-SHA1',
    SignatureNonce: input.nonce,
    SignatureVersion: '1.0',
    TemplateCode: input.templateCode,
    TemplateParam: JSON.stringify(input.templateParam),
    Timestamp: formatAliyunTimestamp(input.now),
    Version: '2017-05-25',
  };
  const signature = signAliyunRpcRequest(params, input.accessKeySecret, 'GET');
  return `${canonicalizeAliyunQuery(params)}&Signature=${percentEncode(signature)}`;
}

/** Options of {@link createAliyunSmsProvider}. */
export interface AliyunSmsProviderOptions {
  accessKeyId: string;
  accessKeySecret: string;
  /** Approved SMS signature name (签名), e.g. `零工`. */
  signName: string;
  /** Approved verification-code template; it must have one variable named `code`. */
  templateCode: string;
  /** Approved templates of the notices, by notice (a notice without one is refused). */
  noticeTemplates?: Partial<Record<SmsNoticeTemplate, string>>;
  /** Base URL of the SMS API; defaults to `https://dysmsapi.aliyuncs.com`. */
  endpoint?: string;
  /** Source of the request Timestamp. */
  clock: Pick<Clock, 'now'>;
  /** HTTP client; defaults to the global fetch. */
  fetch?: typeof fetch;
  /** How long to wait for Aliyun before giving up; defaults to 5000 ms. */
  timeoutMs?: number;
  /** Source of SignatureNonce values; defaults to random UUIDs. */
  nonce?: () => string;
}

const DEFAULT_ENDPOINT = 'https://dysmsapi.aliyuncs.com';
const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * Creates an {@link SmsProvider} that sends verification codes through Aliyun SMS `SendSms` over a
 * signed GET request. The template parameter is `{"code":"<code>"}`. The phone number and the code
 * are never logged nor copied into errors: Aliyun's own `Message` is dropped for that reason too,
 * because some answers (e.g. `SignatureDoesNotMatch`) echo the string-to-sign, which contains both.
 */
export function createAliyunSmsProvider(options: AliyunSmsProviderOptions): SmsProvider {
  const endpoint = (options.endpoint ?? DEFAULT_ENDPOINT).replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const nextNonce = options.nonce ?? randomUUID;

  return {
    name: 'aliyun',

    // One template serves every purpose for now; `_purpose` is kept for providers that differ.
    async sendCode(phone: string, code: string, _purpose: SmsPurpose): Promise<void> {
      if (code.length === 0) throw new SmsSendError('Aliyun SMS: empty verification code');
      await send(phone, options.templateCode, { code });
    },

    async sendNotice(
      phone: string,
      template: SmsNoticeTemplate,
      params: Record<string, string>,
    ): Promise<void> {
      const templateCode = options.noticeTemplates?.[template];
      if (!templateCode) throw new SmsSendError(`Aliyun SMS: no template configured for ${template}`);
      await send(phone, templateCode, params);
    },
  };

  async function send(
    phone: string,
    templateCode: string,
    templateParam: Record<string, string>,
  ): Promise<void> {
    // A comma would make Aliyun send the message to several numbers.
    if (phone.length === 0 || phone.includes(',')) {
      throw new SmsSendError('Aliyun SMS: invalid phone number');
    }
    const query = buildSendSmsQuery({
      accessKeyId: options.accessKeyId,
      accessKeySecret: options.accessKeySecret,
      phoneNumbers: phone,
      signName: options.signName,
      templateCode,
      templateParam,
      now: options.clock.now(),
      nonce: nextNonce(),
    });

    let response: Response;
    try {
      response = await fetchImpl(`${endpoint}/?${query}`, {
        method: 'GET',
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      // The original error is not attached: it may quote the request URL, which holds phone and code.
      throw new SmsSendError(`Aliyun SMS request failed: ${describeTransportError(e)}`);
    }

    const answer = parseAliyunAnswer(await readBody(response));
    const details = {
      httpStatus: response.status,
      ...(answer.code !== undefined ? { providerCode: answer.code } : {}),
      ...(answer.requestId !== undefined ? { requestId: answer.requestId } : {}),
    };
    if (response.ok && answer.code === 'OK') return;
    if (answer.code !== undefined) {
      throw new SmsSendError(
        `Aliyun SMS rejected the message: ${answer.code} (HTTP ${response.status})`,
        details,
      );
    }
    throw new SmsSendError(`Aliyun SMS answered HTTP ${response.status} without a result code`, details);
  }
}

/** Reads the body as text; a body that cannot be read counts as empty, the status still decides. */
async function readBody(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}

/** Aliyun codes and request ids are short tokens; anything else is not trusted into an error message. */
const TOKEN = /^[A-Za-z0-9._:-]{1,128}$/;

/** Extracts `Code` and `RequestId` from Aliyun's JSON answer; other fields are ignored on purpose. */
function parseAliyunAnswer(body: string): { code?: string; requestId?: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null) return {};
  const record = parsed as Record<string, unknown>;
  const out: { code?: string; requestId?: string } = {};
  if (typeof record['Code'] === 'string' && TOKEN.test(record['Code'])) out.code = record['Code'];
  if (typeof record['RequestId'] === 'string' && TOKEN.test(record['RequestId'])) {
    out.requestId = record['RequestId'];
  }
  return out;
}

/** Names a transport failure (timeout, refused connection, …) without quoting its message. */
function describeTransportError(e: unknown): string {
  if (e instanceof Error) {
    if (e.name === 'TimeoutError' || e.name === 'AbortError') return 'timed out';
    const cause: unknown = e.cause;
    if (
      typeof cause === 'object' &&
      cause !== null &&
      'code' in cause &&
      typeof cause.code === 'string' &&
      TOKEN.test(cause.code)
    ) {
      return `${e.name} (${cause.code})`;
    }
    return e.name;
  }
  return 'unknown error';
}
