import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * Personal data at rest (PIPL): values are encrypted with AES-256-GCM under a key ring whose keys
 * have ids, so keys can rotate (new writes use the active key; old rows stay readable and can be
 * re-encrypted). Lookups use a keyed hash (HMAC-SHA256), never the plaintext.
 *
 * Ciphertext format: `v1.<keyId>.<iv b64url>.<tag b64url>.<data b64url>`.
 */
export interface PiiCipher {
  encrypt(plaintext: string): string;
  decrypt(ciphertext: string): string;
  /** Keyed hash for equality lookups (e.g. find an account by phone). */
  lookupHash(value: string): string;
  /** Id of the key new values are encrypted with. */
  readonly activeKeyId: string;
}

export interface PiiKey {
  id: string;
  key: Buffer;
}

export function createPiiCipher(keys: PiiKey[], hashSecret: string): PiiCipher {
  const active = keys[0];
  if (!active) throw new Error('at least one PII key is required');
  for (const k of keys) if (k.key.length !== 32) throw new Error(`PII key ${k.id} must be 32 bytes`);
  const byId = new Map(keys.map((k) => [k.id, k.key]));
  return {
    activeKeyId: active.id,
    encrypt(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', active.key, iv);
      // The key id is authenticated too, so a ciphertext cannot be replayed under another key.
      cipher.setAAD(Buffer.from(active.id));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [
        'v1',
        active.id,
        iv.toString('base64url'),
        cipher.getAuthTag().toString('base64url'),
        data.toString('base64url'),
      ].join('.');
    },
    decrypt(ciphertext) {
      const [version, keyId, iv, tag, data] = ciphertext.split('.');
      if (version !== 'v1' || !keyId || !iv || !tag || data === undefined)
        throw new Error('malformed PII ciphertext');
      const key = byId.get(keyId);
      if (!key) throw new Error(`unknown PII key id ${keyId}`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(keyId));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
        'utf8',
      );
    },
    lookupHash(value) {
      return createHmac('sha256', hashSecret).update(value).digest('hex');
    },
  };
}

/** Parses `id:base64key[,id:base64key…]` (first is active). */
export function parsePiiKeys(spec: string): PiiKey[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, b64] = entry.split(':');
      if (!id || !b64 || !/^[A-Za-z0-9_-]{1,16}$/.test(id))
        throw new Error('PII keys must look like id:base64key');
      return { id, key: Buffer.from(b64, 'base64') };
    });
}

/** A development key derived from the development secret: never valid in production (config refuses it). */
export function developmentPiiKeys(secret: string): PiiKey[] {
  return [{ id: 'dev1', key: createHash('sha256').update(`pii:${secret}`).digest() }];
}

/** 13812341234 → 138****1234. */
export function maskPhone(phone: string): string {
  const digits = phone.replace(/^\+86/, '');
  return digits.length >= 7 ? `${digits.slice(0, 3)}****${digits.slice(-4)}` : '****';
}

/** 110101199003074512 → 110101********4512 (region and last four kept). */
export function maskIdNumber(id: string): string {
  return id.length >= 10 ? `${id.slice(0, 6)}${'*'.repeat(id.length - 10)}${id.slice(-4)}` : '****';
}
