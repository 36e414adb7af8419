import type { Clock } from '../../platform/clock.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { ScheduleSpec } from '../../platform/jobs/scheduler.js';
import type { Logger } from '../../platform/log.js';
import { toSafeInt } from '../../platform/money.js';
import { checkLedger } from './ledger/index.js';
import type { PaymentDB } from './payment.db.js';

/** Runs kept for a look back at when the ledger went wrong; older ones are deleted. */
const KEEP_MS = 30 * 24 * 3_600_000;

/** The latest finished run of the scheduled check, as the metrics expose it. */
export interface LedgerCheckRun {
  finishedAt: number;
  problems: number;
}

/**
 * The scheduled ledger check (`payment.check-ledger`, every 15 minutes; LINGGONG_SCHEDULES may
 * change or switch it off): runs `checkLedger` over the whole ledger and stores the number of
 * problems and when it finished in `payment_ledger_checks`, the payment database, so every payment
 * process answers the same figures on /metrics and they survive restarts. It checks the ledger's
 * own invariants only: the escrow of final orders needs the order service's list, which the
 * payment service does not call (`linggong ledger check` with both services does that part).
 */
export function ledgerCheckSchedule(deps: {
  sdb: ServiceDatabase<PaymentDB>;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
}): ScheduleSpec {
  const { sdb, clock, ids, log } = deps;
  return {
    name: 'payment.check-ledger',
    every: '15m',
    // A large ledger takes minutes to read; another process takes the tick over only after this.
    leaseMs: 14 * 60_000,
    async run() {
      const startedAt = clock.now();
      const problems = await checkLedger(sdb);
      const byCode: Record<string, number> = {};
      for (const p of problems) byCode[p.code] = (byCode[p.code] ?? 0) + 1;
      const finishedAt = clock.now();
      await sdb.db
        .insertInto('payment_ledger_checks')
        .values({
          id: ids(),
          started_at: startedAt,
          finished_at: finishedAt,
          problems: problems.length,
          summary: JSON.stringify(byCode).slice(0, 1000),
        })
        .execute();
      await sdb.db
        .deleteFrom('payment_ledger_checks')
        .where('finished_at', '<', finishedAt - KEEP_MS)
        .execute();
      if (problems.length > 0)
        log.error(
          { problems: problems.length, byCode, first: problems.slice(0, 5).map((p) => p.message) },
          'ledger check found problems',
        );
      else log.info({ ms: finishedAt - startedAt }, 'ledger check clean');
    },
  };
}

/** The latest finished run of the scheduled check, or undefined before the first one. */
export async function latestLedgerCheck(
  sdb: ServiceDatabase<PaymentDB>,
): Promise<LedgerCheckRun | undefined> {
  const row = await sdb.db
    .selectFrom('payment_ledger_checks')
    .select(['finished_at', 'problems'])
    .orderBy('finished_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row && { finishedAt: toSafeInt(row.finished_at), problems: toSafeInt(row.problems) };
}
