import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { TEST_MYSQL_URL } from '../support/env.js';
import { scrape } from '../support/monitoring.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';

/**
 * The monitoring files of deploy/: promtool accepts the alert rules, their unit tests pass and the
 * example Prometheus configurations are valid; every metric the alert rules, their tests and the
 * Grafana dashboard query is one a real Linggong process exposes on /metrics (or `up`).
 */
const DIR = 'deploy/prometheus';
const DASHBOARD = 'deploy/grafana/linggong-dashboard.json';

function promtool(...args: string[]) {
  const r = spawnSync('promtool', args, { encoding: 'utf8' });
  return { missing: r.error !== undefined, code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}
const HAVE_PROMTOOL = !promtool('--version').missing;

/** Whether this promtool knows Kubernetes service discovery (Debian's build leaves it out). */
function promtoolKnowsKubernetes(): boolean {
  if (!HAVE_PROMTOOL) return false;
  const dir = mkdtempSync(join(tmpdir(), 'linggong-promtool-'));
  try {
    const file = join(dir, 'probe.yml');
    writeFileSync(
      file,
      'scrape_configs:\n  - job_name: probe\n    kubernetes_sd_configs:\n      - role: pod\n',
    );
    return promtool('check', 'config', file).code === 0;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const KNOWS_KUBERNETES = promtoolKnowsKubernetes();

describe('promtool on deploy/prometheus', () => {
  // CI installs promtool (it sets LINGGONG_TEST_MYSQL_URL): there its absence is a failure.
  if (!HAVE_PROMTOOL && TEST_MYSQL_URL) {
    it('finds promtool', () => {
      throw new Error('promtool is not installed (apt-get install prometheus), and this run requires it');
    });
    return;
  }
  const skip = !HAVE_PROMTOOL;
  const why = skip ? ' (skipped: promtool is not installed)' : '';

  it.skipIf(skip)(`accepts the alert rules${why}`, () => {
    const r = promtool('check', 'rules', `${DIR}/alerts.yml`);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: \d+ rules found/);
  });

  it.skipIf(skip)(`passes the alert rules' unit tests${why}`, () => {
    const r = promtool('test', 'rules', `${DIR}/alerts.test.yml`);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('SUCCESS');
  });

  it.skipIf(skip)(`accepts the Docker Compose configuration with its rule file${why}`, () => {
    const r = promtool('check', 'config', `${DIR}/prometheus.yml`);
    expect(r.code, r.out).toBe(0);
    expect(r.out).toMatch(/SUCCESS: 1 rule files found/);
  });

  // Debian's promtool is built without Kubernetes discovery: there the rest of that file
  // (relabelling, rule file) is checked with the discovery stanza swapped for a static target.
  it.skipIf(skip)(`accepts the Kubernetes configuration with its rule file${why}`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'linggong-promtool-'));
    try {
      const k8s = readFileSync(`${DIR}/prometheus.kubernetes.yml`, 'utf8');
      const stanza = /kubernetes_sd_configs:\n\s+- role: pod\n/;
      expect(k8s).toMatch(stanza);
      writeFileSync(
        join(dir, 'prometheus.yml'),
        KNOWS_KUBERNETES ? k8s : k8s.replace(stanza, 'static_configs:\n      - targets: ["probe:3000"]\n'),
      );
      writeFileSync(join(dir, 'alerts.yml'), readFileSync(`${DIR}/alerts.yml`));
      const r = promtool('check', 'config', join(dir, 'prometheus.yml'));
      expect(r.code, r.out).toBe(0);
      expect(r.out).toMatch(/SUCCESS: 1 rule files found/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** PromQL words that are not metric names. */
const KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'offset',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'inf',
  'nan',
]);

/**
 * The metric names an expression reads: identifiers left once strings, label matchers, grouping
 * clauses, ranges and Grafana variables are taken out, other than functions (an identifier
 * followed by `(`) and keywords.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\$\{?\w+\}?/g, ' ');
  const names: string[] = [];
  for (const m of bare.matchAll(/(?<![\w.:])([A-Za-z_:][\w:]*)(?![\w:]|\s*\()/g)) {
    if (!KEYWORDS.has(m[1]!.toLowerCase())) names.push(m[1]!);
  }
  return names;
}

/** The `expr:` of every rule of a rule file: one line, or the indented block under `expr: |`. */
function ruleExpressions(yaml: string): string[] {
  const lines = yaml.split('\n');
  const exprs: string[] = [];
  lines.forEach((line, i) => {
    const m = /^(\s*)expr:\s*(.*)$/.exec(line);
    if (!m) return;
    if (!/^[|>]/.test(m[2]!)) return void exprs.push(m[2]!);
    const block: string[] = [];
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!;
      if (next.trim() !== '' && next.search(/\S/) <= m[1]!.length) break;
      block.push(next);
    }
    exprs.push(block.join('\n'));
  });
  return exprs;
}

interface Panel {
  title: string;
  type: string;
  panels?: Panel[];
  targets?: { expr: string }[];
}

describe('metric names in the alert rules and the dashboard', () => {
  let p: TestPlatform;
  /** Names a real process exposes, with a histogram's series suffixes, and Prometheus's `up`. */
  const known = new Set(['up']);
  beforeAll(async () => {
    p = await startTestPlatform({ modules: ALL_SERVICES });
    for (const url of ['/healthz', '/readyz', '/api/v1/jobs', '/no-such-route']) await p.app.inject(url);
    for (const m of (await scrape(p)).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name, type] = m as unknown as [string, string, string];
      known.add(name);
      if (type === 'histogram') for (const s of ['_bucket', '_sum', '_count']) known.add(name + s);
      if (type === 'summary') for (const s of ['_sum', '_count']) known.add(name + s);
    }
  });
  afterAll(async () => {
    await p?.stop();
  });

  it('reads names from expressions, leaving functions, labels and grouping out', () => {
    expect(
      metricNames(
        'histogram_quantile(0.99, sum by (job, le) (rate(a_bucket{route!~"/ws.*|x"}[5m]))) > 1 and on (job) b_total',
      ),
    ).toEqual(['a_bucket', 'b_total']);
    expect(metricNames('time() - max by (service) (c_seconds{service=~"$service"})')).toEqual(['c_seconds']);
  });

  it('exposes the monitoring gauges the rules rely on', () => {
    for (const name of [
      'linggong_http_request_duration_seconds_bucket',
      'linggong_outbox_lag_seconds',
      'linggong_ledger_check_problems',
      'linggong_ledger_check_last_run_timestamp_seconds',
      'linggong_reconciliation_differences_open',
      'linggong_workflows_stuck',
      'linggong_workflows_failed',
    ])
      expect(known, name).toContain(name);
  });

  it('alert rules query only metrics that exist', () => {
    const exprs = ruleExpressions(readFileSync(`${DIR}/alerts.yml`, 'utf8'));
    expect(exprs.length).toBeGreaterThanOrEqual(12);
    for (const expr of exprs) {
      const names = metricNames(expr);
      expect(names.length, expr).toBeGreaterThan(0);
      for (const name of names) expect(known, `${name} in ${expr}`).toContain(name);
    }
  });

  it("the rules' unit tests feed only metrics that exist", () => {
    const series = [
      ...readFileSync(`${DIR}/alerts.test.yml`, 'utf8').matchAll(/series:\s*'([A-Za-z_:][\w:]*)\{/g),
    ].map((m) => m[1]!);
    expect(series.length).toBeGreaterThan(10);
    for (const name of series) expect(known, name).toContain(name);
  });

  it('the dashboard is valid JSON with its variables, and its panels query only metrics that exist', () => {
    const dashboard = JSON.parse(readFileSync(DASHBOARD, 'utf8')) as {
      schemaVersion: number;
      templating: { list: { name: string; type: string; query: unknown }[] };
      panels: Panel[];
    };
    expect(dashboard.schemaVersion).toBeGreaterThanOrEqual(36);
    const variables = dashboard.templating.list;
    expect(variables.find((v) => v.name === 'datasource')).toMatchObject({
      type: 'datasource',
      query: 'prometheus',
    });
    expect(variables.find((v) => v.name === 'service')?.type).toBe('query');
    const panels = dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
    const queried = panels.filter((panel) => panel.type !== 'row');
    expect(queried.length).toBeGreaterThanOrEqual(15);
    for (const panel of queried) {
      expect(panel.targets?.length, panel.title).toBeGreaterThan(0);
      for (const { expr } of panel.targets!) {
        const names = metricNames(expr);
        expect(names.length, `${panel.title}: ${expr}`).toBeGreaterThan(0);
        for (const name of names) expect(known, `${panel.title}: ${name}`).toContain(name);
      }
    }
  });
});

describe('the runbooks of the alert rules', () => {
  it('every runbook_url names a heading of docs/operations.md', () => {
    const rules = readFileSync(`${DIR}/alerts.yml`, 'utf8');
    const anchors = [...rules.matchAll(/runbook_url: docs\/operations\.md#([a-z0-9-]+)/g)].map((m) => m[1]!);
    expect(anchors.length).toBeGreaterThanOrEqual(11);
    // GitHub's anchors: the heading's text in lower case, punctuation dropped, spaces as hyphens.
    const doc = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    const headings = new Set(
      [...doc.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
        m[1]!
          .toLowerCase()
          .replace(/[^a-z0-9 -]/g, '')
          .replace(/ /g, '-'),
      ),
    );
    for (const anchor of anchors) expect(headings, anchor).toContain(anchor);
  });
});
