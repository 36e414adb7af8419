import { describe, expect, it } from 'vitest';
import { BufferPool } from './buffer-pool.js';

describe('BufferPool', () => {
  it('lends at most `max` buffers, reuses the ones given back, and replaces forgotten ones', () => {
    const pool = new BufferPool(2, 1024);
    const a = pool.acquire();
    const b = pool.acquire();
    expect(a?.byteLength).toBe(1024);
    expect(b?.byteLength).toBe(1024);
    expect(a).not.toBe(b);
    expect(pool.acquire()).toBeUndefined();
    expect(pool.inUse).toBe(2);

    pool.release(a!);
    expect(pool.inUse).toBe(1);
    expect(pool.acquire()).toBe(a);

    // A buffer lost with a failed call: the pool may make a new one in its place.
    pool.forget();
    expect(pool.inUse).toBe(1);
    const c = pool.acquire();
    expect(c).toBeDefined();
    expect(c).not.toBe(a);
    expect(c).not.toBe(b);
    expect(pool.acquire()).toBeUndefined();
  });

  it('does not take back a buffer that is detached or of another size', () => {
    const pool = new BufferPool(1, 64);
    const a = pool.acquire()!;
    // Transferred away (detached): its length reads 0.
    structuredClone(a, { transfer: [a] });
    pool.release(a);
    expect(pool.inUse).toBe(0);
    const b = pool.acquire()!;
    expect(b).not.toBe(a);
    expect(b.byteLength).toBe(64);
  });

  it('counts a buffer given back twice once, so no two answers share it', () => {
    const pool = new BufferPool(2, 64);
    const a = pool.acquire()!;
    pool.release(a);
    pool.release(a);
    expect(pool.inUse).toBe(0);
    expect(pool.acquire()).toBe(a);
    expect(pool.acquire()).not.toBe(a);
  });

  it('refuses a size or count that is not a positive whole number', () => {
    expect(() => new BufferPool(0, 64)).toThrow();
    expect(() => new BufferPool(2, 1.5)).toThrow();
  });
});
