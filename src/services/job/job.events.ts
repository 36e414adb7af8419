import { eventsOf } from '../../platform/events/types.js';
import type { JobStatus } from './job.db.js';
import type { PublicJob } from './job.mappers.js';

/**
 * Events the job service publishes (through its outbox). Every event carries the job's version:
 * a consumer keeps the highest version it has applied and ignores older ones, so redelivery and
 * reordering cannot roll a job back. `job` is the public view at that version (event-carried
 * state), so the search index and other read models need no call back.
 */
export interface JobEventMap {
  /** The job became open (first publication, approval, or back from review). */
  'job.published': JobChanged;
  /** Anything else about the job changed; `status` says whether it is still open. */
  'job.updated': JobChanged;
  /** Every shift reached its headcount. */
  'job.filled': JobChanged;
  /** A hire was cancelled on a filled job: places are open again. */
  'job.reopened': JobChanged;
  'job.closed': JobEnded;
  'job.expired': JobEnded;
  'job.archived': JobEnded;
  /** A category's names or availability changed (caches of the tree drop it). */
  'job.categories_changed': { code: string };
}

export interface JobChanged {
  jobId: string;
  version: number;
  status: JobStatus;
  job: PublicJob;
}

export interface JobEnded {
  jobId: string;
  version: number;
  status: JobStatus;
  employerId: string;
  reason: string | null;
  /** An admin took the job down (a policy breach), rather than its employer closing it. */
  takenDown: boolean;
}

/** Every event about one job (read models subscribe to all of them and keep the newest version). */
export const JOB_CHANGE_EVENTS = [
  'job.published',
  'job.updated',
  'job.filled',
  'job.reopened',
  'job.closed',
  'job.expired',
  'job.archived',
] as const satisfies readonly (keyof JobEventMap)[];

export type JobChangeEvent = (typeof JOB_CHANGE_EVENTS)[number];

const event = eventsOf<JobEventMap>();

export const JobEvents = {
  published: event('job.published'),
  updated: event('job.updated'),
  filled: event('job.filled'),
  reopened: event('job.reopened'),
  closed: event('job.closed'),
  expired: event('job.expired'),
  archived: event('job.archived'),
  categoriesChanged: event('job.categories_changed'),
};
