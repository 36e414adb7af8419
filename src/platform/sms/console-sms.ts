import type { Logger } from '../log.js';
import { maskPhone } from '../pii.js';
import type { SmsProvider } from './port.js';

/**
 * Development SMS provider: writes the code to the server log instead of sending it (the phone is
 * masked). The configuration refuses it in production.
 */
export function createConsoleSmsProvider(log: Logger): SmsProvider {
  return {
    name: 'console',
    async sendCode(phone, code, purpose) {
      log.warn(
        { phoneMasked: maskPhone(phone), purpose, smsCode: code },
        `SMS code for ${maskPhone(phone)}: ${code} (development)`,
      );
    },
    async sendNotice(phone, template, params) {
      log.info(
        { phoneMasked: maskPhone(phone), smsNotice: template, params },
        'SMS notice sent (console provider)',
      );
    },
  };
}
