import type { Static } from 'typebox';
import type { AdminTopup, AdminTopupPage, TopupPage, TopupView } from './topup.schemas.js';

/**
 * Example requests and answers of the top-up routes, for the API description (route-docs.ts);
 * each is checked against its route's schema (test/http/openapi.test.ts).
 */
export const EXAMPLE_TOPUP_ID = '01JEXAMP1EPAYMENT000000001';
export const EXAMPLE_USER_ID = '01JEXAMP1EW0RKER0000000001';

export const pendingTopupExample: TopupView = {
  id: EXAMPLE_TOPUP_ID,
  channel: 'alipay',
  amountFen: 10_000,
  status: 'pending',
  pay: { kind: 'qr_code', content: 'https://qr.alipay.com/bax03431ljhokirwl38f00a7' },
  expiresAt: '2026-12-07T10:30:00+08:00',
  paidAt: null,
};

export const paidTopupExample: TopupView = {
  ...pendingTopupExample,
  channel: 'sandbox',
  pay: {
    kind: 'redirect',
    url: `http://localhost:3000/api/v1/payments/sandbox/${EXAMPLE_TOPUP_ID}/pay`,
  },
  status: 'paid',
  paidAt: '2026-12-07T10:01:12+08:00',
};

export const topupPageExample: Static<typeof TopupPage> = {
  items: [paidTopupExample],
  nextCursor: null,
};

const heldTopup: AdminTopup = {
  ...pendingTopupExample,
  status: 'held',
  paidAt: '2026-12-07T10:01:12+08:00',
  userId: EXAMPLE_USER_ID,
  paidAmountFen: 1_000,
  channelTransactionId: '2026120722001400001234567890',
  note: 'paid 1000 fen, asked 10000 fen',
  createdAt: '2026-12-07T10:00:00+08:00',
  updatedAt: '2026-12-07T10:01:13+08:00',
};

export const adminTopupPageExample: Static<typeof AdminTopupPage> = {
  items: [heldTopup],
  nextCursor: null,
};

export const resolvedTopupExample: AdminTopup = {
  ...heldTopup,
  status: 'paid',
  note: 'credit: 用户扫码时修改了金额，按实付金额入账',
  updatedAt: '2026-12-07T11:20:00+08:00',
};
