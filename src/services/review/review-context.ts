import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { Deadlines } from '../../platform/deadlines.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { ClientRegistry } from '../../platform/service.js';
import type { ReviewConfig } from './review.config.js';
import type { ReviewDB } from './review.db.js';
import type { ReviewRepository } from './review.repository.js';

/** What every part of the review service shares. Built once in index.ts. */
export interface ReviewContext {
  sdb: ServiceDatabase<ReviewDB>;
  repo: ReviewRepository;
  settings: ReviewConfig;
  clients: ClientRegistry;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  cursors: CursorCodec;
  deadlines: Deadlines;
  cache: Cache;
  /** Formats an instant (epoch ms) as ISO 8601 in the business zone. */
  at: (instant: number) => string;
}

export const DAY = 86_400_000;

// v1: { userId, asWorker, asEmployer, credit } (ReviewSummary).
export const summaryKey = (userId: string): string => `review:summary:v1:${userId}`;
