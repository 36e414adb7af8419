import { randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { availableParallelism } from 'node:os';

/**
 * Passwords are hashed with scrypt (N=2^15, r=8, p=3: 32 MiB, and three passes over it per hash),
 * one of the settings OWASP's Password Storage Cheat Sheet gives as the minimum for scrypt, which
 * Node runs on the libuv thread pool, off the event loop. Format: `scrypt$N$r$p$salt$hash`
 * (base64url): a hash keeps the settings it was made with, so it still verifies after they change,
 * and a login with a hash made otherwise stores it anew (needsRehash).
 *
 * At most `cores − 1` hashes run at once (at least one); further ones wait in line. Unbounded,
 * a burst of logins filled all four pool threads with scrypt, which on a small machine took the
 * CPU from the event loop (every other request waited) and blocked the pool's other work (file
 * and DNS operations) behind the hashes (see docs/benchmarks.md, section "Password hashing and
 * malloc").
 */
const N = 1 << 15;
const R = 8;
const P = 3;
const KEYLEN = 32;

interface ScryptSettings {
  N: number;
  r: number;
  p: number;
}

/** The scrypt settings of new hashes. */
export const PASSWORD_HASH_SETTINGS = Object.freeze({ N, r: R, p: P });

/** A counting semaphore: `run` starts `task` when fewer than `limit` run, else in FIFO order. */
export interface Slots {
  run<T>(task: () => Promise<T>): Promise<T>;
  readonly running: number;
  readonly waiting: number;
}

export function createSlots(limit: number): Slots {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError('createSlots: limit must be >= 1');
  let running = 0;
  const queue: (() => void)[] = [];
  return {
    async run<T>(task: () => Promise<T>): Promise<T> {
      if (running < limit) running++;
      // The finishing task hands its slot straight to the next in line (running stays the same).
      else await new Promise<void>((resolve) => queue.push(resolve));
      try {
        return await task();
      } finally {
        const next = queue.shift();
        if (next) next();
        else running--;
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return queue.length;
    },
  };
}

export const PASSWORD_HASH_CONCURRENCY = Math.max(1, availableParallelism() - 1);
const hashSlots = createSlots(PASSWORD_HASH_CONCURRENCY);

function scrypt(password: string, salt: Buffer, opts: ScryptSettings): Promise<Buffer> {
  return hashSlots.run(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        // The block is 128·N·r bytes; twice that leaves room (a stored hash may use other settings).
        scryptCb(password, salt, KEYLEN, { ...opts, maxmem: 128 * opts.N * opts.r * 2 }, (err, key) =>
          err ? reject(err) : resolve(key),
        ),
      ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, { N, r: R, p: P });
  return `scrypt$${N}$${R}$${P}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface StoredHash {
  settings: ScryptSettings;
  salt: Buffer;
  hash: Buffer;
}

/** The parts of a stored `scrypt$N$r$p$salt$hash`, or undefined for any other scheme or shape. */
function parseHash(stored: string): StoredHash | undefined {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return undefined;
  return {
    settings: { N: Number(n), r: Number(r), p: Number(p) },
    salt: Buffer.from(salt, 'base64url'),
    hash: Buffer.from(hash, 'base64url'),
  };
}

/** Whether a stored hash was made with other settings than new hashes are (or another scheme). */
export function needsRehash(stored: string): boolean {
  const settings = parseHash(stored)?.settings;
  return !settings || settings.N !== N || settings.r !== R || settings.p !== P;
}

/** A hash to verify against when the account does not exist, so timing does not reveal it. */
const DUMMY_HASH = `scrypt$${N}$${R}$${P}$${Buffer.alloc(16).toString('base64url')}$${Buffer.alloc(KEYLEN).toString('base64url')}`;

export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = parseHash(stored ?? DUMMY_HASH);
  if (!parsed) return false;
  const key = await scrypt(password, parsed.salt, parsed.settings);
  return stored !== null && key.length === parsed.hash.length && timingSafeEqual(key, parsed.hash);
}
