import type { Static } from 'typebox';
import { EXAMPLE_ORDER_ID } from './escrow.examples.js';
import type { WalletEntriesPage, WalletSchema } from './wallet.schemas.js';

/** Example answers of the wallet routes, checked against their schemas (test/http/openapi.test.ts). */
export const walletExample: Static<typeof WalletSchema> = {
  availableFen: 79_000,
  pendingFen: 0,
  heldFen: 21_000,
  withdrawingFen: 0,
};

export const entriesExample: Static<typeof WalletEntriesPage> = {
  items: [
    {
      seq: 2,
      transferId: '01JEXAMP1ETRANSFER00000002',
      amountFen: -21_000,
      balanceAfterFen: 79_000,
      kind: 'escrow.hold',
      description: {
        zh: '订单押金托管（工资 20000 分，服务费 1000 分由雇主支付）',
        en: 'Wage held in escrow (wage 20000 fen; fee 1000 fen, paid by the employer)',
      },
      orderId: EXAMPLE_ORDER_ID,
      paymentId: null,
      withdrawalId: null,
      at: '2026-12-07T10:05:00+08:00',
    },
    {
      seq: 1,
      transferId: '01JEXAMP1ETRANSFER00000001',
      amountFen: 100_000,
      balanceAfterFen: 100_000,
      kind: 'topup',
      description: { zh: '钱包充值', en: 'Wallet top-up' },
      orderId: null,
      paymentId: '01JEXAMP1EPAYMENT000000001',
      withdrawalId: null,
      at: '2026-12-07T10:00:00+08:00',
    },
  ],
  nextCursor: null,
};
