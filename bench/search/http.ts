import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startChild } from '../http/child.js';
import { cpuMsOf, rssOf, threadCpuMsOf } from '../http/proc.js';
import { corpusEngine } from './corpus.js';
import { CITIES, QUERY_KEYWORDS, prng } from './generate.js';
import { TOP_CATEGORIES, machine, percentile, randomChoices } from './workload.js';

/**
 * The search service through HTTP: builds (or reuses) the 1,000,000-post corpus index, serves it
 * with the search service in a child process (its own core; autocannon runs here), and sends each
 * query shape at a fixed rate with a different URL for every request:
 *
 *   (a) keyword + 5 km radius, nearest first
 *   (b) filters + 5 km radius, no keyword
 *   (c) keyword in one city, by relevance
 *
 *   npm run bench:search [-- --docs 1000000 --rate 1000 --duration 30 --connections 16,32
 *                            --shapes abc --rebuild]
 *
 * autocannon's overallRate lets each connection send back to back until its share of the second is
 * sent, so a run is a burst with `connections` requests in flight every second (docs/benchmarks.md,
 * "Search service through HTTP").
 * Latencies are autocannon's per-response times (sub-millisecond), percentiles computed here; the
 * server's CPU per request comes from /proc, per thread.
 */
const { values: flags } = parseArgs({
  options: {
    docs: { type: 'string', default: '1000000' },
    seed: { type: 'string', default: '1' },
    dir: { type: 'string' },
    rebuild: { type: 'boolean', default: false },
    rate: { type: 'string', default: '1000' },
    duration: { type: 'string', default: '30' },
    /** Connections autocannon spreads the rate over; a comma list runs each in turn. */
    connections: { type: 'string', default: '16,32' },
    /** LINGGONG_SEARCH_THREADS of the server: threads serving queries (more than 1: replicas). */
    threads: { type: 'string', default: '1' },
    /** Which query shapes to run, by letter: a, b, c. */
    shapes: { type: 'string', default: 'abc' },
  },
});
const docs = Number(flags.docs);
const rate = Number(flags.rate);
const duration = Number(flags.duration);
const log = (line: string): void => console.log(line);
const mb = (bytes: number): string => `${Math.round(bytes / 1024 / 1024).toLocaleString('en-US')} MB`;

const rand = prng(Number(flags.seed) + 2000);
const choices = randomChoices(rand);
const { pickOne } = choices;
/** A random point, to 5 decimals (≈ 1 m) as a client would send it. */
function randomPoint(): { lng: number; lat: number } {
  const p = choices.randomPoint();
  return { lng: Number(p.lng.toFixed(5)), lat: Number(p.lat.toFixed(5)) };
}

const shapes: Record<string, () => Record<string, string>> = {
  '(a) keyword + 5 km, by distance': () => {
    const p = randomPoint();
    return {
      q: pickOne(QUERY_KEYWORDS),
      lng: String(p.lng),
      lat: String(p.lat),
      radius: '5000',
      sort: 'distance',
    };
  },
  '(b) filters + 5 km, no keyword': () => {
    const p = randomPoint();
    const q: Record<string, string> = { lng: String(p.lng), lat: String(p.lat), radius: '5000' };
    if (rand() < 0.6) q.category = pickOne(TOP_CATEGORIES);
    if (rand() < 0.5) q.payType = pickOne(['hourly', 'daily']);
    if (rand() < 0.4) q.minPay = String(2000 + Math.floor(rand() * 10) * 1000);
    if (rand() < 0.3) q.settlement = 'daily';
    if (rand() < 0.3) q.tags = '日结';
    return q;
  },
  '(c) keyword, city-wide, by relevance': () => ({
    q: pickOne(QUERY_KEYWORDS),
    city: pickOne(CITIES).name,
    sort: 'relevance',
  }),
};

