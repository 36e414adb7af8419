import { defineConfigSection } from '../../platform/config.js';
import { MAX_FEN } from '../../platform/money.js';

/** A channel's credentials, as the adapters in channels/ take them. */
export interface AlipaySettings {
  appId: string;
  sellerId: string;
  privateKey: string;
  alipayPublicKey: string;
  endpoint: string | undefined;
}

export interface WechatSettings {
  appId: string;
  merchantId: string;
  merchantSerialNo: string;
  merchantPrivateKey: string;
  apiV3Key: string;
  /** WeChat Pay's public keys or certificates by the id Wechatpay-Serial carries. */
  platformKeys: Record<string, string>;
  transferSceneId: string;
  baseUrl: string | undefined;
}

/** The payment service's settings. Amounts in fen. */
export interface PaymentConfig {
  /** Channels users may pay and withdraw through; `sandbox` only in development and test. */
  channels: ('alipay' | 'wechat' | 'sandbox')[];
  alipay: AlipaySettings | undefined;
  wechat: WechatSettings | undefined;
  /** A top-up not paid by then is closed. */
  topupExpiryMinutes: number;
  topupMinFen: number;
  topupMaxFen: number;
  /** The platform's service fee on an order's pay: basis points, at least `minFen`, paid by one side. */
  fee: { bps: number; minFen: number; payer: 'employer' | 'worker' };
  withdrawal: {
    minFen: number;
    maxFen: number;
    dailyMaxFen: number;
    feeFen: number;
    /** Withdrawals above this wait for an admin's approval. */
    reviewAboveFen: number;
  };
}

