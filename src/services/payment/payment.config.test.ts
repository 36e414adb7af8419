import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../platform/config.js';
import { paymentConfig } from './payment.config.js';

const load = (env: Record<string, string>) =>
  paymentConfig.of(loadConfig({ env, services: [{ name: 'payment', config: paymentConfig }] }));

describe('payment configuration', () => {
  it('pays through the sandbox in development, with a 5 % fee paid by the employer', () => {
    const c = load({});
    expect(c.channels).toEqual(['sandbox']);
    expect(c.fee).toEqual({ bps: 500, minFen: 0, payer: 'employer' });
    expect(c.withdrawal).toMatchObject({ minFen: 100, maxFen: 5_000_000, reviewAboveFen: 500_000 });
  });

  it('refuses the sandbox in production, and a channel without its credentials', () => {
    expect(() =>
      load({
        LINGGONG_ENV: 'production',
        LINGGONG_SECRET: 's'.repeat(40),
        LINGGONG_SERVICE_TOKEN: 't'.repeat(40),
        LINGGONG_PII_KEYS: `k1:${Buffer.alloc(32, 1).toString('base64')}`,
        LINGGONG_PAYMENT_CHANNELS: 'sandbox,alipay',
      }),
    ).toThrow(/the sandbox channel is refused in production[\s\S]*LINGGONG_ALIPAY_APP_ID: required/);
  });

  it('refuses limits that cannot hold', () => {
    expect(() => load({ LINGGONG_WITHDRAW_MIN_FEN: '600', LINGGONG_WITHDRAW_MAX_FEN: '500' })).toThrow(
      /LINGGONG_WITHDRAW_MIN_FEN must be at least 1 and at most LINGGONG_WITHDRAW_MAX_FEN/,
    );
    expect(() => load({ LINGGONG_TOPUP_MIN_FEN: '0' })).toThrow(/LINGGONG_TOPUP_MIN_FEN must be at least 1/);
  });
});
