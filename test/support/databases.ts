import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createConnection, type Connection } from 'mysql2/promise';
import { Redis } from 'ioredis';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from './env.js';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';

/** A connection to the server of a mysql:// URL, to no database (create, drop, version, checksums). */
export function connectServer(serverUrl: string): Promise<Connection> {
  const url = new URL(serverUrl);
  return createConnection({
    host: url.hostname,
    port: Number(url.port || 3306),
    user: decodeURIComponent(url.username),
    password: decodeURIComponent(url.password),
  });
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database for one test platform: a temporary SQLite file, or on MariaDB a database of its
 * own (`lgt_<random>`) created now and dropped after, so runs never share state.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  if (!TEST_MYSQL_URL) {
    const dir = mkdtempSync(join(tmpdir(), 'linggong-test-'));
    return {
      url: `sqlite:${join(dir, 'test.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `lgt_${randomBytes(6).toString('hex')}`;
  const server = TEST_MYSQL_URL;
  const conn = await connectServer(server);
  await conn.query(`create database \`${name}\` character set utf8mb4 collate utf8mb4_unicode_ci`);
  await conn.end();
  const url = new URL(TEST_MYSQL_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = await connectServer(server);
      await c.query(`drop database if exists \`${name}\``);
      await c.end();
    },
  };
}

export interface TestRedis {
  url: string;
  prefix: string;
  cleanup(): Promise<void>;
}

/** A Redis key prefix of its own on the shared server; its keys are deleted after. */
export async function createTestRedis(): Promise<TestRedis | undefined> {
  const url = TEST_REDIS_URL;
  if (!url) return undefined;
  const prefix = `lgt:${randomBytes(6).toString('hex')}:`;
  return {
    url,
    prefix,
    async cleanup() {
      const redis = new Redis(url);
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await redis.del(...keys);
      } while (cursor !== '0');
      await redis.quit();
    },
  };
}

/** Names of the tables in a service's database (either dialect). */
export async function listTables(db: ServiceDatabase<unknown>): Promise<string[]> {
  const rows =
    db.dialect === 'sqlite'
      ? await db.untyped().selectFrom('sqlite_master').select('name').where('type', '=', 'table').execute()
      : await db
          .untyped()
          .selectFrom('information_schema.tables')
          .select('table_name as name')
          .where('table_schema', '=', db.untyped().fn('database', []))
          .execute();
  return (rows as { name: string }[]).map((r) => r.name).filter((n) => !n.startsWith('sqlite_'));
}
