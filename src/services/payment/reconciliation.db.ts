/** Daily reconciliation (对账) of each channel's statement with the ledger. */
export interface ReconciliationTables {
  /** One run per channel and business day (run again, it replaces its counts and keeps its items). */
  payment_reconciliation_runs: {
    channel: string;
    day: string;
    status: 'matched' | 'differences' | 'unavailable';
    statement_lines: number;
    differences: number;
    note: string | null;
    ran_at: number;
  };
  /** A line on one side only, or on both with different amounts; open until an admin resolves it. */
  payment_reconciliation_items: {
    id: string;
    channel: string;
    day: string;
    kind: 'missing_in_ledger' | 'missing_in_statement' | 'amount_differs';
    /** Our id (the top-up's), as the statement names it. */
    reference: string;
    transaction_id: string | null;
    statement_fen: number | null;
    ledger_fen: number | null;
    status: 'open' | 'resolved';
    resolution: string | null;
    resolved_by: string | null;
    created_at: number;
    resolved_at: number | null;
  };
}
