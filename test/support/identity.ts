import type { TestPlatform } from './platform.js';
import { loginWithSms, newPhone, type LoggedIn } from './users.js';

let sequence = 0;

/**
 * A valid resident ID number (GB 11643) for a birth date YYYYMMDD, a new one each call (the
 * sequence code counts up in each test file). The check character comes from the standard's table of remainders, written
 * independently of the verification service's own check.
 */
export function idNumber(birth = '19900307', region = '110105'): string {
  const digits = `${region}${birth}${String(sequence++ % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = [...digits].reduce((s, d, i) => s + Number(d) * weights[i]!, 0);
  return digits + '10X98765432'[sum % 11]!;
}

/** A user whose real name an admin approved, through the verification service's HTTP API. */
export async function verifiedUser(
  p: TestPlatform,
  admin: LoggedIn,
  name: string,
  options: { role?: 'worker' | 'employer'; phone?: string } = {},
): Promise<LoggedIn & { idNumber: string }> {
  const user = await loginWithSms(p, options.phone ?? newPhone(), options.role ?? 'worker');
  const id = idNumber();
  const sent = await p.app.inject({
    method: 'POST',
    url: '/api/v1/verifications/identity',
    headers: user.auth,
    payload: { name, idNumber: id },
  });
  if (sent.statusCode !== 200) throw new Error(`identity answered ${sent.statusCode}: ${sent.body}`);
  const requestId = (sent.json() as { request: { id: string } }).request.id;
  const approved = await p.app.inject({
    method: 'POST',
    url: `/api/v1/admin/verifications/${requestId}/approve`,
    headers: admin.auth,
  });
  if (approved.statusCode !== 200)
    throw new Error(`approve answered ${approved.statusCode}: ${approved.body}`);
  return { ...user, idNumber: id };
}
