import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_MYSQL_URL, TEST_REDIS_URL } from '../support/env.js';
import { idNumber } from '../support/identity.js';
import { TestSocket } from '../message/support.js';
import { BIN } from '../support/serve.js';
import { startOtlpReceiver, type CollectedSpan, type OtlpReceiver } from '../support/otlp.js';
import { startAllInOne, startSplit, type ApiAnswer, type Topology } from '../support/topology.js';

/**
 * The whole flow of the platform end to end, through HTTP and WebSocket only, as an app would drive
 * it: sign-up, real-name verification, top-up, post, search, apply, chat, hire, check-in,
 * check-out, confirm and pay, reviews, withdrawal, a dispute and a cancellation. The same suite runs
 * all-in-one (one `linggong serve` on the embedded defaults) and, with MariaDB and Redis configured,
 * split: every service in processes of its own behind nginx (test/support/topology.ts).
 */
const SPLIT = Boolean(TEST_MYSQL_URL && TEST_REDIS_URL);
const SITE = { lng: 121.5272106, lat: 31.1774276 };
const DAILY = 20_000;

let t: Topology;
// Split, every process exports its spans here: one hire's trace is followed across processes.
let traces: OtlpReceiver | undefined;
beforeAll(async () => {
  const started = Date.now();
  if (SPLIT) traces = await startOtlpReceiver();
  t = SPLIT ? await startSplit({ env: { LINGGONG_TRACING_OTLP_URL: traces!.url } }) : await startAllInOne();
  console.log(`${t.name}: ${t.processes.size || 1} processes started in ${Date.now() - started} ms`);
}, 400_000);
afterAll(async () => {
  for (const s of sockets) s.close();
  // Every process's output, for reading after a failure (CI prints the path).
  if (t) {
    const file = join(tmpdir(), `linggong-e2e-${t.name}.log`);
    writeFileSync(file, t.output());
    console.log(`${t.name}: the processes' output is in ${file}`);
  }
  await t?.stop();
  await traces?.close();
}, 60_000);

const sockets: TestSocket[] = [];

interface Account {
  token: string;
  userId: string;
  phone: string;
}

let phoneSeq = 0;
function newPhone(): string {
  // 139 + 8 digits, unique within the run and across runs of the same databases.
  return `139${String((Date.now() % 1e6) * 100 + phoneSeq++)
    .padStart(8, '0')
    .slice(-8)}`;
}

async function call(
  method: string,
  path: string,
  body?: unknown,
  who?: Account,
  headers?: Record<string, string>,
): Promise<ApiAnswer> {
  return t.call(method, path, { body, token: who?.token, headers });
}

function ok(answer: ApiAnswer, status = 200): ApiAnswer {
  expect(answer.status, `${answer.status} ${answer.text.slice(0, 500)}`).toBe(status);
  return answer;
}

async function signIn(phone: string, role?: 'worker' | 'employer'): Promise<Account> {
  const code = await t.smsCode(phone, async () => {
    ok(await call('POST', '/api/v1/auth/sms-codes', { phone, purpose: 'login' }), 202);
  });
  const login = ok(await call('POST', '/api/v1/auth/login/sms', { phone, code, ...(role ? { role } : {}) }));
  const token = login.json.accessToken as string;
  const me = ok(await t.call('GET', '/api/v1/users/me', { token }));
  return { token, userId: me.json.id as string, phone };
}

/**
 * Polls until `read` answers something (events travel through queues in the split topology), at
 * most every `everyMs`: the gateway's rate limit (15 r/s a client) holds for this test too.
 */
async function until<T>(
  what: string,
  read: () => Promise<T | undefined>,
  ms = 30_000,
  everyMs = 100,
): Promise<T> {
  for (const deadline = Date.now() + ms; Date.now() < deadline;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`${what} did not happen within ${ms} ms`);
}

