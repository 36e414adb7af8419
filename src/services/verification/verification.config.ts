import { defineConfigSection } from '../../platform/config.js';

/** The verification service's settings. */
export interface VerificationConfig {
  /** Who checks a name against an ID number: an admin (manual) or Tencent Cloud FaceID. */
  identityProvider:
    | { name: 'manual' }
    | { name: 'tencent'; secretId: string; secretKey: string; region: string; endpoint: string | undefined };
  /** Submissions a user may make per kind and business day (local refusals do not count). */
  dailyAttempts: number;
  /** The youngest age, in whole years on the business calendar, at which a real name is verified. */
  minAge: number;
}

/** The verification service's configuration section: `verificationConfig.of(config)`. */
export const verificationConfig = defineConfigSection({
  service: 'verification',
  variables: {
    LINGGONG_IDENTITY_PROVIDER: {
      doc: 'Real-name check: manual (default: every request waits for an admin) | tencent (Tencent Cloud FaceID IdCardVerification; unsure answers still go to an admin)',
    },
    LINGGONG_TENCENT_SECRET_ID: { doc: 'Tencent Cloud API SecretId, for LINGGONG_IDENTITY_PROVIDER=tencent' },
    LINGGONG_TENCENT_SECRET_KEY: {
      doc: 'Tencent Cloud API SecretKey, for LINGGONG_IDENTITY_PROVIDER=tencent',
    },
    LINGGONG_TENCENT_REGION: { doc: 'Tencent Cloud region of the FaceID calls (default ap-guangzhou)' },
    LINGGONG_TENCENT_FACEID_ENDPOINT: {
      doc: 'FaceID API endpoint (default https://faceid.tencentcloudapi.com)',
    },
    LINGGONG_VERIFICATION_DAILY_ATTEMPTS: {
      doc: 'Verification requests a user may submit per kind and business day (default 3; 1–20)',
    },
    LINGGONG_VERIFICATION_MIN_AGE: {
      doc: 'Youngest age for a verified real name, in whole years (default 16, the legal working age; 16–70)',
    },
  },
  parse(read): VerificationConfig {
    const provider = read.oneOf('LINGGONG_IDENTITY_PROVIDER', 'manual', ['manual', 'tencent']);
    return {
      identityProvider:
        provider === 'manual'
          ? { name: provider }
          : {
              name: provider,
              secretId: read.required(
                'LINGGONG_TENCENT_SECRET_ID',
                'when LINGGONG_IDENTITY_PROVIDER=tencent',
              ),
              secretKey: read.required(
                'LINGGONG_TENCENT_SECRET_KEY',
                'when LINGGONG_IDENTITY_PROVIDER=tencent',
              ),
              region: read.get('LINGGONG_TENCENT_REGION') ?? 'ap-guangzhou',
              endpoint: read.get('LINGGONG_TENCENT_FACEID_ENDPOINT'),
            },
      dailyAttempts: read.int('LINGGONG_VERIFICATION_DAILY_ATTEMPTS', 3, 1, 20),
      minAge: read.int('LINGGONG_VERIFICATION_MIN_AGE', 16, 16, 70),
    };
  },
});
