import { describe, expect, it } from 'vitest';
import { randomBytes, scryptSync } from 'node:crypto';
import {
  PASSWORD_HASH_CONCURRENCY,
  createSlots,
  hashPassword,
  needsRehash,
  verifyPassword,
} from '../../src/services/user/passwords.js';

describe('password hashing concurrency', () => {
  it('runs at most `limit` tasks at once and starts the others in order', async () => {
    const slots = createSlots(2);
    const started: number[] = [];
    const finish: (() => void)[] = [];
    let peak = 0;
    const runs = [0, 1, 2, 3, 4].map((i) =>
      slots.run(async () => {
        started.push(i);
        peak = Math.max(peak, slots.running);
        await new Promise<void>((resolve) => finish.push(resolve));
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(slots.waiting).toBe(3);
    while (finish.length || slots.waiting) {
      finish.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4]);
    expect(started).toEqual([0, 1, 2, 3, 4]);
    expect(peak).toBe(2);
    expect(slots.running).toBe(0);
  });

  it('frees the slot of a task that failed', async () => {
    const slots = createSlots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(slots.running).toBe(0);
    expect(await slots.run(async () => 'next')).toBe('next');
    expect(() => createSlots(0)).toThrow(RangeError);
  });

  it('hashes with one core left for the event loop, and concurrent checks still all answer', async () => {
    expect(PASSWORD_HASH_CONCURRENCY).toBeGreaterThanOrEqual(1);
    const hash = await hashPassword('Secret-pass-1');
    const results = await Promise.all(
      ['Secret-pass-1', 'wrong-pass-2', 'Secret-pass-1', 'wrong-pass-3'].map((p) => verifyPassword(p, hash)),
    );
    expect(results).toEqual([true, false, true, false]);
  });
});

describe('password hash settings', () => {
  it('hashes with scrypt N=2^15, r=8, p=3 and asks for a new hash of anything made otherwise', async () => {
    const hash = await hashPassword('Secret-pass-1');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(needsRehash(hash)).toBe(false);
    expect(needsRehash(hash.replace('$8$3$', '$8$1$'))).toBe(true);
    expect(needsRehash(hash.replace('scrypt$32768$', 'scrypt$16384$'))).toBe(true);
    expect(needsRehash(hash.replace('scrypt$', 'bcrypt$'))).toBe(true);
  });

  it('verifies a hash made with a larger block than new hashes use', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('Secret-pass-1', salt, 32, { N: 1 << 16, r: 8, p: 1, maxmem: 256 * 1024 * 1024 });
    const stored = `scrypt$65536$8$1$${salt.toString('base64url')}$${key.toString('base64url')}`;
    expect(needsRehash(stored)).toBe(true);
    expect(await verifyPassword('Secret-pass-1', stored)).toBe(true);
    expect(await verifyPassword('Secret-pass-2', stored)).toBe(false);
  });
});
