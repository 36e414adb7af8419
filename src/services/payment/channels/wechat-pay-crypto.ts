import {
  constants,
  createDecipheriv,
  createPublicKey,
  createSign,
  createVerify,
  publicEncrypt,
  type KeyObject,
} from 'node:crypto';

/**
 * WeChat Pay API v3 cryptography (签名, 验签, 回调报文解密, 敏感信息加密), all with node:crypto:
 * - requests are signed SHA256withRSA with the merchant API key over
 *   `METHOD\nURL\ntimestamp\nnonce\nbody\n` (URL = path and query) and sent as
 *   `Authorization: WECHATPAY2-SHA256-RSA2048 mchid="…",nonce_str="…",signature="…",timestamp="…",serial_no="…"`;
 * - answers and notifications are signed by WeChat Pay over `timestamp\nnonce\nbody\n`, with the
 *   platform key (a platform certificate, or a platform public key whose id is PUB_KEY_ID_…) that
 *   the Wechatpay-Serial header names;
 * - notification resources are AEAD_AES_256_GCM with the 32-byte APIv3 key: base64 ciphertext
 *   whose last 16 bytes are the tag, a 12-character nonce and associated_data;
 * - sensitive request fields (a payee's name) are RSA-OAEP (SHA-1, MGF1) with a platform key.
 */

export const AUTHORIZATION_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';

export interface SignedRequest {
  merchantId: string;
  serialNo: string;
  privateKey: KeyObject;
  method: string;
  /** Path and query, as sent ("/v3/pay/transactions/native"). */
  url: string;
  body: string;
  timestamp: number;
  nonce: string;
}

/** The message a request signature covers. */
export function requestMessage(
  req: Pick<SignedRequest, 'method' | 'url' | 'timestamp' | 'nonce' | 'body'>,
): string {
  return `${req.method}\n${req.url}\n${req.timestamp}\n${req.nonce}\n${req.body}\n`;
}

/** The Authorization header value of a request. */
export function authorization(req: SignedRequest): string {
  const signature = createSign('RSA-SHA256')
    .update(requestMessage(req), 'utf8')
    .sign(req.privateKey, 'base64');
  return (
    `${AUTHORIZATION_SCHEMA} mchid="${req.merchantId}",nonce_str="${req.nonce}",` +
    `signature="${signature}",timestamp="${req.timestamp}",serial_no="${req.serialNo}"`
  );
}

/** The message an answer's or a notification's signature covers. */
export function answerMessage(timestamp: string, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** Checks a Wechatpay-Signature (base64 SHA256withRSA) over `timestamp\nnonce\nbody\n`. */
export function verifyWechatSignature(
  publicKey: KeyObject,
  timestamp: string,
  nonce: string,
  body: string,
  signature: string,
): boolean {
  try {
    return createVerify('RSA-SHA256')
      .update(answerMessage(timestamp, nonce, body), 'utf8')
      .verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

export interface EncryptedResource {
  algorithm: string;
  ciphertext: string;
  nonce: string;
  associated_data?: string;
}

/** Decrypts a notification resource; throws when the tag does not match (wrong key or data). */
export function decryptResource(apiV3Key: Buffer, resource: EncryptedResource): string {
  if (resource.algorithm !== 'AEAD_AES_256_GCM') throw new Error('unsupported resource algorithm');
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < 17) throw new Error('resource too short');
  const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - 16));
  decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
  return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString(
    'utf8',
  );
}

/** Encrypts a sensitive field for WeChat Pay (RSA-OAEP with SHA-1), base64. */
export function encryptSensitive(platformKey: KeyObject, value: string): string {
  return publicEncrypt(
    { key: platformKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' },
    Buffer.from(value, 'utf8'),
  ).toString('base64');
}

/** A platform key from PEM: a public key, or a platform certificate whose public key is used. */
export function platformKey(key: string | KeyObject): KeyObject {
  return typeof key === 'string' ? createPublicKey(key) : key;
}
