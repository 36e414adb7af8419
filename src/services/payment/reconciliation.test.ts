import { describe, expect, it } from 'vitest';
import { differencesOf, type Credited } from './reconciliation.js';

const line = (reference: string, amountFen: number) => ({
  kind: 'payment' as const,
  reference,
  transactionId: `tx-${reference}`,
  amountFen,
  at: 0,
});

describe('reconciliation, line by line', () => {
  it('finds nothing when every line matches a credit of the same amount', () => {
    const credited = new Map<string, Credited>([
      ['a', { fen: 100, transactionId: 'tx-a' }],
      ['b', { fen: 250, transactionId: 'tx-b' }],
    ]);
    expect(differencesOf([line('a', 100), line('b', 250)], new Set(['a', 'b']), credited)).toEqual([]);
  });

  it('names a payment the ledger did not credit, a credit the statement lacks, and an amount that differs', () => {
    const credited = new Map<string, Credited>([
      ['paid-only-here', { fen: 300, transactionId: 'tx-x' }],
      ['both', { fen: 500, transactionId: 'tx-both' }],
    ]);
    const found = differencesOf(
      [line('held', 100), line('both', 499)],
      new Set(['held', 'paid-only-here', 'both']),
      credited,
    );
    expect(found).toEqual([
      {
        kind: 'missing_in_ledger',
        reference: 'held',
        transaction_id: 'tx-held',
        statement_fen: 100,
        ledger_fen: null,
      },
      {
        kind: 'amount_differs',
        reference: 'both',
        transaction_id: 'tx-both',
        statement_fen: 499,
        ledger_fen: 500,
      },
      {
        kind: 'missing_in_statement',
        reference: 'paid-only-here',
        transaction_id: 'tx-x',
        statement_fen: null,
        ledger_fen: 300,
      },
    ]);
  });

  it('takes a line naming no top-up of ours as missing in the ledger', () => {
    expect(differencesOf([line('stranger', 1)], new Set(), new Map())).toEqual([
      {
        kind: 'missing_in_ledger',
        reference: 'stranger',
        transaction_id: 'tx-stranger',
        statement_fen: 1,
        ledger_fen: null,
      },
    ]);
  });
});
