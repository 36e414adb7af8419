import type { Static } from 'typebox';
import type { EscrowStateSchema } from './escrow.schemas.js';

/**
 * Example requests and answers of the escrow routes, for the API description; each is checked
 * against its route's schema (test/http/openapi.test.ts). A wage of ¥200.00 with the default fee
 * (5%, paid by the employer).
 */
export const EXAMPLE_ORDER_ID = '01JEXAMP1E0RDER0000000001A';
export const EXAMPLE_EMPLOYER_ID = '01JEXAMP1EEMP10YER00000001';
export const EXAMPLE_WORKER_ID = '01JEXAMP1EW0RKER0000000001';

export const heldExample: Static<typeof EscrowStateSchema> = {
  orderId: EXAMPLE_ORDER_ID,
  status: 'held',
  balanceFen: 21_000,
  heldFen: 21_000,
  wageFen: 20_000,
  feePayer: 'employer',
  payFen: 0,
  feeFen: 0,
  refundFen: 0,
  pendingSettlement: false,
};

/** Released with ¥150.00 of pay: a ¥7.50 fee, ¥52.50 back to the employer. */
export const releasedExample: Static<typeof EscrowStateSchema> = {
  ...heldExample,
  status: 'released',
  balanceFen: 0,
  payFen: 15_000,
  feeFen: 750,
  refundFen: 5250,
  pendingSettlement: true,
};

export const settledExample: Static<typeof EscrowStateSchema> = {
  ...releasedExample,
  pendingSettlement: false,
};

export const refundedExample: Static<typeof EscrowStateSchema> = {
  ...heldExample,
  status: 'refunded',
  balanceFen: 0,
  refundFen: 21_000,
};
