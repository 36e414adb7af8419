import { defineErrors } from '../../platform/errors.js';

/** The withdrawal flow's error codes (stable; clients switch on them). */
export const WithdrawalErrors = defineErrors({
  WITHDRAWAL_AMOUNT_INVALID: {
    status: 400,
    zh: (p) => `单笔提现金额须在 ${p.min ?? ''} 至 ${p.max ?? ''} 之间`,
    en: (p) => `A withdrawal must be between ${p.min ?? ''} and ${p.max ?? ''}`,
  },
  REAL_NAME_REQUIRED: {
    status: 403,
    zh: '提现前请先完成实名认证',
    en: 'Verify your real name before withdrawing',
  },
  PAYEE_NAME_MISMATCH: {
    status: 400,
    zh: '收款人姓名须与实名认证的姓名一致',
    en: "The payee's name must be your verified real name",
  },
  WITHDRAWAL_DAILY_LIMIT: {
    status: 429,
    zh: (p) => `今日提现总额不能超过 ${p.limit ?? ''}，今日还可提现 ${p.remaining ?? ''}`,
    en: (p) => `Withdrawals are limited to ${p.limit ?? ''} a day; ${p.remaining ?? ''} remains today`,
  },
  WALLET_INSUFFICIENT_FUNDS: {
    status: 409,
    zh: '钱包余额不足（提现金额加手续费）',
    en: 'The wallet does not hold the amount plus the fee',
  },
  WITHDRAWAL_NOT_FOUND: { status: 404, zh: '提现记录不存在', en: 'No such withdrawal' },
  WITHDRAWAL_STATE_INVALID: {
    status: 409,
    zh: (p) => `该提现当前状态为 ${p.status ?? ''}，不能执行此操作`,
    en: (p) => `The withdrawal is ${p.status ?? ''}: this is not possible now`,
  },
});
