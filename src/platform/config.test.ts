import { describe, expect, it } from 'vitest';
import { ConfigError, DEV_SECRET, loadConfig } from './config.js';

const known = ['user', 'job'];

describe('config', () => {
  it('has working defaults for development', () => {
    const c = loadConfig({ env: {}, knownServices: known });
    expect(c.profile).toBe('development');
    expect(c.databaseUrl).toBe('sqlite:./data/linggong.db');
    expect(c.serviceDatabaseUrls.user).toBe(c.databaseUrl);
    expect(c.businessTimeZone).toBe('Asia/Shanghai');
    expect(c.port).toBe(3000);
  });

  it('configures the job search engine, Elasticsearch with its URL and credentials', () => {
    expect(loadConfig({ env: {}, knownServices: known }).search).toEqual({
      engine: 'embedded',
      dir: './data/search',
      threads: 1,
    });
    expect(loadConfig({ env: { LINGGONG_SEARCH_THREADS: '3' }, knownServices: known }).search.threads).toBe(
      3,
    );
    expect(() => loadConfig({ env: { LINGGONG_SEARCH_THREADS: '17' }, knownServices: known })).toThrow(
      /LINGGONG_SEARCH_THREADS/,
    );
    const es = loadConfig({
      env: {
        LINGGONG_SEARCH_ENGINE: 'elasticsearch',
        LINGGONG_ELASTICSEARCH_URL: 'https://es.internal:9200',
        LINGGONG_ELASTICSEARCH_API_KEY: 'a2V5',
      },
      knownServices: known,
    });
    expect(es.search.elasticsearch).toEqual({
      url: 'https://es.internal:9200',
      alias: 'linggong-jobs',
      auth: { apiKey: 'a2V5' },
    });
    expect(() =>
      loadConfig({
        env: { LINGGONG_SEARCH_ENGINE: 'elasticsearch', LINGGONG_ELASTICSEARCH_USERNAME: 'elastic' },
        knownServices: known,
      }),
    ).toThrow(/LINGGONG_ELASTICSEARCH_URL[\s\S]*LINGGONG_ELASTICSEARCH_PASSWORD/);
  });

  it('lists every problem at once', () => {
    try {
      loadConfig({
        env: {
          LINGGONG_PORT: 'abc',
          LINGGONG_BUSINESS_TZ: 'Mars/Base',
          LINGGONG_DATABASE_URL: 'postgres://x',
          LINGGONG_LOG_LEVEL: 'loud',
          LINGGONG_MALLOC_TUNING: 'false',
        },
        knownServices: known,
      });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      const problems = (e as ConfigError).problems.join('\n');
      expect(problems).toContain('LINGGONG_PORT');
      expect(problems).toContain('LINGGONG_BUSINESS_TZ');
      expect(problems).toContain('LINGGONG_DATABASE_URL');
      expect(problems).toContain('LINGGONG_LOG_LEVEL');
      expect(problems).toContain('LINGGONG_MALLOC_TUNING=false: must be one of on, off');
    }
  });

  it('refuses development secrets in production', () => {
    expect(() =>
      loadConfig({
        env: {
          LINGGONG_ENV: 'production',
          LINGGONG_SECRET: DEV_SECRET,
          LINGGONG_DATABASE_URL: 'mysql://u:p@db:3306/lg',
        },
        knownServices: known,
      }),
    ).toThrow(/development secret is refused/);
    expect(() => loadConfig({ env: { LINGGONG_ENV: 'production' }, knownServices: known })).toThrow(
      /LINGGONG_SECRET/,
    );
  });

  it('requires MySQL and Redis to serve a subset of services', () => {
    expect(() => loadConfig({ env: { LINGGONG_SERVICES: 'user' }, knownServices: known })).toThrow(
      /needs MySQL/,
    );
    const c = loadConfig({
      env: {
        LINGGONG_SERVICES: 'user',
        LINGGONG_DATABASE_URL: 'mysql://root@127.0.0.1:3306/x',
        LINGGONG_REDIS_URL: 'redis://127.0.0.1:6379',
      },
      knownServices: known,
    });
    expect(c.services).toEqual(['user']);
    expect(() => loadConfig({ env: { LINGGONG_SERVICES: 'nope' }, knownServices: known })).toThrow(
      /unknown service/,
    );
  });

  it('takes per-service database URLs and refuses unknown services', () => {
    const c = loadConfig({
      env: { LINGGONG_USER_DATABASE_URL: 'sqlite:./data/user.db' },
      knownServices: known,
    });
    expect(c.serviceDatabaseUrls.user).toBe('sqlite:./data/user.db');
    expect(c.serviceDatabaseUrls.job).toBe('sqlite:./data/linggong.db');
    expect(() =>
      loadConfig({ env: { LINGGONG_FOO_DATABASE_URL: 'sqlite:x' }, knownServices: known }),
    ).toThrow(/no service named foo/);
  });
});

describe('documentation', () => {
  it('the README documents every configuration variable', async () => {
    const { readFile } = await import('node:fs/promises');
    const { CONFIG_VARS } = await import('./config.js');
    const readme = await readFile(new URL('../../README.md', import.meta.url), 'utf8');
    const missing = Object.keys(CONFIG_VARS).filter((name) => !readme.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
