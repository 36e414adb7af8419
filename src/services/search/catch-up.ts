import type { CatchUpMode, ReplicaHooks } from '../../platform/events/types.js';
import type { SearchIndex, SearchJobDoc } from './search.port.js';

export interface IndexCatchUpDeps {
  index: SearchIndex;
  /** Every open job, read from the job service in pages (JobClient.listOpen). */
  openJobs(): AsyncIterable<SearchJobDoc>;
  /** Whether the job service has any open job (one row read). */
  anyOpenJob(): Promise<boolean>;
}

/**
 * How the embedded index catches up with the job service when it may have missed events: it is
 * rebuilt from every open job (`JobClient.listOpen`) while the events that arrive meanwhile are
 * applied to both the old index and the new one (EmbeddedSearchIndex.rebuild), so searches keep
 * answering and nothing published during the rebuild is lost; versions settle an event and the
 * rebuild meeting in either order. A rebuild, not upserts of what is open: jobs closed while the
 * process was away must leave too.
 *
 * - 'replica' (BullMQ bus: this process has just joined the index's replicas, at start or after
 *   losing its lease): events published while it was not a replica never reached it: always rebuild.
 * - 'sole' (in-process bus: the one process, which receives every event): only an index that is
 *   empty while the job service has open jobs is behind (a new or deleted index directory).
 *   One that must be rebuilt for another analyzer still waits for `linggong reindex`.
 *
 * `behind()` says why `/readyz` must not report the index ready yet: from the moment the event
 * system starts delivering until a catch-up has succeeded (a failed one is retried).
 */
export function createIndexCatchUp(deps: IndexCatchUpDeps): { hooks: ReplicaHooks; behind(): string | null } {
  let behind: string | null = null;
  async function catchUp(mode: CatchUpMode): Promise<void> {
    behind = 'catching up with the job service';
    if (mode === 'sole') {
      const status = await deps.index.status();
      if (status.documents > 0 || status.needsReindex || !(await deps.anyOpenJob())) {
        behind = null;
        return;
      }
    }
    await deps.index.rebuild(deps.openJobs());
    behind = null;
  }
  return {
    hooks: {
      starting: () => void (behind = 'waiting to catch up with the job service'),
      catchUp,
    },
    behind: () => behind,
  };
}
