import type { Clock } from './clock.js';
import type { ServiceDatabase } from './db/service-database.js';
import type { ScheduleSpec } from './jobs/scheduler.js';

const DAY = 86_400_000;

/** How long handled event ids stay in an inbox; read models keep removal records as long. */
export const INBOX_RETENTION_MS = 30 * DAY;

/**
 * The hourly clean-up of a service's platform tables: delivered events (confirmed outbox rows)
 * after 7 days, inbox ids after 30 days (far beyond any redelivery), expired idempotency keys,
 * and schedule runs after 7 days.
 */
export function retentionSchedule(db: ServiceDatabase<unknown>, clock: Clock): ScheduleSpec {
  return {
    name: `${db.service}.purge-platform-tables`,
    every: '1h',
    async run() {
      const now = clock.now();
      const q = db.untyped();
      await q
        .deleteFrom(db.table('outbox'))
        .where('confirmed_at', '<', now - 7 * DAY)
        .execute();
      await q
        .deleteFrom(db.table('inbox'))
        .where('processed_at', '<', now - INBOX_RETENTION_MS)
        .execute();
      await q.deleteFrom(db.table('idempotency')).where('expires_at', '<', now).execute();
      await q
        .deleteFrom(db.table('schedule_runs'))
        .where('tick_at', '<', now - 7 * DAY)
        .execute();
      await q
        .deleteFrom(db.table('outbox_deliveries'))
        .where('state', '!=', 'pending')
        .where('next_attempt_at', '<', now - 7 * DAY)
        .execute();
    },
  };
}
