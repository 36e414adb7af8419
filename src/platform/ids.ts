import { randomBytes } from 'node:crypto';
import type { Clock } from './clock.js';

/**
 * ULIDs: 26 Crockford base32 characters, 48-bit millisecond time then 80 random bits.
 * Monotonic within one generator: ids made in the same millisecond still sort in creation order.
 * Stored as CHAR(26) ASCII with a binary collation, so string order is time order on both dialects.
 */
export type IdGenerator = () => string;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** A ULID as text (also the `Ulid` schema's pattern). */
export const ULID_PATTERN = '^[0-7][0-9A-HJKMNP-TV-Z]{25}$';
const ULID_RE = new RegExp(ULID_PATTERN);

export function createIdGenerator(clock: Clock): IdGenerator {
  let lastTime = -1;
  const lastRandom = new Uint8Array(10);
  return () => {
    let time = clock.now();
    if (time <= lastTime) {
      // Same (or an earlier, if the clock stepped back) millisecond: increment the random part.
      time = lastTime;
      let i = 9;
      while (i >= 0 && lastRandom[i] === 255) {
        lastRandom[i] = 0;
        i--;
      }
      if (i < 0) throw new Error('ULID random component overflowed within one millisecond');
      lastRandom[i] = (lastRandom[i] ?? 0) + 1;
    } else {
      lastTime = time;
      lastRandom.set(randomBytes(10));
    }
    return encodeTime(time) + encodeRandom(lastRandom);
  };
}

function encodeTime(time: number): string {
  let out = '';
  let t = time;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits → 16 characters of 5 bits each.
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  let out = '';
  for (let i = 0; i < 16; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

export function isUlid(value: string): boolean {
  return ULID_RE.test(value);
}

/** The instant encoded in a ULID. */
export function ulidTime(id: string): number {
  let t = 0;
  for (const ch of id.slice(0, 10)) t = t * 32 + ALPHABET.indexOf(ch);
  return t;
}
