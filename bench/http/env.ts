import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { connectServer } from '../../test/support/databases.js';

export type BenchDialect = 'sqlite' | 'mysql';

/** A database of the benchmark's own, dropped afterwards. */
export interface BenchDatabase {
  dialect: BenchDialect;
  url: string;
  drop(): Promise<void>;
}

export async function createBenchDatabase(dialect: BenchDialect, mysqlUrl?: string): Promise<BenchDatabase> {
  if (dialect === 'sqlite') {
    // Opened only by the servers' Node (bench/http/prepare.ts).
    const dir = mkdtempSync(join(tmpdir(), 'linggong-bench-'));
    return {
      dialect,
      url: `sqlite:${join(dir, 'bench.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  if (!mysqlUrl)
    throw new Error('--dialect mysql needs LINGGONG_BENCH_MYSQL_URL, e.g. mysql://root@127.0.0.1:3306/test');
  const connect = () => connectServer(mysqlUrl);
  const name = `lg_bench_${randomBytes(6).toString('hex')}`;
  const conn = await connect();
  await conn.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  await conn.end();
  const url = new URL(mysqlUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    async drop() {
      const c = await connect();
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}

/** A Redis key prefix of the benchmark's own; its keys are deleted afterwards. */
export interface BenchRedis {
  url: string;
  prefix: string;
  cleanup(): Promise<number>;
}

export function createBenchRedis(url: string): BenchRedis {
  const prefix = `lg_bench:${randomBytes(6).toString('hex')}:`;
  return {
    url,
    prefix,
    async cleanup() {
      const redis = new Redis(url);
      let cursor = '0';
      let deleted = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length) deleted += await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
      return deleted;
    },
  };
}

/** Secrets of one benchmark run (a staging-like profile: nothing falls back to development values). */
export interface BenchSecrets {
  secret: string;
  serviceToken: string;
  piiKeys: string;
}

export function createBenchSecrets(): BenchSecrets {
  return {
    secret: randomBytes(32).toString('base64url'),
    serviceToken: randomBytes(32).toString('base64url'),
    piiKeys: `bench1:${randomBytes(32).toString('base64')}`,
  };
}

/**
 * The environment of a Linggong process under test. Rate limits stay on (they are part of every
 * request's cost) but are raised so that one load generator on one IP is never refused.
 */
export function linggongEnv(options: {
  databaseUrl: string;
  dataDir: string;
  secrets: BenchSecrets;
  redis?: BenchRedis;
  /** Entries of the in-memory cache (sized to hold every seeded profile, as a deployment would). */
  cacheMaxEntries?: number;
}): Record<string, string> {
  return {
    LINGGONG_ENV: 'staging',
    LINGGONG_HOST: '127.0.0.1',
    LINGGONG_PORT: '0',
    LINGGONG_DATA_DIR: options.dataDir,
    LINGGONG_DATABASE_URL: options.databaseUrl,
    LINGGONG_LOG_LEVEL: 'warn',
    LINGGONG_SECRET: options.secrets.secret,
    LINGGONG_SERVICE_TOKEN: options.secrets.serviceToken,
    LINGGONG_PII_KEYS: options.secrets.piiKeys,
    LINGGONG_RATE_LIMIT_MAX: '1000000',
    LINGGONG_RATE_LIMIT_WINDOW_MS: '1000',
    LINGGONG_AUTH_RATE_LIMIT_MAX: '1000000',
    LINGGONG_SEED_DEMO: 'false',
    ...(options.cacheMaxEntries ? { LINGGONG_CACHE_MAX_ENTRIES: String(options.cacheMaxEntries) } : {}),
    // One process: events stay in process (a BullMQ queue Redis must be noeviction with AOF, and
    // events play no part in these reads); Redis serves the cache and the rate limits.
    LINGGONG_EVENT_BUS: 'inprocess',
    ...(options.redis
      ? {
          LINGGONG_REDIS_URL: options.redis.url,
          LINGGONG_REDIS_PREFIX: options.redis.prefix,
        }
      : {}),
  };
}
