/** The payment channel adapters and their port; the payment service imports them from here. */
export {
  ChannelError,
  headerValue,
  type ChannelAnswer,
  type ChannelErrorKind,
  type ChannelName,
  type ChannelNotification,
  type ChannelPaymentRequest,
  type ChannelPaymentStart,
  type ChannelPaymentState,
  type ChannelTransferRequest,
  type HttpHeaders,
  type NotificationCheck,
  type NotificationRefusal,
  type PaymentChannel,
  type StatementLine,
  type TransferState,
} from './channel.js';
// The Alipay adapter is imported where configured (channels-setup.ts): its SDK is large.
export type { AlipayChannelOptions } from './alipay.js';
export { createWechatPayChannel, type WechatPayChannelOptions } from './wechat-pay.js';
export {
  createSandboxChannel,
  type SandboxChannel,
  type SandboxChannelOptions,
  type SandboxNotification,
} from './sandbox.js';
export { fenToYuan, yuanToFen } from './formats.js';