/** The fields of an order this suite reads. */
interface OrderView {
  id: string;
  state: string;
  terms: Record<string, unknown>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

async function postJob(employer: Account, title: string, startsAt: number, headcount: number) {
  const draft = ok(
    await call(
      'POST',
      '/api/v1/jobs',
      {
        title,
        description: '午晚市传菜，包两餐，当天结算。',
        category: 'food.waiter',
        pay: { type: 'daily', amountFen: DAILY },
        settlement: 'daily',
        shifts: [{ startsAt: iso(startsAt), endsAt: iso(startsAt + 8 * 3_600_000), headcount }],
        contact: { name: '刘店长', phone: '13912345679' },
        place: {
          address: '上海市浦东新区世纪大道100号',
          city: '上海市',
          location: { ...SITE, system: 'wgs84' },
        },
      },
      employer,
      { 'idempotency-key': `draft-${employer.userId}-${startsAt}` },
    ),
    201,
  );
  const open = ok(await call('POST', `/api/v1/jobs/${draft.json.id}/submit`, { version: 1 }, employer));
  expect(open.json.status).toBe('open');
  return { jobId: draft.json.id as string, shiftId: draft.json.shifts[0].id as string };
}

async function apply(worker: Account, jobId: string, shiftId: string): Promise<string> {
  const applied = ok(
    await call(
      'POST',
      `/api/v1/jobs/${jobId}/shifts/${shiftId}/applications`,
      { note: '做过两年传菜' },
      worker,
    ),
    201,
  );
  return applied.json.application.id as string;
}

async function hire(employer: Account, applicationId: string): Promise<OrderView> {
  return (await hireAnswer(employer, applicationId)).json as OrderView;
}

async function hireAnswer(employer: Account, applicationId: string): Promise<ApiAnswer> {
  const hired = ok(
    await call('POST', `/api/v1/applications/${applicationId}/hire`, {}, employer, {
      'idempotency-key': `hire-${applicationId}`,
    }),
    201,
  );
  expect(hired.json.state).toBe('hired');
  return hired;
}

async function wallet(who: Account): Promise<Record<string, number>> {
  return ok(await call('GET', '/api/v1/wallet', undefined, who)).json;
}

async function verify(who: Account, name: string): Promise<void> {
  const submitted = ok(
    await call('POST', '/api/v1/verifications/identity', { name, idNumber: idNumber() }, who),
  );
  ok(
    await call('POST', `/api/v1/admin/verifications/${submitted.json.request.id}/approve`, undefined, admin),
  );
}

let admin: Account;
let employer: Account;
let worker: Account;
let job: { jobId: string; shiftId: string };
let order: OrderView;
let conversationId: string;
const FUNDS = 100_000;

describe(`the whole flow, ${SPLIT ? 'split behind nginx (MariaDB + Redis)' : 'all-in-one (embedded defaults)'}`, () => {
  it('signs up an employer and a worker by SMS code; the demo admin signs in', async () => {
    employer = await signIn(newPhone(), 'employer');
    worker = await signIn(newPhone(), 'worker');
    admin = await signIn('13800000000');
    const me = ok(await call('GET', '/api/v1/users/me', undefined, worker));
    expect(me.json.roles).toContain('worker');
    expect(me.json.phone).toMatch(/^\d{3}\*{4}\d{4}$/);
  });

  it('verifies the worker’s real name through the admin queue', async () => {
    await verify(worker, '王小明');
    const status = ok(await call('GET', '/api/v1/verifications/identity', undefined, worker));
    expect(status.json.status).toBe('approved');
  });

  it('tops the employer’s wallet up through the sandbox channel', async () => {
    const topup = ok(
      await call('POST', '/api/v1/payments', { channel: 'sandbox', amountFen: FUNDS }, employer, {
        'idempotency-key': `topup-${employer.userId}`,
      }),
      201,
    );
    const paid = ok(await call('POST', `/api/v1/payments/sandbox/${topup.json.id}/pay`, {}, employer));
    expect(paid.json.status).toBe('paid');
    expect(await wallet(employer)).toMatchObject({ availableFen: FUNDS, heldFen: 0 });
  });

  it('posts a job that opens at once and is found by search', async () => {
    job = await postJob(employer, '餐厅传菜员 日结200元 端到端', Date.now() + 20 * 60_000, 3);
    const found = await until('the job in the search index', async () => {
      const page = ok(
        await call(
          'GET',
          `/api/v1/search/jobs?q=${encodeURIComponent('传菜')}&lng=${SITE.lng}&lat=${SITE.lat}&coord=wgs84&radius=3000&sort=distance`,
        ),
      );
      return (page.json.items as { id: string; distanceMeters: number }[]).find((j) => j.id === job.jobId);
    });
    expect(found.distanceMeters).toBeLessThan(50);
  });

  it('applies; the employer and the worker chat in the conversation the application opened', async () => {
    const applicationId = await apply(worker, job.jobId, job.shiftId);
    conversationId = await until('the conversation', async () => {
      const list = ok(await call('GET', '/api/v1/conversations', undefined, employer));
      return (list.json.items as { id: string }[])[0]?.id;
    });
    const socket = await TestSocket.connect(`${t.url.replace(/^http/, 'ws')}/ws`, worker.token, t.ca);
    sockets.push(socket);
    await socket.next((f) => f.type === 'ready', 10_000);
    const sent = ok(
      await call(
        'POST',
        `/api/v1/conversations/${conversationId}/messages`,
        { text: '你好，明天见' },
        employer,
      ),
      201,
    );
    const got = await socket.next((f) => f.type === 'message' && f.id === sent.json.id, 10_000);
    expect(got.message).toMatchObject({ body: '你好，明天见', senderId: employer.userId });

    const hired = await hireAnswer(employer, applicationId);
    order = hired.json as OrderView;
    expect(order.terms).toMatchObject({ payType: 'daily', wageFen: DAILY });
    // The day's pay and the 5 % fee are held in escrow.
    expect(await wallet(employer)).toMatchObject({ availableFen: FUNDS - 21_000, heldFen: 21_000 });
    // The hire reaches the worker as a notification, through the queue and the message service.
    const notice = await socket.next((f) => f.type === 'notification' && f.kind === 'order_hired', 30_000);
    expect(notice).toMatchObject({ kind: 'order_hired' });

    if (traces) {
      // One trace from the gateway: the order service's request, its calls to the job and payment
      // services (their server spans), and the order.hired event handled by consumers of other
      // services after the queue.
      const traceId = /^00-([0-9a-f]{32})-/.exec(String(hired.headers.traceparent))![1]!;
      const gateway = t.accessLog().find((l) => l.request_id === hired.headers['x-request-id']);
      expect(String(gateway?.traceparent)).toContain(traceId);
      // The consumer's parent is a span of another process in the trace: the event crossed a queue.
      const queueHop = (mine: CollectedSpan[]) =>
        mine.find(
          (c) =>
            c.kind === 'CONSUMER' &&
            mine.some((p) => p.spanId === c.parentSpanId && p.serviceName !== c.serviceName),
        );
      const spans = await until('the hire trace across services and a queue', async () => {
        const mine = traces!.spans().filter((s) => s.traceId === traceId);
        const servers = new Set(mine.filter((s) => s.kind === 'SERVER').map((s) => s.serviceName));
        return servers.size >= 3 && queueHop(mine) ? mine : undefined;
      });
      const servers = spans.filter((s) => s.kind === 'SERVER').map((s) => s.serviceName);
      expect(servers).toEqual(expect.arrayContaining(['linggong-order', 'linggong-job', 'linggong-payment']));
      expect(queueHop(spans)!.name).toMatch(/ process$/);
    }
  });

  it('checks in on site, checks out, submits; the employer confirms and the worker is paid', async () => {
    const inside = ok(
      await call('POST', `/api/v1/orders/${order.id}/check-in`, SITE, worker, {
        'idempotency-key': `in-${order.id}`,
      }),
    );
    expect(inside.json.state).toBe('checked_in');
    ok(await call('POST', `/api/v1/orders/${order.id}/check-out`, SITE, worker));
    ok(await call('POST', `/api/v1/orders/${order.id}/submit`, {}, worker));
    const confirmed = ok(await call('POST', `/api/v1/orders/${order.id}/confirm`, {}, employer));
    expect(confirmed.json).toMatchObject({ state: 'completed', payFen: DAILY });
    expect(await wallet(worker)).toMatchObject({ availableFen: DAILY, heldFen: 0 });
    expect(await wallet(employer)).toMatchObject({ availableFen: FUNDS - 21_000, heldFen: 0 });
    const seen = ok(await call('GET', `/api/v1/orders/${order.id}`, undefined, worker));
    expect(seen.json.transitions.map((x: { to: string }) => x.to)).toEqual([
      'hired',
      'checked_in',
      'checked_out',
      'submitted',
      'completed',
    ]);
    // Nobody else reads the order.
    const stranger = await signIn(newPhone(), 'worker');
    expect((await call('GET', `/api/v1/orders/${order.id}`, undefined, stranger)).status).toBe(404);
  });

  it('reviews both ways; both are published together and the worker’s credit score counts them', async () => {
    await until('the order open for reviews', async () => {
      const r = await call(
        'POST',
        `/api/v1/orders/${order.id}/reviews`,
        { stars: 5, tags: ['paid_on_time'], text: '当天就结算了' },
        worker,
      );
      return r.status === 201 ? r : undefined;
    });
    const second = ok(
      await call(
        'POST',
        `/api/v1/orders/${order.id}/reviews`,
        { stars: 5, tags: ['punctual', 'diligent'] },
        employer,
      ),
      201,
    );
    expect(second.json.status).toBe('published');
    const credit = await until('the credit score', async () => {
      const c = ok(await call('GET', `/api/v1/users/${worker.userId}/credit`, undefined, worker));
      return c.json.score === 671 ? c : undefined;
    });
    expect(credit.json.level).toBe('very_good');
  });

  it('withdraws the pay to the sandbox channel', async () => {
    const withdrawal = ok(
      await call(
        'POST',
        '/api/v1/withdrawals',
        { channel: 'sandbox', account: '13812345678', payeeName: '王小明', amountFen: DAILY },
        worker,
        { 'idempotency-key': `wd-${worker.userId}` },
      ),
      201,
    );
    expect(withdrawal.json).toMatchObject({ amountFen: DAILY, status: 'succeeded', account: '138****5678' });
    expect(await wallet(worker)).toMatchObject({ availableFen: 0 });
  });

  it('settles a dispute by the admin’s split', async () => {
    const other = await signIn(newPhone(), 'worker');
    const disputed = await hire(employer, await apply(other, job.jobId, job.shiftId));
    ok(await call('POST', `/api/v1/orders/${disputed.id}/check-in`, SITE, other));
    ok(await call('POST', `/api/v1/orders/${disputed.id}/check-out`, SITE, other));
    ok(await call('POST', `/api/v1/orders/${disputed.id}/submit`, {}, other));
    const opened = ok(
      await call(
        'POST',
        `/api/v1/orders/${disputed.id}/disputes`,
        { reason: '提前离岗，只工作了半天' },
        employer,
      ),
      201,
    );
    ok(
      await call(
        'POST',
        `/api/v1/orders/${disputed.id}/disputes/${opened.json.id}/response`,
        { response: '经理同意提前离开' },
        other,
      ),
    );
    expect((await call('POST', `/api/v1/orders/${disputed.id}/confirm`, {}, employer)).status).toBe(409);
    const decided = ok(
      await call(
        'POST',
        `/api/v1/admin/orders/${disputed.id}/disputes/${opened.json.id}/decide`,
        { workerFen: 15_000, decision: '按四分之三支付', fault: 'none' },
        admin,
      ),
    );
    expect(decided.json).toMatchObject({ status: 'decided', workerFen: 15_000 });
    expect(await wallet(other)).toMatchObject({ availableFen: 15_000 });
    // Of 21,000 held: 15,000 to the worker and its 750 fee; the rest back to the employer.
    expect(await wallet(employer)).toMatchObject({ availableFen: FUNDS - 21_000 - 15_750, heldFen: 0 });
  });

  it('cancels a hire free two days ahead: the escrow goes back', async () => {
    const later = await postJob(employer, '展会协助 日结200元 端到端', Date.now() + 48 * 3_600_000, 1);
    const third = await signIn(newPhone(), 'worker');
    const hired = await hire(employer, await apply(third, later.jobId, later.shiftId));
    expect(await wallet(employer)).toMatchObject({ heldFen: 21_000 });
    const cancelled = ok(
      await call('POST', `/api/v1/orders/${hired.id}/cancel`, { reason: '活动取消' }, employer),
    );
    expect(cancelled.json).toMatchObject({ state: 'cancelled', payFen: 0, escrow: { action: 'refund' } });
    expect(await wallet(employer)).toMatchObject({ availableFen: FUNDS - 21_000 - 15_750, heldFen: 0 });
    const shifts = ok(await call('GET', `/api/v1/jobs/${later.jobId}/manage`, undefined, employer));
    expect(shifts.json.shifts[0]).toMatchObject({ hired: 0 });
  });
});

/** Whether an answer is the clean refusal of a service that is away: 503 problem+json. */
function expectUnavailable(answer: ApiAnswer): void {
  expect(answer.status, answer.text).toBe(503);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.json).toMatchObject({ status: 503, code: 'SERVICE_UNAVAILABLE' });
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

async function fundedEmployer(amountFen: number): Promise<Account> {
  const who = await signIn(newPhone(), 'employer');
  const topup = ok(await call('POST', '/api/v1/payments', { channel: 'sandbox', amountFen }, who), 201);
  ok(await call('POST', `/api/v1/payments/sandbox/${topup.json.id}/pay`, {}, who));
  return who;
}

describe.skipIf(!SPLIT)('a service process killed mid-flow (SIGKILL), split', () => {
  it('payment during hires: callers answer 503 problem+json in time, each hire ends hired or undone, hiring goes on after the restart', async () => {
    const boss = await fundedEmployer(200_000);
    const shift = await postJob(boss, '仓库分拣 日结200元 故障演练', Date.now() + 3 * 3_600_000, 6);
    const applications: string[] = [];
    for (let i = 0; i < 5; i++)
      applications.push(await apply(await signIn(newPhone(), 'worker'), shift.jobId, shift.shiftId));
    await hire(boss, applications[0]!);

    // Three hires in flight when the payment process dies.
    const inflight = applications
      .slice(1, 4)
      .map((id) =>
        timed(() =>
          call('POST', `/api/v1/applications/${id}/hire`, {}, boss, { 'idempotency-key': `hire-${id}` }),
        ),
      );
    await new Promise((r) => setTimeout(r, 30));
    await t.kill('payment-1');
    // The payment service's own route, and a route of the order service that calls it.
    const walletRead = await timed(() => call('GET', '/api/v1/wallet', undefined, boss));
    expectUnavailable(walletRead.value);
    expect(walletRead.ms).toBeLessThan(5_000);
    const during = await timed(() =>
      call('POST', `/api/v1/applications/${applications[4]}/hire`, {}, boss, {
        'idempotency-key': `hire-${applications[4]}`,
      }),
    );
    for (const { value, ms } of [...(await Promise.all(inflight)), during]) {
      // Hired before the kill, still hiring when the wait ended (the workflow goes on), or refused
      // cleanly: never an HTML page, a 500 or a hang.
      expect(ms).toBeLessThan(15_000);
      if (value.status === 201) expect(['hired', 'hiring']).toContain(value.json.state);
      else expectUnavailable(value);
    }

    await t.restart('payment-1');
    // Every hire ends: hired with its escrow held, or undone with the application open again.
    const ended = await until(
      'every hire ended',
      async () => {
        const views = await Promise.all(
          applications.map(
            async (id) => ok(await call('GET', `/api/v1/applications/${id}`, undefined, boss)).json,
          ),
        );
        return views.every((a) => a.status !== 'hiring') ? views : undefined;
      },
      90_000,
      1_000,
    );
    // An undone hire is hired again, under a new key: the first key answers what it answered.
    for (const a of ended.filter((x) => x.status === 'pending')) {
      const again = ok(
        await call('POST', `/api/v1/applications/${a.id}/hire`, {}, boss, {
          'idempotency-key': `rehire-${a.id}`,
        }),
        201,
      );
      await until('the hire again', async () => {
        const o = ok(await call('GET', `/api/v1/orders/${again.json.id}`, undefined, boss));
        return o.json.state === 'hired' ? o : undefined;
      });
    }
    const hiredCount = applications.length;
    expect(await wallet(boss)).toMatchObject({
      heldFen: 21_000 * hiredCount,
      availableFen: 200_000 - 21_000 * hiredCount,
    });
    const manage = ok(await call('GET', `/api/v1/jobs/${shift.jobId}/manage`, undefined, boss));
    expect(manage.json.shifts[0]).toMatchObject({ hired: hiredCount });
  }, 180_000);

  it('job during publishing: callers answer 503 problem+json in time, nothing is half-published, all open and found after the restart', async () => {
    const boss = await signIn(newPhone(), 'employer');
    const drafts: string[] = [];
    for (let i = 0; i < 4; i++) {
      const d = ok(
        await call(
          'POST',
          '/api/v1/jobs',
          {
            title: `展会搭建 日结200元 故障演练${i}`,
            description: '展会现场搭建，包午餐，当天结算。',
            category: 'food.waiter',
            pay: { type: 'daily', amountFen: DAILY },
            settlement: 'daily',
            shifts: [
              {
                startsAt: iso(Date.now() + 5 * 3_600_000),
                endsAt: iso(Date.now() + 13 * 3_600_000),
                headcount: 2,
              },
            ],
            contact: { name: '陈经理', phone: '13912345670' },
            place: {
              address: '上海市浦东新区世纪大道100号',
              city: '上海市',
              location: { ...SITE, system: 'wgs84' },
            },
          },
          boss,
        ),
        201,
      );
      drafts.push(d.json.id as string);
    }
    const inflight = drafts.map((id) =>
      timed(() => call('POST', `/api/v1/jobs/${id}/submit`, { version: 1 }, boss)),
    );
    await new Promise((r) => setTimeout(r, 20));
    await t.kill('job-1');
    const read = await timed(() => call('GET', `/api/v1/jobs/${drafts[0]}`));
    expectUnavailable(read.value);
    expect(read.ms).toBeLessThan(5_000);
    // The order service calls the job service for the terms: it answers 503 within its timeout.
    const worker = await signIn(newPhone(), 'worker');
    const applying = await timed(() =>
      call('POST', `/api/v1/jobs/${drafts[0]}/shifts/${drafts[0]}/applications`, {}, worker),
    );
    expectUnavailable(applying.value);
    expect(applying.ms).toBeLessThan(10_000);
    for (const { value, ms } of await Promise.all(inflight)) {
      expect(ms).toBeLessThan(15_000);
      if (value.status === 200) expect(value.json.status).toBe('open');
      else expectUnavailable(value);
    }

    await t.restart('job-1');
    // Each job is a draft at version 1 or open at version 2: never between. Drafts are submitted again.
    for (const id of drafts) {
      const job = ok(await call('GET', `/api/v1/jobs/${id}/manage`, undefined, boss)).json;
      expect([`draft 1`, `open 2`]).toContain(`${job.status} ${job.version}`);
      if (job.status === 'draft') ok(await call('POST', `/api/v1/jobs/${id}/submit`, { version: 1 }, boss));
    }
    // Every publication reaches the search index (the outbox kept the events of the dead process).
    await until('all four in the search index', async () => {
      const page = ok(await call('GET', `/api/v1/search/jobs?q=${encodeURIComponent('故障演练')}&limit=20`));
      const found = (page.json.items as { id: string }[]).filter((j) => drafts.includes(j.id));
      return found.length === drafts.length ? found : undefined;
    });
  }, 180_000);
});

describe.skipIf(!SPLIT)('the split topology’s workers', () => {
  it('answer their probes and metrics (the event handlers’ among them), and nothing of the API', async () => {
    const workers = [...t.processes.values()].filter((p) => p.args[0] === 'worker');
    expect(workers).toHaveLength(7);
    for (const w of workers) {
      expect((await fetch(`${w.address}/readyz`)).status, w.name).toBe(200);
      const api = await fetch(`${w.address}/api/v1/categories`);
      expect(api.status).toBe(404);
      expect(api.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    // The message service's worker handled the flow's events: its handler metrics show them.
    const message = workers.find((w) => w.name === 'message-worker')!;
    const metrics = await (await fetch(`${message.address}/metrics`)).text();
    expect(metrics).toMatch(
      /linggong_event_handler_duration_seconds_count\{consumer="message\.[a-z-]+"\} [1-9]/,
    );
  });
});

describe.skipIf(!SPLIT)('the gateway (deploy/nginx)', () => {
  it('passes request ids through and logs them, keeps /internal/ inside, and answers problem+json itself', async () => {
    const traced = ok(
      await call('GET', '/api/v1/categories', undefined, undefined, { 'x-request-id': 'e2e-gateway-1' }),
    );
    expect(traced.headers['x-request-id']).toBe('e2e-gateway-1');
    const line = await until('the access log line', async () =>
      t.accessLog().find((l) => l.request_id === 'e2e-gateway-1'),
    );
    expect(line).toMatchObject({ status: 200, service: 'job', uri: '/api/v1/categories' });
    expect(String(line.upstream)).toMatch(/^127\.0\.0\.1:\d+$/);

    for (const path of ['/internal/v1/jobs/open', '/no/such/route']) {
      const refused = await call('GET', path, undefined, undefined, { 'accept-language': 'en' });
      expect(refused.status).toBe(404);
      expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(refused.json).toMatchObject({
        code: 'ROUTE_NOT_FOUND',
        detail: 'No such route',
        instance: path,
      });
    }
    // The sign-in routes' own limit (1 r/s, a burst of 30), before any process is reached.
    const answers = await Promise.all(
      Array.from({ length: 45 }, () =>
        call('POST', '/api/v1/auth/refresh', { refreshToken: `rt_${'0'.repeat(43)}` }),
      ),
    );
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(10);
    expect(limited[0]!.headers['retry-after']).toBe('1');
    expect(limited[0]!.json).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // The others reached the user service, which refused the unknown token itself.
    for (const a of answers.filter((x) => x.status !== 429))
      expect(a.json.code, a.text).toBe('REFRESH_TOKEN_INVALID');
  });
});

describe('after all of it', () => {
  it('leaves a ledger that `linggong ledger check` finds clean', async () => {
    if (!SPLIT) await t.halt(); // the embedded database belongs to one process
    const checked = spawnSync(
      process.execPath,
      [BIN, 'ledger', 'check', ...(SPLIT ? ['--services', 'payment'] : [])],
      {
        env: t.commandEnv('payment'),
        encoding: 'utf8',
      },
    );
    expect(checked.stdout + checked.stderr).toMatch(/Ledger check: clean/);
    expect(checked.status).toBe(0);
  });
});
