import { expect } from 'vitest';
import { settle } from '../support/events.js';
import { verifiedUser } from '../support/identity.js';
import type { TestPlatform } from '../support/platform.js';
import { loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { applyAndHire, call, fund, MINUTE, refresh, shiftJob, SITE } from '../order/support.js';

export const reviewsUrl = (orderId: string) => `/api/v1/orders/${orderId}/reviews`;

/**
 * A completed order between a new funded employer (or `employer`) and a new verified worker (or
 * `worker`), confirmed by the employer, once the review service has opened its review window.
 */
export async function completeOrder(
  p: TestPlatform,
  admin: LoggedIn,
  parties: { employer?: LoggedIn; worker?: LoggedIn } = {},
) {
  await refresh(p, admin);
  const employer = parties.employer ?? (await loginWithSms(p, newPhone(), 'employer'));
  if (!parties.employer) await fund(p, employer, 100_000);
  const worker = parties.worker ?? (await verifiedUser(p, admin, '王小明'));
  const { job, shiftId, startsAt, endsAt } = await shiftJob(p, employer);
  const order = await applyAndHire(p, employer, worker, job.id, shiftId);
  p.clock.set(startsAt - 10 * MINUTE);
  expect((await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-in`, SITE)).status).toBe(200);
  p.clock.set(endsAt + 5 * MINUTE);
  expect((await call(p, worker, 'POST', `/api/v1/orders/${order.id}/check-out`, SITE)).status).toBe(200);
  expect((await call(p, worker, 'POST', `/api/v1/orders/${order.id}/submit`, {})).status).toBe(200);
  const confirmed = await call(p, employer, 'POST', `/api/v1/orders/${order.id}/confirm`, {});
  expect(confirmed.body.state).toBe('completed');
  // The review service opens the window when it hears order.completed.
  await settle(p, async () => (await call(p, worker, 'GET', reviewsUrl(order.id))).status === 200);
  // A new worker's real-name approval reaches the credit score through its own event: wait for it,
  // so that the scores a test reads before and after what it does differ only by that.
  if (!parties.worker)
    await settle(p, async () => {
      const credit = await call(p, worker, 'GET', `/api/v1/users/${worker.userId}/credit`);
      return credit.body.parts.some((x: { kind: string; identity?: boolean }) => x.identity === true);
    });
  return { employer, worker, orderId: order.id as string, jobId: job.id, shiftId };
}
