import { crc32 } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { totalRows, type BadCase } from '../support/bad-input.js';
import { PNG_1X1 } from '../support/images.js';
import { BUS, settle } from '../support/events.js';
import { at, createJob, jobPost, openJob } from '../support/jobs.js';
import type { TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** What the cases need: ids of existing objects and tokens, prepared once. */
export interface CaseContext {
  widgetId: string;
  worker: LoggedIn;
  admin: LoggedIn;
  employer: LoggedIn;
  /** An open job of `employer`, its first shift, and a copy of its post for building bodies. */
  jobId: string;
  shiftId: string;
  post: Record<string, unknown>;
  p: TestPlatform;
  serviceToken: string;
  /** Applications, orders and a dispute in known states, of their own parties (order service). */
  order: OrderFixture;
}

/**
 * The order service's objects the cases act on. Its own employer (funded) and workers, so the
 * other services' cases keep theirs as they were (an empty wallet, no verified real name).
 * `worker` (above) and `employer` (above) are strangers to all of these.
 */
export interface OrderFixture {
  /** The funded employer of `jobId` and `draftJobId`. */
  employer: LoggedIn;
  /** Hired on both shifts of `jobId` (orders `hiredOrderId`, `laterOrderId`). */
  worker: LoggedIn;
  /** Opened the dispute on `disputedOrderId`; its application to the later shift was rejected. */
  disputer: LoggedIn;
  /** Checked in and out of `checkedOutOrderId`. */
  checkedOutWorker: LoggedIn;
  /** An open job (minimum age 16) with a shift starting in 10 minutes (2 h) and one tomorrow. */
  jobId: string;
  laterShiftId: string;
  /** A piece-work job still in draft. */
  draftJobId: string;
  draftShiftId: string;
  /** The disputer's application to the later shift, rejected by the employer. */
  rejectedApplicationId: string;
  /** Hired, its check-in window open (the shift starts in 10 minutes). */
  hiredOrderId: string;
  /** Hired on the later shift: its check-in window is not open. */
  laterOrderId: string;
  /** Checked in and out at the site, not yet submitted. */
  checkedOutOrderId: string;
  /** Checked in and out, then disputed by its worker; the employer has answered the dispute. */
  disputedOrderId: string;
  disputeId: string;
  /** An on-site code that is not `hiredOrderId`'s. */
  wrongCode: string;
  /**
   * Three orders of `employer` (on a job of their own, `reviewJobId`) worked, submitted and
   * confirmed: completed, their review windows open (the review service heard order.completed).
   */
  reviewJobId: string;
  /** Worker of `reviewedOrderId`. */
  reviewWorker: LoggedIn;
  /** Both parties reviewed: the reviews are published. */
  reviewedOrderId: string;
  /** `reviewWorker`'s published review of `employer`, answered and reported by `employer`. */
  reviewId: string;
  /** `employer`'s published review of `reviewWorker`, hidden by an admin. */
  hiddenReviewId: string;
  /** Worker of `waitingOrderId`. */
  waitingWorker: LoggedIn;
  /** Its worker reviewed (the review waits for the employer's); `employer` has not. */
  waitingOrderId: string;
  waitingReviewId: string;
  /** Worker of `unreviewedOrderId`. */
  unreviewedWorker: LoggedIn;
  /** Completed, no review written yet by either party. */
  unreviewedOrderId: string;
  /**
   * The conversation of `worker` and `employer` about `jobId` (opened when `worker` applied), with
   * `employer`'s text message `messageId` and image message `imageMessageId`.
   */
  conversationId: string;
  messageId: string;
  imageMessageId: string;
  /**
   * The conversation of `disputer` and `employer` about `jobId`, with `employer`'s text message
   * `otherMessageId`; then `disputer` blocked `employer`, so neither can send there any more.
   */
  blockedConversationId: string;
  otherMessageId: string;
}

/** The job post's place as a phone's GPS reports it (WGS-84). */
const SITE = { lng: 121.5272106, lat: 31.1774276 };

/** Platforms whose background work (the BullMQ bus's workers) this file started. */
const backgroundStarted = new WeakSet<TestPlatform>();

/**
 * On the BullMQ bus, waits until the workers have consumed what the fixture published (no row
 * changes for a second), so that the cases' before/after row counts see no late consumer.
 */
async function quiesce(p: TestPlatform): Promise<void> {
  if (BUS !== 'bullmq') return;
  let last = -1;
  let stable = 0;
  const start = performance.now();
  while (stable < 5) {
    await p.events.flush();
    await new Promise((r) => setTimeout(r, 200));
    const now = await totalRows(p);
    stable = now === last ? stable + 1 : 0;
    last = now;
    if (performance.now() - start > 30_000) throw new Error('order fixture: events did not settle');
  }
}

async function prepareOrders(p: TestPlatform, admin: LoggedIn): Promise<OrderFixture> {
  const send = async (
    user: LoggedIn,
    method: 'GET' | 'POST' | 'PUT',
    url: string,
    payload: object | undefined,
    status: number,
  ): Promise<Record<string, unknown>> => {
    const res = await p.app.inject({ method, url, headers: user.auth, ...(payload ? { payload } : {}) });
    if (res.statusCode !== status)
      throw new Error(`order fixture: ${method} ${url} answered ${res.statusCode}: ${res.body}`);
    return res.json();
  };
  const employer = await loginWithSms(p, newPhone(), 'employer');
  const worker = await loginWithSms(p, newPhone(), 'worker');
  const disputer = await loginWithSms(p, newPhone(), 'worker');
  const checkedOutWorker = await loginWithSms(p, newPhone(), 'worker');
  // Signed in before any job is posted: each sign-in moves the fake clock a minute.
  const reviewWorker = await loginWithSms(p, newPhone(), 'worker');
  const waitingWorker = await loginWithSms(p, newPhone(), 'worker');
  const unreviewedWorker = await loginWithSms(p, newPhone(), 'worker');
  // Four orders' wages and fees held in escrow, then the three completed ones'.
  for (const amountFen of [100_000, 100_000]) {
    const topup = await send(employer, 'POST', '/api/v1/payments', { channel: 'sandbox', amountFen }, 201);
    await send(employer, 'POST', `/api/v1/payments/sandbox/${String(topup.id)}/pay`, {}, 200);
  }
  const job = await openJob(p, employer, {
    requirements: { minAge: 16 },
    shifts: [
      { startsAt: at(p, 1 / 6), endsAt: at(p, 1 / 6 + 2), headcount: 3 },
      { startsAt: at(p, 24), endsAt: at(p, 32), headcount: 2 },
    ],
  });
  const draft = await createJob(p, employer, {
    requirements: { minAge: 16 },
    pay: { type: 'piece', amountFen: 150, unit: '件' },
  });
  const [soon, later] = [job.shifts[0]!.id, job.shifts[1]!.id];
  const apply = async (who: LoggedIn, shiftId: string, jobId = job.id) => {
    const applied = await send(who, 'POST', `/api/v1/jobs/${jobId}/shifts/${shiftId}/applications`, {}, 201);
    return (applied.application as { id: string }).id;
  };
  const hire = async (who: LoggedIn, shiftId: string, jobId = job.id) => {
    const hired = await send(
      employer,
      'POST',
      `/api/v1/applications/${await apply(who, shiftId, jobId)}/hire`,
      {},
      201,
    );
    if (hired.state !== 'hired') throw new Error(`order fixture: hire left ${JSON.stringify(hired)}`);
    return hired.id as string;
  };
  const hiredOrderId = await hire(worker, soon);
  const disputedOrderId = await hire(disputer, soon);
  const checkedOutOrderId = await hire(checkedOutWorker, soon);
  const laterOrderId = await hire(worker, later);
  const rejectedApplicationId = await apply(disputer, later);
  await send(employer, 'POST', `/api/v1/applications/${rejectedApplicationId}/reject`, {}, 200);
  for (const [who, id] of [
    [disputer, disputedOrderId],
    [checkedOutWorker, checkedOutOrderId],
  ] as const) {
    await send(who, 'POST', `/api/v1/orders/${id}/check-in`, SITE, 200);
    await send(who, 'POST', `/api/v1/orders/${id}/check-out`, SITE, 200);
  }
  const dispute = await send(
    disputer,
    'POST',
    `/api/v1/orders/${disputedOrderId}/disputes`,
    { reason: '提前到岗但雇主只按零工时确认' },
    201,
  );
  const disputeId = dispute.id as string;
  await send(
    employer,
    'POST',
    `/api/v1/orders/${disputedOrderId}/disputes/${disputeId}/response`,
    { response: '未到排班开始时间即签退' },
    200,
  );
  const code = await send(employer, 'GET', `/api/v1/orders/${hiredOrderId}/check-in-code`, undefined, 200);

  // Completed orders for the review service's cases, on a job of their own (the shifts above are full).
  const reviewJob = await openJob(p, employer, {
    requirements: { minAge: 16 },
    shifts: [{ startsAt: at(p, 1 / 6), endsAt: at(p, 1 / 6 + 2), headcount: 3 }],
  });
  const complete = async (who: LoggedIn) => {
    const id = await hire(who, reviewJob.shifts[0]!.id, reviewJob.id);
    await send(who, 'POST', `/api/v1/orders/${id}/check-in`, SITE, 200);
    await send(who, 'POST', `/api/v1/orders/${id}/check-out`, SITE, 200);
    await send(who, 'POST', `/api/v1/orders/${id}/submit`, {}, 200);
    const confirmed = await send(employer, 'POST', `/api/v1/orders/${id}/confirm`, {}, 200);
    if (confirmed.state !== 'completed')
      throw new Error(`order fixture: confirm left ${JSON.stringify(confirmed)}`);
    return id;
  };
  const reviewedOrderId = await complete(reviewWorker);
  const waitingOrderId = await complete(waitingWorker);
  const unreviewedOrderId = await complete(unreviewedWorker);
  // The review service opens each window when it hears order.completed (BullMQ: its workers).
  if (BUS === 'bullmq' && !backgroundStarted.has(p)) {
    backgroundStarted.add(p);
    p.startBackground();
  }
  const windowOpen = async (who: LoggedIn, orderId: string) =>
    (await p.app.inject({ method: 'GET', url: `/api/v1/orders/${orderId}/reviews`, headers: who.auth }))
      .statusCode === 200;
  await settle(
    p,
    async () =>
      (await windowOpen(reviewWorker, reviewedOrderId)) &&
      (await windowOpen(waitingWorker, waitingOrderId)) &&
      (await windowOpen(unreviewedWorker, unreviewedOrderId)),
  );
  const review = (who: LoggedIn, orderId: string, body: object) =>
    send(who, 'POST', `/api/v1/orders/${orderId}/reviews`, body, 201);
  const reviewId = (
    await review(reviewWorker, reviewedOrderId, {
      stars: 5,
      tags: ['paid_on_time', 'friendly'],
      text: '老板人很好，当天就结算了',
    })
  ).id as string;
  const published = await review(employer, reviewedOrderId, { stars: 4, tags: ['punctual'] });
  if (published.status !== 'published')
    throw new Error(`order fixture: reviews left ${JSON.stringify(published)}`);
  const hiddenReviewId = published.id as string;
  await send(employer, 'POST', `/api/v1/reviews/${reviewId}/reply`, { text: '谢谢，欢迎再来！' }, 200);
  await send(employer, 'POST', `/api/v1/reviews/${reviewId}/reports`, { reason: '评价与事实不符' }, 201);
  await send(admin, 'POST', `/api/v1/admin/reviews/${hiddenReviewId}/hide`, { reason: '含有辱骂内容' }, 200);
  const waitingReviewId = (await review(waitingWorker, waitingOrderId, { stars: 5, tags: ['paid_on_time'] }))
    .id as string;

  // Conversations for the message service's cases: opened when `worker` and `disputer` applied
  // (message.open-conversations heard order.applied).
  const conversationOf = async (who: LoggedIn): Promise<string | undefined> =>
    (
      (await send(who, 'GET', '/api/v1/conversations', undefined, 200)).items as {
        id: string;
        jobId: string;
      }[]
    ).find((x) => x.jobId === job.id)?.id;
  await settle(p, async () => !!(await conversationOf(worker)) && !!(await conversationOf(disputer)));
  const conversationId = (await conversationOf(worker))!;
  const blockedConversationId = (await conversationOf(disputer))!;
  // Three of `employer`'s messages (the per-sender limit is 30 a minute).
  const text = async (id: string, body: string) =>
    (await send(employer, 'POST', `/api/v1/conversations/${id}/messages`, { text: body }, 201)).id as string;
  const messageId = await text(conversationId, '明天见');
  const otherMessageId = await text(blockedConversationId, '请按时到岗');
  const image = await p.app.inject({
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/images`,
    headers: { ...employer.auth, 'content-type': 'image/png' },
    payload: PNG_1X1,
  });
  if (image.statusCode !== 201)
    throw new Error(`order fixture: an image message answered ${image.statusCode}: ${image.body}`);
  await send(disputer, 'PUT', `/api/v1/conversations/blocks/${employer.userId}`, undefined, 200);
  await quiesce(p);
  return {
    employer,
    worker,
    disputer,
    checkedOutWorker,
    jobId: job.id,
    laterShiftId: later,
    draftJobId: draft.id,
    draftShiftId: draft.shifts[0]!.id,
    rejectedApplicationId,
    hiredOrderId,
    laterOrderId,
    checkedOutOrderId,
    disputedOrderId,
    disputeId,
    wrongCode: String((Number(code.code) + 1) % 1_000_000).padStart(6, '0'),
    reviewJobId: reviewJob.id,
    reviewWorker,
    reviewedOrderId,
    reviewId,
    hiddenReviewId,
    waitingWorker,
    waitingOrderId,
    waitingReviewId,
    unreviewedWorker,
    unreviewedOrderId,
    conversationId,
    messageId,
    imageMessageId: (image.json() as { id: string }).id,
    blockedConversationId,
    otherMessageId,
  };
}

export async function prepareCaseContext(p: TestPlatform): Promise<CaseContext> {
  const widget = await p.app.inject({
    method: 'POST',
    url: '/api/v1/widgets',
    payload: { name: 'w', stock: 1, priceFen: 1 },
  });
  const employer = await loginWithSms(p, newPhone(), 'employer');
  const job = await openJob(p, employer);
  const worker = await loginWithSms(p, newPhone());
  const admin = await loginAsAdmin(p);
  return {
    widgetId: (widget.json() as { id: string }).id,
    worker,
    admin,
    employer,
    jobId: job.id,
    shiftId: job.shifts[0]!.id,
    post: jobPost(p),
    p,
    serviceToken: p.config.serviceToken,
    // Last, so that no later sign-in moves the fake clock: the check-in window of `hiredOrderId`
    // is open from when its shift is posted (10 minutes ahead) until 15 minutes after the start.
    order: await prepareOrders(p, admin),
  };
}

export interface RouteCases {
  url(ctx: CaseContext): string;
  headers?(ctx: CaseContext): Record<string, string>;
  /** Route-specific bad input (generic cases derived from the route's schema are added to these). */
  cases(ctx: CaseContext): BadCase[];
}

const UNKNOWN_ID = '01ARZ3NDEKTSV4RRFFQ69G5FAV';
const asWorker = (c: CaseContext) => c.worker.auth;
const asAdmin = (c: CaseContext) => c.admin.auth;
const asEmployer = (c: CaseContext) => c.employer.auth;
const asService = (c: CaseContext) => ({ 'x-service-token': c.serviceToken });
/** Cases of employer-only routes: the auth cases and a worker's token. */
const employerCases = (c: CaseContext): BadCase[] => [
  ...authCases(),
  { name: 'worker token', request: { headers: c.worker.auth }, status: 403, code: 'FORBIDDEN' },
];
const serviceCases = (): BadCase[] => [
  { name: 'no service token', request: { headers: { 'x-service-token': '' } }, status: 401 },
  { name: 'wrong service token', request: { headers: { 'x-service-token': 'x'.repeat(40) } }, status: 401 },
];
/** A job post with one part replaced. */
const post = (c: CaseContext, changes: Record<string, unknown>): { payload: Record<string, unknown> } => ({
  payload: { ...c.post, ...changes },
});
const place = (c: CaseContext, location: Record<string, unknown> | undefined) => ({
  place: { ...(c.post.place as Record<string, unknown>), location },
});
const shift = (c: CaseContext, fromHours: number, toHours: number, headcount = 1) => ({
  shifts: [{ startsAt: at(c.p, fromHours), endsAt: at(c.p, toHours), headcount }],
});
const placeWith = (c: CaseContext, changes: Record<string, unknown>) => ({
  place: { ...(c.post.place as Record<string, unknown>), ...changes },
});
/** Text that is not text (src/platform/text.ts), shared by create and edit. */
const badText = (
  c: CaseContext,
  wrap: (changes: Record<string, unknown>) => { payload: Record<string, unknown> },
): BadCase[] =>
  [
    { name: 'whitespace-only title', request: wrap({ title: '    ' }) },
    { name: 'description of ten spaces', request: wrap({ description: ' '.repeat(10) }) },
    { name: 'title with NUL', request: wrap({ title: '商场保洁\u0000日结' }) },
    { name: 'title with U+202E', request: wrap({ title: '商场保洁\u202e日结' }) },
    { name: 'zero-width-only title', request: wrap({ title: '\u200b'.repeat(6) }) },
    { name: 'title with a lone surrogate', request: wrap({ title: '\ud800abcd' }) },
    { name: 'blank contact name', request: wrap({ contact: { name: '  ', phone: '13912345678' } }) },
    { name: 'blank city', request: wrap(placeWith(c, { city: '   ' })) },
  ].map((bad) => ({ ...bad, status: 400, code: 'VALIDATION_FAILED' }));
/** Bad job terms, shared by create and edit. */
const badTerms = (
  c: CaseContext,
  wrap: (changes: Record<string, unknown>) => { payload: Record<string, unknown> },
): BadCase[] => [
  {
    name: 'shift ends before it starts',
    request: wrap(shift(c, 30, 26)),
    status: 400,
    code: 'SHIFT_INVALID',
  },
  { name: 'shift of 10 minutes', request: wrap(shift(c, 30, 30.1)), status: 400, code: 'SHIFT_INVALID' },
  { name: 'shift of 30 hours', request: wrap(shift(c, 30, 60)), status: 400, code: 'SHIFT_INVALID' },
  { name: 'shift in the past', request: wrap(shift(c, -5, -1)), status: 400, code: 'SHIFT_IN_PAST' },
  {
    name: 'shift next year',
    request: wrap(shift(c, 24 * 200, 24 * 200 + 4)),
    status: 400,
    code: 'SHIFT_TOO_FAR',
  },
  { name: 'headcount 0', request: wrap(shift(c, 30, 34, 0)), code: 'VALIDATION_FAILED' },
  { name: 'headcount 10,000', request: wrap(shift(c, 30, 34, 10_000)), code: 'VALIDATION_FAILED' },
  {
    name: 'local time without offset',
    request: wrap({
      shifts: [{ startsAt: '2030-01-01T09:00:00', endsAt: '2030-01-01T17:00:00', headcount: 1 }],
    }),
    status: 400,
    code: 'INSTANT_INVALID',
  },
  { name: 'no shifts', request: wrap({ shifts: [] }), code: 'VALIDATION_FAILED' },
  {
    name: '51 shifts',
    request: wrap({ shifts: Array.from({ length: 51 }, () => shift(c, 30, 34).shifts[0]) }),
    code: 'VALIDATION_FAILED',
  },
  {
    name: 'negative pay',
    request: wrap({ pay: { type: 'daily', amountFen: -100 } }),
    code: 'VALIDATION_FAILED',
  },
  { name: 'pay in yuan with decimals', request: wrap({ pay: { type: 'daily', amountFen: 199.5 } }) },
  { name: 'pay of a million yuan', request: wrap({ pay: { type: 'fixed', amountFen: 100_000_000 } }) },
  { name: 'unknown pay type', request: wrap({ pay: { type: 'weekly', amountFen: 100 } }) },
  {
    name: 'piece rate without unit',
    request: wrap({ pay: { type: 'piece', amountFen: 150 } }),
    status: 400,
    code: 'PAY_UNIT_REQUIRED',
  },
  { name: 'unknown settlement', request: wrap({ settlement: 'monthly' }) },
  {
    name: 'coordinates in New York',
    request: wrap(place(c, { lng: -74.006, lat: 40.7128, system: 'wgs84' })),
    status: 400,
    code: 'LOCATION_OUT_OF_CHINA',
  },
  {
    name: 'lng and lat swapped',
    request: wrap(place(c, { lng: 31.23, lat: 121.47, system: 'gcj02' })),
    code: 'VALIDATION_FAILED',
  },
  { name: 'latitude 91', request: wrap(place(c, { lng: 121.47, lat: 91, system: 'gcj02' })) },
  { name: 'unknown datum', request: wrap(place(c, { lng: 121.47, lat: 31.23, system: 'bd09' })) },
  {
    name: 'no coordinates and no geocoder',
    request: wrap(place(c, undefined)),
    status: 400,
    code: 'LOCATION_REQUIRED',
  },
  {
    name: 'unknown category',
    request: wrap({ category: 'space.pilot' }),
    status: 400,
    code: 'CATEGORY_UNKNOWN',
  },
  {
    name: 'unknown skill',
    request: wrap({ requirements: { skills: ['space.pilot'] } }),
    status: 400,
    code: 'CATEGORY_UNKNOWN',
  },
  { name: 'minimum age 15', request: wrap({ requirements: { minAge: 15 } }), code: 'VALIDATION_FAILED' },
  { name: 'unknown certificate', request: wrap({ requirements: { certificates: ['wizard'] } }) },
  { name: 'bad contact phone', request: wrap({ contact: { name: '王', phone: '12345' } }) },
  { name: '11 tags', request: wrap({ tags: Array.from({ length: 11 }, (_, i) => `标签${i}`) }) },
  {
    name: 'prohibited content',
    request: wrap({ title: '兼职刷单 日结500' }),
    status: 400,
    code: 'JOB_CONTENT_REFUSED',
  },
];
/** Cases every signed-in route shares: no token, a garbage token, a token of the wrong shape. */
const authCases = (): BadCase[] => [
  { name: 'no token', request: { headers: { authorization: '' } }, status: 401 },
  {
    name: 'garbage token',
    request: { headers: { authorization: 'Bearer abc.def.ghi' } },
    status: 401,
    code: 'TOKEN_INVALID',
  },
  { name: 'basic auth', request: { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, status: 401 },
];
const adminCases = (c: CaseContext): BadCase[] => [
  ...authCases(),
  { name: 'worker token', request: { headers: c.worker.auth }, status: 403, code: 'FORBIDDEN' },
];
/**
 * An order route's cases about who may act on the order: no token, a stranger, another employer,
 * an unknown or malformed id. `body` is a valid body, so that only the order decides the answer.
 */
const orderReadCases = (c: CaseContext, method: 'GET' | 'POST', tail: string, body?: object): BadCase[] => {
  const payload = method === 'POST' && body !== undefined ? { payload: body } : {};
  return [
    ...authCases(),
    {
      name: 'a stranger to the order',
      request: { headers: c.worker.auth, ...payload },
      status: 404,
      code: 'ORDER_NOT_FOUND',
    },
    {
      name: 'another employer',
      request: { headers: c.employer.auth, ...payload },
      status: 404,
      code: 'ORDER_NOT_FOUND',
    },
    {
      name: 'unknown order',
      request: { url: `/api/v1/orders/${UNKNOWN_ID}${tail}`, ...payload },
      status: 404,
      code: 'ORDER_NOT_FOUND',
    },
    { name: 'order id not a ULID', request: { url: `/api/v1/orders/42${tail}`, ...payload }, status: 400 },
  ];
};
/** A dispute route's cases about the order and the dispute (the order is `disputedOrderId`). */
const disputeCases = (c: CaseContext, method: 'GET' | 'POST', tail: string, body?: object): BadCase[] => {
  const payload = method === 'POST' && body !== undefined ? { payload: body } : {};
  const { disputedOrderId, hiredOrderId, disputeId } = c.order;
  return [
    {
      name: 'a stranger to the order',
      request: { headers: c.worker.auth, ...payload },
      status: 404,
      code: 'ORDER_NOT_FOUND',
    },
    {
      name: 'unknown order',
      request: { url: `/api/v1/orders/${UNKNOWN_ID}/disputes/${disputeId}${tail}`, ...payload },
      status: 404,
      code: 'ORDER_NOT_FOUND',
    },
    {
      name: 'unknown dispute',
      request: { url: `/api/v1/orders/${disputedOrderId}/disputes/${UNKNOWN_ID}${tail}`, ...payload },
      status: 404,
      code: 'DISPUTE_NOT_FOUND',
    },
    {
      name: 'the dispute under another order of mine',
      request: {
        url: `/api/v1/orders/${hiredOrderId}/disputes/${disputeId}${tail}`,
        headers: c.order.worker.auth,
        ...payload,
      },
      status: 404,
      code: 'DISPUTE_NOT_FOUND',
    },
    {
      name: 'dispute id not a ULID',
      request: { url: `/api/v1/orders/${disputedOrderId}/disputes/1${tail}`, ...payload },
      status: 400,
    },
  ];
};
/** A check-in or check-out without a usable fix. */
const fixCases = (): BadCase[] => [
  { name: 'neither a fix nor a code', request: { payload: {} }, status: 400, code: 'FIX_REQUIRED' },
  { name: 'longitude only', request: { payload: { lng: 121.5 } }, status: 400, code: 'FIX_REQUIRED' },
  {
    name: 'a datum but no fix',
    request: { payload: { coordinateSystem: 'gcj02' } },
    status: 400,
    code: 'FIX_REQUIRED',
  },
  { name: 'latitude 91', request: { payload: { lng: 121.5, lat: 91 } }, code: 'VALIDATION_FAILED' },
  { name: 'longitude -181', request: { payload: { lng: -181, lat: 31 } }, code: 'VALIDATION_FAILED' },
  {
    name: 'unknown datum',
    request: { payload: { lng: 121.5, lat: 31.2, coordinateSystem: 'bd09' } },
    code: 'VALIDATION_FAILED',
  },
  { name: 'code of 5 digits', request: { payload: { code: '12345' } }, code: 'VALIDATION_FAILED' },
  { name: 'code with letters', request: { payload: { code: '12a456' } }, code: 'VALIDATION_FAILED' },
  { name: 'coordinates as strings', request: { payload: { lng: '121.5', lat: '31.2' } }, status: 400 },
];
/** PNG_1X1 claiming `side` × `side` pixels (its IHDR's CRC recomputed: a well-formed PNG). */
function pngOfSide(side: number): Buffer {
  const png = Buffer.from(PNG_1X1);
  png.writeUInt32BE(side, 16);
  png.writeUInt32BE(side, 20);
  png.writeUInt32BE(crc32(png.subarray(12, 29)), 29);
  return png;
}
/** A piece count out of range (the order is not piece work, so any count is refused by the schema). */
const pieceCases = (): BadCase[] => [
  { name: 'piece count -1', request: { payload: { pieceCount: -1 } }, code: 'VALIDATION_FAILED' },
  { name: 'piece count 100,001', request: { payload: { pieceCount: 100_001 } }, code: 'VALIDATION_FAILED' },
  { name: 'piece count 2.5', request: { payload: { pieceCount: 2.5 } }, code: 'VALIDATION_FAILED' },
];
const badPhones = ['12345', '23800000000', '1380000000a', '+8613800', '１３８００００００００'];
/** Text fields that are not text (src/platform/text.ts) or too long, for the review and message bodies. */
const badReviewText = (
  field: string,
  maxLength: number,
  wrap: (changes: Record<string, unknown>) => { payload: Record<string, unknown> },
): BadCase[] =>
  [
    {
      name: `${field} of ${maxLength + 1} characters`,
      request: wrap({ [field]: '好'.repeat(maxLength + 1) }),
    },
    { name: `blank ${field}`, request: wrap({ [field]: '  \u3000 ' }) },
    { name: `empty ${field}`, request: wrap({ [field]: '' }) },
    { name: `${field} with NUL`, request: wrap({ [field]: '很好\u0000很好' }) },
    { name: `${field} with U+202E`, request: wrap({ [field]: '很好\u202e很好' }) },
    { name: `zero-width-only ${field}`, request: wrap({ [field]: '\u200b'.repeat(6) }) },
    { name: `${field} with a lone surrogate`, request: wrap({ [field]: '\ud800很好' }) },
    { name: `${field} not a string`, request: wrap({ [field]: 5 }) },
  ].map((bad) => ({ ...bad, status: 400, code: 'VALIDATION_FAILED' }));
/**
 * A review route's cases about the review: unknown, malformed, hidden or waiting (not published).
 * `valid` is a valid body, so that only the review decides the answer; `hidden` and `waiting` say
 * who asks about those reviews (the route's default user when no headers) and the answer.
 */
const reviewIdCases = (
  c: CaseContext,
  tail: string,
  valid: object,
  hidden: { headers?: Record<string, string>; status: number; code: string },
  waiting?: { headers: Record<string, string>; status: number; code: string },
): BadCase[] => [
  {
    name: 'unknown review',
    request: { url: `/api/v1/${tail.replace(':id', UNKNOWN_ID)}`, payload: valid },
    status: 404,
    code: 'REVIEW_NOT_FOUND',
  },
  {
    name: 'review id not a ULID',
    request: { url: `/api/v1/${tail.replace(':id', '42')}`, payload: valid },
    status: 400,
  },
  {
    name: 'review id in lower case',
    request: { url: `/api/v1/${tail.replace(':id', c.order.reviewId.toLowerCase())}`, payload: valid },
    status: 400,
  },
  {
    name: 'a hidden review',
    request: {
      url: `/api/v1/${tail.replace(':id', c.order.hiddenReviewId)}`,
      ...(hidden.headers ? { headers: hidden.headers } : {}),
      payload: valid,
    },
    status: hidden.status,
    code: hidden.code,
  },
  ...(waiting
    ? [
        {
          name: 'a review not published yet',
          request: {
            url: `/api/v1/${tail.replace(':id', c.order.waitingReviewId)}`,
            headers: waiting.headers,
            payload: valid,
          },
          status: waiting.status,
          code: waiting.code,
        },
      ]
    : []),
];
/** A user route's cases about the user: unknown or malformed id. */
const userIdCases = (tail: string): BadCase[] => [
  {
    name: 'unknown user',
    request: { url: `/api/v1/users/${UNKNOWN_ID}${tail}` },
    status: 404,
    code: 'USER_NOT_FOUND',
  },
  { name: 'user id not a ULID', request: { url: `/api/v1/users/42${tail}` }, status: 400 },
  {
    name: 'user id with I (not Crockford base 32)',
    request: { url: `/api/v1/users/01ARZ3NDEKTSV4RRFFQ69G5FAI${tail}` },
    status: 400,
  },
];
/** List query cases (limit, cursor) of a paged route. */
const pageCases = (): BadCase[] => [
  { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
  { name: 'limit 101', request: { query: { limit: '101' } }, code: 'VALIDATION_FAILED' },
  { name: 'forged cursor', request: { query: { cursor: 'abc.def' } }, status: 400, code: 'INVALID_CURSOR' },
];
/**
 * A conversation route's cases about the conversation (`c.order.conversationId`): no token,
 * strangers (and the employer's other worker on the job), an unknown or malformed id. `tail` follows
 * the id in the URL; `valid` is the rest of a valid request (its body and content type), so that only
 * the conversation decides the answer.
 */
const conversationCases = (
  c: CaseContext,
  tail: string,
  valid: { payload?: InjectOptions['payload']; headers?: Record<string, string> } = {},
): BadCase[] => {
  const as = (user: LoggedIn) => ({ ...valid, headers: { ...valid.headers, ...user.auth } });
  const at = (id: string) => ({ ...valid, url: `/api/v1/conversations/${id}${tail}` });
  const missing = { status: 404, code: 'CONVERSATION_NOT_FOUND' };
  return [
    ...authCases(),
    { name: 'a stranger (a worker)', request: as(c.worker), ...missing },
    { name: 'a stranger (an employer)', request: as(c.employer), ...missing },
    { name: 'an admin (not a party)', request: as(c.admin), ...missing },
    { name: "another worker of the employer's job", request: as(c.order.disputer), ...missing },
    { name: 'unknown conversation', request: at(UNKNOWN_ID), ...missing },
    { name: "an order's id", request: at(c.order.hiredOrderId), ...missing },
    { name: 'conversation id not a ULID', request: at('42'), status: 400, code: 'VALIDATION_FAILED' },
    {
      name: 'conversation id in lower case',
      request: at(c.order.conversationId.toLowerCase()),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
  ];
};
/** `n` distinct ULIDs (n ≤ 1024) no object has. */
const manyIds = (n: number): string[] => {
  const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
  return Array.from(
    { length: n },
    (_, i) => `${UNKNOWN_ID.slice(0, 24)}${crockford[Math.floor(i / 32)]}${crockford[i % 32]}`,
  );
};

/** Keyed by "METHOD /route/template" exactly as Fastify's route table lists it. */
export const badInputCases: Record<string, RouteCases> = {
  // Test fixture (platform tests)
  'POST /api/v1/widgets': {
    url: () => '/api/v1/widgets',
    cases: () => [
      { name: 'missing fields', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      {
        name: 'negative stock',
        request: { payload: { name: 'a', stock: -1, priceFen: 1 } },
        code: 'VALIDATION_FAILED',
      },
      { name: 'empty name', request: { payload: { name: '', stock: 1, priceFen: 1 } } },
      { name: 'numeric string is not coerced', request: { payload: { name: 'a', stock: '5', priceFen: 1 } } },
      {
        name: 'extra field beside valid ones',
        request: { payload: { name: 'a', stock: 1, priceFen: 1, admin: true } },
      },
      { name: 'fractional fen', request: { payload: { name: 'a', stock: 1, priceFen: 0.5 } } },
    ],
  },
  'POST /api/v1/widgets/:id/purchases': {
    url: (c) => `/api/v1/widgets/${c.widgetId}/purchases`,
    cases: () => [
      { name: 'quantity 0', request: { payload: { quantity: 0 } } },
      { name: 'sold out', request: { payload: { quantity: 2 } }, status: 409, code: 'WIDGET_SOLD_OUT' },
      {
        name: 'unknown widget',
        request: { url: `/api/v1/widgets/${UNKNOWN_ID}/purchases`, payload: { quantity: 1 } },
        status: 404,
      },
      {
        name: 'id that is not a ULID',
        request: { url: '/api/v1/widgets/abc/purchases', payload: { quantity: 1 } },
        status: 400,
      },
      {
        name: 'bad idempotency key',
        request: { payload: { quantity: 1 }, headers: { 'idempotency-key': ' ' } },
        status: 400,
      },
    ],
  },
  'GET /api/v1/widgets/:id': {
    url: (c) => `/api/v1/widgets/${c.widgetId}`,
    cases: () => [
      { name: 'unknown id', request: { url: `/api/v1/widgets/${UNKNOWN_ID}` }, status: 404 },
      { name: 'SQL in id', request: { url: "/api/v1/widgets/1'%20or%20'1'='1" }, status: 400 },
    ],
  },
  'GET /api/v1/widgets': {
    url: () => '/api/v1/widgets',
    cases: (): BadCase[] => [
      { name: 'limit 0', request: { query: { limit: '0' } } },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'eyJzIjoid2lkZ2V0cyJ9.AAAA' } },
        code: 'INVALID_CURSOR',
      },
    ],
  },

  // User service: auth
  'POST /api/v1/auth/sms-codes': {
    url: () => '/api/v1/auth/sms-codes',
    cases: () => [
      ...badPhones.map((phone) => ({
        name: `phone ${phone}`,
        request: { payload: { phone, purpose: 'login' } },
        code: 'VALIDATION_FAILED',
      })),
      { name: 'unknown purpose', request: { payload: { phone: '13800138000', purpose: 'spam' } } },
      { name: 'phone as number', request: { payload: { phone: 13800138000, purpose: 'login' } } },
    ],
  },
  'POST /api/v1/auth/login/sms': {
    url: () => '/api/v1/auth/login/sms',
    cases: () => [
      {
        name: 'wrong code',
        request: { payload: { phone: '13800138000', code: '123456' } },
        status: 400,
        code: 'SMS_CODE_INVALID',
      },
      {
        name: '5-digit code',
        request: { payload: { phone: '13800138000', code: '12345' } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'self-granted admin',
        request: { payload: { phone: '13800138000', code: '123456', role: 'admin' } },
      },
      { name: 'code as number', request: { payload: { phone: '13800138000', code: 123456 } } },
    ],
  },
  'POST /api/v1/auth/login/password': {
    url: () => '/api/v1/auth/login/password',
    cases: () => [
      {
        name: 'unknown phone',
        request: { payload: { phone: '13800138999', password: 'abcdefg1' } },
        status: 401,
      },
      { name: 'empty password', request: { payload: { phone: '13800138000', password: '' } } },
      {
        name: 'password of 10,000 characters',
        request: { payload: { phone: '13800138000', password: 'a'.repeat(10_000) } },
      },
    ],
  },
  'POST /api/v1/auth/refresh': {
    url: () => '/api/v1/auth/refresh',
    cases: () => [
      {
        name: 'unknown token',
        request: { payload: { refreshToken: 'rt_doesnotexist_000000' } },
        status: 401,
        code: 'REFRESH_TOKEN_INVALID',
      },
      { name: 'access token used as refresh token', request: { payload: { refreshToken: 'x'.repeat(300) } } },
    ],
  },
  'POST /api/v1/auth/logout': { url: () => '/api/v1/auth/logout', cases: authCases },
  'POST /api/v1/auth/password/reset': {
    url: () => '/api/v1/auth/password/reset',
    cases: () => [
      {
        name: 'wrong code',
        request: { payload: { phone: '13800138000', code: '123456', newPassword: 'abcdefg12' } },
        status: 400,
      },
      {
        name: 'weak password',
        request: { payload: { phone: '13800138000', code: '123456', newPassword: 'abc' } },
        status: 400,
      },
    ],
  },
  'PUT /api/v1/users/me/password': {
    url: () => '/api/v1/users/me/password',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'weak password', request: { payload: { newPassword: 'password' } }, code: 'PASSWORD_WEAK' },
      { name: 'missing newPassword', request: { payload: {} }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /.well-known/jwks.json': {
    url: () => '/.well-known/jwks.json',
    cases: () => [{ name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 }],
  },

  // User service: profiles
  'GET /api/v1/users/me': { url: () => '/api/v1/users/me', headers: asWorker, cases: authCases },
  'PATCH /api/v1/users/me': {
    url: () => '/api/v1/users/me',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'empty patch', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      { name: 'unknown skill', request: { payload: { skills: ['space.pilot'] } }, code: 'SKILL_UNKNOWN' },
      {
        name: '21 skills',
        request: { payload: { skills: Array.from({ length: 21 }, () => 'food.waiter') } },
      },
      {
        name: 'weekday 7',
        request: { payload: { availability: [{ weekday: 7, start: '08:00', end: '09:00' }] } },
      },
      {
        name: 'end before start',
        request: { payload: { availability: [{ weekday: 1, start: '18:00', end: '08:00' }] } },
        code: 'AVAILABILITY_INVALID',
      },
      {
        name: 'time 25:00',
        request: { payload: { availability: [{ weekday: 1, start: '08:00', end: '25:00' }] } },
      },
      { name: 'display name of 41 characters', request: { payload: { displayName: '名'.repeat(41) } } },
      { name: 'trying to change the phone', request: { payload: { phone: '13800138000' } } },
      { name: 'trying to change roles', request: { payload: { roles: ['admin'] } } },
    ],
  },
  'POST /api/v1/users/me/roles': {
    url: () => '/api/v1/users/me/roles',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'admin', request: { payload: { role: 'admin' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/users/me/export': {
    url: () => '/api/v1/users/me/export',
    headers: asWorker,
    cases: authCases,
  },
  'DELETE /api/v1/users/me': {
    url: () => '/api/v1/users/me',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'wrong code', request: { payload: { code: '000000' } }, status: 400, code: 'SMS_CODE_INVALID' },
      { name: 'no code', request: { payload: {} }, code: 'VALIDATION_FAILED' },
    ],
  },
  'PUT /api/v1/users/me/avatar': {
    url: () => '/api/v1/users/me/avatar',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'JSON body', request: { payload: { avatar: 'x' } }, code: 'AVATAR_INVALID' },
      {
        name: 'text disguised as PNG',
        request: { payload: Buffer.from('hello'), headers: { 'content-type': 'image/png' } },
        code: 'AVATAR_INVALID',
      },
      {
        name: 'empty image',
        request: { payload: Buffer.alloc(0), headers: { 'content-type': 'image/jpeg' } },
      },
      {
        name: 'image over 2 MB',
        request: { payload: Buffer.alloc(2 * 1024 * 1024 + 1, 1), headers: { 'content-type': 'image/png' } },
        status: 413,
      },
      {
        name: 'SVG (scriptable)',
        request: { payload: Buffer.from('<svg/>'), headers: { 'content-type': 'image/svg+xml' } },
        status: 415,
      },
    ],
  },
  'GET /api/v1/users/:id': {
    url: (c) => `/api/v1/users/${c.worker.userId}`,
    cases: () => [
      {
        name: 'unknown id',
        request: { url: `/api/v1/users/${UNKNOWN_ID}` },
        status: 404,
        code: 'USER_NOT_FOUND',
      },
      { name: 'lower-case id', request: { url: `/api/v1/users/${UNKNOWN_ID.toLowerCase()}` }, status: 400 },
      { name: 'path traversal', request: { url: '/api/v1/users/..%2F..%2Fetc%2Fpasswd' }, status: 400 },
    ],
  },
  'GET /api/v1/users/:id/avatar': {
    url: (c) => `/api/v1/users/${c.worker.userId}/avatar`,
    cases: () => [
      { name: 'user without avatar', request: {}, status: 404, code: 'AVATAR_NOT_FOUND' },
      { name: 'unknown id', request: { url: `/api/v1/users/${UNKNOWN_ID}/avatar` }, status: 404 },
    ],
  },

  // User service: admin and internal
  'GET /api/v1/admin/users': {
    url: () => '/api/v1/admin/users',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'limit 1000', request: { query: { limit: '1000' } }, code: 'VALIDATION_FAILED' },
      { name: 'unknown role', request: { query: { role: 'superuser' } } },
      {
        name: 'cursor from another list',
        request: { query: { cursor: 'eyJzIjoid2lkZ2V0cyIsInAiOnt9fQ.AAAAAAAAAAAAAAAAAAAAAA' } },
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'POST /api/v1/admin/users/:id/roles': {
    url: (c) => `/api/v1/admin/users/${c.worker.userId}/roles`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown role', request: { payload: { role: 'root', action: 'grant' } } },
      { name: 'unknown action', request: { payload: { role: 'worker', action: 'toggle' } } },
      {
        name: 'unknown user',
        request: {
          url: `/api/v1/admin/users/${UNKNOWN_ID}/roles`,
          payload: { role: 'worker', action: 'grant' },
        },
        status: 404,
      },
    ],
  },
  'POST /api/v1/admin/users/:id/suspend': {
    url: () => `/api/v1/admin/users/${UNKNOWN_ID}/suspend`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown user', request: {}, status: 404, code: 'USER_NOT_FOUND' },
    ],
  },
  'POST /api/v1/admin/users/:id/reactivate': {
    url: () => `/api/v1/admin/users/${UNKNOWN_ID}/reactivate`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown user', request: {}, status: 404, code: 'USER_NOT_FOUND' },
    ],
  },
  'POST /api/v1/admin/signing-keys/rotate': {
    url: () => '/api/v1/admin/signing-keys/rotate',
    headers: asAdmin,
    cases: adminCases,
  },
  // Job service
  'GET /api/v1/categories': {
    url: () => '/api/v1/categories',
    cases: () => [{ name: 'DELETE is not allowed', request: { method: 'DELETE' }, status: 404 }],
  },
  'POST /api/v1/jobs': {
    url: () => '/api/v1/jobs',
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      ...badTerms(c, (changes) => post(c, changes)),
      { name: 'title of 3 characters', request: post(c, { title: '招人啊' }), code: 'VALIDATION_FAILED' },
      ...badText(c, (changes) => post(c, changes)),
      { name: 'no contact', request: post(c, { contact: undefined }) },
      { name: 'status smuggled in', request: post(c, { status: 'open' }) },
      { name: 'bad idempotency key', request: { ...post(c, {}), headers: { 'idempotency-key': ' ' } } },
    ],
  },
  'GET /api/v1/jobs/mine': {
    url: () => '/api/v1/jobs/mine',
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'unknown status', request: { query: { status: 'deleted' } } },
      { name: 'limit 101', request: { query: { limit: '101' } } },
      { name: 'forged cursor', request: { query: { cursor: 'abc.def' } }, code: 'INVALID_CURSOR' },
    ],
  },
  'GET /api/v1/jobs/:id/manage': {
    url: (c) => `/api/v1/jobs/${c.jobId}/manage`,
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'unknown job', request: { url: `/api/v1/jobs/${UNKNOWN_ID}/manage` }, status: 404 },
    ],
  },
  'PATCH /api/v1/jobs/:id': {
    url: (c) => `/api/v1/jobs/${c.jobId}`,
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      ...badTerms(c, (changes) => ({ payload: { version: 2, ...changes } })),
      { name: 'version only', request: { payload: { version: 2 } }, code: 'VALIDATION_FAILED' },
      ...badText(c, (changes) => ({ payload: { version: 2, ...changes } })),
      { name: 'no version', request: { payload: { title: '新的标题啊' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'stale version',
        request: { payload: { version: 1, title: '新的标题啊' } },
        status: 409,
        code: 'JOB_VERSION_CONFLICT',
      },
      {
        name: 'unknown shift id',
        request: { payload: { version: 2, shifts: [{ ...shift(c, 30, 34).shifts[0], id: UNKNOWN_ID }] } },
        status: 404,
        code: 'SHIFT_NOT_FOUND',
      },
      {
        name: 'unknown job',
        request: { url: `/api/v1/jobs/${UNKNOWN_ID}`, payload: { version: 1, title: '新的标题啊' } },
        status: 404,
      },
    ],
  },
  'POST /api/v1/jobs/:id/submit': {
    url: (c) => `/api/v1/jobs/${c.jobId}/submit`,
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'already open', request: { payload: { version: 2 } }, status: 409, code: 'JOB_STATE_INVALID' },
      { name: 'version 0', request: { payload: { version: 0 } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'POST /api/v1/jobs/:id/close': {
    url: (c) => `/api/v1/jobs/${c.jobId}/close`,
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      {
        name: 'stale version',
        request: { payload: { version: 1 } },
        status: 409,
        code: 'JOB_VERSION_CONFLICT',
      },
      { name: 'reason of 201 characters', request: { payload: { version: 2, reason: '因'.repeat(201) } } },
      { name: 'blank reason', request: { payload: { version: 2, reason: '  ' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'POST /api/v1/jobs/:id/archive': {
    url: (c) => `/api/v1/jobs/${c.jobId}/archive`,
    headers: asEmployer,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'open job', request: { payload: { version: 2 } }, status: 409, code: 'JOB_STATE_INVALID' },
    ],
  },
  'GET /api/v1/jobs/:id': {
    url: (c) => `/api/v1/jobs/${c.jobId}`,
    cases: () => [
      {
        name: 'unknown job',
        request: { url: `/api/v1/jobs/${UNKNOWN_ID}` },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      { name: 'not a ULID', request: { url: '/api/v1/jobs/123' }, status: 400 },
    ],
  },
  'GET /api/v1/admin/jobs/review-queue': {
    url: () => '/api/v1/admin/jobs/review-queue',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'employer token', request: { headers: c.employer.auth }, status: 403 },
      { name: 'limit 0', request: { query: { limit: '0' } } },
      { name: 'forged cursor', request: { query: { cursor: 'abc.def' } }, code: 'INVALID_CURSOR' },
    ],
  },
  'POST /api/v1/admin/jobs/:id/approve': {
    url: (c) => `/api/v1/admin/jobs/${c.jobId}/approve`,
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'job not in review', request: { payload: {} }, status: 409, code: 'JOB_STATE_INVALID' },
      {
        name: 'unknown job',
        request: { url: `/api/v1/admin/jobs/${UNKNOWN_ID}/approve`, payload: {} },
        status: 404,
      },
    ],
  },
  'POST /api/v1/admin/jobs/:id/reject': {
    url: (c) => `/api/v1/admin/jobs/${c.jobId}/reject`,
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      { name: 'blank reason', request: { payload: { reason: '\u3000\u3000' } }, code: 'VALIDATION_FAILED' },
      { name: 'job not in review', request: { payload: { reason: '违规' } }, status: 409 },
    ],
  },
  'POST /api/v1/admin/jobs/:id/take-down': {
    url: (c) => `/api/v1/admin/jobs/${c.jobId}/take-down`,
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      {
        name: 'reason with U+202E',
        request: { payload: { reason: '\u202e涉嫌诈骗' } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'unknown job',
        request: { url: `/api/v1/admin/jobs/${UNKNOWN_ID}/take-down`, payload: { reason: '违规' } },
        status: 404,
      },
    ],
  },
  'PATCH /api/v1/admin/categories/:code': {
    url: () => '/api/v1/admin/categories/food.waiter',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'empty patch', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      {
        name: 'unknown category',
        request: { url: '/api/v1/admin/categories/space.pilot', payload: { zh: '宇航员' } },
        status: 400,
        code: 'CATEGORY_UNKNOWN',
      },
      {
        name: 'code with a slash',
        request: { url: '/api/v1/admin/categories/a%2Fb', payload: { zh: 'x' } },
        status: 400,
      },
    ],
  },
  'GET /internal/v1/jobs/:id/terms': {
    url: (c) => `/internal/v1/jobs/${c.jobId}/terms`,
    headers: asService,
    cases: (): BadCase[] => [
      ...serviceCases(),
      { name: 'unknown version', request: { query: { version: '99' } }, status: 404, code: 'JOB_NOT_FOUND' },
      { name: 'version 0', request: { query: { version: '0' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /internal/v1/jobs/open': {
    url: () => '/internal/v1/jobs/open',
    headers: asService,
    cases: (): BadCase[] => [
      ...serviceCases(),
      { name: 'limit 1001', request: { query: { limit: '1001' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'after that is not an id',
        request: { query: { after: "' or 1=1 --" } },
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'PUT /internal/v1/jobs/:id/shifts/:shiftId/hires': {
    url: (c) => `/internal/v1/jobs/${c.jobId}/shifts/${c.shiftId}/hires`,
    headers: asService,
    cases: (c): BadCase[] => [
      ...serviceCases(),
      {
        name: 'more hires than places',
        request: { payload: { hired: 4, version: 2 } },
        status: 409,
        code: 'SHIFT_FULL',
      },
      { name: 'negative hires', request: { payload: { hired: -1, version: 2 } }, code: 'VALIDATION_FAILED' },
      {
        name: 'stale version',
        request: { payload: { hired: 1, version: 1 } },
        status: 409,
        code: 'JOB_VERSION_CONFLICT',
      },
      {
        name: 'unknown shift',
        request: {
          url: `/internal/v1/jobs/${c.jobId}/shifts/${UNKNOWN_ID}/hires`,
          payload: { hired: 1, version: 2 },
        },
        status: 404,
        code: 'SHIFT_NOT_FOUND',
      },
    ],
  },
  // Search (public)
  'GET /api/v1/search/jobs': {
    url: () => '/api/v1/search/jobs',
    cases: (): BadCase[] => {
      const q = (query: Record<string, string>) => ({ query });
      const near = { lng: '121.4737', lat: '31.2304' };
      return [
        { name: 'longitude out of range', request: q({ lng: '181', lat: '31' }), code: 'VALIDATION_FAILED' },
        { name: 'latitude out of range', request: q({ lng: '121', lat: '-91' }), code: 'VALIDATION_FAILED' },
        { name: 'longitude without latitude', request: q({ lng: '121' }), code: 'SEARCH_LOCATION_INVALID' },
        { name: 'radius without a point', request: q({ radius: '500' }), code: 'SEARCH_LOCATION_INVALID' },
        {
          name: 'point outside China',
          request: q({ lng: '2.35', lat: '48.85' }),
          code: 'SEARCH_LOCATION_INVALID',
        },
        { name: 'radius over 50 km', request: q({ ...near, radius: '50001' }), code: 'VALIDATION_FAILED' },
        { name: 'radius 0', request: q({ ...near, radius: '0' }), code: 'VALIDATION_FAILED' },
        { name: 'unknown datum', request: q({ ...near, coord: 'bd09' }), code: 'VALIDATION_FAILED' },
        { name: 'page size over 50', request: q({ limit: '51' }), code: 'VALIDATION_FAILED' },
        {
          name: 'query of 10,000 characters',
          request: q({ q: '保洁'.repeat(5000) }),
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'forged cursor',
          request: q({ cursor: 'eyJzIjoieCIsInAiOnt9fQ.AAAAAAAAAAAAAAAAAAAAAA' }),
          status: 400,
          code: 'INVALID_CURSOR',
        },
        { name: 'garbage cursor', request: q({ cursor: 'abc.def' }), code: 'INVALID_CURSOR' },
        {
          name: 'distance sort without a point',
          request: q({ sort: 'distance' }),
          code: 'SEARCH_QUERY_INVALID',
        },
        {
          name: 'relevance sort without keywords',
          request: q({ sort: 'relevance' }),
          code: 'SEARCH_QUERY_INVALID',
        },
        { name: 'unknown sort', request: q({ sort: 'random' }), code: 'VALIDATION_FAILED' },
        { name: 'unknown pay type', request: q({ payType: 'daily,monthly' }), code: 'VALIDATION_FAILED' },
        { name: 'unknown settlement', request: q({ settlement: 'yearly' }), code: 'VALIDATION_FAILED' },
        { name: 'category with SQL', request: q({ category: "a' or 1=1" }), code: 'VALIDATION_FAILED' },
        { name: 'negative minimum pay', request: q({ minPay: '-1' }), code: 'VALIDATION_FAILED' },
        {
          name: 'from without an offset',
          request: q({ from: '2026-12-01T09:00:00' }),
          code: 'INSTANT_INVALID',
        },
        { name: 'to that is no date', request: q({ to: 'tomorrow' }), code: 'INSTANT_INVALID' },
        {
          name: 'from after to',
          request: q({ from: '2026-12-02T00:00:00+08:00', to: '2026-12-01T00:00:00+08:00' }),
          code: 'SEARCH_QUERY_INVALID',
        },
        { name: 'verified not a boolean', request: q({ verified: 'maybe' }), code: 'VALIDATION_FAILED' },
        {
          name: 'too many tags',
          request: { url: `/api/v1/search/jobs?${'tags=a&'.repeat(11)}` },
          code: 'VALIDATION_FAILED',
        },
      ];
    },
  },
  // Platform: dead letters (admin)
  'GET /api/v1/admin/dead-letters': {
    url: () => '/api/v1/admin/dead-letters?service=user',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no service', request: { url: '/api/v1/admin/dead-letters' }, code: 'VALIDATION_FAILED' },
      { name: 'unknown service', request: { url: '/api/v1/admin/dead-letters?service=nosuch' }, status: 404 },
      { name: 'unknown state', request: { url: '/api/v1/admin/dead-letters?service=user&state=maybe' } },
      { name: 'limit 101', request: { url: '/api/v1/admin/dead-letters?service=user&limit=101' } },
      {
        name: 'forged cursor',
        request: { url: '/api/v1/admin/dead-letters?service=user&cursor=abc.def' },
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'GET /api/v1/admin/dead-letters/:service/:id': {
    url: () => `/api/v1/admin/dead-letters/user/${UNKNOWN_ID}`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown dead letter', request: {}, status: 404 },
      {
        name: 'service with a slash',
        request: { url: `/api/v1/admin/dead-letters/us%2Fer/${UNKNOWN_ID}` },
        status: 400,
      },
    ],
  },
  'POST /api/v1/admin/dead-letters/:service/:id/replay': {
    url: () => `/api/v1/admin/dead-letters/user/${UNKNOWN_ID}/replay`,
    headers: asAdmin,
    cases: (c) => [...adminCases(c), { name: 'unknown dead letter', request: {}, status: 404 }],
  },
  'POST /api/v1/admin/dead-letters/:service/:id/discard': {
    url: () => `/api/v1/admin/dead-letters/user/${UNKNOWN_ID}/discard`,
    headers: asAdmin,
    cases: (c) => [...adminCases(c), { name: 'unknown dead letter', request: {}, status: 404 }],
  },
  // Platform: workflow instances (admin)
  'GET /api/v1/admin/workflows': {
    url: () => '/api/v1/admin/workflows?service=job',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no service', request: { url: '/api/v1/admin/workflows' }, code: 'VALIDATION_FAILED' },
      { name: 'unknown service', request: { url: '/api/v1/admin/workflows?service=nosuch' }, status: 404 },
      { name: 'unknown state', request: { url: '/api/v1/admin/workflows?service=job&state=stuck' } },
      { name: 'limit 101', request: { url: '/api/v1/admin/workflows?service=job&limit=101' } },
      {
        name: 'forged cursor',
        request: { url: '/api/v1/admin/workflows?service=job&cursor=abc.def' },
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'GET /api/v1/admin/workflows/:service/:id': {
    url: () => `/api/v1/admin/workflows/job/${UNKNOWN_ID}`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown instance', request: {}, status: 404 },
      { name: 'id not a ULID', request: { url: '/api/v1/admin/workflows/job/123' }, status: 400 },
    ],
  },
  'POST /api/v1/admin/workflows/:service/:id/retry': {
    url: () => `/api/v1/admin/workflows/job/${UNKNOWN_ID}/retry`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown instance', request: {}, status: 404, code: 'WORKFLOW_NOT_FOUND' },
    ],
  },
  // Verification service
  'GET /api/v1/verifications/identity': {
    url: () => '/api/v1/verifications/identity',
    headers: asWorker,
    cases: authCases,
  },
  'POST /api/v1/verifications/identity': {
    url: () => '/api/v1/verifications/identity',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      ...(
        [
          ['11010519491231002', 'ID_FORMAT_INVALID'],
          ['11010519491231002Ｘ', 'ID_FORMAT_INVALID'],
          ['99010519491231002X', 'ID_REGION_INVALID'],
          ['110105199002300019', 'ID_BIRTH_DATE_INVALID'],
          ['110105194912310021', 'ID_CHECK_DIGIT_INVALID'],
        ] as const
      ).map(([idNumber, code]) => ({
        name: `ID number ${idNumber}`,
        request: { payload: { name: '王小明', idNumber } },
        status: 400,
        code,
      })),
      {
        name: 'name in Latin letters',
        request: { payload: { name: 'Wang Xiaoming', idNumber: '11010519491231002X' } },
        status: 400,
        code: 'NAME_INVALID',
      },
      {
        name: 'blank name',
        request: { payload: { name: '\u3000\u200b', idNumber: '11010519491231002X' } },
        status: 400,
      },
      { name: 'no ID number', request: { payload: { name: '王小明' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/verifications/enterprise': {
    url: () => '/api/v1/verifications/enterprise',
    headers: asEmployer,
    cases: authCases,
  },
  'POST /api/v1/verifications/enterprise': {
    url: () => '/api/v1/verifications/enterprise',
    headers: asEmployer,
    cases: (c) => {
      const body = { companyName: '示例家政服务有限公司', legalRepresentative: '林建国' };
      return [
        ...authCases(),
        {
          name: 'worker token',
          request: { headers: c.worker.auth, payload: { ...body, creditCode: '91350100M000100Y43' } },
          status: 403,
          code: 'EMPLOYER_ROLE_REQUIRED',
        },
        {
          name: 'credit code with O',
          request: { payload: { ...body, creditCode: '91350100M000100O43' } },
          status: 400,
          code: 'CREDIT_CODE_FORMAT_INVALID',
        },
        {
          name: 'credit code check character wrong',
          request: { payload: { ...body, creditCode: '91350100M000100Y44' } },
          status: 400,
          code: 'CREDIT_CODE_CHECK_INVALID',
        },
        {
          name: 'no licence uploaded',
          request: { payload: { ...body, creditCode: '91350100M000100Y43' } },
          status: 400,
          code: 'LICENCE_REQUIRED',
        },
      ];
    },
  },
  'PUT /api/v1/verifications/files/:slot': {
    url: () => '/api/v1/verifications/files/id_front',
    headers: asWorker,
    cases: (c) => [
      ...authCases(),
      { name: 'JSON body', request: { payload: { image: 'x' } }, code: 'FILE_INVALID' },
      {
        name: 'text disguised as JPEG',
        request: { payload: Buffer.from('hello'), headers: { 'content-type': 'image/jpeg' } },
        status: 400,
        code: 'FILE_INVALID',
      },
      {
        name: 'image over 5 MB',
        request: { payload: Buffer.alloc(5 * 1024 * 1024 + 1, 1), headers: { 'content-type': 'image/png' } },
        status: 413,
      },
      {
        name: 'PDF',
        request: { payload: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf' } },
        status: 415,
      },
      { name: 'unknown slot', request: { url: '/api/v1/verifications/files/selfie' }, status: 400 },
      {
        name: 'licence by a worker',
        request: {
          url: '/api/v1/verifications/files/licence',
          headers: { ...c.worker.auth, 'content-type': 'image/png' },
          payload: Buffer.from('x'),
        },
        status: 403,
        code: 'EMPLOYER_ROLE_REQUIRED',
      },
    ],
  },
  'GET /api/v1/verifications/files/:slot': {
    url: () => '/api/v1/verifications/files/id_back',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'nothing uploaded', request: {}, status: 404, code: 'FILE_NOT_FOUND' },
      { name: 'unknown slot', request: { url: '/api/v1/verifications/files/..%2Favatar' }, status: 400 },
    ],
  },
  'GET /api/v1/admin/verifications': {
    url: () => '/api/v1/admin/verifications',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'unknown kind', request: { query: { kind: 'passport' } }, code: 'VALIDATION_FAILED' },
      { name: 'unknown status', request: { query: { status: 'open' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/admin/verifications/:id': {
    url: () => `/api/v1/admin/verifications/${UNKNOWN_ID}`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown request', request: {}, status: 404, code: 'VERIFICATION_NOT_FOUND' },
      { name: 'id not a ULID', request: { url: '/api/v1/admin/verifications/42' }, status: 400 },
    ],
  },
  'GET /api/v1/admin/verifications/:id/files/:slot': {
    url: () => `/api/v1/admin/verifications/${UNKNOWN_ID}/files/licence`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown request', request: {}, status: 404, code: 'VERIFICATION_NOT_FOUND' },
      {
        name: 'unknown slot',
        request: { url: `/api/v1/admin/verifications/${UNKNOWN_ID}/files/x` },
        status: 400,
      },
    ],
  },
  'POST /api/v1/admin/verifications/:id/approve': {
    url: () => `/api/v1/admin/verifications/${UNKNOWN_ID}/approve`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown request', request: {}, status: 404, code: 'VERIFICATION_NOT_FOUND' },
    ],
  },
  'POST /api/v1/admin/verifications/:id/reject': {
    url: () => `/api/v1/admin/verifications/${UNKNOWN_ID}/reject`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      { name: 'blank reason', request: { payload: { reason: '   ' } }, status: 400 },
      {
        name: 'unknown request',
        request: { payload: { reason: '照片模糊' } },
        status: 404,
        code: 'VERIFICATION_NOT_FOUND',
      },
    ],
  },
  'POST /api/v1/admin/verifications/revoke': {
    url: () => '/api/v1/admin/verifications/revoke',
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      {
        name: 'not approved',
        request: { payload: { userId: c.worker.userId, kind: 'identity', reason: '核实有误' } },
        status: 409,
        code: 'VERIFICATION_NOT_APPROVED',
      },
      {
        name: 'unknown kind',
        request: { payload: { userId: c.worker.userId, kind: 'passport', reason: '核实有误' } },
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'GET /internal/v1/verifications/:userId/identity': {
    url: (c) => `/internal/v1/verifications/${c.worker.userId}/identity`,
    headers: asService,
    cases: () => [
      ...serviceCases(),
      { name: 'id not a ULID', request: { url: '/internal/v1/verifications/me/identity' }, status: 400 },
    ],
  },
  'GET /internal/v1/verifications/:userId/enterprise': {
    url: (c) => `/internal/v1/verifications/${c.employer.userId}/enterprise`,
    headers: asService,
    cases: serviceCases,
  },
  'GET /internal/v1/verifications/:userId/age': {
    url: (c) => `/internal/v1/verifications/${c.worker.userId}/age?on=2026-12-01`,
    headers: asService,
    cases: (c) => [
      ...serviceCases(),
      {
        name: 'impossible date',
        request: { url: `/internal/v1/verifications/${c.worker.userId}/age?on=2026-02-30` },
        status: 400,
        code: 'DATE_INVALID',
      },
      {
        name: 'no date',
        request: { url: `/internal/v1/verifications/${c.worker.userId}/age` },
        code: 'VALIDATION_FAILED',
      },
    ],
  },

  // Payment service: escrow and wallet
  'GET /api/v1/wallet': {
    url: () => '/api/v1/wallet',
    headers: asWorker,
    cases: authCases,
  },
  'GET /api/v1/wallet/entries': {
    url: () => '/api/v1/wallet/entries',
    headers: asWorker,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 101', request: { query: { limit: '101' } }, code: 'VALIDATION_FAILED' },
      { name: 'forged cursor', request: { query: { cursor: 'abc' } }, status: 400, code: 'INVALID_CURSOR' },
      { name: 'cursor 0', request: { query: { cursor: '0' } }, status: 400, code: 'INVALID_CURSOR' },
    ],
  },
  'GET /internal/v1/escrow/:orderId': {
    url: () => `/internal/v1/escrow/${UNKNOWN_ID}`,
    headers: asService,
    cases: () => [
      ...serviceCases(),
      { name: 'order id not a ULID', request: { url: '/internal/v1/escrow/order-1' }, status: 400 },
    ],
  },
  'POST /internal/v1/escrow/:orderId/hold': {
    url: () => `/internal/v1/escrow/${UNKNOWN_ID}/hold`,
    headers: asService,
    cases: (c) => [
      ...serviceCases(),
      {
        name: 'wallet short (empty)',
        request: { payload: { orderId: UNKNOWN_ID, employerId: c.employer.userId, wageFen: 10_000 } },
        status: 409,
        code: 'ESCROW_INSUFFICIENT_FUNDS',
      },
      {
        name: 'body names another order',
        request: { payload: { orderId: c.jobId, employerId: c.employer.userId, wageFen: 10_000 } },
        status: 400,
        code: 'ESCROW_ORDER_MISMATCH',
      },
      {
        name: 'wage 0',
        request: { payload: { orderId: UNKNOWN_ID, employerId: c.employer.userId, wageFen: 0 } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'no employer',
        request: { payload: { orderId: UNKNOWN_ID, wageFen: 100 } },
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'POST /internal/v1/escrow/:orderId/release': {
    url: () => `/internal/v1/escrow/${UNKNOWN_ID}/release`,
    headers: asService,
    cases: (c) => [
      ...serviceCases(),
      {
        name: 'nothing held',
        request: {
          payload: {
            orderId: UNKNOWN_ID,
            workerId: c.worker.userId,
            employerId: c.employer.userId,
            payFen: 100,
            pending: false,
          },
        },
        status: 409,
        code: 'ESCROW_NOT_HELD',
      },
      {
        name: 'negative pay',
        request: {
          payload: {
            orderId: UNKNOWN_ID,
            workerId: c.worker.userId,
            employerId: c.employer.userId,
            payFen: -1,
            pending: false,
          },
        },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'no pending flag',
        request: {
          payload: {
            orderId: UNKNOWN_ID,
            workerId: c.worker.userId,
            employerId: c.employer.userId,
            payFen: 1,
          },
        },
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'POST /internal/v1/escrow/:orderId/refund': {
    url: () => `/internal/v1/escrow/${UNKNOWN_ID}/refund`,
    headers: asService,
    cases: (c) => [
      ...serviceCases(),
      {
        name: 'nothing held',
        request: { payload: { orderId: UNKNOWN_ID, employerId: c.employer.userId } },
        status: 409,
        code: 'ESCROW_NOT_HELD',
      },
      {
        name: 'body names another order',
        request: { payload: { orderId: c.jobId, employerId: c.employer.userId } },
        status: 400,
        code: 'ESCROW_ORDER_MISMATCH',
      },
    ],
  },
  'POST /internal/v1/escrow/:orderId/settle': {
    url: () => `/internal/v1/escrow/${UNKNOWN_ID}/settle`,
    headers: asService,
    cases: (c) => [
      ...serviceCases(),
      {
        name: 'nothing held',
        request: { payload: { orderId: UNKNOWN_ID, workerId: c.worker.userId } },
        status: 409,
        code: 'ESCROW_NOT_HELD',
      },
      {
        name: 'worker id not a ULID',
        request: { payload: { orderId: UNKNOWN_ID, workerId: 'me' } },
        code: 'VALIDATION_FAILED',
      },
    ],
  },

  // Payment service: top-ups
  'POST /api/v1/payments': {
    url: () => '/api/v1/payments',
    headers: asWorker,
    cases: () => [
      ...authCases(),
      {
        name: 'channel not configured',
        request: { payload: { channel: 'alipay', amountFen: 1000 } },
        status: 400,
        code: 'PAYMENT_CHANNEL_UNAVAILABLE',
      },
      {
        name: 'unknown channel',
        request: { payload: { channel: 'paypal', amountFen: 1000 } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'below the smallest top-up',
        request: { payload: { channel: 'sandbox', amountFen: 99 } },
        status: 400,
        code: 'TOPUP_AMOUNT_OUT_OF_RANGE',
      },
      {
        name: 'above the largest top-up',
        request: { payload: { channel: 'sandbox', amountFen: 5_000_001 } },
        status: 400,
        code: 'TOPUP_AMOUNT_OUT_OF_RANGE',
      },
      {
        name: 'zero fen',
        request: { payload: { channel: 'sandbox', amountFen: 0 } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad Idempotency-Key',
        request: {
          headers: { 'idempotency-key': 'has spaces' },
          payload: { channel: 'sandbox', amountFen: 1000 },
        },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'GET /api/v1/payments': {
    url: () => '/api/v1/payments',
    headers: asWorker,
    cases: (): BadCase[] => [
      ...authCases(),
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/payments/:id': {
    url: () => `/api/v1/payments/${UNKNOWN_ID}`,
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'unknown top-up', request: {}, status: 404, code: 'TOPUP_NOT_FOUND' },
      { name: 'id not a ULID', request: { url: '/api/v1/payments/42' }, status: 400 },
    ],
  },
  'POST /api/v1/payments/notify/:channel': {
    url: () => '/api/v1/payments/notify/sandbox',
    headers: () => ({ 'content-type': 'application/json' }),
    cases: () => [
      {
        name: 'unknown channel',
        request: { url: '/api/v1/payments/notify/paypal', payload: '{}' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'channel not configured',
        request: { url: '/api/v1/payments/notify/alipay', payload: '{}' },
        status: 400,
        code: 'PAYMENT_CHANNEL_UNAVAILABLE',
      },
      {
        name: 'XML body',
        request: { headers: { 'content-type': 'application/xml' }, payload: '<xml/>' },
        status: 415,
      },
      { name: 'body over 64 KiB', request: { payload: 'x'.repeat(65 * 1024) }, status: 413 },
    ],
  },
  'POST /api/v1/payments/sandbox/:id/pay': {
    url: () => `/api/v1/payments/sandbox/${UNKNOWN_ID}/pay`,
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'unknown top-up', request: { payload: {} }, status: 404, code: 'TOPUP_NOT_FOUND' },
      { name: 'negative amount', request: { payload: { amountFen: -1 } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/admin/payments': {
    url: () => '/api/v1/admin/payments',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'unknown status', request: { query: { status: 'reversed' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'POST /api/v1/admin/payments/:id/resolve': {
    url: () => `/api/v1/admin/payments/${UNKNOWN_ID}/resolve`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      {
        name: 'unknown top-up',
        request: { payload: { action: 'credit', reason: '按实付金额入账' } },
        status: 404,
        code: 'TOPUP_NOT_FOUND',
      },
      {
        name: 'unknown action',
        request: { payload: { action: 'refund', reason: '按实付金额入账' } },
        code: 'VALIDATION_FAILED',
      },
      { name: 'blank reason', request: { payload: { action: 'credit', reason: '   ' } }, status: 400 },
      { name: 'no reason', request: { payload: { action: 'credit' } }, code: 'VALIDATION_FAILED' },
    ],
  },

  // Payment service: withdrawals
  'POST /api/v1/withdrawals': {
    url: () => '/api/v1/withdrawals',
    headers: asWorker,
    cases: () => {
      const body = { channel: 'sandbox', account: '13812345678', payeeName: '王小明', amountFen: 1000 };
      return [
        ...authCases(),
        {
          name: 'no verified real name',
          request: { payload: body },
          status: 403,
          code: 'REAL_NAME_REQUIRED',
        },
        {
          name: 'below the smallest withdrawal',
          request: { payload: { ...body, amountFen: 50 } },
          status: 400,
          code: 'WITHDRAWAL_AMOUNT_INVALID',
        },
        {
          name: 'channel not configured',
          request: { payload: { ...body, channel: 'alipay' } },
          status: 400,
          code: 'PAYMENT_CHANNEL_UNAVAILABLE',
        },
        {
          name: 'unknown channel',
          request: { payload: { ...body, channel: 'paypal' } },
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'account too short',
          request: { payload: { ...body, account: '138' } },
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'account with spaces',
          request: { payload: { ...body, account: '138 1234 5678' } },
          code: 'VALIDATION_FAILED',
        },
        { name: 'amount 0', request: { payload: { ...body, amountFen: 0 } }, code: 'VALIDATION_FAILED' },
        { name: 'blank payee name', request: { payload: { ...body, payeeName: '\u3000 ' } }, status: 400 },
        {
          name: 'bad idempotency key',
          request: { payload: body, headers: { 'idempotency-key': 'has space' } },
          status: 400,
          code: 'IDEMPOTENCY_KEY_INVALID',
        },
      ];
    },
  },
  'GET /api/v1/withdrawals': {
    url: () => '/api/v1/withdrawals',
    headers: asWorker,
    cases: (): BadCase[] => [
      ...authCases(),
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'GET /api/v1/withdrawals/:id': {
    url: () => `/api/v1/withdrawals/${UNKNOWN_ID}`,
    headers: asWorker,
    cases: () => [
      ...authCases(),
      { name: 'unknown withdrawal', request: {}, status: 404, code: 'WITHDRAWAL_NOT_FOUND' },
      { name: 'id not a ULID', request: { url: '/api/v1/withdrawals/42' }, status: 400 },
    ],
  },
  'GET /api/v1/admin/withdrawals': {
    url: () => '/api/v1/admin/withdrawals',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'unknown status', request: { query: { status: 'open' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'POST /api/v1/admin/withdrawals/:id/approve': {
    url: () => `/api/v1/admin/withdrawals/${UNKNOWN_ID}/approve`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'unknown withdrawal', request: {}, status: 404, code: 'WITHDRAWAL_NOT_FOUND' },
      { name: 'id not a ULID', request: { url: '/api/v1/admin/withdrawals/42/approve' }, status: 400 },
    ],
  },
  'POST /api/v1/admin/withdrawals/:id/reject': {
    url: () => `/api/v1/admin/withdrawals/${UNKNOWN_ID}/reject`,
    headers: asAdmin,
    cases: (c) => [
      ...adminCases(c),
      { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      { name: 'blank reason', request: { payload: { reason: '   ' } }, status: 400 },
      {
        name: 'unknown withdrawal',
        request: { payload: { reason: '账户信息不符' } },
        status: 404,
        code: 'WITHDRAWAL_NOT_FOUND',
      },
    ],
  },

  // Payment service: reconciliation
  'GET /api/v1/admin/reconciliation': {
    url: () => '/api/v1/admin/reconciliation',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'unknown status', request: { query: { status: 'ignored' } }, code: 'VALIDATION_FAILED' },
    ],
  },
  'POST /api/v1/admin/reconciliation/runs': {
    url: () => '/api/v1/admin/reconciliation/runs',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      {
        name: 'channel not configured',
        request: { payload: { channel: 'alipay', day: '2026-01-01' } },
        status: 400,
        code: 'RECONCILIATION_CHANNEL_UNKNOWN',
      },
      {
        name: 'impossible day',
        request: { payload: { channel: 'sandbox', day: '2026-02-30' } },
        status: 400,
        code: 'RECONCILIATION_DAY_INVALID',
      },
      {
        name: 'a day not yet over',
        request: { payload: { channel: 'sandbox', day: '2999-01-01' } },
        status: 400,
        code: 'RECONCILIATION_DAY_INVALID',
      },
      { name: 'unknown channel', request: { payload: { channel: 'paypal', day: '2026-01-01' } } },
    ],
  },
  'POST /api/v1/admin/reconciliation/:id/resolve': {
    url: () => `/api/v1/admin/reconciliation/${UNKNOWN_ID}/resolve`,
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no resolution', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      {
        name: 'unknown item',
        request: { payload: { resolution: '已核实' } },
        status: 404,
        code: 'RECONCILIATION_ITEM_NOT_FOUND',
      },
    ],
  },
  'GET /internal/v1/users/:id': {
    url: (c) => `/internal/v1/users/${c.worker.userId}`,
    headers: (c) => ({ 'x-service-token': c.serviceToken }),
    cases: () => [
      {
        name: 'no service token',
        request: { headers: { 'x-service-token': '' } },
        status: 401,
        code: 'SERVICE_TOKEN_INVALID',
      },
      { name: 'wrong service token', request: { headers: { 'x-service-token': 'nope' } }, status: 401 },
      {
        name: 'user access token instead',
        request: { headers: { 'x-service-token': '', authorization: 'Bearer x' } },
        status: 401,
      },
      { name: 'unknown user', request: { url: `/internal/v1/users/${UNKNOWN_ID}` }, status: 404 },
    ],
  },

  'POST /internal/v1/users/:id/sms-notices': {
    url: (c) => `/internal/v1/users/${c.worker.userId}/sms-notices`,
    headers: (c) => ({ 'x-service-token': c.serviceToken }),
    cases: (): BadCase[] => {
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      const body = (payload: object) => ({ payload });
      return [
        {
          name: 'no service token',
          request: { headers: { 'x-service-token': '' }, payload: { template: 'order_hired', params: {} } },
          status: 401,
          code: 'SERVICE_TOKEN_INVALID',
        },
        { name: 'an unknown template', request: body({ template: 'marketing', params: {} }), ...invalid },
        { name: 'no params', request: body({ template: 'order_hired' }), ...invalid },
        {
          name: 'a param not a string',
          request: body({ template: 'order_hired', params: { n: 1 } }),
          ...invalid,
        },
        {
          name: 'a param too long',
          request: body({ template: 'order_hired', params: { text: '长'.repeat(101) } }),
          ...invalid,
        },
        {
          name: 'too many params',
          request: body({
            template: 'order_hired',
            params: Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`p${i}`, 'x'])),
          }),
          ...invalid,
        },
        {
          name: 'a phone in the body',
          request: body({ template: 'order_hired', params: {}, phone: '13800000000' }),
          ...invalid,
        },
        {
          name: 'user id not a ULID',
          request: {
            url: '/internal/v1/users/42/sms-notices',
            payload: { template: 'order_hired', params: {} },
          },
          ...invalid,
        },
      ];
    },
  },

  // Order service: applications and invitations
  'POST /api/v1/jobs/:jobId/shifts/:shiftId/applications': {
    url: (c) => `/api/v1/jobs/${c.order.jobId}/shifts/${c.order.laterShiftId}/applications`,
    headers: (c) => c.order.worker.auth,
    cases: (c) => [
      ...authCases(),
      { name: 'applied already (hired)', request: { payload: {} }, status: 409, code: 'ALREADY_APPLIED' },
      {
        name: 'applied already (rejected)',
        request: { headers: c.order.disputer.auth, payload: {} },
        status: 409,
        code: 'ALREADY_APPLIED',
      },
      {
        name: 'an employer without the worker role',
        request: { headers: c.order.employer.auth, payload: {} },
        status: 403,
        code: 'WORKER_ROLE_REQUIRED',
      },
      {
        name: 'minimum age 18 without a verified real name',
        request: { url: `/api/v1/jobs/${c.jobId}/shifts/${c.shiftId}/applications`, payload: {} },
        status: 403,
        code: 'AGE_REQUIREMENT',
      },
      {
        name: 'job in draft',
        request: {
          url: `/api/v1/jobs/${c.order.draftJobId}/shifts/${c.order.draftShiftId}/applications`,
          payload: {},
        },
        status: 409,
        code: 'JOB_NOT_OPEN',
      },
      {
        name: 'unknown shift',
        request: { url: `/api/v1/jobs/${c.order.jobId}/shifts/${UNKNOWN_ID}/applications`, payload: {} },
        status: 404,
        code: 'SHIFT_NOT_FOUND',
      },
      {
        name: 'unknown job',
        request: { url: `/api/v1/jobs/${UNKNOWN_ID}/shifts/${UNKNOWN_ID}/applications`, payload: {} },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      {
        name: 'shift id not a ULID',
        request: { url: `/api/v1/jobs/${c.order.jobId}/shifts/1/applications`, payload: {} },
        status: 400,
      },
      { name: 'note with NUL', request: { payload: { note: '有经验\u0000' } }, code: 'VALIDATION_FAILED' },
      { name: 'note of 201 characters', request: { payload: { note: '经'.repeat(201) } }, status: 400 },
      {
        name: 'bad idempotency key',
        request: { payload: {}, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'GET /api/v1/jobs/:jobId/shifts/:shiftId/applications': {
    url: (c) => `/api/v1/jobs/${c.order.jobId}/shifts/${c.order.laterShiftId}/applications`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...authCases(),
      {
        name: "another employer's job",
        request: { headers: c.employer.auth },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      { name: 'a worker', request: { headers: c.order.worker.auth }, status: 404, code: 'JOB_NOT_FOUND' },
      {
        name: 'unknown shift',
        request: { url: `/api/v1/jobs/${c.order.jobId}/shifts/${UNKNOWN_ID}/applications` },
        status: 404,
        code: 'SHIFT_NOT_FOUND',
      },
      { name: 'unknown status', request: { query: { status: 'approved' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'POST /api/v1/jobs/:jobId/shifts/:shiftId/invitations': {
    url: (c) => `/api/v1/jobs/${c.order.jobId}/shifts/${c.order.laterShiftId}/invitations`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      {
        name: 'a worker hired already',
        request: { payload: { workerId: c.order.worker.userId } },
        status: 409,
        code: 'ALREADY_APPLIED',
      },
      {
        name: 'a worker rejected already',
        request: { payload: { workerId: c.order.disputer.userId } },
        status: 409,
        code: 'ALREADY_APPLIED',
      },
      {
        name: 'myself (an employer)',
        request: { payload: { workerId: c.order.employer.userId } },
        status: 409,
        code: 'INVITEE_NOT_WORKER',
      },
      {
        name: 'an account that does not exist',
        request: { payload: { workerId: UNKNOWN_ID } },
        status: 409,
        code: 'INVITEE_NOT_WORKER',
      },
      {
        name: 'another employer',
        request: { payload: { workerId: c.employer.userId } },
        status: 409,
        code: 'INVITEE_NOT_WORKER',
      },
      {
        name: "another employer's job",
        request: { headers: c.employer.auth, payload: { workerId: c.worker.userId } },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      {
        name: 'job in draft',
        request: {
          url: `/api/v1/jobs/${c.order.draftJobId}/shifts/${c.order.draftShiftId}/invitations`,
          payload: { workerId: c.worker.userId },
        },
        status: 409,
        code: 'JOB_NOT_OPEN',
      },
      {
        name: 'unknown shift',
        request: {
          url: `/api/v1/jobs/${c.order.jobId}/shifts/${UNKNOWN_ID}/invitations`,
          payload: { workerId: c.worker.userId },
        },
        status: 404,
        code: 'SHIFT_NOT_FOUND',
      },
      { name: 'worker id not a ULID', request: { payload: { workerId: 'me' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'pieceMax 0',
        request: { payload: { workerId: c.worker.userId, pieceMax: 0 } },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'bad idempotency key',
        request: { payload: { workerId: c.worker.userId }, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'GET /api/v1/applications': {
    url: () => '/api/v1/applications',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 101', request: { query: { limit: '101' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'GET /api/v1/applications/:id': {
    url: (c) => `/api/v1/applications/${c.order.rejectedApplicationId}`,
    headers: (c) => c.order.disputer.auth,
    cases: (c) => [
      ...authCases(),
      {
        name: "another worker's application",
        request: { headers: c.order.worker.auth },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      {
        name: "another employer's application",
        request: { headers: c.employer.auth },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      {
        name: 'unknown application',
        request: { url: `/api/v1/applications/${UNKNOWN_ID}` },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      { name: 'id not a ULID', request: { url: '/api/v1/applications/42' }, status: 400 },
    ],
  },
  'POST /api/v1/applications/:id/hire': {
    url: (c) => `/api/v1/applications/${c.order.rejectedApplicationId}/hire`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      {
        name: 'a rejected application',
        request: { payload: {} },
        status: 409,
        code: 'APPLICATION_STATE_INVALID',
      },
      {
        name: 'a rejected application, with an Idempotency-Key (released, not kept)',
        request: {
          payload: {},
          headers: { 'idempotency-key': `hire-refused-${c.order.rejectedApplicationId}` },
        },
        status: 409,
        code: 'APPLICATION_STATE_INVALID',
      },
      {
        name: "another employer's applicant",
        request: { headers: c.employer.auth, payload: {} },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      {
        name: 'unknown application',
        request: { url: `/api/v1/applications/${UNKNOWN_ID}/hire`, payload: {} },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      { name: 'pieceMax 0', request: { payload: { pieceMax: 0 } }, code: 'VALIDATION_FAILED' },
      { name: 'pieceMax 100,001', request: { payload: { pieceMax: 100_001 } }, code: 'VALIDATION_FAILED' },
      {
        name: 'bad idempotency key',
        request: { payload: {}, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/applications/:id/accept': {
    url: (c) => `/api/v1/applications/${c.order.rejectedApplicationId}/accept`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => [
      ...authCases(),
      { name: 'not an invitation (rejected)', request: {}, status: 409, code: 'APPLICATION_STATE_INVALID' },
      {
        name: "another worker's application",
        request: { headers: c.order.worker.auth },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      { name: 'an employer', request: { headers: c.order.employer.auth }, status: 403, code: 'FORBIDDEN' },
      {
        name: 'unknown application',
        request: { url: `/api/v1/applications/${UNKNOWN_ID}/accept` },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      {
        name: 'bad idempotency key',
        request: { headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/applications/:id/withdraw': {
    url: (c) => `/api/v1/applications/${c.order.rejectedApplicationId}/withdraw`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => [
      ...authCases(),
      { name: 'rejected already', request: { payload: {} }, status: 409, code: 'APPLICATION_STATE_INVALID' },
      {
        name: "another worker's application",
        request: { headers: c.order.worker.auth, payload: {} },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      {
        name: 'an employer',
        request: { headers: c.order.employer.auth, payload: {} },
        status: 403,
        code: 'FORBIDDEN',
      },
      {
        name: 'reason with U+202E',
        request: { payload: { reason: '\u202e时间冲突' } },
        code: 'VALIDATION_FAILED',
      },
      { name: 'reason of 201 characters', request: { payload: { reason: '因'.repeat(201) } }, status: 400 },
    ],
  },
  'POST /api/v1/applications/:id/reject': {
    url: (c) => `/api/v1/applications/${c.order.rejectedApplicationId}/reject`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'rejected already', request: { payload: {} }, status: 409, code: 'APPLICATION_STATE_INVALID' },
      {
        name: "another employer's applicant",
        request: { headers: c.employer.auth, payload: {} },
        status: 404,
        code: 'APPLICATION_NOT_FOUND',
      },
      { name: 'blank reason', request: { payload: { reason: '   ' } }, code: 'VALIDATION_FAILED' },
    ],
  },

  // Order service: a job's order settings
  'GET /api/v1/jobs/:jobId/order-settings': {
    url: (c) => `/api/v1/jobs/${c.order.jobId}/order-settings`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      {
        name: "another employer's job",
        request: { headers: c.employer.auth },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      {
        name: 'unknown job',
        request: { url: `/api/v1/jobs/${UNKNOWN_ID}/order-settings` },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      { name: 'job id not a ULID', request: { url: '/api/v1/jobs/42/order-settings' }, status: 400 },
    ],
  },
  'PUT /api/v1/jobs/:jobId/order-settings': {
    url: (c) => `/api/v1/jobs/${c.order.jobId}/order-settings`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...employerCases(c),
      { name: 'fence of 50 m', request: { payload: { fenceMeters: 50 } }, code: 'VALIDATION_FAILED' },
      { name: 'fence of 5 km', request: { payload: { fenceMeters: 5000 } }, code: 'VALIDATION_FAILED' },
      { name: 'pieceMax 0', request: { payload: { pieceMax: 0 } }, code: 'VALIDATION_FAILED' },
      { name: 'auto-hire as a string', request: { payload: { autoHire: 'yes' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'auto-hire on piece work without pieceMax',
        request: { url: `/api/v1/jobs/${c.order.draftJobId}/order-settings`, payload: { autoHire: true } },
        status: 400,
        code: 'PIECE_MAX_REQUIRED',
      },
      {
        name: "another employer's job",
        request: { headers: c.employer.auth, payload: { fenceMeters: 300 } },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
      {
        name: 'unknown job',
        request: { url: `/api/v1/jobs/${UNKNOWN_ID}/order-settings`, payload: { fenceMeters: 300 } },
        status: 404,
        code: 'JOB_NOT_FOUND',
      },
    ],
  },

  // Order service: orders
  'GET /api/v1/orders': {
    url: () => '/api/v1/orders',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'as an admin', request: { query: { as: 'admin' } }, code: 'VALIDATION_FAILED' },
      { name: 'unknown state', request: { query: { state: 'paid' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'GET /api/v1/orders/:id': {
    url: (c) => `/api/v1/orders/${c.order.hiredOrderId}`,
    headers: (c) => c.order.worker.auth,
    cases: (c) => orderReadCases(c, 'GET', ''),
  },
  'GET /api/v1/orders/:id/agreement': {
    url: (c) => `/api/v1/orders/${c.order.hiredOrderId}/agreement`,
    headers: (c) => c.order.worker.auth,
    cases: (c) => orderReadCases(c, 'GET', '/agreement'),
  },
  'GET /api/v1/orders/:id/check-in-code': {
    url: (c) => `/api/v1/orders/${c.order.hiredOrderId}/check-in-code`,
    headers: (c) => c.order.worker.auth,
    cases: (c) => [
      ...orderReadCases(c, 'GET', '/check-in-code'),
      { name: "the order's worker", request: {}, status: 403, code: 'ORDER_ACTION_FORBIDDEN' },
    ],
  },
  'POST /api/v1/orders/:id/check-in': {
    url: (c) => `/api/v1/orders/${c.order.hiredOrderId}/check-in`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => [
      ...orderReadCases(c, 'POST', '/check-in', SITE),
      ...fixCases(),
      {
        name: 'a wrong on-site code',
        request: { payload: { code: c.order.wrongCode } },
        status: 422,
        code: 'FALLBACK_CODE_INVALID',
      },
      {
        name: 'a wrong on-site code, with an Idempotency-Key (released, not kept)',
        request: {
          payload: { code: c.order.wrongCode },
          headers: { 'idempotency-key': `check-in-refused-${c.order.hiredOrderId}` },
        },
        status: 422,
        code: 'FALLBACK_CODE_INVALID',
      },
      {
        name: 'a fix in Beijing',
        request: { payload: { lng: 116.397, lat: 39.909, coordinateSystem: 'gcj02' } },
        status: 422,
        code: 'OUTSIDE_GEOFENCE',
      },
      {
        name: 'a fix 1 km away',
        request: { payload: { lng: SITE.lng + 0.0105, lat: SITE.lat } },
        status: 422,
        code: 'OUTSIDE_GEOFENCE',
      },
      {
        name: 'the employer at the site',
        request: { headers: c.order.employer.auth, payload: SITE },
        status: 403,
        code: 'ORDER_ACTION_FORBIDDEN',
      },
      {
        name: 'a shift tomorrow',
        request: { url: `/api/v1/orders/${c.order.laterOrderId}/check-in`, payload: SITE },
        status: 422,
        code: 'OUTSIDE_CHECK_IN_WINDOW',
      },
      {
        name: 'checked out already',
        request: {
          url: `/api/v1/orders/${c.order.checkedOutOrderId}/check-in`,
          headers: c.order.checkedOutWorker.auth,
          payload: SITE,
        },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'bad idempotency key',
        request: { payload: SITE, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/orders/:id/check-out': {
    url: (c) => `/api/v1/orders/${c.order.hiredOrderId}/check-out`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => [
      ...orderReadCases(c, 'POST', '/check-out', SITE),
      ...fixCases(),
      { name: 'not checked in', request: { payload: SITE }, status: 409, code: 'ORDER_STATE_INVALID' },
      {
        name: 'checked out already',
        request: {
          url: `/api/v1/orders/${c.order.checkedOutOrderId}/check-out`,
          headers: c.order.checkedOutWorker.auth,
          payload: SITE,
        },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'bad idempotency key',
        request: { payload: SITE, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/orders/:id/submit': {
    url: (c) => `/api/v1/orders/${c.order.checkedOutOrderId}/submit`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...orderReadCases(c, 'POST', '/submit', {}),
      ...pieceCases(),
      {
        name: 'the employer submits',
        request: { payload: {} },
        status: 403,
        code: 'ORDER_ACTION_FORBIDDEN',
      },
      {
        name: 'not checked out',
        request: {
          url: `/api/v1/orders/${c.order.hiredOrderId}/submit`,
          headers: c.order.worker.auth,
          payload: {},
        },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'bad idempotency key',
        request: { payload: {}, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/orders/:id/confirm': {
    url: (c) => `/api/v1/orders/${c.order.checkedOutOrderId}/confirm`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => [
      ...orderReadCases(c, 'POST', '/confirm', {}),
      ...pieceCases(),
      { name: 'not submitted', request: { payload: {} }, status: 409, code: 'ORDER_STATE_INVALID' },
      {
        name: 'disputed',
        request: { url: `/api/v1/orders/${c.order.disputedOrderId}/confirm`, payload: {} },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'bad idempotency key',
        request: { payload: {}, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },
  'POST /api/v1/orders/:id/adjust': {
    url: (c) => `/api/v1/orders/${c.order.checkedOutOrderId}/adjust`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => {
      const body = { minutes: 60, reason: '午休一小时未计入' };
      return [
        ...orderReadCases(c, 'POST', '/adjust', body),
        {
          name: 'more minutes than the 2-hour shift',
          request: { payload: { ...body, minutes: 500 } },
          status: 400,
          code: 'ADJUST_MINUTES_INVALID',
        },
        {
          name: 'the worker adjusts',
          request: { headers: c.order.checkedOutWorker.auth, payload: body },
          status: 403,
          code: 'ORDER_ACTION_FORBIDDEN',
        },
        {
          name: 'not checked out',
          request: { url: `/api/v1/orders/${c.order.hiredOrderId}/adjust`, payload: body },
          status: 409,
          code: 'ORDER_STATE_INVALID',
        },
        {
          name: 'disputed',
          request: { url: `/api/v1/orders/${c.order.disputedOrderId}/adjust`, payload: body },
          status: 409,
          code: 'ORDER_STATE_INVALID',
        },
        { name: 'minutes 1441', request: { payload: { ...body, minutes: 1441 } }, code: 'VALIDATION_FAILED' },
        {
          name: 'negative minutes',
          request: { payload: { ...body, minutes: -1 } },
          code: 'VALIDATION_FAILED',
        },
        { name: 'no reason', request: { payload: { minutes: 60 } }, code: 'VALIDATION_FAILED' },
        {
          name: 'blank reason',
          request: { payload: { ...body, reason: '\u3000 ' } },
          code: 'VALIDATION_FAILED',
        },
      ];
    },
  },
  'POST /api/v1/orders/:id/cancel': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/cancel`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => [
      ...orderReadCases(c, 'POST', '/cancel', {}),
      { name: 'disputed (worker)', request: { payload: {} }, status: 409, code: 'ORDER_STATE_INVALID' },
      {
        name: 'disputed (employer)',
        request: { headers: c.order.employer.auth, payload: { reason: '活动取消' } },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'disputed (admin)',
        request: { headers: c.admin.auth, payload: { reason: '活动取消' } },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      {
        name: 'checked out (employer)',
        request: {
          url: `/api/v1/orders/${c.order.checkedOutOrderId}/cancel`,
          headers: c.order.employer.auth,
          payload: {},
        },
        status: 409,
        code: 'ORDER_STATE_INVALID',
      },
      { name: 'reason of 201 characters', request: { payload: { reason: '因'.repeat(201) } }, status: 400 },
      {
        name: 'bad idempotency key',
        request: { payload: {}, headers: { 'idempotency-key': 'has space' } },
        status: 400,
        code: 'IDEMPOTENCY_KEY_INVALID',
      },
    ],
  },

  // Order service: disputes
  'POST /api/v1/orders/:id/disputes': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/disputes`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => {
      const body = { reason: '雇主少算了工时' };
      return [
        ...orderReadCases(c, 'POST', '/disputes', body),
        { name: 'disputed already', request: { payload: body }, status: 409, code: 'ORDER_STATE_INVALID' },
        {
          name: 'no work done yet',
          request: {
            url: `/api/v1/orders/${c.order.hiredOrderId}/disputes`,
            headers: c.order.worker.auth,
            payload: body,
          },
          status: 409,
          code: 'ORDER_STATE_INVALID',
        },
        {
          name: 'an admin',
          request: {
            url: `/api/v1/orders/${c.order.checkedOutOrderId}/disputes`,
            headers: c.admin.auth,
            payload: body,
          },
          status: 403,
          code: 'ORDER_ACTION_FORBIDDEN',
        },
        { name: 'blank reason', request: { payload: { reason: '  ' } }, code: 'VALIDATION_FAILED' },
        { name: 'reason of 501 characters', request: { payload: { reason: '因'.repeat(501) } }, status: 400 },
      ];
    },
  },
  'GET /api/v1/orders/:id/disputes': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/disputes`,
    headers: (c) => c.order.disputer.auth,
    cases: (c) => orderReadCases(c, 'GET', '/disputes'),
  },
  'POST /api/v1/orders/:id/disputes/:disputeId/response': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/response`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => {
      const body = { response: '工人提前签退' };
      return [
        ...authCases(),
        ...disputeCases(c, 'POST', '/response', body),
        { name: 'answered already', request: { payload: body }, status: 409, code: 'DISPUTE_CLOSED' },
        {
          name: 'the party who opened it',
          request: { headers: c.order.disputer.auth, payload: body },
          status: 403,
          code: 'ORDER_ACTION_FORBIDDEN',
        },
        {
          name: 'an admin',
          request: { headers: c.admin.auth, payload: body },
          status: 403,
          code: 'ORDER_ACTION_FORBIDDEN',
        },
        { name: 'blank response', request: { payload: { response: '\u200b' } }, code: 'VALIDATION_FAILED' },
        { name: 'no response', request: { payload: {} }, code: 'VALIDATION_FAILED' },
      ];
    },
  },
  'POST /api/v1/orders/:id/disputes/:disputeId/evidence': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/evidence`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => {
      const png = { payload: PNG_1X1, headers: { 'content-type': 'image/png' } };
      const as = (user: LoggedIn) => ({ ...png, headers: { ...png.headers, ...user.auth } });
      return [
        ...authCases(),
        ...disputeCases(c, 'POST', '/evidence', undefined).map((bad) => ({
          ...bad,
          request: {
            ...bad.request,
            ...png,
            headers: { ...png.headers, ...(bad.request.headers ?? {}) },
          },
        })),
        { name: 'JSON body', request: { payload: { image: 'x' } }, status: 400, code: 'EVIDENCE_INVALID' },
        {
          name: 'text disguised as PNG',
          request: { payload: Buffer.from('hello'), headers: { 'content-type': 'image/png' } },
          status: 400,
          code: 'EVIDENCE_INVALID',
        },
        {
          name: 'PNG disguised as JPEG',
          request: { payload: PNG_1X1, headers: { 'content-type': 'image/jpeg' } },
          status: 400,
          code: 'EVIDENCE_INVALID',
        },
        {
          name: 'empty image',
          request: { payload: Buffer.alloc(0), headers: { 'content-type': 'image/webp' } },
          status: 400,
        },
        {
          name: 'PNG of 9000 × 9000 pixels',
          request: { payload: pngOfSide(9000), headers: { 'content-type': 'image/png' } },
          status: 400,
          code: 'EVIDENCE_INVALID',
        },
        {
          name: 'image over 5 MB',
          request: {
            payload: Buffer.alloc(5 * 1024 * 1024 + 1, 1),
            headers: { 'content-type': 'image/png' },
          },
          status: 413,
        },
        {
          name: 'PDF',
          request: { payload: Buffer.from('%PDF-1.7'), headers: { 'content-type': 'application/pdf' } },
          status: 415,
        },
        {
          name: 'SVG (scriptable)',
          request: { payload: Buffer.from('<svg/>'), headers: { 'content-type': 'image/svg+xml' } },
          status: 415,
        },
        { name: 'an admin', request: as(c.admin), status: 403, code: 'ORDER_ACTION_FORBIDDEN' },
      ];
    },
  },
  'GET /api/v1/orders/:id/disputes/:disputeId/evidence/:index': {
    url: (c) => `/api/v1/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/evidence/0`,
    headers: (c) => c.order.disputer.auth,
    cases: (c): BadCase[] => [
      ...authCases(),
      ...disputeCases(c, 'GET', '/evidence/0', undefined),
      { name: 'no evidence added', request: {}, status: 404, code: 'EVIDENCE_NOT_FOUND' },
      {
        name: 'index 9 (at most 9 files)',
        request: {
          url: `/api/v1/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/evidence/9`,
        },
        status: 400,
      },
      {
        name: 'index -1',
        request: {
          url: `/api/v1/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/evidence/-1`,
        },
        status: 400,
      },
    ],
  },

  // Order service: admin
  'GET /api/v1/admin/orders': {
    url: () => '/api/v1/admin/orders?state=disputed',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'no state', request: { url: '/api/v1/admin/orders' }, code: 'VALIDATION_FAILED' },
      {
        name: 'unknown state',
        request: { url: '/api/v1/admin/orders?state=paid' },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'limit 0',
        request: { url: '/api/v1/admin/orders?state=hired&limit=0' },
        code: 'VALIDATION_FAILED',
      },
      {
        name: 'forged cursor',
        request: { url: '/api/v1/admin/orders?state=hired&cursor=abc.def' },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'POST /api/v1/admin/orders/:id/transition': {
    url: (c) => `/api/v1/admin/orders/${c.order.disputedOrderId}/transition`,
    headers: asAdmin,
    cases: (c): BadCase[] => {
      const reason = '运营核查';
      return [
        ...adminCases(c),
        {
          name: 'the order’s employer',
          request: { headers: c.order.employer.auth, payload: { to: 'completed', reason } },
          status: 403,
          code: 'FORBIDDEN',
        },
        ...(['completed', 'cancelled', 'no_show'] as const).map((to) => ({
          name: `disputed to ${to}`,
          request: { payload: { to, reason } },
          status: 409,
          code: 'ORDER_STATE_INVALID',
        })),
        {
          name: 'checked out to no_show',
          request: {
            url: `/api/v1/admin/orders/${c.order.checkedOutOrderId}/transition`,
            payload: { to: 'no_show', reason },
          },
          status: 409,
          code: 'ORDER_STATE_INVALID',
        },
        { name: 'to void', request: { payload: { to: 'void', reason } }, code: 'VALIDATION_FAILED' },
        { name: 'to resolved', request: { payload: { to: 'resolved', reason } }, code: 'VALIDATION_FAILED' },
        { name: 'no reason', request: { payload: { to: 'completed' } }, code: 'VALIDATION_FAILED' },
        {
          name: 'unknown order',
          request: {
            url: `/api/v1/admin/orders/${UNKNOWN_ID}/transition`,
            payload: { to: 'completed', reason },
          },
          status: 404,
          code: 'ORDER_NOT_FOUND',
        },
      ];
    },
  },
  'GET /api/v1/admin/disputes': {
    url: () => '/api/v1/admin/disputes',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      { name: 'unknown status', request: { query: { status: 'closed' } }, code: 'VALIDATION_FAILED' },
      { name: 'limit 0', request: { query: { limit: '0' } }, code: 'VALIDATION_FAILED' },
      {
        name: 'forged cursor',
        request: { query: { cursor: 'abc.def' } },
        status: 400,
        code: 'INVALID_CURSOR',
      },
    ],
  },
  'POST /api/v1/admin/orders/:id/disputes/:disputeId/decide': {
    url: (c) => `/api/v1/admin/orders/${c.order.disputedOrderId}/disputes/${c.order.disputeId}/decide`,
    headers: asAdmin,
    cases: (c): BadCase[] => {
      const decision = '按考勤记录支付';
      return [
        ...adminCases(c),
        {
          name: 'more than the wage held',
          request: { payload: { workerFen: 20_001, decision } },
          status: 400,
          code: 'DISPUTE_SPLIT_INVALID',
        },
        {
          name: 'negative share',
          request: { payload: { workerFen: -1, decision } },
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'share in yuan with decimals',
          request: { payload: { workerFen: 100.5, decision } },
          status: 400,
        },
        {
          name: 'blank decision',
          request: { payload: { workerFen: 100, decision: ' ' } },
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'unknown dispute',
          request: {
            url: `/api/v1/admin/orders/${c.order.disputedOrderId}/disputes/${UNKNOWN_ID}/decide`,
            payload: { workerFen: 100, decision },
          },
          status: 404,
          code: 'DISPUTE_NOT_FOUND',
        },
        {
          name: 'the dispute under another order',
          request: {
            url: `/api/v1/admin/orders/${c.order.checkedOutOrderId}/disputes/${c.order.disputeId}/decide`,
            payload: { workerFen: 100, decision },
          },
          status: 404,
          code: 'DISPUTE_NOT_FOUND',
        },
        {
          name: 'unknown order',
          request: {
            url: `/api/v1/admin/orders/${UNKNOWN_ID}/disputes/${c.order.disputeId}/decide`,
            payload: { workerFen: 100, decision },
          },
          status: 404,
          code: 'ORDER_NOT_FOUND',
        },
      ];
    },
  },

  // Review service
  'POST /api/v1/orders/:orderId/reviews': {
    url: (c) => `/api/v1/orders/${c.order.unreviewedOrderId}/reviews`,
    headers: (c) => c.order.unreviewedWorker.auth,
    cases: (c): BadCase[] => {
      const body = { stars: 5, tags: ['paid_on_time'], text: '结算及时' };
      const wrap = (changes: Record<string, unknown>) => ({ payload: { ...body, ...changes } });
      const at = (orderId: string, user: LoggedIn, payload: object) => ({
        url: `/api/v1/orders/${orderId}/reviews`,
        headers: user.auth,
        payload,
      });
      return [
        ...authCases(),
        {
          name: 'a stranger to the order',
          request: { headers: c.worker.auth, payload: body },
          status: 404,
          code: 'REVIEW_ORDER_NOT_FOUND',
        },
        {
          name: 'another employer',
          request: { headers: c.employer.auth, payload: { stars: 4 } },
          status: 404,
          code: 'REVIEW_ORDER_NOT_FOUND',
        },
        {
          name: 'an admin (not a party)',
          request: { headers: c.admin.auth, payload: { stars: 4 } },
          status: 404,
          code: 'REVIEW_ORDER_NOT_FOUND',
        },
        {
          name: 'unknown order',
          request: { url: `/api/v1/orders/${UNKNOWN_ID}/reviews`, payload: body },
          status: 404,
          code: 'REVIEW_ORDER_NOT_FOUND',
        },
        {
          name: 'order id not a ULID',
          request: { url: '/api/v1/orders/42/reviews', payload: body },
          status: 400,
        },
        {
          name: 'an order not completed',
          request: at(c.order.hiredOrderId, c.order.worker, body),
          status: 404,
          code: 'REVIEW_ORDER_NOT_FOUND',
        },
        {
          name: 'reviewed already',
          request: at(c.order.waitingOrderId, c.order.waitingWorker, { stars: 1 }),
          status: 409,
          code: 'ALREADY_REVIEWED',
        },
        {
          name: 'reviews published already',
          request: at(c.order.reviewedOrderId, c.order.reviewWorker, { stars: 1 }),
          status: 409,
          code: 'REVIEW_WINDOW_CLOSED',
        },
        ...[0, 6, -1, 3.5, '5', null].map((stars) => ({
          name: `stars ${JSON.stringify(stars)}`,
          request: wrap({ stars }),
          status: 400,
          code: 'VALIDATION_FAILED',
        })),
        { name: 'no stars', request: { payload: { tags: ['paid_on_time'] } }, code: 'VALIDATION_FAILED' },
        {
          name: "a tag of the employer's list",
          request: wrap({ tags: ['punctual'] }),
          status: 400,
          code: 'REVIEW_TAGS_INVALID',
        },
        {
          name: 'an unknown tag',
          request: wrap({ tags: ['paid_on_time', 'generous'] }),
          status: 400,
          code: 'REVIEW_TAGS_INVALID',
        },
        {
          name: "the employer with a tag of the worker's list",
          request: at(c.order.unreviewedOrderId, c.order.employer, { stars: 4, tags: ['paid_on_time'] }),
          status: 400,
          code: 'REVIEW_TAGS_INVALID',
        },
        {
          name: '6 tags',
          request: wrap({
            tags: [
              'paid_on_time',
              'good_environment',
              'as_described',
              'friendly',
              'well_organised',
              'meals_provided',
            ],
          }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'a tag twice',
          request: wrap({ tags: ['friendly', 'friendly'] }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'a tag of 41 characters',
          request: wrap({ tags: ['x'.repeat(41)] }),
          code: 'VALIDATION_FAILED',
        },
        { name: 'a tag not a string', request: wrap({ tags: [1] }), code: 'VALIDATION_FAILED' },
        { name: 'tags as a string', request: wrap({ tags: 'friendly' }), code: 'VALIDATION_FAILED' },
        ...badReviewText('text', 500, wrap),
        {
          name: 'prohibited text',
          request: wrap({ text: '有刷单任务找我' }),
          status: 400,
          code: 'REVIEW_TEXT_REFUSED',
        },
        {
          name: 'an unknown field',
          request: wrap({ anonymous: true }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'bad idempotency key',
          request: { payload: body, headers: { 'idempotency-key': 'has space' } },
          status: 400,
          code: 'IDEMPOTENCY_KEY_INVALID',
        },
      ];
    },
  },
  'GET /api/v1/orders/:orderId/reviews': {
    url: (c) => `/api/v1/orders/${c.order.reviewedOrderId}/reviews`,
    headers: (c) => c.order.reviewWorker.auth,
    cases: (c): BadCase[] => [
      ...authCases(),
      {
        name: 'a stranger to the order',
        request: { headers: c.worker.auth },
        status: 404,
        code: 'REVIEW_ORDER_NOT_FOUND',
      },
      {
        name: 'another employer',
        request: { headers: c.employer.auth },
        status: 404,
        code: 'REVIEW_ORDER_NOT_FOUND',
      },
      {
        name: 'unknown order',
        request: { url: `/api/v1/orders/${UNKNOWN_ID}/reviews` },
        status: 404,
        code: 'REVIEW_ORDER_NOT_FOUND',
      },
      {
        name: 'unknown order (admin)',
        request: { url: `/api/v1/orders/${UNKNOWN_ID}/reviews`, headers: c.admin.auth },
        status: 404,
        code: 'REVIEW_ORDER_NOT_FOUND',
      },
      {
        name: 'an order not completed',
        request: { url: `/api/v1/orders/${c.order.hiredOrderId}/reviews`, headers: c.order.worker.auth },
        status: 404,
        code: 'REVIEW_ORDER_NOT_FOUND',
      },
      { name: 'order id not a ULID', request: { url: '/api/v1/orders/42/reviews' }, status: 400 },
    ],
  },
  'POST /api/v1/reviews/:id/reply': {
    url: (c) => `/api/v1/reviews/${c.order.reviewId}/reply`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => {
      const body = { text: '感谢评价' };
      return [
        ...authCases(),
        { name: 'answered already', request: { payload: body }, status: 409, code: 'ALREADY_REPLIED' },
        {
          name: 'its author',
          request: { headers: c.order.reviewWorker.auth, payload: body },
          status: 403,
          code: 'REPLY_FORBIDDEN',
        },
        {
          name: 'a stranger',
          request: { headers: c.worker.auth, payload: body },
          status: 403,
          code: 'REPLY_FORBIDDEN',
        },
        {
          name: 'an admin',
          request: { headers: c.admin.auth, payload: body },
          status: 403,
          code: 'REPLY_FORBIDDEN',
        },
        ...reviewIdCases(
          c,
          'reviews/:id/reply',
          body,
          // Asked by the hidden review's subject, who could answer it were it not hidden.
          { headers: c.order.reviewWorker.auth, status: 404, code: 'REVIEW_NOT_FOUND' },
          { headers: c.order.employer.auth, status: 409, code: 'REVIEW_NOT_PUBLISHED' },
        ),
        { name: 'no text', request: { payload: {} }, code: 'VALIDATION_FAILED' },
        ...badReviewText('text', 500, (changes) => ({ payload: changes })),
      ];
    },
  },
  'POST /api/v1/reviews/:id/reports': {
    url: (c) => `/api/v1/reviews/${c.order.reviewId}/reports`,
    headers: (c) => c.order.employer.auth,
    cases: (c): BadCase[] => {
      const body = { reason: '评价内容与事实不符' };
      return [
        ...authCases(),
        { name: 'reported already', request: { payload: body }, status: 409, code: 'ALREADY_REPORTED' },
        {
          name: 'its author',
          request: { headers: c.order.reviewWorker.auth, payload: body },
          status: 409,
          code: 'OWN_REVIEW',
        },
        ...reviewIdCases(
          c,
          'reviews/:id/reports',
          body,
          { status: 404, code: 'REVIEW_NOT_FOUND' },
          { headers: c.worker.auth, status: 404, code: 'REVIEW_NOT_FOUND' },
        ),
        { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
        ...badReviewText('reason', 200, (changes) => ({ payload: changes })),
      ];
    },
  },
  'GET /api/v1/reviews/tags': {
    url: () => '/api/v1/reviews/tags',
    cases: () => [{ name: 'DELETE is not allowed', request: { method: 'DELETE' }, status: 404 }],
  },
  'GET /api/v1/users/:userId/reviews': {
    url: (c) => `/api/v1/users/${c.order.reviewWorker.userId}/reviews`,
    cases: (): BadCase[] => [
      ...userIdCases('/reviews'),
      { name: 'as an admin', request: { query: { as: 'admin' } }, status: 400, code: 'VALIDATION_FAILED' },
      { name: 'as other', request: { query: { as: 'other' } }, status: 400, code: 'VALIDATION_FAILED' },
      ...pageCases(),
      {
        name: 'an unknown query field',
        request: { query: { stars: '5' } },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'GET /api/v1/users/:userId/reviews/summary': {
    url: (c) => `/api/v1/users/${c.order.reviewWorker.userId}/reviews/summary`,
    cases: (): BadCase[] => [
      ...userIdCases('/reviews/summary'),
      { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
    ],
  },
  'GET /api/v1/users/:userId/credit': {
    url: (c) => `/api/v1/users/${c.order.reviewWorker.userId}/credit`,
    headers: (c) => c.order.reviewWorker.auth,
    cases: (): BadCase[] => [...authCases(), ...userIdCases('/credit')],
  },
  'GET /api/v1/admin/reviews/queue': {
    url: () => '/api/v1/admin/reviews/queue',
    headers: asAdmin,
    cases: (c): BadCase[] => [
      ...adminCases(c),
      {
        name: 'an employer',
        request: { headers: c.order.employer.auth },
        status: 403,
        code: 'FORBIDDEN',
      },
      ...pageCases(),
      {
        name: 'an unknown query field',
        request: { query: { status: 'open' } },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'POST /api/v1/admin/reviews/:id/hide': {
    url: (c) => `/api/v1/admin/reviews/${c.order.hiddenReviewId}/hide`,
    headers: asAdmin,
    cases: (c): BadCase[] => {
      const body = { reason: '含有辱骂内容' };
      return [
        ...adminCases(c),
        {
          name: 'the reviewed employer',
          request: {
            url: `/api/v1/admin/reviews/${c.order.reviewId}/hide`,
            headers: c.order.employer.auth,
            payload: body,
          },
          status: 403,
          code: 'FORBIDDEN',
        },
        { name: 'hidden already', request: { payload: body }, status: 409, code: 'REVIEW_ALREADY_HIDDEN' },
        ...reviewIdCases(c, 'admin/reviews/:id/hide', body, { status: 409, code: 'REVIEW_ALREADY_HIDDEN' }),
        { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
        ...badReviewText('reason', 200, (changes) => ({ payload: changes })),
      ];
    },
  },
  'POST /api/v1/admin/reviews/:id/dismiss': {
    url: (c) => `/api/v1/admin/reviews/${c.order.hiddenReviewId}/dismiss`,
    headers: asAdmin,
    cases: (c): BadCase[] => {
      const body = { reason: '评价属实' };
      return [
        ...adminCases(c),
        {
          name: 'the reviewed employer',
          request: {
            url: `/api/v1/admin/reviews/${c.order.reviewId}/dismiss`,
            headers: c.order.employer.auth,
            payload: body,
          },
          status: 403,
          code: 'FORBIDDEN',
        },
        { name: 'hidden already', request: { payload: body }, status: 409, code: 'REVIEW_ALREADY_HIDDEN' },
        ...reviewIdCases(c, 'admin/reviews/:id/dismiss', body, {
          status: 409,
          code: 'REVIEW_ALREADY_HIDDEN',
        }),
        { name: 'no reason', request: { payload: {} }, code: 'VALIDATION_FAILED' },
        ...badReviewText('reason', 200, (changes) => ({ payload: changes })),
      ];
    },
  },
  'GET /internal/v1/reviews/summaries': {
    url: (c) => `/internal/v1/reviews/summaries?ids=${c.order.reviewWorker.userId}`,
    headers: asService,
    cases: (c): BadCase[] => {
      const ids = (value: string) => ({
        url: `/internal/v1/reviews/summaries?ids=${encodeURIComponent(value)}`,
      });
      const id = c.order.reviewWorker.userId;
      return [
        ...serviceCases(),
        {
          name: "a user's bearer token",
          request: { headers: { 'x-service-token': '', ...c.worker.auth } },
          status: 401,
        },
        {
          name: 'no ids',
          request: { url: '/internal/v1/reviews/summaries' },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        { name: 'empty ids', request: ids(''), status: 400, code: 'VALIDATION_FAILED' },
        { name: 'ids not ULIDs', request: ids('1,2,3'), status: 400, code: 'VALIDATION_FAILED' },
        { name: 'a lower-case id', request: ids(id.toLowerCase()), status: 400, code: 'VALIDATION_FAILED' },
        { name: 'a trailing comma', request: ids(`${id},`), status: 400, code: 'VALIDATION_FAILED' },
        {
          name: 'ids separated by spaces',
          request: ids(`${id} ${UNKNOWN_ID}`),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: '101 ids',
          request: ids(Array.from({ length: 101 }, () => UNKNOWN_ID).join(',')),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'ids given twice',
          request: { url: `/internal/v1/reviews/summaries?ids=${id}&ids=${UNKNOWN_ID}` },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
      ];
    },
  },

  // Message service: conversations
  'GET /api/v1/conversations': {
    url: () => '/api/v1/conversations',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      ...pageCases(),
      {
        name: 'an unknown query field',
        request: { query: { unread: 'true' } },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'GET /api/v1/conversations/blocks': {
    url: () => '/api/v1/conversations/blocks',
    headers: asWorker,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
    ],
  },
  'PUT /api/v1/conversations/blocks/:userId': {
    // Blocking oneself: refused, so that no case blocks anyone.
    url: (c) => `/api/v1/conversations/blocks/${c.worker.userId}`,
    headers: asWorker,
    cases: (c): BadCase[] => {
      const at = (id: string) => ({ url: `/api/v1/conversations/blocks/${id}` });
      return [
        ...authCases(),
        { name: 'block oneself', request: {}, status: 400, code: 'BLOCK_SELF' },
        { name: 'unknown user', request: at(UNKNOWN_ID), status: 404, code: 'USER_NOT_FOUND' },
        {
          name: "a conversation's id",
          request: at(c.order.conversationId),
          status: 404,
          code: 'USER_NOT_FOUND',
        },
        { name: 'user id not a ULID', request: at('42'), status: 400, code: 'VALIDATION_FAILED' },
        {
          name: 'user id in lower case',
          request: at(c.order.employer.userId.toLowerCase()),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'user id with I (not Crockford base 32)',
          request: at('01ARZ3NDEKTSV4RRFFQ69G5FAI'),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
      ];
    },
  },
  'DELETE /api/v1/conversations/blocks/:userId': {
    // Unblocking answers 204 whether or not a block stood: only the token and the id can be wrong.
    url: (c) => `/api/v1/conversations/blocks/${c.employer.userId}`,
    headers: asWorker,
    cases: (c): BadCase[] => {
      const at = (id: string) => ({ url: `/api/v1/conversations/blocks/${id}` });
      return [
        ...authCases(),
        { name: 'user id not a ULID', request: at('42'), status: 400, code: 'VALIDATION_FAILED' },
        {
          name: 'user id in lower case',
          request: at(c.employer.userId.toLowerCase()),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'user id with I (not Crockford base 32)',
          request: at('01ARZ3NDEKTSV4RRFFQ69G5FAI'),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
      ];
    },
  },
  'GET /api/v1/conversations/:id': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}`,
    headers: (c) => c.order.worker.auth,
    cases: (c) => conversationCases(c, ''),
  },
  'GET /api/v1/conversations/:id/messages': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/messages`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => [
      ...conversationCases(c, '/messages'),
      ...pageCases(),
      {
        name: 'an unknown query field',
        request: { query: { after: c.order.messageId } },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
    ],
  },
  'POST /api/v1/conversations/:id/messages': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/messages`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const body = { text: '好的，明天见' };
      const wrap = (changes: Record<string, unknown>) => ({ payload: { ...body, ...changes } });
      const blocked = (user: LoggedIn) => ({
        url: `/api/v1/conversations/${c.order.blockedConversationId}/messages`,
        headers: user.auth,
        payload: body,
      });
      return [
        ...conversationCases(c, '/messages', { payload: body }),
        {
          name: 'blocked by the other party',
          request: blocked(c.order.employer),
          status: 403,
          code: 'MESSAGE_BLOCKED',
        },
        {
          name: 'to the party one blocked',
          request: blocked(c.order.disputer),
          status: 403,
          code: 'MESSAGE_BLOCKED',
        },
        { name: 'no text', request: { payload: {} }, status: 400, code: 'VALIDATION_FAILED' },
        ...badReviewText('text', 1000, wrap),
        { name: 'text null', request: wrap({ text: null }), status: 400, code: 'VALIDATION_FAILED' },
        {
          name: 'text as an array',
          request: wrap({ text: ['你好'] }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'text with a BEL control character',
          request: wrap({ text: '你好\u0007' }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'text with ESC (terminal escape)',
          request: wrap({ text: '\u001b[31m你好' }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'prohibited text',
          request: wrap({ text: '有刷单任务找我' }),
          status: 400,
          code: 'MESSAGE_TEXT_REFUSED',
        },
        {
          name: 'an unknown field beside the text',
          request: wrap({ kind: 'system' }),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'an image sent as a text message',
          request: { payload: PNG_1X1, headers: { 'content-type': 'image/png' } },
          status: 415,
        },
      ];
    },
  },
  'POST /api/v1/conversations/:id/images': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/images`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const png = { payload: PNG_1X1, headers: { 'content-type': 'image/png' } };
      const image = (payload: Buffer, type: string) => ({ payload, headers: { 'content-type': type } });
      const invalid = { status: 400, code: 'IMAGE_INVALID' };
      return [
        ...conversationCases(c, '/images', png),
        {
          name: 'blocked by the other party',
          request: {
            ...png,
            url: `/api/v1/conversations/${c.order.blockedConversationId}/images`,
            headers: { ...png.headers, ...c.order.employer.auth },
          },
          status: 403,
          code: 'MESSAGE_BLOCKED',
        },
        { name: 'JSON body', request: { payload: { image: 'x' } }, ...invalid },
        { name: 'text disguised as PNG', request: image(Buffer.from('hello'), 'image/png'), ...invalid },
        { name: 'PNG disguised as JPEG', request: image(PNG_1X1, 'image/jpeg'), ...invalid },
        { name: 'PNG disguised as WebP', request: image(PNG_1X1, 'image/webp'), ...invalid },
        { name: 'truncated PNG', request: image(PNG_1X1.subarray(0, 40), 'image/png'), ...invalid },
        { name: 'empty image', request: image(Buffer.alloc(0), 'image/png'), ...invalid },
        { name: 'PNG of 9000 × 9000 pixels', request: image(pngOfSide(9000), 'image/png'), ...invalid },
        {
          name: 'image over 5 MB',
          request: image(Buffer.alloc(5 * 1024 * 1024 + 1, 1), 'image/png'),
          status: 413,
        },
        { name: 'PDF', request: image(Buffer.from('%PDF-1.7'), 'application/pdf'), status: 415 },
        { name: 'SVG (scriptable)', request: image(Buffer.from('<svg/>'), 'image/svg+xml'), status: 415 },
        { name: 'GIF', request: image(Buffer.from('GIF89a'), 'image/gif'), status: 415 },
        { name: 'plain text', request: image(Buffer.from('hello'), 'text/plain'), ...invalid },
      ];
    },
  },
  'GET /api/v1/conversations/:id/images/:messageId': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/images/${c.order.imageMessageId}`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const at = (id: string, conversationId = c.order.conversationId) => ({
        url: `/api/v1/conversations/${conversationId}/images/${id}`,
      });
      const missing = { status: 404, code: 'MESSAGE_NOT_FOUND' };
      return [
        ...conversationCases(c, `/images/${c.order.imageMessageId}`),
        { name: 'unknown message', request: at(UNKNOWN_ID), ...missing },
        { name: 'a text message', request: at(c.order.messageId), ...missing },
        {
          name: "the image under the employer's other conversation",
          request: {
            ...at(c.order.imageMessageId, c.order.blockedConversationId),
            headers: c.order.employer.auth,
          },
          ...missing,
        },
        { name: 'message id not a ULID', request: at('42'), status: 400, code: 'VALIDATION_FAILED' },
        {
          name: 'message id in lower case',
          request: at(c.order.imageMessageId.toLowerCase()),
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'path traversal',
          request: { url: `/api/v1/conversations/${c.order.conversationId}/images/..%2F..%2Fetc%2Fpasswd` },
          status: 400,
        },
      ];
    },
  },
  'POST /api/v1/conversations/:id/image-uploads': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/image-uploads`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      const body = (payload: object) => ({ payload });
      return [
        ...conversationCases(c, '/image-uploads', { payload: { contentType: 'image/png' } }),
        // The test platform stores files locally: direct uploads are refused, nothing is written.
        {
          name: 'local storage',
          request: body({ contentType: 'image/png' }),
          status: 409,
          code: 'DIRECT_UPLOAD_UNAVAILABLE',
        },
        { name: 'a GIF', request: body({ contentType: 'image/gif' }), ...invalid },
        { name: 'SVG', request: body({ contentType: 'image/svg+xml' }), ...invalid },
        { name: 'no content type', request: body({}), ...invalid },
        { name: 'an unknown field', request: body({ contentType: 'image/png', size: 10 }), ...invalid },
      ];
    },
  },
  'POST /api/v1/conversations/:id/image-uploads/:upload/complete': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/image-uploads/${UNKNOWN_ID}.png/complete`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const at = (uploadId: string) => ({
        url: `/api/v1/conversations/${c.order.conversationId}/image-uploads/${uploadId}/complete`,
      });
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      return [
        ...conversationCases(c, `/image-uploads/${UNKNOWN_ID}.png/complete`),
        { name: 'an upload never made', request: {}, status: 404, code: 'UPLOAD_NOT_FOUND' },
        { name: 'an upload id without its type', request: at(UNKNOWN_ID), ...invalid },
        { name: 'an upload id of a GIF', request: at(`${UNKNOWN_ID}.gif`), ...invalid },
        { name: 'an upload id in lower case', request: at(`${UNKNOWN_ID.toLowerCase()}.png`), ...invalid },
        { name: 'a path in the upload id', request: at(`..%2F${UNKNOWN_ID}.png`), ...invalid },
      ];
    },
  },
  'GET /api/v1/conversations/:id/images/:messageId/link': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/images/${c.order.imageMessageId}/link`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const at = (id: string) => ({
        url: `/api/v1/conversations/${c.order.conversationId}/images/${id}/link`,
      });
      const missing = { status: 404, code: 'MESSAGE_NOT_FOUND' };
      return [
        ...conversationCases(c, `/images/${c.order.imageMessageId}/link`),
        { name: 'unknown message', request: at(UNKNOWN_ID), ...missing },
        { name: 'a text message', request: at(c.order.messageId), ...missing },
        { name: 'message id not a ULID', request: at('42'), status: 400, code: 'VALIDATION_FAILED' },
      ];
    },
  },
  'GET /files/*': {
    // A link as the image-link route signs it is made in the case itself: these are all refused.
    url: () => `/files/message/images/x/y.png?expires=99999999999&signature=${'0'.repeat(64)}`,
    cases: (): BadCase[] => {
      const invalid = { status: 403, code: 'FILE_LINK_INVALID' };
      const sig = '0'.repeat(64);
      return [
        { name: 'a forged signature', request: {}, ...invalid },
        {
          name: 'no signature',
          request: { url: '/files/message/images/x/y.png?expires=99999999999' },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'a signature not hex',
          request: { url: `/files/message/images/x/y.png?expires=1&signature=${'z'.repeat(64)}` },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'expires not a number',
          request: { url: `/files/message/images/x/y.png?expires=soon&signature=${sig}` },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        {
          name: 'a key escaping its folder',
          request: { url: `/files/message/../../etc/passwd?expires=99999999999&signature=${sig}` },
          status: 404,
        },
        {
          name: 'an encoded traversal',
          request: { url: `/files/message/%2e%2e/%2e%2e/etc/passwd?expires=99999999999&signature=${sig}` },
          status: 404,
        },
        {
          name: 'an unknown query field',
          request: { url: `/files/message/images/x/y.png?expires=1&signature=${sig}&user=1` },
          status: 400,
          code: 'VALIDATION_FAILED',
        },
        { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
      ];
    },
  },
  'POST /api/v1/conversations/:id/read': {
    url: (c) => `/api/v1/conversations/${c.order.conversationId}/read`,
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const read = (messageId: unknown) => ({ payload: { messageId } });
      const missing = { status: 404, code: 'MESSAGE_NOT_FOUND' };
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      return [
        ...conversationCases(c, '/read', read(c.order.messageId)),
        { name: 'unknown message', request: read(UNKNOWN_ID), ...missing },
        { name: 'a message of another conversation', request: read(c.order.otherMessageId), ...missing },
        {
          name: "a message of the employer's other conversation",
          request: { ...read(c.order.otherMessageId), headers: c.order.employer.auth },
          ...missing,
        },
        { name: "the conversation's own id", request: read(c.order.conversationId), ...missing },
        { name: 'no message id', request: { payload: {} }, ...invalid },
        { name: 'message id not a ULID', request: read('42'), ...invalid },
        { name: 'message id in lower case', request: read(c.order.messageId.toLowerCase()), ...invalid },
        { name: 'message id null', request: read(null), ...invalid },
        { name: 'message ids as an array', request: read([c.order.messageId]), ...invalid },
        {
          name: 'an unknown field beside the message id',
          request: { payload: { messageId: c.order.messageId, all: true } },
          ...invalid,
        },
      ];
    },
  },

  // Message service: notifications
  'GET /api/v1/notifications': {
    url: () => '/api/v1/notifications',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => {
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      return [
        ...authCases(),
        { name: 'unread=maybe', request: { query: { unread: 'maybe' } }, ...invalid },
        { name: 'unread=2', request: { query: { unread: '2' } }, ...invalid },
        ...pageCases(),
        { name: 'limit -1', request: { query: { limit: '-1' } }, ...invalid },
        { name: 'an unknown query field', request: { query: { kind: 'order_hired' } }, ...invalid },
      ];
    },
  },
  'POST /api/v1/notifications/read': {
    url: () => '/api/v1/notifications/read',
    headers: (c) => c.order.worker.auth,
    cases: (c): BadCase[] => {
      const ids = (value: unknown) => ({ payload: { ids: value } });
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      return [
        ...authCases(),
        { name: 'ids not ULIDs', request: ids(['1', '2']), ...invalid },
        { name: 'an id in lower case', request: ids([UNKNOWN_ID.toLowerCase()]), ...invalid },
        { name: 'an id as a number', request: ids([42]), ...invalid },
        { name: 'no ids (an empty list)', request: ids([]), ...invalid },
        { name: '101 ids', request: ids(manyIds(101)), ...invalid },
        { name: 'an id twice', request: ids([UNKNOWN_ID, UNKNOWN_ID]), ...invalid },
        { name: 'ids as a string', request: ids(UNKNOWN_ID), ...invalid },
        { name: 'ids null', request: ids(null), ...invalid },
        {
          name: 'an unknown field beside the ids',
          request: { payload: { ids: [UNKNOWN_ID], all: true } },
          ...invalid,
        },
        { name: 'all as a field', request: { payload: { all: true } }, ...invalid },
        {
          name: "another user's id as the key",
          request: { payload: { userId: c.worker.userId } },
          ...invalid,
        },
      ];
    },
  },
  'GET /api/v1/notifications/unread-count': {
    url: () => '/api/v1/notifications/unread-count',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
    ],
  },

  'GET /api/v1/notifications/preferences': {
    url: () => '/api/v1/notifications/preferences',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
    ],
  },
  'PUT /api/v1/notifications/preferences': {
    url: () => '/api/v1/notifications/preferences',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => {
      const body = (payload: object) => ({ payload });
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      return [
        ...authCases(),
        { name: 'an unknown kind muted', request: body({ mutedKinds: ['order_paid'] }), ...invalid },
        {
          name: 'a kind muted twice',
          request: body({ mutedKinds: ['review_received', 'review_received'] }),
          ...invalid,
        },
        { name: 'kinds as a string', request: body({ mutedKinds: 'review_received' }), ...invalid },
        { name: 'push as a string', request: body({ push: 'yes' }), ...invalid },
        {
          name: 'quiet hours at 24:00',
          request: body({ quietHours: { start: '24:00', end: '08:00' } }),
          ...invalid,
        },
        {
          name: 'quiet hours in H:MM',
          request: body({ quietHours: { start: '9:00', end: '18:00' } }),
          ...invalid,
        },
        { name: 'quiet hours without an end', request: body({ quietHours: { start: '22:00' } }), ...invalid },
        {
          name: 'quiet hours with an unknown field',
          request: body({ quietHours: { start: '22:00', end: '08:00', days: [1] } }),
          ...invalid,
        },
        { name: 'an unknown field', request: body({ sms: true }), ...invalid },
        { name: 'a list body', request: body([]), ...invalid },
      ];
    },
  },
  'PUT /api/v1/notifications/devices/:pushToken': {
    url: () => '/api/v1/notifications/devices/1a0018970aa2b3c4d5e',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => {
      const invalid = { status: 400, code: 'VALIDATION_FAILED' };
      const token = (t: string) => ({
        url: `/api/v1/notifications/devices/${t}`,
        payload: { platform: 'android' },
      });
      return [
        ...authCases(),
        { name: 'a token too short', request: token('abc'), ...invalid },
        { name: 'a token too long', request: token('a'.repeat(65)), ...invalid },
        { name: 'a token with a dot', request: token('abc.def.ghi.jkl'), ...invalid },
        { name: 'an unknown platform', request: { payload: { platform: 'harmony' } }, ...invalid },
        { name: 'no platform', request: { payload: {} }, ...invalid },
        { name: 'an unknown field', request: { payload: { platform: 'ios', model: 'x' } }, ...invalid },
      ];
    },
  },
  'DELETE /api/v1/notifications/devices/:pushToken': {
    url: () => '/api/v1/notifications/devices/1a0018970aa2b3c4d5e',
    headers: (c) => c.order.worker.auth,
    cases: (): BadCase[] => [
      ...authCases(),
      {
        name: 'a token with a dot',
        request: { url: '/api/v1/notifications/devices/abc.def.ghi.jkl' },
        status: 400,
        code: 'VALIDATION_FAILED',
      },
      { name: 'a token too short', request: { url: '/api/v1/notifications/devices/abc' }, status: 400 },
    ],
  },

  // Message service: the WebSocket (no `config.auth`: the token comes with the upgrade or first frame)
  'GET /ws': {
    url: () => '/ws',
    cases: (c): BadCase[] => {
      const upgrade = { status: 426, code: 'UPGRADE_REQUIRED' };
      return [
        { name: 'a plain GET', request: {}, ...upgrade },
        { name: 'a plain GET with a token', request: { headers: c.worker.auth }, ...upgrade },
        {
          name: 'a plain GET with a garbage token',
          request: { headers: { authorization: 'Bearer abc.def.ghi' } },
          ...upgrade,
        },
        {
          name: 'a token in the query (never read there)',
          request: { query: { token: c.worker.accessToken } },
          ...upgrade,
        },
        { name: 'POST is not allowed', request: { method: 'POST', payload: {} }, status: 404 },
      ];
    },
  },
};
