import type { Clock } from '../clock.js';
import type { ConfigReader, ConfigVariables, Profile } from '../config/reader.js';
import type { Logger } from '../log.js';
import { createAliyunSmsProvider } from './aliyun-sms.js';
import { createConsoleSmsProvider } from './console-sms.js';
import { SMS_NOTICE_TEMPLATES, type SmsNoticeTemplate, type SmsProvider } from './port.js';

export {
  SmsSendError,
  SMS_NOTICE_TEMPLATES,
  type SmsNoticeTemplate,
  type SmsProvider,
  type SmsPurpose,
} from './port.js';

/** Which SMS provider sends codes, and its credentials (`config.sms`). */
export type SmsSettings =
  | { provider: 'console' }
  | {
      provider: 'aliyun';
      accessKeyId: string;
      accessKeySecret: string;
      signName: string;
      templateCode: string;
      noticeTemplates: Partial<Record<SmsNoticeTemplate, string>>;
    };

export const SMS_VARIABLES: ConfigVariables = {
  LINGGONG_SMS_PROVIDER: {
    doc: 'console (development: logs the code) | aliyun (default console; production needs aliyun)',
  },
  LINGGONG_ALIYUN_SMS_ACCESS_KEY_ID: { doc: 'Aliyun AccessKey id for SMS' },
  LINGGONG_ALIYUN_SMS_ACCESS_KEY_SECRET: { doc: 'Aliyun AccessKey secret for SMS' },
  LINGGONG_ALIYUN_SMS_SIGN_NAME: { doc: 'Approved SMS signature (签名), e.g. 零工' },
  LINGGONG_ALIYUN_SMS_TEMPLATE_CODE: {
    doc: 'Approved template code with a ${code} parameter, e.g. SMS_123456789',
  },
  LINGGONG_ALIYUN_SMS_NOTICE_TEMPLATES: {
    doc: 'Approved templates of the critical notices sent by SMS too, name:code pairs, e.g. order_hired:SMS_1,order_cancelled_late:SMS_2,dispute_decided:SMS_3 (a notice without one is not sent by SMS)',
  },
};

export function parseSmsSettings(read: ConfigReader, profile: Profile): SmsSettings {
  const provider = read.oneOf('LINGGONG_SMS_PROVIDER', 'console', ['console', 'aliyun']);
  if (provider === 'aliyun') {
    const because = 'when LINGGONG_SMS_PROVIDER=aliyun';
    return {
      provider,
      accessKeyId: read.required('LINGGONG_ALIYUN_SMS_ACCESS_KEY_ID', because),
      accessKeySecret: read.required('LINGGONG_ALIYUN_SMS_ACCESS_KEY_SECRET', because),
      signName: read.required('LINGGONG_ALIYUN_SMS_SIGN_NAME', because),
      templateCode: read.required('LINGGONG_ALIYUN_SMS_TEMPLATE_CODE', because),
      noticeTemplates: parseNoticeTemplates(read),
    };
  }
  if (profile === 'production') {
    read.problem('LINGGONG_SMS_PROVIDER: the console provider is for development; production needs aliyun');
  }
  return { provider };
}

function parseNoticeTemplates(read: ConfigReader): Partial<Record<SmsNoticeTemplate, string>> {
  const name = 'LINGGONG_ALIYUN_SMS_NOTICE_TEMPLATES';
  const out: Partial<Record<SmsNoticeTemplate, string>> = {};
  for (const pair of (read.get(name) ?? '').split(',').filter(Boolean)) {
    const [notice, code] = pair.split(':').map((x) => x.trim());
    if (!SMS_NOTICE_TEMPLATES.includes(notice as SmsNoticeTemplate) || !code || !/^[A-Za-z0-9_]+$/.test(code))
      read.problem(
        `${name}: "${pair}" is not <notice>:<template code> (notices: ${SMS_NOTICE_TEMPLATES.join(', ')})`,
      );
    else out[notice as SmsNoticeTemplate] = code;
  }
  return out;
}

/** The configured provider: Aliyun, or the console (the code goes to the log) in development. */
export function createSmsProvider(settings: SmsSettings, deps: { clock: Clock; log: Logger }): SmsProvider {
  switch (settings.provider) {
    case 'aliyun':
      return createAliyunSmsProvider({ ...settings, clock: deps.clock });
    case 'console':
      return createConsoleSmsProvider(deps.log);
  }
}
