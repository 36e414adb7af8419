import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildPlatform, type Platform } from '../../src/app.js';
import { FakeClock } from '../../src/platform/clock.js';
import { loadConfig } from '../../src/platform/config.js';
import type { AnyServiceModule } from '../../src/platform/service.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from './databases.js';
import { capturedLogger } from './log.js';

export interface TestPlatform extends Platform {
  clock: FakeClock;
  /** Every log line written so far, parsed. */
  logLines(): Record<string, unknown>[];
  /** The raw captured log text. */
  logText(): string;
  /** Stops the platform and drops its database and Redis keys. */
  stop(): Promise<void>;
}

/**
 * Builds a whole Linggong process for a test on a fresh database (SQLite, or MariaDB and Redis when
 * LINGGONG_TEST_MYSQL_URL / LINGGONG_TEST_REDIS_URL are set), migrated, with a fake clock and the
 * log captured.
 */
export async function startTestPlatform(
  options: {
    modules?: AnyServiceModule[];
    remoteModules?: AnyServiceModule[];
    env?: Record<string, string>;
    clock?: FakeClock;
    /** Reuse databases and a Redis prefix made by the caller (who also drops them). */
    database?: TestDatabase;
    redis?: TestRedis;
  } = {},
): Promise<TestPlatform> {
  const modules = options.modules ?? ALL_SERVICES;
  const ownsStorage = !options.database;
  const database = options.database ?? (await createTestDatabase());
  // The user service always gets a database of its own, proving that services share nothing.
  const userDatabase = modules.some((m) => m.name === 'user') ? await createTestDatabase() : undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'linggong-data-'));
  const redis = options.redis ?? (ownsStorage ? await createTestRedis() : undefined);
  const clock = options.clock ?? new FakeClock();
  const config = loadConfig({
    services: [...modules, ...(options.remoteModules ?? [])],
    env: {
      LINGGONG_ENV: 'test',
      LINGGONG_DATABASE_URL: database.url,
      ...(userDatabase ? { LINGGONG_USER_DATABASE_URL: userDatabase.url } : {}),
      LINGGONG_DATA_DIR: dataDir,
      LINGGONG_REDIS_URL: redis?.url,
      LINGGONG_REDIS_PREFIX: redis?.prefix,
      LINGGONG_RATE_LIMIT_MAX: '100000',
      LINGGONG_AUTH_RATE_LIMIT_MAX: '100000',
      LINGGONG_LOG_LEVEL: 'info',
      ...options.env,
    },
  });
  async function dropAll(): Promise<void> {
    if (ownsStorage) {
      await database.drop();
      await redis?.cleanup();
    }
    await userDatabase?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const { log, lines: captured } = capturedLogger(config.logLevel);
  let platform: Platform;
  try {
    platform = await buildPlatform({ config, clock, log, modules, remoteModules: options.remoteModules });
    await platform.migrate('up');
  } catch (e) {
    await dropAll();
    throw e;
  }
  return Object.assign(platform, {
    clock,
    logText: () => captured.join(''),
    logLines: () =>
      captured
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    async stop() {
      await platform.close();
      await dropAll();
    },
  });
}
