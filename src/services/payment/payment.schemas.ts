import Type from 'typebox';

/** A payment channel, as requests and answers name it. */
export const ChannelSchema = Type.Union(
  [Type.Literal('alipay'), Type.Literal('wechat'), Type.Literal('sandbox')],
  { description: 'alipay: 支付宝; wechat: 微信支付; sandbox: development and test only' },
);
