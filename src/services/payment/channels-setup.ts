import type { Clock } from '../../platform/clock.js';
import type { Config } from '../../platform/config.js';
import {
  createSandboxChannel,
  createWechatPayChannel,
  type ChannelName,
  type PaymentChannel,
} from './channels/index.js';
import type { PaymentConfig } from './payment.config.js';

/**
 * The configured channels, built from the settings (credentials never leave the adapters). The
 * Alipay SDK loads only when that channel is configured, and still at start, where its keys are read.
 */
export async function createChannels(
  settings: PaymentConfig,
  config: Config,
  publicUrl: string,
  clock: Clock,
): Promise<Map<ChannelName, PaymentChannel>> {
  const channels = new Map<ChannelName, PaymentChannel>();
  for (const name of settings.channels) {
    if (name === 'alipay' && settings.alipay) {
      const a = settings.alipay;
      const { createAlipayChannel } = await import('./channels/alipay.js');
      channels.set(
        name,
        createAlipayChannel({
          appId: a.appId,
          sellerId: a.sellerId,
          privateKey: a.privateKey,
          alipayPublicKey: a.alipayPublicKey,
          ...(a.endpoint ? { endpoint: a.endpoint } : {}),
        }),
      );
    } else if (name === 'wechat' && settings.wechat) {
      const w = settings.wechat;
      channels.set(
        name,
        createWechatPayChannel({
          appId: w.appId,
          merchantId: w.merchantId,
          merchantSerialNo: w.merchantSerialNo,
          merchantPrivateKey: w.merchantPrivateKey,
          apiV3Key: w.apiV3Key,
          platformKeys: w.platformKeys,
          transferSceneId: w.transferSceneId,
          transferSceneReportInfos: [
            { infoType: '岗位类型', infoContent: '零工' },
            { infoType: '报酬说明', infoContent: '零工报酬提现' },
          ],
          ...(w.baseUrl ? { baseUrl: w.baseUrl } : {}),
          clock,
        }),
      );
    } else if (name === 'sandbox') {
      channels.set(
        name,
        createSandboxChannel({
          publicUrl,
          secret: `payment-sandbox:${config.secret}`,
          clock,
          timeZone: config.businessTimeZone,
        }),
      );
    }
  }
  return channels;
}
