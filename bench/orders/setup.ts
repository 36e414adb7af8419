import { Writable } from 'node:stream';
import { formatInstant } from '../../src/platform/clock.js';
import type { App } from '../../src/platform/http/server.js';

const HOUR = 3_600_000;

/**
 * The benchmark's log: only warnings and errors (as bench/http runs its servers). The console SMS
 * provider writes each code as a warning; codes are kept by the request id that asked for them, the
 * first few other lines are echoed to stderr and all of them counted.
 */
export function benchLogDestination() {
  const codes = new Map<string, string>();
  const state = { otherLines: 0, echoed: 0 };
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      const text = chunk.toString('utf8');
      for (const line of text.split('\n')) {
        if (!line) continue;
        if (line.includes('"smsCode"')) {
          const entry = JSON.parse(line) as { request_id?: string; smsCode?: string };
          if (entry.request_id && entry.smsCode) codes.set(entry.request_id, entry.smsCode);
          continue;
        }
        state.otherLines++;
        if (state.echoed < 5) {
          state.echoed++;
          process.stderr.write(`  [log] ${line.slice(0, 400)}\n`);
        }
      }
      done();
    },
  });
  return { destination, codes, state };
}

export interface Party {
  userId: string;
  auth: { authorization: string };
}

/** One shift the load hires on, with the token of the employer who owns its job. */
export interface Slot {
  jobId: string;
  shiftId: string;
  employer: Party;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Body = Record<string, any>;

/**
 * Setup runs through `inject` with a remote address per account: the SMS-code routes cap codes per
 * IP and day, and one load generator would otherwise hit the cap.
 */
async function call(
  app: App,
  method: 'POST' | 'GET',
  url: string,
  options: { auth?: Party['auth']; payload?: unknown; requestId?: string; ip?: string },
): Promise<{ status: number; body: Body }> {
  const res = await app.inject({
    method,
    url,
    headers: {
      ...(options.auth ?? {}),
      ...(options.requestId ? { 'x-request-id': options.requestId } : {}),
    },
    ...(options.ip ? { remoteAddress: options.ip } : {}),
    ...(options.payload === undefined ? {} : { payload: options.payload as object }),
  });
  return { status: res.statusCode, body: res.body ? (res.json() as Body) : {} };
}

const expectStatus = (what: string, res: { status: number; body: Body }, status: number) => {
  if (res.status !== status) throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
};

/** Runs `fn` over 0..n-1, `width` at a time. */
export async function pool<T>(n: number, width: number, fn: (i: number) => Promise<T>): Promise<T[]> {
  const out = new Array<T>(n);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, n) }, async () => {
      while (next < n) {
        const i = next++;
        out[i] = await fn(i);
      }
    }),
  );
  return out;
}

/** Requests of the setup answered 500 and sent again. */
export const setupRetries = { count: 0 };

/** Signs a new phone in with an SMS code (the account is created with `role`), as an app does. */
export async function signUp(
  app: App,
  codes: Map<string, string>,
  phone: string,
  role: 'worker' | 'employer',
  n: number,
): Promise<Party> {
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  const requestId = `setup-sms-${role}-${n}`;
  let sent = await call(app, 'POST', '/api/v1/auth/sms-codes', {
    payload: { phone, purpose: 'login' },
    requestId,
    ip,
  });
  // On MariaDB concurrent first codes of a day can deadlock on the quota rows (a 500, nothing
  // stored): asked again, as an app would, and counted.
  for (let i = 0; sent.status === 500 && i < 5; i++) {
    setupRetries.count++;
    await new Promise((r) => setTimeout(r, 20 + Math.random() * 50));
    sent = await call(app, 'POST', '/api/v1/auth/sms-codes', {
      payload: { phone, purpose: 'login' },
      requestId,
      ip,
    });
  }
  expectStatus('sms-codes', sent, 202);
  let code = codes.get(requestId);
  for (let i = 0; !code && i < 100; i++) {
    await new Promise((r) => setTimeout(r, 10));
    code = codes.get(requestId);
  }
  if (!code) throw new Error(`no SMS code logged for ${requestId}`);
  codes.delete(requestId);
  const login = await call(app, 'POST', '/api/v1/auth/login/sms', { payload: { phone, code, role }, ip });
  expectStatus('login', login, 200);
  const body = login.body as { userId: string; accessToken: string };
  return { userId: body.userId, auth: { authorization: `Bearer ${body.accessToken}` } };
}

/** Tops up an employer's wallet through the sandbox channel. */
export async function fund(app: App, employer: Party, amountFen: number): Promise<void> {
  const topup = await call(app, 'POST', '/api/v1/payments', {
    auth: employer.auth,
    payload: { channel: 'sandbox', amountFen },
  });
  expectStatus('top-up', topup, 201);
  const paid = await call(app, 'POST', `/api/v1/payments/sandbox/${topup.body.id}/pay`, {
    auth: employer.auth,
    payload: {},
  });
  if (paid.body.status !== 'paid')
    throw new Error(`sandbox pay answered ${paid.status}: ${JSON.stringify(paid.body)}`);
}

/**
 * Posts and opens a daily-paid cleaning job (200 元 a day, minAge 16 so workers need no verified
 * age, no skills) with `shifts` shifts of 8 hours, one a day from two days on, `headcount` each.
 */
export async function openJob(
  app: App,
  employer: Party,
  now: number,
  shifts: number,
  headcount: number,
  n: number,
): Promise<Slot[]> {
  const at = (t: number) => formatInstant(t, 'Asia/Shanghai');
  const created = await call(app, 'POST', '/api/v1/jobs', {
    auth: employer.auth,
    payload: {
      title: `商场日常保洁 日结200元 ${n + 1}号`,
      description: '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
      category: 'housekeeping.cleaner',
      tags: ['日结', '包午餐'],
      pay: { type: 'daily', amountFen: 20000 },
      settlement: 'daily',
      shifts: Array.from({ length: shifts }, (_, i) => {
        const start = now + (48 + 24 * i) * HOUR;
        return { startsAt: at(start), endsAt: at(start + 8 * HOUR), headcount };
      }),
      requirements: { minAge: 16 },
      contact: { name: '王经理', phone: '13912345678' },
      place: {
        address: '上海市浦东新区世纪大道100号',
        city: '上海市',
        district: '浦东新区',
        location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
      },
    },
  });
  expectStatus('create job', created, 201);
  const submitted = await call(app, 'POST', `/api/v1/jobs/${created.body.id}/submit`, {
    auth: employer.auth,
    payload: { version: created.body.version },
  });
  expectStatus('submit job', submitted, 200);
  if (submitted.body.status !== 'open') throw new Error(`job is ${submitted.body.status}, not open`);
  return (submitted.body.shifts as { id: string }[]).map((s) => ({
    jobId: String(submitted.body.id),
    shiftId: s.id,
    employer,
  }));
}
