import { describe, expect, it } from 'vitest';
import { releaseTransfer, type HoldTerms } from './escrow.transfers.js';

describe('releasing an escrow', () => {
  // A wage of 50 fen held with the minimum fee of 100 fen, paid by the employer: 150 held.
  const held: HoldTerms = { employerId: 'E', wageFen: 50, feeFen: 100, payer: 'employer', heldFen: 150 };

  it("keeps the hold's fee payer when the configuration has changed since", () => {
    const rate = { bps: 500, minFen: 100, payer: 'worker' as const };
    const plan = releaseTransfer('O', held, { workerId: 'W', payFen: 50, pending: false }, rate);
    expect(plan).toMatchObject({ payFen: 50, feeFen: 100, refundFen: 0 });
    expect(plan.spec.legs.reduce((sum, leg) => sum + leg.amountFen, 0)).toBe(0);
  });

  it('never takes an employer-paid fee beyond the fee held', () => {
    const rate = { bps: 3000, minFen: 0 };
    const plan = releaseTransfer(
      'O',
      { ...held, feeFen: 3, heldFen: 53 },
      { workerId: 'W', payFen: 50, pending: false },
      rate,
    );
    expect(plan).toMatchObject({ feeFen: 3, refundFen: 0 });
  });
});
