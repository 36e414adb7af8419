import type { Registry } from 'prom-client';
import { scrapedGauge } from '../http/metrics.js';
import type { WorkflowRunner } from './runner.js';

/**
 * How long a live instance may go without storing progress before it counts as stuck. A healthy
 * instance stores every step outcome and every retry (the default policy waits at most 30 s
 * between attempts), and an instance left by a dead process is resumed by a sweep within seconds;
 * ten minutes without a write means no process drives it: the sweep is not running (no worker),
 * its definition is not registered where the sweep runs, or a step hangs.
 */
export const WORKFLOW_STALLED_AFTER_MS = 10 * 60_000;

/** The runners each registry reports on: the gauges are made once per registry. */
const watched = new WeakMap<Registry, Set<WorkflowRunner>>();

/**
 * Adds a service's workflows to the registry's gauges, computed when /metrics is scraped:
 * - `linggong_workflows_stuck{service}`: running or compensating instances whose progress was last
 *   stored more than `WORKFLOW_STALLED_AFTER_MS` ago;
 * - `linggong_workflows_failed{service}`: instances whose compensation failed for good, waiting for
 *   an admin's retry (POST /api/v1/admin/workflows/…/retry).
 * Calling it again for the same runner changes nothing, so any layer may make sure of it.
 */
export function watchWorkflows(registry: Registry, runner: WorkflowRunner): void {
  const known = watched.get(registry);
  if (known) {
    known.add(runner);
    return;
  }
  const runners = new Set([runner]);
  watched.set(registry, runners);
  const gauge = (name: string, help: string, pick: (h: { stuck: number; failed: number }) => number) =>
    scrapedGauge(registry, name, help, 'service', async () => {
      const values: Record<string, number> = {};
      for (const r of runners) values[r.service] = pick(await r.health(WORKFLOW_STALLED_AFTER_MS));
      return values;
    });
  gauge(
    'linggong_workflows_stuck',
    `Live workflow instances without progress for ${WORKFLOW_STALLED_AFTER_MS / 60_000} minutes, by service`,
    (h) => h.stuck,
  );
  gauge(
    'linggong_workflows_failed',
    'Workflow instances whose compensation failed for good (an admin retries them), by service',
    (h) => h.failed,
  );
}
