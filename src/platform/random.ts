import { randomFillSync } from 'node:crypto';

/**
 * Random hex strings for ids that must be unpredictable but are made on every request (request
 * ids, trace and span ids). Rather than a `randomBytes` call per id, bytes come from a pool filled
 * by the CSPRNG 4 KiB at a time, as Node does for `crypto.randomUUID`, turned into hex once per
 * fill, so an id is a slice of that text (docs/benchmarks.md, "Random ids"). Each byte is handed
 * out once and never reused. A slice keeps the whole 8 KiB text alive while the id lives; one text
 * serves the ids of about 110 requests, so an id kept for long holds about 75 bytes more.
 */
const POOL_BYTES = 4096;
const pool = Buffer.allocUnsafeSlow(POOL_BYTES);
let poolHex = '';
let offset = POOL_BYTES;

/** `bytes` random bytes from the CSPRNG, as 2 × `bytes` lowercase hex characters. */
export function randomHex(bytes: number): string {
  if (!Number.isInteger(bytes) || bytes < 1 || bytes > POOL_BYTES) {
    throw new RangeError(`randomHex: bytes must be an integer from 1 to ${POOL_BYTES}`);
  }
  if (offset + bytes > POOL_BYTES) {
    randomFillSync(pool);
    poolHex = pool.toString('hex');
    offset = 0;
  }
  const hex = poolHex.slice(2 * offset, 2 * (offset + bytes));
  offset += bytes;
  return hex;
}
