import type { TestPlatform } from './platform.js';
import { userCommands } from '../../src/services/user/index.js';

export interface LoggedIn {
  userId: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

let phoneCounter = 0;
/** A fresh mainland mobile number for each call (unique within a run). */
export function newPhone(): string {
  phoneCounter++;
  return `139${String(process.pid % 10000).padStart(4, '0')}${String(phoneCounter).padStart(4, '0')}`;
}

/** The last SMS code the console provider wrote to the log for a phone. */
export function lastSmsCode(p: TestPlatform, phone: string): string {
  const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  const line = p
    .logLines()
    .filter((l) => l.phoneMasked === masked && typeof l.smsCode === 'string')
    .at(-1);
  if (!line) throw new Error(`no SMS code logged for ${masked}`);
  return line.smsCode as string;
}

export async function requestCode(p: TestPlatform, phone: string, purpose = 'login') {
  return p.app.inject({ method: 'POST', url: '/api/v1/auth/sms-codes', payload: { phone, purpose } });
}

/** Signs a phone in through the HTTP API with an SMS code, as an app would. */
export async function loginWithSms(
  p: TestPlatform,
  phone = newPhone(),
  role?: 'worker' | 'employer',
): Promise<LoggedIn> {
  const sent = await requestCode(p, phone);
  if (sent.statusCode !== 202) throw new Error(`sms-codes answered ${sent.statusCode}: ${sent.body}`);
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/auth/login/sms',
    payload: { phone, code: lastSmsCode(p, phone), ...(role ? { role } : {}) },
  });
  if (res.statusCode !== 200) throw new Error(`login answered ${res.statusCode}: ${res.body}`);
  const body = res.json() as { userId: string; accessToken: string; refreshToken: string };
  // Later codes for the same phone must wait out the resend cooldown.
  p.clock.advance(61_000);
  return { ...body, auth: { authorization: `Bearer ${body.accessToken}` } };
}

/** An admin, created as the CLI does, then signed in. */
export async function loginAsAdmin(p: TestPlatform): Promise<LoggedIn> {
  const phone = newPhone();
  await p.commands(userCommands)!.createAdmin(phone, '测试管理员');
  return loginWithSms(p, phone);
}
