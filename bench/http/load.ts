import { Agent, request } from 'node:http';
import { cpus } from 'node:os';
import autocannon, { type RawRequest, type Result } from 'autocannon';
import { cpuMsOf } from './proc.js';

/** One load run's figures. */
export interface LoadFigures {
  name: string;
  /** How long the run lasted. */
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** Server CPU (all its threads, user + system) per answered request, in µs; NaN without a pid. */
  serverCpuUs: number;
  /** The load generator's own CPU per answered request, in µs. */
  loadCpuUs: number;
}

/** Runs autocannon against `url` with a request made fresh by `next()` each time. */
export async function runLoad(options: {
  name: string;
  url: string;
  connections: number;
  /** Seconds; or else `amount` requests. */
  duration?: number;
  amount?: number;
  next: () => RawRequest;
  /** The server's process id, to measure its CPU per request. */
  pid?: number;
}): Promise<LoadFigures> {
  const cpuBefore = options.pid ? cpuMsOf(options.pid) : NaN;
  const loadBefore = process.cpuUsage();
  const result: Result = await autocannon({
    url: options.url,
    connections: options.connections,
    ...(options.amount ? { amount: options.amount } : { duration: options.duration ?? 10 }),
    timeout: 30,
    requests: [{ setupRequest: (req) => ({ ...req, ...options.next() }) }],
  });
  const load = process.cpuUsage(loadBefore);
  const answered = Math.max(1, result.requests.total);
  return {
    name: options.name,
    seconds: result.duration,
    rps: result.requests.total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    serverCpuUs: options.pid ? ((cpuMsOf(options.pid) - cpuBefore) * 1000) / answered : NaN,
    loadCpuUs: (load.user + load.system) / answered,
  };
}

/** The middle item by `key`; of an even count, the lower of the two middle ones. */
export function median<T>(items: readonly T[], key: (item: T) => number): T {
  if (items.length === 0) throw new Error('median of nothing');
  const sorted = [...items].sort((a, b) => key(a) - key(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * One case's figures over the slices of a round: throughput over their whole time, CPU per request
 * over all their requests, the median slice's p50 and the worst slice's p99 (autocannon reports
 * percentiles, not histograms that could be merged; the worst is the honest bound).
 */
export function combineSlices(slices: LoadFigures[]): LoadFigures {
  if (slices.length === 0) throw new Error('no slices to combine');
  const sum = (f: (s: LoadFigures) => number) => slices.reduce((a, s) => a + f(s), 0);
  const requests = sum((s) => s.requests);
  const answered = Math.max(1, requests);
  return {
    name: slices[0]!.name,
    seconds: sum((s) => s.seconds),
    rps: requests / sum((s) => s.seconds),
    // Of an even count, the slower of the two middle turns.
    p50: median(slices, (s) => -s.p50).p50,
    p99: Math.max(...slices.map((s) => s.p99)),
    requests,
    non2xx: sum((s) => s.non2xx),
    errors: sum((s) => s.errors),
    serverCpuUs: sum((s) => s.serverCpuUs * s.requests) / answered,
    loadCpuUs: sum((s) => s.loadCpuUs * s.requests) / answered,
  };
}

/** Latencies of a probe, in milliseconds. */
export interface ProbeFigures {
  samples: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

/**
 * A low-rate latency probe: one GET every `intervalMs` on a fixed schedule (open loop: a slow answer
 * does not delay the next request, so stalls are not hidden), over kept-alive connections, timed
 * with performance.now() (sub-millisecond, unlike autocannon's whole-millisecond histogram).
 * Runs until `stop()`.
 */
export function startProbe(url: string, intervalMs = 10): { stop(): Promise<ProbeFigures> } {
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  const pending = new Set<Promise<void>>();
  let failures = 0;
  const fire = () => {
    const started = performance.now();
    const p = new Promise<void>((resolve) => {
      const req = request(url, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) latencies.push(performance.now() - started);
          else failures++;
          resolve();
        });
      });
      req.on('error', () => {
        failures++;
        resolve();
      });
      req.end();
    });
    pending.add(p);
    void p.then(() => pending.delete(p));
  };
  const timer = setInterval(fire, intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await Promise.all(pending);
      agent.destroy();
      const sorted = latencies.sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
      return { samples: sorted.length, failures, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? NaN };
    },
  };
}

/** Share of all cores' time spent busy over `ms`, from os.cpus() (0..1). */
async function busyShare(ms: number): Promise<number> {
  const sample = () =>
    cpus().reduce(
      (acc, c) => {
        const { user, nice, sys, irq, idle } = c.times;
        return {
          busy: acc.busy + user + nice + sys + irq,
          total: acc.total + user + nice + sys + irq + idle,
        };
      },
      { busy: 0, total: 0 },
    );
  const a = sample();
  await new Promise((r) => setTimeout(r, ms));
  const b = sample();
  return b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
}

/**
 * Waits (at most `maxMs`) until the machine has been idle for two seconds in a row, so that a
 * measurement does not share the cores with unrelated work. Returns how long it waited and
 * whether the machine did become idle.
 */
export async function waitForIdle(
  maxMs: number,
  threshold = 0.1,
): Promise<{ waitedMs: number; idle: boolean }> {
  const started = performance.now();
  let quiet = 0;
  while (performance.now() - started < maxMs) {
    quiet = (await busyShare(1000)) < threshold ? quiet + 1 : 0;
    if (quiet >= 2) return { waitedMs: performance.now() - started, idle: true };
  }
  return { waitedMs: performance.now() - started, idle: maxMs <= 0 };
}
