import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { searchConfig } from './search.config.js';

const load = (env: Record<string, string>) =>
  searchConfig.of(loadConfig({ env, services: [{ name: 'search', config: searchConfig }] }));

describe('search configuration', () => {
  it('keeps an embedded index under the data folder by default, with 1 to 16 threads', () => {
    expect(load({})).toEqual({ engine: 'embedded', dir: './data/search', threads: 1 });
    expect(load({ LINGGONG_SEARCH_THREADS: '3', LINGGONG_DATA_DIR: '/srv' })).toEqual({
      engine: 'embedded',
      dir: '/srv/search',
      threads: 3,
    });
    expect(() => load({ LINGGONG_SEARCH_THREADS: '17' })).toThrow(/LINGGONG_SEARCH_THREADS/);
  });

  it('uses Elasticsearch with its URL and credentials', () => {
    const es = load({
      LINGGONG_SEARCH_ENGINE: 'elasticsearch',
      LINGGONG_ELASTICSEARCH_URL: 'https://es.internal:9200',
      LINGGONG_ELASTICSEARCH_API_KEY: 'a2V5',
    });
    expect(es.engine === 'elasticsearch' && es.elasticsearch).toEqual({
      url: 'https://es.internal:9200',
      alias: 'linggong-jobs',
      auth: { apiKey: 'a2V5' },
    });
    expect(() =>
      load({ LINGGONG_SEARCH_ENGINE: 'elasticsearch', LINGGONG_ELASTICSEARCH_USERNAME: 'elastic' }),
    ).toThrow(/LINGGONG_ELASTICSEARCH_URL[\s\S]*LINGGONG_ELASTICSEARCH_PASSWORD/);
  });

  it('is documented in the README', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    expect(Object.keys(searchConfig.variables).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});
