import { Gauge, type Registry } from 'prom-client';
import { INBOX_RETENTION_MS } from '../../platform/retention.js';
import { consumerOf } from '../../platform/events/types.js';
import { commandsOf, type ServiceModule } from '../../platform/service.js';
import { JOB_CHANGE_EVENTS, jobClient, type JobEventMap, type PublicJob } from '../job/index.js';
import { createIndexCatchUp } from './catch-up.js';
import { searchConfig } from './search.config.js';
import { registerSearchRoutes } from './search.routes.js';
import { createSearchService } from './search.service.js';
import { toSearchDoc } from './search.mappers.js';
import { BUFFER_COUNT, ThreadedSearchIndex } from './threaded-index.js';
import type { SearchIndex, SearchJobDoc } from './search.port.js';

export type { SearchIndex } from './search.port.js';
export { searchConfig, type SearchConfig } from './search.config.js';

const REINDEX_PAGE = 1000;

/** What the CLI asks of the search service (`linggong reindex`). */
export interface SearchCommands {
  reindex(onProgress?: (p: { phase: string; documents: number }) => void): Promise<{ documents: number }>;
  status(): Promise<{ documents: number; analyzerVersion: string; needsReindex: string | null }>;
}

export const searchCommands = commandsOf<SearchCommands>('search');

/**
 * Broadcast: each process serving search on the embedded engine keeps a full replica of the index
 * and receives every job event; with Elasticsearch the processes share the events (one cluster).
 */
const indexJobs = consumerOf<JobEventMap>()('search.index-jobs', JOB_CHANGE_EVENTS, { broadcast: true });

/**
 * The search service (搜索服务): a job search index fed by job events, and `GET /api/v1/search/jobs`.
 * It owns no tables besides the platform's (its inbox records handled events); the index lives in
 * the search engine: embedded (a directory per process, each a full replica caught up from the job
 * service when it starts) or Elasticsearch.
 */
export const searchModule: ServiceModule<unknown, unknown, SearchCommands> = {
  name: 'search',
  migrations: {},
  config: searchConfig,
  consumers: [indexJobs],
  uses: [jobClient],
  async create(ctx) {
    const { config, log, clock } = ctx;
    let index: SearchIndex;
    let embedded: ThreadedSearchIndex | null = null;
    const settings = searchConfig.of(config);
    switch (settings.engine) {
      case 'embedded':
        embedded = ThreadedSearchIndex.open(settings.dir, log, {
          timeZone: config.businessTimeZone,
          threads: settings.threads,
        });
        index = embedded;
        watchAnswerBuffers(ctx.metrics, embedded);
        break;
      case 'elasticsearch': {
        const es = settings.elasticsearch;
        // The client library loads only here: a process on the embedded engine never needs it.
        const { createElasticsearchIndex } = await import('./elasticsearch/es-index.js');
        index = createElasticsearchIndex({
          node: es.url,
          alias: es.alias,
          ...(es.auth ? { auth: es.auth } : {}),
          clock,
          log,
        });
        break;
      }
    }
    const search = createSearchService({
      index,
      cursors: ctx.cursors,
      timeZone: config.businessTimeZone,
    });

    async function* openJobs(): AsyncGenerator<SearchJobDoc> {
      const jobs = ctx.clients.get(jobClient);
      let after = '';
      for (;;) {
        const page: PublicJob[] = await jobs.listOpen(after, REINDEX_PAGE);
        if (page.length === 0) return;
        for (const job of page) yield toSearchDoc(job);
        after = page[page.length - 1]!.id;
      }
    }
    const commands: SearchCommands = {
      reindex: (onProgress) => index.rebuild(openJobs(), onProgress),
      status: () => index.status(),
    };
    const catchUp = embedded
      ? createIndexCatchUp({
          index,
          openJobs,
          anyOpenJob: async () => (await ctx.clients.get(jobClient).listOpen('', 1)).length > 0,
        })
      : null;
    const applyJobEvent: Parameters<typeof indexJobs.handle>[0] = (event, tx) =>
      search.applyJobEvent(event, tx);

    return {
      commands,
      handlers: [indexJobs.handle(applyJobEvent, catchUp ? { replica: catchUp.hooks } : {})],
      schedules: [
        ...(embedded
          ? [{ name: 'search.compact', every: '1m', run: async () => void (await embedded.maintain()) }]
          : []),
        {
          // Removal records are kept as long as inbox ids: a redelivery is refused by both.
          name: 'search.prune-tombstones',
          every: '1h',
          run: async () => void (await index.pruneTombstones(clock.now() - INBOX_RETENTION_MS)),
        },
      ],
      readiness: [
        {
          name: 'search-index',
          // Search alone is degraded: the rest of the process keeps serving.
          critical: false,
          check: async () => {
            const status = await index.status();
            if (status.needsReindex) throw new Error(`reindex required (${status.needsReindex})`);
            const behind = catchUp?.behind();
            if (behind) throw new Error(behind);
          },
        },
        ...(embedded && settings.threads > 1
          ? [
              {
                name: 'search-replicas',
                // Replicas add query capacity; while one loads, the others (and the owner) serve.
                critical: false,
                check: async () => {
                  const { replicas, serving } = embedded.replicaStatus();
                  if (serving < replicas)
                    throw new Error(`${serving} of ${replicas} search replicas serving`);
                },
              },
            ]
          : []),
      ],
      routes: (app) => registerSearchRoutes(app, search),
      close: () => index.close(),
    };
  },
};

/**
 * `linggong_search_answer_buffers_in_use`: the search threads' answer buffers lent out (answers
 * being computed or sent) of the pool's BUFFER_COUNT. At the limit, answers go as text (slower,
 * still correct); a value that stays high while traffic is low would mean buffers not given back.
 */
function watchAnswerBuffers(metrics: Registry, embedded: ThreadedSearchIndex): void {
  new Gauge({
    name: 'linggong_search_answer_buffers_in_use',
    help: `Search answer buffers lent out, of ${BUFFER_COUNT}`,
    registers: [metrics],
    collect() {
      this.set(embedded.buffersInUse());
    },
  });
}