log(
  `Machine: ${machine()}; load average before: ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const corpusDir = flags.dir ?? `bench/results/search-${docs}`;
const built = await corpusEngine({
  docs,
  seed: Number(flags.seed),
  dir: corpusDir,
  rebuild: flags.rebuild,
  buildOnly: true,
  log,
});
if (built.buildSeconds !== null)
  log(
    `index build (generate + analyse + index + compact + write): ${built.buildSeconds.toFixed(1)} s, peak RSS of the build ${mb(built.peakRssBytes)}`,
  );
else log(`index reused from ${corpusDir} (--rebuild to measure the build)`);

const dataDir = mkdtempSync(join(tmpdir(), 'lg-bench-search-'));
const opening = performance.now();
const server = await startChild(
  'search',
  '../search/server.ts',
  {
    LINGGONG_ENV: 'staging',
    LINGGONG_SECRET: randomBytes(32).toString('hex'),
    LINGGONG_SERVICE_TOKEN: randomBytes(24).toString('hex'),
    LINGGONG_PII_KEYS: `k1:${randomBytes(32).toString('base64')}`,
    LINGGONG_DATA_DIR: dataDir,
    LINGGONG_ALLOW_SQLITE_IN_PRODUCTION: 'true',
    LINGGONG_SEARCH_DIR: corpusDir,
    LINGGONG_LOG_LEVEL: 'warn',
    LINGGONG_RATE_LIMIT_MAX: '1000000',
    LINGGONG_EVENT_BUS: 'inprocess',
    LINGGONG_PORT: '0',
    LINGGONG_SEARCH_THREADS: flags.threads,
  },
  [],
  [
    '--max-old-space-size=4096',
    ...(process.env.LINGGONG_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean),
  ],
);
log(
  `server up (index opened) in ${((performance.now() - opening) / 1000).toFixed(1)} s; RSS ${mb(rssOf(server.pid))}`,
);

try {
  if (Number(flags.threads) > 1) {
    // Replicas load their copy of the index after the owner thread: measure once all serve.
    const waiting = performance.now();
    for (;;) {
      const ready = (await (await fetch(`${server.url}/readyz`)).json()) as {
        checks: Record<string, { ok: boolean; error?: string }>;
      };
      const replicas = ready.checks['search-replicas'];
      if (replicas?.ok) break;
      if (performance.now() - waiting > 300_000)
        throw new Error(`search replicas not serving after 300 s: ${replicas?.error ?? 'no check'}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    log(
      `${flags.threads} search threads serving after ${((performance.now() - waiting) / 1000).toFixed(1)} s more; RSS ${mb(rssOf(server.pid))}`,
    );
  }
  const check = await fetch(`${server.url}/api/v1/search/jobs?q=保洁&city=上海&limit=1`);
  const body = (await check.json()) as { total: { value: number } };
  log(`check: 保洁 in 上海 → ${check.status}, ${body.total.value.toLocaleString('en-US')} matches`);

  const rows: string[] = [];
  const shapeRuns = Object.entries(shapes).filter(([name]) => flags.shapes.includes(name[1]!));
  const connectionCounts = flags.connections.split(',').map(Number);
  for (const [name, next] of shapeRuns)
    for (const connections of connectionCounts) {
      // Warm-up at the same rate, then the measured run.
      for (const measured of [false, true]) {
        // Every URL is made before the run: the load generator shares the two cores with the server,
        // so what it does per request should be as little as possible.
        const paths = Array.from(
          { length: rate * ((measured ? duration : 5) + 2) },
          () => `/api/v1/search/jobs?${new URLSearchParams(next()).toString()}`,
        );
        let sentPaths = 0;
        const latencies: number[] = [];
        let bad = 0;
        const instance = autocannon({
          url: server.url,
          connections,
          overallRate: rate,
          duration: measured ? duration : 5,
          timeout: 10,
          requests: [
            {
              setupRequest: (req) => {
                req.path = paths[sentPaths++ % paths.length]!;
                return req;
              },
            },
          ],
        });
        instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
          if (status === 200) latencies.push(ms);
          else bad++;
        });
        const cpuBefore = cpuMsOf(server.pid);
        const threadsBefore = threadCpuMsOf(server.pid);
        const loadBefore = process.cpuUsage();
        const result = await instance;
        if (!measured) continue;
        const cpuPerRequestUs = ((cpuMsOf(server.pid) - cpuBefore) * 1000) / result.requests.total;
        const load = process.cpuUsage(loadBefore);
        const perThread = [...threadCpuMsOf(server.pid)]
          .map(([thread, ms]) => [thread, ms - (threadsBefore.get(thread) ?? 0)] as const)
          .filter(([, ms]) => ms >= 100)
          .map(
            ([thread, ms]) =>
              `${thread.endsWith(`#${server.pid}`) ? 'main' : thread} ${((ms * 1000) / result.requests.total).toFixed(0)} µs`,
          );
        log(
          `  server CPU per request by thread: ${perThread.join(', ')}; load generator ${(
            (load.user + load.system) /
            result.requests.total
          ).toFixed(0)} µs per request`,
        );
        latencies.sort((a, b) => a - b);
        const row = {
          name,
          connections,
          sent: result.requests.sent,
          rps: Math.round(result.requests.total / result.duration),
          p50: percentile(latencies, 50),
          p95: percentile(latencies, 95),
          p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1] ?? NaN,
          bad: bad + result.errors + result.timeouts,
          serverCpuUs: cpuPerRequestUs,
        };
        rows.push(
          `| ${row.name} | ${connections} | ${row.rps.toLocaleString('en-US')}/s | ${row.p50.toFixed(2)} ms | ${row.p95.toFixed(2)} ms | ${row.p99.toFixed(2)} ms | ${row.max.toFixed(1)} ms | ${row.bad} | ${Math.round(row.serverCpuUs)} µs |`,
        );
        log(
          `${name}: ${JSON.stringify(row, (_k, v: unknown) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v))}`,
        );
        log(
          `  server RSS ${mb(rssOf(server.pid))}, load average ${loadavg()
            .map((l) => l.toFixed(2))
            .join(' ')}`,
        );
      }
    }
  log(
    `\n| query | connections | achieved | p50 | p95 | p99 | max | non-200/errors | server CPU per request |\n| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n${rows.join('\n')}`,
  );
  log(`server RSS after the runs: ${mb(rssOf(server.pid))}`);
} finally {
  await server.stop();
  rmSync(dataDir, { recursive: true, force: true });
}
