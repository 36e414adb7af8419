import { defineConfigSection } from '../../platform/config.js';

/** Where an Elasticsearch index lives and how to sign in to it. */
export interface ElasticsearchConfig {
  url: string;
  /** The alias searched and written; concrete indexes are `<alias>-<time>`. */
  alias: string;
  auth?: { username: string; password: string } | { apiKey: string };
}

/**
 * The job search index: embedded (a directory on local disk per process, each a full replica) or
 * Elasticsearch.
 * `dir` and `threads` are the embedded engine's; `elasticsearch` comes with that engine.
 */
export type SearchConfig = {
  dir: string;
  /**
   * Embedded: threads serving queries, each with its own copy of the index in memory (1: the one
   * thread that owns the index; more add replicas that share the queries).
   */
  threads: number;
} & ({ engine: 'embedded' } | { engine: 'elasticsearch'; elasticsearch: ElasticsearchConfig });

/** The search service's configuration section: `searchConfig.of(config)`. */
export const searchConfig = defineConfigSection({
  service: 'search',
  variables: {
    LINGGONG_SEARCH_ENGINE: {
      doc: 'Job search index: embedded (default: on local disk, a full copy in each process) | elasticsearch',
    },
    LINGGONG_SEARCH_DIR: { doc: 'Folder of the embedded search index (default <dataDir>/search)' },
    LINGGONG_SEARCH_THREADS: {
      doc: 'Embedded search: threads serving queries, each holding a copy of the index in memory (default 1; 1–16)',
    },
    LINGGONG_ELASTICSEARCH_URL: {
      doc: 'Elasticsearch 8/9 node URL, e.g. https://es.internal:9200 (required when LINGGONG_SEARCH_ENGINE=elasticsearch)',
    },
    LINGGONG_ELASTICSEARCH_INDEX: { doc: 'Alias of the job index (default linggong-jobs)' },
    LINGGONG_ELASTICSEARCH_API_KEY: { doc: 'Elasticsearch API key (or username and password below)' },
    LINGGONG_ELASTICSEARCH_USERNAME: { doc: 'Elasticsearch user for basic authentication' },
    LINGGONG_ELASTICSEARCH_PASSWORD: { doc: 'Password of LINGGONG_ELASTICSEARCH_USERNAME' },
  },
  parse(read): SearchConfig {
    const engine = read.oneOf('LINGGONG_SEARCH_ENGINE', 'embedded', ['embedded', 'elasticsearch']);
    const common = {
      dir: read.get('LINGGONG_SEARCH_DIR') ?? `${read.dataDir}/search`,
      threads: read.int('LINGGONG_SEARCH_THREADS', 1, 1, 16),
    };
    if (engine === 'embedded') return { engine, ...common };

    const url = read.get('LINGGONG_ELASTICSEARCH_URL');
    if (!url || !/^https?:\/\//.test(url)) {
      read.problem(
        'LINGGONG_ELASTICSEARCH_URL: an http(s) URL is required when LINGGONG_SEARCH_ENGINE=elasticsearch',
      );
    }
    const apiKey = read.get('LINGGONG_ELASTICSEARCH_API_KEY');
    const username = read.get('LINGGONG_ELASTICSEARCH_USERNAME');
    const password = read.get('LINGGONG_ELASTICSEARCH_PASSWORD');
    if (username && !password) read.problem('LINGGONG_ELASTICSEARCH_PASSWORD: required with a username');
    return {
      engine,
      ...common,
      elasticsearch: {
        url: url ?? '',
        alias: read.get('LINGGONG_ELASTICSEARCH_INDEX') ?? 'linggong-jobs',
        ...(apiKey ? { auth: { apiKey } } : username ? { auth: { username, password: password ?? '' } } : {}),
      },
    };
  },
});