/** The payment service's configuration section: `paymentConfig.of(config)`. */
export const paymentConfig = defineConfigSection({
  service: 'payment',
  variables: {
    LINGGONG_PAYMENT_CHANNELS: {
      doc: 'Comma-separated channels: alipay, wechat, sandbox (default sandbox in development and test; sandbox is refused elsewhere)',
    },
    LINGGONG_ALIPAY_APP_ID: { doc: 'Alipay app id (when alipay is a channel)' },
    LINGGONG_ALIPAY_SELLER_ID: { doc: 'Alipay merchant user id (PID, 2088…), checked on notifications' },
    LINGGONG_ALIPAY_PRIVATE_KEY: { doc: 'Alipay app private key (PEM or base64 PKCS8)' },
    LINGGONG_ALIPAY_PUBLIC_KEY: { doc: "Alipay's public key (PEM or base64)" },
    LINGGONG_ALIPAY_ENDPOINT: { doc: 'Alipay OpenAPI base URL (default https://openapi.alipay.com)' },
    LINGGONG_WECHAT_APP_ID: { doc: 'WeChat Pay AppID (when wechat is a channel)' },
    LINGGONG_WECHAT_MCH_ID: { doc: 'WeChat Pay merchant id (商户号)' },
    LINGGONG_WECHAT_MCH_SERIAL: { doc: 'Serial number of the merchant API certificate' },
    LINGGONG_WECHAT_MCH_PRIVATE_KEY: { doc: 'Merchant API private key (PEM, apiclient_key.pem)' },
    LINGGONG_WECHAT_APIV3_KEY: { doc: 'APIv3 key (32 characters)' },
    LINGGONG_WECHAT_PLATFORM_KEYS: {
      doc: "WeChat Pay's public keys: id=base64(PEM)[,id=base64(PEM)…], ids as Wechatpay-Serial names them (PUB_KEY_ID_… or certificate serials)",
    },
    LINGGONG_WECHAT_TRANSFER_SCENE_ID: {
      doc: '商家转账 scene id agreed with WeChat Pay (default 1005, 佣金报酬)',
    },
    LINGGONG_WECHAT_BASE_URL: { doc: 'WeChat Pay API base URL (default https://api.mch.weixin.qq.com)' },
    LINGGONG_TOPUP_EXPIRY_MINUTES: {
      doc: 'Minutes a top-up may wait for payment before it is closed (default 30; 5–1440)',
    },
    LINGGONG_TOPUP_MIN_FEN: { doc: 'Smallest top-up in fen (default 100 = ¥1)' },
    LINGGONG_TOPUP_MAX_FEN: { doc: 'Largest top-up in fen (default 5000000 = ¥50,000)' },
    LINGGONG_FEE_BPS: { doc: "Platform fee on an order's pay, in basis points (default 500 = 5%; 0–3000)" },
    LINGGONG_FEE_MIN_FEN: { doc: 'Smallest fee per order in fen (default 0)' },
    LINGGONG_FEE_PAYER: {
      doc: 'Who pays the fee: employer (default: on top of the pay, held in escrow too) | worker (taken from the pay)',
    },
    LINGGONG_WITHDRAW_MIN_FEN: { doc: 'Smallest withdrawal in fen (default 100 = ¥1)' },
    LINGGONG_WITHDRAW_MAX_FEN: {
      doc: 'Largest single withdrawal in fen (default 5000000 = ¥50,000, within the channels’ limit on a transfer to a person)',
    },
    LINGGONG_WITHDRAW_DAILY_MAX_FEN: {
      doc: 'Most a user may withdraw per business day in fen (default 20000000 = ¥200,000)',
    },
    LINGGONG_WITHDRAW_FEE_FEN: { doc: 'Fee per withdrawal in fen (default 0)' },
    LINGGONG_WITHDRAW_REVIEW_ABOVE_FEN: {
      doc: 'Withdrawals above this many fen wait for an admin (default 500000 = ¥5,000)',
    },
  },
  parse(read): PaymentConfig {
    const devLike = read.profile === 'development' || read.profile === 'test';
    const listed = (read.get('LINGGONG_PAYMENT_CHANNELS') ?? (devLike ? 'sandbox' : ''))
      .split(',')
      .map((c) => c.trim())
      .filter(Boolean);
    const channels: PaymentConfig['channels'] = [];
    for (const c of listed) {
      if (c !== 'alipay' && c !== 'wechat' && c !== 'sandbox')
        read.problem(`LINGGONG_PAYMENT_CHANNELS: unknown channel ${c} (alipay, wechat, sandbox)`);
      else if (c === 'sandbox' && !devLike)
        read.problem(`LINGGONG_PAYMENT_CHANNELS: the sandbox channel is refused in ${read.profile}`);
      else if (!channels.includes(c)) channels.push(c);
    }
    const when = (c: string) => `when ${c} is in LINGGONG_PAYMENT_CHANNELS`;
    const alipay: AlipaySettings | undefined = channels.includes('alipay')
      ? {
          appId: read.required('LINGGONG_ALIPAY_APP_ID', when('alipay')),
          sellerId: read.required('LINGGONG_ALIPAY_SELLER_ID', when('alipay')),
          privateKey: read.required('LINGGONG_ALIPAY_PRIVATE_KEY', when('alipay')),
          alipayPublicKey: read.required('LINGGONG_ALIPAY_PUBLIC_KEY', when('alipay')),
          endpoint: read.get('LINGGONG_ALIPAY_ENDPOINT'),
        }
      : undefined;
    const wechat: WechatSettings | undefined = channels.includes('wechat')
      ? {
          appId: read.required('LINGGONG_WECHAT_APP_ID', when('wechat')),
          merchantId: read.required('LINGGONG_WECHAT_MCH_ID', when('wechat')),
          merchantSerialNo: read.required('LINGGONG_WECHAT_MCH_SERIAL', when('wechat')),
          merchantPrivateKey: read.required('LINGGONG_WECHAT_MCH_PRIVATE_KEY', when('wechat')),
          apiV3Key: read.required('LINGGONG_WECHAT_APIV3_KEY', when('wechat')),
          platformKeys: parsePlatformKeys(
            read.required('LINGGONG_WECHAT_PLATFORM_KEYS', when('wechat')),
            read.problem,
          ),
          transferSceneId: read.get('LINGGONG_WECHAT_TRANSFER_SCENE_ID') ?? '1005',
          baseUrl: read.get('LINGGONG_WECHAT_BASE_URL'),
        }
      : undefined;
    const fen = (name: string, fallback: number) => read.int(name, fallback, 0, MAX_FEN);
    const settings = {
      channels,
      alipay,
      wechat,
      topupExpiryMinutes: read.int('LINGGONG_TOPUP_EXPIRY_MINUTES', 30, 5, 1440),
      topupMinFen: fen('LINGGONG_TOPUP_MIN_FEN', 100),
      topupMaxFen: fen('LINGGONG_TOPUP_MAX_FEN', 5_000_000),
      fee: {
        bps: read.int('LINGGONG_FEE_BPS', 500, 0, 3000),
        minFen: fen('LINGGONG_FEE_MIN_FEN', 0),
        payer: read.oneOf('LINGGONG_FEE_PAYER', 'employer', ['employer', 'worker']),
      },
      withdrawal: {
        minFen: fen('LINGGONG_WITHDRAW_MIN_FEN', 100),
        maxFen: fen('LINGGONG_WITHDRAW_MAX_FEN', 5_000_000),
        dailyMaxFen: fen('LINGGONG_WITHDRAW_DAILY_MAX_FEN', 20_000_000),
        feeFen: fen('LINGGONG_WITHDRAW_FEE_FEN', 0),
        reviewAboveFen: fen('LINGGONG_WITHDRAW_REVIEW_ABOVE_FEN', 500_000),
      },
    };
    if (settings.topupMinFen < 1 || settings.topupMinFen > settings.topupMaxFen)
      read.problem('LINGGONG_TOPUP_MIN_FEN must be at least 1 and at most LINGGONG_TOPUP_MAX_FEN');
    const w = settings.withdrawal;
    if (w.minFen < 1 || w.minFen > w.maxFen)
      read.problem('LINGGONG_WITHDRAW_MIN_FEN must be at least 1 and at most LINGGONG_WITHDRAW_MAX_FEN');
    if (w.maxFen + w.feeFen > MAX_FEN)
      read.problem('LINGGONG_WITHDRAW_MAX_FEN plus LINGGONG_WITHDRAW_FEE_FEN is beyond the largest amount');
    return settings;
  },
});

function parsePlatformKeys(spec: string, problem: (m: string) => void): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const entry of spec
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf('=');
    if (at <= 0) {
      problem('LINGGONG_WECHAT_PLATFORM_KEYS: each entry is id=base64(PEM)');
      continue;
    }
    keys[entry.slice(0, at)] = Buffer.from(entry.slice(at + 1), 'base64').toString('utf8');
  }
  return keys;
}
