import { expect } from 'vitest';
import { orderCommands } from '../../src/services/order/index.js';
import { checkLedger } from '../../src/services/payment/ledger/index.js';
import { openJob, type JobView } from '../support/jobs.js';
import type { TestPlatform } from '../support/platform.js';
import type { LoggedIn } from '../support/users.js';
import { createTopup, paymentDb } from '../payment/support.js';

export const HOUR = 3_600_000;
export const MINUTE = 60_000;

/** The job post's place as a phone's GPS reports it (WGS-84). */
export const SITE = { lng: 121.5272106, lat: 31.1774276 };

/** An answer's body, read loosely: each test asserts the fields it cares about. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/**
 * Sends a request as `user`; the answer's status and parsed body. The tests move the fake clock by
 * days: an access token that expired on the way is refreshed (as an app does) and the request sent
 * again.
 */
export async function call(
  p: TestPlatform,
  user: LoggedIn | undefined,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH',
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: Body; headers: Record<string, unknown> }> {
  const send = () =>
    p.app.inject({
      method,
      url,
      headers: { ...(user?.auth ?? {}), ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });
  let res = await send();
  if (user && res.statusCode === 401 && (res.json() as { code: string }).code === 'TOKEN_EXPIRED') {
    await refresh(p, user);
    res = await send();
  }
  return {
    status: res.statusCode,
    body: res.body ? (res.json() as Body) : {},
    headers: res.headers,
  };
}

/** Refreshes `user`'s tokens in place. */
export async function refresh(p: TestPlatform, user: LoggedIn): Promise<void> {
  const res = await p.app.inject({
    method: 'POST',
    url: '/api/v1/auth/refresh',
    payload: { refreshToken: user.refreshToken },
  });
  if (res.statusCode !== 200) throw new Error(`refresh answered ${res.statusCode}: ${res.body}`);
  const tokens = res.json() as { accessToken: string; refreshToken: string };
  Object.assign(user, { ...tokens, auth: { authorization: `Bearer ${tokens.accessToken}` } });
}

/** Tops up `user`'s wallet through the sandbox channel. */
export async function fund(p: TestPlatform, user: LoggedIn, amountFen: number): Promise<void> {
  const topup = await createTopup(p, user, amountFen);
  const paid = await call(p, user, 'POST', `/api/v1/payments/sandbox/${topup.id}/pay`, {});
  if (paid.body.status !== 'paid')
    throw new Error(`top-up answered ${paid.status}: ${JSON.stringify(paid.body)}`);
}

export async function wallet(p: TestPlatform, user: LoggedIn) {
  return (await call(p, user, 'GET', '/api/v1/wallet')).body as {
    availableFen: number;
    pendingFen: number;
    heldFen: number;
    withdrawingFen: number;
  };
}

/** An open job of `employer` with one shift 24 hours from now of `hours`, for `headcount`. */
export async function shiftJob(
  p: TestPlatform,
  employer: LoggedIn,
  options: {
    headcount?: number;
    hours?: number;
    startsInHours?: number;
    overrides?: Record<string, unknown>;
  } = {},
): Promise<{ job: JobView; shiftId: string; startsAt: number; endsAt: number }> {
  const startsAt = p.clock.now() + (options.startsInHours ?? 24) * HOUR;
  const endsAt = startsAt + (options.hours ?? 8) * HOUR;
  const iso = (t: number) => new Date(t).toISOString();
  const job = await openJob(p, employer, {
    shifts: [{ startsAt: iso(startsAt), endsAt: iso(endsAt), headcount: options.headcount ?? 3 }],
    ...options.overrides,
  });
  return { job, shiftId: job.shifts[0]!.id, startsAt, endsAt };
}

export const applyUrl = (jobId: string, shiftId: string) =>
  `/api/v1/jobs/${jobId}/shifts/${shiftId}/applications`;

/** Applies and hires; returns the order (throws unless both answer 201 and the order is hired). */
export async function applyAndHire(
  p: TestPlatform,
  employer: LoggedIn,
  worker: LoggedIn,
  jobId: string,
  shiftId: string,
  hireBody: Record<string, unknown> = {},
) {
  const applied = await call(p, worker, 'POST', applyUrl(jobId, shiftId), {});
  if (applied.status !== 201)
    throw new Error(`apply answered ${applied.status}: ${JSON.stringify(applied.body)}`);
  const hired = await call(
    p,
    employer,
    'POST',
    `/api/v1/applications/${applied.body.application.id}/hire`,
    hireBody,
  );
  if (hired.status !== 201 || hired.body.state !== 'hired')
    throw new Error(`hire answered ${hired.status}: ${JSON.stringify(hired.body)}`);
  return hired.body;
}

/** The ledger's every invariant, the escrow of every ended order included, is clean. */
export async function expectLedgerClean(p: TestPlatform): Promise<void> {
  const orders = p.commands(orderCommands)!;
  expect(await checkLedger(paymentDb(p), { finalOrderIds: orders.finalOrderIds() })).toEqual([]);
}

/** The owner's view of a job's shifts (hired counts). */
export async function ownerShifts(p: TestPlatform, employer: LoggedIn, jobId: string) {
  const res = await call(p, employer, 'GET', `/api/v1/jobs/${jobId}/manage`);
  return res.body.shifts as { id: string; hired: number; headcount: number }[];
}
