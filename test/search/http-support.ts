import type { TestPlatform } from '../support/platform.js';
import { TEST_REDIS_URL } from '../support/env.js';

/** The bus this run's events travel on: in-process (embedded) or BullMQ (with a test Redis). */
export const BUS = TEST_REDIS_URL ? 'bullmq' : 'inprocess';

/**
 * Waits until `until` holds, driving delivery: the in-process bus by relaying now, BullMQ by giving
 * its workers time (call p.startBackground() first on that bus).
 */
export async function settle(
  p: TestPlatform,
  until: () => Promise<boolean>,
  timeoutMs = 20_000,
): Promise<void> {
  const start = performance.now();
  for (;;) {
    await p.events.flush();
    if (await until()) return;
    if (performance.now() - start > timeoutMs) throw new Error('search did not settle in time');
    if (BUS === 'bullmq') {
      p.clock.advance(2_500); // confirmation waits 2 s after publishing
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export interface SearchPage {
  items: {
    id: string;
    version: number;
    title: string;
    category: string;
    categoryName: string;
    tags: string[];
    pay: { type: string; amountFen: number };
    settlement: string;
    employerVerified: boolean;
    place: { city: string; location: { lng: number; lat: number } };
    startsAt: string;
    endsAt: string;
    publishedAt: string;
    distanceMeters?: number;
    highlight: { title: string; description: string };
  }[];
  facets: { category: Record<string, number>; payType: Record<string, number> };
  total: { value: number; exact: boolean };
  nextCursor: string | null;
}

/** GET /api/v1/search/jobs with the given query parameters (arrays repeat the parameter). */
export async function searchJobs(
  p: TestPlatform,
  query: Record<string, string | number | boolean | string[]>,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: SearchPage & { code?: string }; headers: Record<string, unknown> }> {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    for (const one of Array.isArray(v) ? v : [v]) params.append(k, String(one));
  }
  const res = await p.app.inject({ method: 'GET', url: `/api/v1/search/jobs?${params.toString()}`, headers });
  return { status: res.statusCode, body: res.json(), headers: res.headers };
}

/** Ids of one page. */
export const ids = (page: SearchPage): string[] => page.items.map((i) => i.id);
