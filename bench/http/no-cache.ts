import type { Cache } from '../../src/platform/cache.js';

/**
 * A cache that never keeps anything: every read misses and every `getOrLoad`/`getOrLoadText` runs its loader, so
 * a benchmark measures the read path down to the database ("cache off").
 */
export class NoCache implements Cache {
  async get<T>(_key: string): Promise<T | undefined> {
    return undefined;
  }
  async set(_key: string, _value: unknown, _ttlMs: number): Promise<void> {}
  async delete(..._keys: string[]): Promise<void> {}
  async getOrLoad<T>(
    _key: string,
    _ttlMs: number,
    load: () => Promise<T | undefined>,
    _negativeTtlMs?: number,
  ): Promise<T | undefined> {
    return load();
  }
  async getOrLoadText(
    _key: string,
    _ttlMs: number,
    load: () => Promise<string | undefined>,
    _negativeTtlMs?: number,
  ): Promise<string | undefined> {
    return load();
  }
  peekText(_key: string): undefined {
    return undefined;
  }
}
