/** The scheduled ledger check's runs (ledger-check.ts). */
export interface LedgerCheckTables {
  /** One row per finished run; rows older than the retention are deleted by the schedule. */
  payment_ledger_checks: {
    id: string;
    started_at: number;
    finished_at: number;
    /** Problems found (checkLedger stops at its maxProblems, 1,000 by default). */
    problems: number;
    /** JSON: the count of problems by code, e.g. {"BALANCE_MISMATCH":1}. */
    summary: string;
  };
}
