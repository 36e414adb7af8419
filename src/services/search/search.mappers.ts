import { parseInstant } from '../../platform/clock.js';
import type { PublicJob } from '../job/index.js';
import type { SearchJobDoc } from './search.port.js';

/**
 * A job as the job service announces it → the document the index stores. `employerVerified` is
 * false for every job until a verification service exists to say otherwise (the filter is in
 * place; it then matches nothing).
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
    employerVerified: false,
    city: job.place.city,
    location: { lng: job.place.location.lng, lat: job.place.location.lat },
    startsAt: instant(job.startsAt, 'startsAt'),
    endsAt: instant(job.endsAt, 'endsAt'),
    // An open job always has one; an older event without it sorts as published when it starts.
    publishedAt:
      job.publishedAt === null ? instant(job.startsAt, 'startsAt') : instant(job.publishedAt, 'publishedAt'),
  };
}
