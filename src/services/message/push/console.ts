import type { Logger } from '../../../platform/log.js';
import type { PushProvider } from './port.js';

/** Development: a push is a log line (the kind and ids it carries; never the text). */
export function createConsolePushProvider(log: Logger): PushProvider {
  return {
    name: 'console',
    async send(m) {
      log.info({ push: m.data, devices: m.registrationIds.length }, 'push sent (console provider)');
    },
  };
}
