import { defineErrors } from '../../platform/errors.js';

const CHANNEL_NAMES_ZH: Record<string, string> = { alipay: '支付宝', wechat: '微信支付', sandbox: '沙箱' };

/** Errors every flow of the payment service may answer (stable codes). */
export const PaymentErrors = defineErrors({
  PAYMENT_CHANNEL_UNAVAILABLE: {
    status: 400,
    zh: (p) => `暂不支持通过${CHANNEL_NAMES_ZH[String(p.channel)] ?? p.channel}收付款`,
    en: (p) => `Payments through ${p.channel} are not available`,
  },
});
