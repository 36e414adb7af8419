/**
 * The platform's SMS port: how any service sends a verification code (the user service for logins,
 * later the message service), whatever the provider (Aliyun, or the console in development).
 */

/** Why a verification code is being sent; lets a provider choose wording or template per use. */
export type SmsPurpose = 'login' | 'reset_password' | 'delete_account';

/** The notices critical enough to go by SMS too (the message service's critical notifications). */
export type SmsNoticeTemplate = 'order_hired' | 'order_cancelled_late' | 'dispute_decided';
export const SMS_NOTICE_TEMPLATES: readonly SmsNoticeTemplate[] = [
  'order_hired',
  'order_cancelled_late',
  'dispute_decided',
];

/** Sends SMS. Implementations must never log or echo the phone number, the code or the parameters. */
export interface SmsProvider {
  readonly name: string;
  /** Sends a verification code; resolves when the provider accepted it, throws SmsSendError otherwise. */
  sendCode(phone: string, code: string, purpose: SmsPurpose): Promise<void>;
  /** Sends a notice by its approved template with its variables (ids and amounts, no personal data). */
  sendNotice(phone: string, template: SmsNoticeTemplate, params: Record<string, string>): Promise<void>;
}

/**
 * The SMS provider did not accept a message. The message text never contains the phone number or the
 * code (personal data); `providerCode` carries the provider's own error code, e.g.
 * `isv.BUSINESS_LIMIT_CONTROL`, when it sent one.
 */
export class SmsSendError extends Error {
  /** The provider's error code (Aliyun's `Code`), when the provider answered with one. */
  readonly providerCode?: string;
  /** The provider's request id, for support tickets; carries no personal data. */
  readonly requestId?: string;
  /** HTTP status of the provider's answer, when there was one. */
  readonly httpStatus?: number;

  constructor(
    message: string,
    details: { providerCode?: string; requestId?: string; httpStatus?: number } = {},
  ) {
    super(message);
    this.name = 'SmsSendError';
    if (details.providerCode !== undefined) this.providerCode = details.providerCode;
    if (details.requestId !== undefined) this.requestId = details.requestId;
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
  }
}
