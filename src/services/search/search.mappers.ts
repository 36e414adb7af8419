import { parseInstant } from '../../platform/clock.js';
import { findCategory } from '../../platform/reference/gig-categories.js';
import type { PublicJob } from '../job/index.js';
import type { SearchHit, SearchResult } from './engine/types.js';
import type { RenderedSearchResult, SearchJobDoc } from './search.port.js';
import type { SearchJobCard } from './search.schemas.js';

/**
 * A job as the job service announces it → the document the index stores. `employerVerified` is the
 * job's verified-employer badge (认证企业), which the job service keeps from the verification
 * service's events; the `verified=true` filter matches it.
 */
export function toSearchDoc(job: PublicJob): SearchJobDoc {
  const instant = (text: string, field: string): number => {
    const ms = parseInstant(text);
    if (ms === undefined) throw new Error(`job ${job.id}: ${field} is not an instant: ${text}`);
    return ms;
  };
  return {
    jobId: job.id,
    version: job.version,
    title: job.title,
    description: job.description,
    category: job.category,
    tags: job.tags,
    payType: job.pay.type,
    payAmountFen: job.pay.amountFen,
    settlement: job.settlement,
    // An event written before the badge existed has none: its employer was not verified then.
    employerVerified: job.employerVerified ?? false,
    city: job.place.city,
    location: { lng: job.place.location.lng, lat: job.place.location.lat },
    startsAt: instant(job.startsAt, 'startsAt'),
    endsAt: instant(job.endsAt, 'endsAt'),
    // An open job always has one; an older event without it sorts as published when it starts.
    publishedAt:
      job.publishedAt === null ? instant(job.startsAt, 'startsAt') : instant(job.publishedAt, 'publishedAt'),
  };
}

/** A hit → the job card the search answer lists (instants in the business time zone). */
export function toJobCard(hit: SearchHit, formatInstant: (instant: number) => string): SearchJobCard {
  const d = hit.doc;
  const out: SearchJobCard = {
    id: d.jobId,
    version: d.version,
    title: d.title,
    category: d.category,
    categoryName: findCategory(d.category)?.zh ?? d.category,
    tags: d.tags,
    pay: { type: d.payType, amountFen: d.payAmountFen },
    settlement: d.settlement,
    employerVerified: d.employerVerified,
    place: { city: d.city, location: d.location },
    startsAt: formatInstant(d.startsAt),
    endsAt: formatInstant(d.endsAt),
    publishedAt: formatInstant(d.publishedAt),
    highlight: hit.highlight,
  };
  if (hit.distanceMeters !== undefined) out.distanceMeters = Math.round(hit.distanceMeters);
  return out;
}

/**
 * A page's cards as the JSON array the answer embeds. Every field of a card is built by
 * toJobCard, so plain JSON.stringify writes exactly the SearchJobCard schema (nothing else can
 * pass through), and it is cheaper than a schema serializer for these text-heavy objects.
 */
export function renderCards(hits: readonly SearchHit[], formatInstant: (instant: number) => string): string {
  return JSON.stringify(hits.map((hit) => toJobCard(hit, formatInstant)));
}

/**
 * The answer body (SearchJobsResponse) of a search result, from its start up to and including
 * `"nextCursor":`, the cards rendered (where the index runs: see searchRendered). The cursor that
 * completes it (renderBodyTail) is signed where the request is served.
 */
export function renderBodyHead(
  { hits, facets, total }: SearchResult,
  formatInstant: (instant: number) => string,
): string {
  return (
    `{"items":${renderCards(hits, formatInstant)},"facets":${JSON.stringify(facets)},` +
    `"total":${JSON.stringify(total)},"nextCursor":`
  );
}

/** The rest of the body after renderBodyHead: the next page's cursor (ASCII: base64url or null). */
export function renderBodyTail(nextCursor: string | null): string {
  return `${JSON.stringify(nextCursor)}}`;
}

/** A search result as its rendered body head and the position of the next page. */
export function renderResult(
  result: SearchResult,
  formatInstant: (instant: number) => string,
): RenderedSearchResult {
  return { next: result.next, head: renderBodyHead(result, formatInstant) };
}
