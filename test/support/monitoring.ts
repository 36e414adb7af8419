import type { TestPlatform } from './platform.js';

/** GET /metrics of a test platform, as Prometheus would scrape it. */
export async function scrape(p: TestPlatform): Promise<string> {
  const res = await p.app.inject('/metrics');
  if (res.statusCode !== 200) throw new Error(`/metrics answered ${res.statusCode}: ${res.body}`);
  return res.body;
}

/**
 * The value of one sample of the scrape: `name{labels}` exactly as written (labels in the order
 * the metric declares them); undefined when the scrape has no such sample.
 */
export function sample(text: string, series: string): number | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith(`${series} `)) return Number(line.slice(series.length + 1));
  }
  return undefined;
}
