import type { Registry } from 'prom-client';
import { scrapedGauge } from '../../platform/http/metrics.js';
import type { ServiceDatabase } from '../../platform/db/service-database.js';
import { toSafeInt } from '../../platform/money.js';
import { latestLedgerCheck, type LedgerCheckRun } from './ledger-check.js';
import type { PaymentDB } from './payment.db.js';

/**
 * The payment service's gauges, read from its database when /metrics is scraped (each one indexed
 * read, so every process of the service answers the same figures), labelled service="payment":
 * - `linggong_ledger_check_problems`: problems the latest scheduled ledger check found;
 * - `linggong_ledger_check_last_run_timestamp_seconds`: when it finished. Both are absent before
 *   the first run, so an alert on absence tells a check that never ran from a clean one;
 * - `linggong_reconciliation_differences_open`: reconciliation items no admin has resolved yet.
 */
export function registerPaymentMetrics(registry: Registry, sdb: ServiceDatabase<PaymentDB>): void {
  const service = 'payment';
  const gauge = (name: string, help: string, read: () => Promise<number | undefined>) =>
    scrapedGauge(registry, name, help, 'service', async (): Promise<Record<string, number>> => {
      const value = await read();
      return value === undefined ? {} : { [service]: value };
    });
  const fromLatest = (pick: (run: LedgerCheckRun) => number) => async () => {
    const run = await latestLedgerCheck(sdb);
    return run && pick(run);
  };
  gauge(
    'linggong_ledger_check_problems',
    'Problems found by the latest scheduled ledger check (payment.check-ledger)',
    fromLatest((run) => run.problems),
  );
  gauge(
    'linggong_ledger_check_last_run_timestamp_seconds',
    'When the latest scheduled ledger check finished (Unix seconds)',
    fromLatest((run) => run.finishedAt / 1000),
  );
  gauge(
    'linggong_reconciliation_differences_open',
    'Reconciliation differences not resolved by an admin',
    async () => {
      const row = await sdb.db
        .selectFrom('payment_reconciliation_items')
        .select((eb) => eb.fn.countAll<number | string>().as('n'))
        .where('status', '=', 'open')
        .executeTakeFirstOrThrow();
      return toSafeInt(row.n);
    },
  );
}
