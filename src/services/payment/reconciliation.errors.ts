import { defineErrors } from '../../platform/errors.js';

export const ReconciliationErrors = defineErrors({
  RECONCILIATION_ITEM_NOT_FOUND: { status: 404, zh: '对账差异不存在', en: 'Reconciliation item not found' },
  RECONCILIATION_ITEM_RESOLVED: {
    status: 409,
    zh: '该对账差异已处理',
    en: 'This reconciliation item is already resolved',
  },
  RECONCILIATION_CHANNEL_UNKNOWN: {
    status: 400,
    zh: (p) => `未配置该支付渠道：${p.channel}`,
    en: (p) => `The channel is not configured: ${p.channel}`,
  },
  RECONCILIATION_DAY_INVALID: {
    status: 400,
    zh: '对账日期须为今天之前的真实日期（YYYY-MM-DD）',
    en: 'The day must be a real date before today (YYYY-MM-DD)',
  },
});
