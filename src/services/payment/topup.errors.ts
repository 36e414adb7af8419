import { defineErrors } from '../../platform/errors.js';

/** The top-up flow's error codes (stable; clients switch on them). */
export const TopupErrors = defineErrors({
  PAYMENT_CHANNEL_ERROR: {
    status: 503,
    zh: '支付渠道暂时无法受理，请稍后再试',
    en: 'The payment channel could not take the payment now; try again later',
  },
  TOPUP_AMOUNT_OUT_OF_RANGE: {
    status: 400,
    zh: (p) => `充值金额须在 ${p.minFen} 分到 ${p.maxFen} 分之间`,
    en: (p) => `A top-up is between ${p.minFen} and ${p.maxFen} fen`,
  },
  TOPUP_NOT_FOUND: { status: 404, zh: '充值记录不存在', en: 'No such top-up' },
  TOPUP_NOT_PAYABLE: {
    status: 409,
    zh: '该充值已关闭，不能再支付',
    en: 'The top-up is closed and can no longer be paid',
  },
  TOPUP_NOT_HELD: {
    status: 409,
    zh: '只有待处理（金额不符）的充值可以处理',
    en: 'Only a held top-up (paid with another amount) can be resolved',
  },
});
