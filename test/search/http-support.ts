import type { TestPlatform } from '../support/platform.js';

export { BUS, settle } from '../support/events.js';

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
