import type { PiiCipher } from '../../platform/pii.js';
import type { SmsNoticeTemplate, SmsProvider } from '../../platform/sms/port.js';
import { accountActive } from './account.rules.js';
import type { UserRepository } from './user.repository.js';

/**
 * Notices by SMS for other services (the message service's critical notifications): the phone
 * number never leaves the user service. An account without a phone, or not active, gets none.
 */
export function createSmsNotices(deps: { repo: UserRepository; pii: PiiCipher; sms: SmsProvider }) {
  return {
    async send(
      userId: string,
      template: SmsNoticeTemplate,
      params: Record<string, string>,
    ): Promise<boolean> {
      const account = await deps.repo.findAccount(userId);
      if (!account?.phone_cipher || !accountActive(account.status)) return false;
      await deps.sms.sendNotice(deps.pii.decrypt(account.phone_cipher), template, params);
      return true;
    },
  };
}

export type SmsNotices = ReturnType<typeof createSmsNotices>;
