import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ServiceDatabase } from '../../src/platform/db/service-database.js';
import type { EventEnvelope } from '../../src/platform/events/types.js';
import { createIdGenerator, type IdGenerator } from '../../src/platform/ids.js';
import type { OrderChanged, OrderEventMap } from '../../src/services/order/index.js';
import type { ReviewDB } from '../../src/services/review/review.db.js';
import type { VerificationEventMap } from '../../src/services/verification/index.js';
import { call } from '../order/support.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/**
 * The credit score (docs/credit.md) against the real database: scripted histories of facts, handed
 * to the review service's event handlers as the order and verification services would publish
 * them, produce exactly the scores the documented formula gives (computed by hand in each comment),
 * read through GET /api/v1/users/{id}/credit; penalties fade through the nightly run on the fake
 * clock; and every event handled a second time changes nothing.
 */
const DAY = 86_400_000;
// Sessions of a year (the longest allowed), so that owners read their explanation across the clock's
// jumps; after longer ones creditOf signs the reader in again.
const REFRESH_TTL_SEC = String(365 * 86_400);

let p: TestPlatform;
let ids: IdGenerator;
let reviewDb: ServiceDatabase<ReviewDB>;

type Payloads = OrderEventMap & VerificationEventMap;
/** Every envelope handed to a handler, in order, for the replay. */
const script: { consumer: string; envelope: EventEnvelope }[] = [];
/** Every user of the histories with a record, for the replay's comparison. */
const everyone: LoggedIn[] = [];
const phones = new Map<string, string>();

beforeAll(async () => {
  p = await startTestPlatform({
    env: { LINGGONG_LOG_LEVEL: 'warn', LINGGONG_REFRESH_TOKEN_TTL_SEC: REFRESH_TTL_SEC },
  });
  ids = createIdGenerator(p.clock);
  reviewDb = p.services.get('review')!.db as ServiceDatabase<ReviewDB>;
});
afterAll(async () => {
  await p?.stop();
});

/** Runs one envelope through the review service's handler of `consumer`, in its own transaction. */
async function deliver(consumer: string, envelope: EventEnvelope): Promise<void> {
  const bound = p.services.get('review')!.instance.handlers!.find((h) => h.consumer === consumer);
  if (!bound) throw new Error(`no handler ${consumer}`);
  // The service's database as the platform holds it: handlers are typed for any schema.
  await p.services.get('review')!.db.transaction((tx) => bound.handler(envelope, tx));
}

/** Publishes (by hand) an event that happened now, as its producer's outbox would deliver it. */
async function send<K extends keyof Payloads>(type: K, payload: Payloads[K]): Promise<void> {
  const verification = type.startsWith('verification.');
  const envelope: EventEnvelope = {
    id: ids(),
    type,
    version: 1,
    payload,
    source: verification ? 'verification' : 'order',
    traceparent: null,
    createdAt: p.clock.now(),
  };
  const consumer = verification ? 'review.verification-facts' : 'review.order-facts';
  script.push({ consumer, envelope });
  await deliver(consumer, envelope);
}

/** A new order between the two, at the transition given. */
function order(
  worker: LoggedIn,
  employer: LoggedIn,
  from: OrderChanged['from'],
  to: OrderChanged['to'],
  actor: OrderChanged['actor'],
): OrderChanged {
  return {
    orderId: ids(),
    jobId: ids(),
    shiftId: ids(),
    workerId: worker.userId,
    employerId: employer.userId,
    from,
    to,
    actor,
    reason: null,
    version: 5,
  };
}

async function user(role: 'worker' | 'employer', scripted = true): Promise<LoggedIn> {
  const phone = newPhone();
  const u = await loginWithSms(p, phone, role);
  if (scripted) everyone.push(u);
  phones.set(u.userId, phone);
  return u;
}

async function verify(u: LoggedIn, kind: 'identity' | 'enterprise', version: number, approved = true) {
  if (approved) {
    await send('verification.approved', {
      userId: u.userId,
      kind,
      version,
      companyName: kind === 'enterprise' ? '上海测试服务有限公司' : null,
    });
  } else {
    await send('verification.revoked', { userId: u.userId, kind, version, reason: '证件失效' });
  }
}

/** Both parties' reviews of a completed order: the second publishes both. */
async function rate(
  worker: LoggedIn,
  employer: LoggedIn,
  orderId: string,
  stars: { worker: number; employer: number },
) {
  const url = `/api/v1/orders/${orderId}/reviews`;
  const first = await call(p, employer, 'POST', url, { stars: stars.worker });
  expect(first.status, JSON.stringify(first.body)).toBe(201);
  const second = await call(p, worker, 'POST', url, { stars: stars.employer });
  expect(second.status, JSON.stringify(second.body)).toBe(201);
  expect(second.body.status).toBe('published');
}

/** An order completed now; rated when `stars` are given ({ worker: stars the worker gets, … }). */
async function complete(worker: LoggedIn, employer: LoggedIn, stars?: { worker: number; employer: number }) {
  const o = order(worker, employer, 'submitted', 'completed', 'employer');
  await send('order.completed', { ...o, payFen: 20_000 });
  if (stars) await rate(worker, employer, o.orderId, stars);
  return o.orderId;
}

interface CreditBody {
  userId: string;
  score: number;
  level: string;
  computedAt: string;
  parts: {
    kind: string;
    points: number;
    count?: number;
    average?: number | null;
    identity?: boolean;
    enterprise?: boolean;
    events?: {
      refId: string;
      at: string;
      fullPoints: number;
      points: number;
      halvesAt: string;
      fadedAt: string;
    }[];
  }[];
  projections: { days: number; at: string; score: number }[];
}

/**
 * The explanation as its owner (or an admin) reads it. After the clock's long jumps the reader's
 * session is over (a session lasts at most a year from its sign-in): the reader signs in again.
 */
async function creditOf(u: LoggedIn, reader: LoggedIn = u): Promise<CreditBody> {
  const url = `/api/v1/users/${u.userId}/credit`;
  let res = await call(p, reader, 'GET', url).catch(() => ({ status: 401, body: {} }));
  const phone = phones.get(reader.userId);
  if (res.status === 401 && phone) {
    Object.assign(reader, await loginWithSms(p, phone));
    res = await call(p, reader, 'GET', url);
  }
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as CreditBody;
}

const pointsOf = (c: CreditBody) => c.parts.map((x) => [x.kind, x.points]);
const partOf = (c: CreditBody, kind: string) => c.parts.find((x) => x.kind === kind)!;
const eventsOf = (c: CreditBody, kind: string) => partOf(c, kind).events!;

/** The fake clock to `instant`, then the due schedules: the nightly fade (03:30) among them. */
async function nightlyRunAt(instant: number): Promise<void> {
  p.clock.set(instant);
  await p.scheduler.runDue();
}

/** The clock on the next whole second (the explanation shows instants to the second). */
function wholeSecond(): number {
  const t = Math.ceil(p.clock.now() / 1000) * 1000 + 1000;
  p.clock.set(t);
  return t;
}

async function countRows() {
  const count = async (
    table: 'review_credit_facts' | 'review_orders' | 'review_reviews' | 'review_summaries',
  ) => {
    const row = await reviewDb.db
      .selectFrom(table)
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  };
  return {
    facts: await count('review_credit_facts'),
    orders: await count('review_orders'),
    reviews: await count('review_reviews'),
    summaries: await count('review_summaries'),
  };
}

async function factsOf(u: LoggedIn, kind: string): Promise<string[]> {
  const rows = await reviewDb.db
    .selectFrom('review_credit_facts')
    .select('ref_id')
    .where('user_id', '=', u.userId)
    .where('kind', '=', kind as ReviewDB['review_credit_facts']['kind'])
    .orderBy('ref_id')
    .execute();
  return rows.map((r) => r.ref_id);
}

describe(`credit histories on ${DIALECT}`, () => {
  // Shared by the reliable worker's two histories (a and b).
  let w1: LoggedIn;
  let e1: LoggedIn;

  it('gives a new user 600, good, with nothing behind it', async () => {
    const fresh = await user('worker', false);
    const c = await creditOf(fresh);
    expect(c).toMatchObject({ userId: fresh.userId, score: 600, level: 'good' });
    expect(pointsOf(c)).toEqual([
      ['base', 600],
      ['completed_orders', 0],
      ['ratings', 0],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
    expect(c.projections.map((x) => [x.days, x.score])).toEqual([
      [30, 600],
      [90, 600],
      [180, 600],
      [365, 600],
    ]);
    // Anyone signed in sees the score and the level only.
    const other = await user('employer', false);
    expect(await creditOf(fresh, other)).toEqual({
      userId: fresh.userId,
      score: 600,
      level: 'good',
      levelLabel: '良好',
    });
  });

  it('(a) a reliable worker: verified, 20 completed orders rated 5 stars: 810', async () => {
    w1 = await user('worker');
    e1 = await user('employer');
    await verify(w1, 'identity', 1);
    // 600 + 50 (real name).
    expect((await creditOf(w1)).score).toBe(650);
    for (let i = 0; i < 20; i++) await complete(w1, e1, { worker: 5, employer: 4 });

    // 600 + 20 × 4 = 80 + round((100 − 3 × 20) × 50 ÷ (20 + 5) = 80) + 50 = 810 (docs/credit.md's example).
    const c = await creditOf(w1);
    expect(c).toMatchObject({ score: 810, level: 'excellent' });
    expect(pointsOf(c)).toEqual([
      ['base', 600],
      ['completed_orders', 80],
      ['ratings', 80],
      ['verified', 50],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
    expect(partOf(c, 'completed_orders').count).toBe(20);
    expect(partOf(c, 'ratings')).toMatchObject({ count: 20, average: 5 });
    expect(partOf(c, 'verified')).toMatchObject({ identity: true, enterprise: false });
    // The employer: 600 + 80 + round((80 − 60) × 50 ÷ 25 = 40) = 720.
    const employer = await creditOf(e1);
    expect(employer).toMatchObject({ score: 720, level: 'very_good' });
    expect(pointsOf(employer)).toEqual([
      ['base', 600],
      ['completed_orders', 80],
      ['ratings', 40],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
  }, 120_000);

  it('(b) the same worker with two no-shows: 650 today, 730 after 90 days, 800 after a year', async () => {
    const t0 = wholeSecond();
    const first = order(w1, e1, 'hired', 'no_show', 'employer');
    const second = order(w1, e1, 'hired', 'no_show', 'employer');
    await send('order.no_show', first);
    await send('order.no_show', second);

    // 600 + 80 + 80 + 50 − 2 × 80 = 650.
    const today = await creditOf(w1);
    expect(today).toMatchObject({ score: 650, level: 'very_good' });
    expect(pointsOf(today)).toEqual([
      ['base', 600],
      ['completed_orders', 80],
      ['ratings', 80],
      ['verified', 50],
      ['no_shows', -160],
      ['late_cancellations', 0],
      ['disputes_lost', 0],
    ]);
    const events = eventsOf(today, 'no_shows');
    expect(events.map((e) => [e.refId, e.fullPoints, e.points])).toEqual(
      [
        [first.orderId, 80, -80],
        [second.orderId, 80, -80],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    for (const e of events) {
      expect(Date.parse(e.at)).toBe(t0);
      expect(Date.parse(e.halvesAt)).toBe(t0 + 90 * DAY);
      // Under half a point after log2(160) × 90 days = 658.97 days = 56 935 312 866 ms (shown to the second).
      expect(Date.parse(e.fadedAt)).toBe(t0 + 56_935_312_000);
    }
    // If nothing new happens: 30 days 2 × 63.50 = 127 → 683; 90 → 730; 180 → 2 × 20 → 770; 365 → 9.6 → 800.
    expect(today.projections.map((x) => [x.days, x.score])).toEqual([
      [30, 683],
      [90, 730],
      [180, 770],
      [365, 800],
    ]);
    // A no-show is the worker's: the employer keeps 720.
    expect((await creditOf(e1)).score).toBe(720);

    // 90 days on, the nightly run: the two weigh 80 together (−40 each): 810 − 80 = 730.
    await nightlyRunAt(t0 + 90 * DAY);
    const later = await creditOf(w1);
    expect(later).toMatchObject({ score: 730, level: 'very_good' });
    expect(partOf(later, 'no_shows').points).toBe(-80);
    expect(eventsOf(later, 'no_shows').map((e) => e.points)).toEqual([-40, -40]);
    for (const e of eventsOf(later, 'no_shows')) expect(Date.parse(e.halvesAt)).toBe(t0 + 180 * DAY);
    expect(Date.parse(later.computedAt)).toBe(t0 + 90 * DAY);

    // A year on: 2 × 80 × 0.5^(365/90) = 9.6, rounded 10: 800.
    await nightlyRunAt(t0 + 365 * DAY);
    const year = await creditOf(w1);
    expect(year).toMatchObject({ score: 800, level: 'excellent' });
    expect(partOf(year, 'no_shows').points).toBe(-10);
    expect(eventsOf(year, 'no_shows').map((e) => e.points)).toEqual([-4.8, -4.8]);
    expect((await creditOf(e1)).score).toBe(720);
  }, 60_000);

  it('(c) a worker who recovers from a no-show and a late cancellation', async () => {
    const w3 = await user('worker');
    const e3 = await user('employer');
    await verify(w3, 'identity', 1);
    for (let i = 0; i < 5; i++) await complete(w3, e3);
    // Before: 600 + 5 × 4 + 50 = 670; the employer 600 + 20 = 620 (no ratings: nobody reviewed).
    expect((await creditOf(w3)).score).toBe(670);
    expect((await creditOf(e3)).score).toBe(620);

    const t0 = wholeSecond();
    const noShow = order(w3, e3, 'hired', 'no_show', 'employer');
    await send('order.no_show', noShow);
    const late = order(w3, e3, 'hired', 'cancelled', 'worker');
    await send('order.cancelled', { ...late, by: 'worker', late: true, compensationFen: 0 });
    // These count against nobody: a cancellation in time, and one by the system (even if late).
    await send('order.cancelled', {
      ...order(w3, e3, 'hired', 'cancelled', 'worker'),
      by: 'worker',
      late: false,
      compensationFen: 0,
    });
    await send('order.cancelled', {
      ...order(w3, e3, 'hired', 'cancelled', 'system'),
      by: 'system',
      late: true,
      compensationFen: 0,
    });
    // The employer's own late cancellation counts against the employer.
    const employerLate = order(w3, e3, 'hired', 'cancelled', 'employer');
    await send('order.cancelled', { ...employerLate, by: 'employer', late: true, compensationFen: 2_000 });

    // Day 0: 670 − 80 − 30 = 560; the employer 620 − 30 = 590.
    const today = await creditOf(w3);
    expect(today).toMatchObject({ score: 560, level: 'good' });
    expect(pointsOf(today)).toEqual([
      ['base', 600],
      ['completed_orders', 20],
      ['ratings', 0],
      ['verified', 50],
      ['no_shows', -80],
      ['late_cancellations', -30],
      ['disputes_lost', 0],
    ]);
    expect(eventsOf(today, 'no_shows').map((e) => [e.refId, e.points])).toEqual([[noShow.orderId, -80]]);
    expect(eventsOf(today, 'late_cancellations').map((e) => [e.refId, e.points])).toEqual([
      [late.orderId, -30],
    ]);
    // 30 days: 63.50 → 63, 23.81 → 24: 583; 90: 40 + 15: 615; 180: 20 + 7.5 (→ 7): 643; 365: 4.81 → 5,
    // 1.80 → 2: 663.
    expect(today.projections.map((x) => [x.days, x.score])).toEqual([
      [30, 583],
      [90, 615],
      [180, 643],
      [365, 663],
    ]);
    const employerToday = await creditOf(e3);
    expect(employerToday).toMatchObject({ score: 590, level: 'good' });
    expect(eventsOf(employerToday, 'late_cancellations').map((e) => [e.refId, e.points])).toEqual([
      [employerLate.orderId, -30],
    ]);
    expect(await factsOf(w3, 'late_cancel')).toEqual([late.orderId]);
    expect(await factsOf(e3, 'late_cancel')).toEqual([employerLate.orderId]);

    // Day 90: 670 − 40 − 15 = 615; the employer 620 − 15 = 605.
    await nightlyRunAt(t0 + 90 * DAY);
    const day90 = await creditOf(w3);
    expect(day90.score).toBe(615);
    expect(pointsOf(day90).slice(4)).toEqual([
      ['no_shows', -40],
      ['late_cancellations', -15],
      ['disputes_lost', 0],
    ]);
    expect((await creditOf(e3)).score).toBe(605);

    // Day 365: 80 × 0.5^(365/90) = 4.81 → 5, 30 × … = 1.80 → 2: 663; the employer 620 − 2 = 618.
    await nightlyRunAt(t0 + 365 * DAY);
    const day365 = await creditOf(w3);
    expect(day365.score).toBe(663);
    expect(pointsOf(day365).slice(4)).toEqual([
      ['no_shows', -5],
      ['late_cancellations', -2],
      ['disputes_lost', 0],
    ]);
    expect(eventsOf(day365, 'no_shows').map((e) => e.points)).toEqual([-4.8]);
    expect(eventsOf(day365, 'late_cancellations').map((e) => e.points)).toEqual([-1.8]);
    expect((await creditOf(e3)).score).toBe(618);

    // Day 700: 0.36 and 0.14, both rounded to 0: back at 670 (and 620).
    await nightlyRunAt(t0 + 700 * DAY);
    const day700 = await creditOf(w3);
    expect(day700).toMatchObject({ score: 670, level: 'very_good' });
    expect(eventsOf(day700, 'no_shows').map((e) => e.points)).toEqual([-0.4]);
    expect(eventsOf(day700, 'late_cancellations').map((e) => e.points)).toEqual([-0.1]);
    expect((await creditOf(e3)).score).toBe(620);
  }, 60_000);

  it('(d) an employer who loses disputes, and a worker who loses one', async () => {
    const w4 = await user('worker');
    const e4 = await user('employer');
    // Ten orders between them, each rated: the worker gets 4 stars, the employer 3. Six complete
    // normally; four end in a decided dispute (a decided order counts as completed for both, as the
    // review service records it): two the employer's fault, one nobody's, one the worker's.
    for (let i = 0; i < 6; i++) await complete(w4, e4, { worker: 4, employer: 3 });
    const decided = async (fault: 'worker' | 'employer' | 'none') => {
      const o = order(w4, e4, 'disputed', 'resolved', 'admin');
      await send('dispute.decided', { ...o, disputeId: ids(), workerFen: 10_000, fault });
      await rate(w4, e4, o.orderId, { worker: 4, employer: 3 });
      return o.orderId;
    };
    const employerFault = [await decided('employer'), await decided('employer')];
    const noFault = await decided('none');
    const workerFault = await decided('worker');

    // The employer: 600 + 10 × 4 + (30 − 3 × 10) × 50 ÷ 15 = 0 − 2 × 60 = 520, fair (docs/credit.md's example).
    const employer = await creditOf(e4);
    expect(employer).toMatchObject({ score: 520, level: 'fair' });
    expect(pointsOf(employer)).toEqual([
      ['base', 600],
      ['completed_orders', 40],
      ['ratings', 0],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', -120],
    ]);
    expect(partOf(employer, 'ratings')).toMatchObject({ count: 10, average: 3 });
    expect(
      eventsOf(employer, 'disputes_lost')
        .map((e) => [e.refId, e.points])
        .sort(),
    ).toEqual(employerFault.map((id) => [id, -60]).sort());

    // The worker: 600 + 40 + round((40 − 30) × 50 ÷ 15 = 33.3) = 33 − 60 = 613, good.
    const worker = await creditOf(w4);
    expect(worker).toMatchObject({ score: 613, level: 'good' });
    expect(pointsOf(worker)).toEqual([
      ['base', 600],
      ['completed_orders', 40],
      ['ratings', 33],
      ['verified', 0],
      ['no_shows', 0],
      ['late_cancellations', 0],
      ['disputes_lost', -60],
    ]);
    expect(eventsOf(worker, 'disputes_lost').map((e) => [e.refId, e.points])).toEqual([[workerFault, -60]]);
    // A split without fault is nobody's dispute lost.
    expect(await factsOf(w4, 'dispute_lost')).toEqual([workerFault]);
    expect(await factsOf(e4, 'dispute_lost')).toEqual([...employerFault].sort());
    expect([...(await factsOf(w4, 'completed')), ...(await factsOf(e4, 'completed'))]).toContain(noFault);
  }, 120_000);

  it('(e) a verification approved, then revoked; an older event after that changes nothing', async () => {
    const w5 = await user('worker');
    await verify(w5, 'identity', 1);
    // 600 + 50.
    const approved = await creditOf(w5);
    expect(approved).toMatchObject({ score: 650, level: 'very_good' });
    expect(partOf(approved, 'verified')).toMatchObject({ points: 50, identity: true, enterprise: false });

    p.clock.advance(60_000);
    await verify(w5, 'identity', 2, false);
    // The revoked one stops counting: 600.
    const revoked = await creditOf(w5);
    expect(revoked).toMatchObject({ score: 600, level: 'good' });
    expect(partOf(revoked, 'verified')).toMatchObject({ points: 0, identity: false, enterprise: false });

    // The approval of version 1, delivered late (a new envelope), is older than the revocation.
    p.clock.advance(60_000);
    const before = await countRows();
    await verify(w5, 'identity', 1);
    expect(await creditOf(w5)).toEqual(revoked);
    expect(await countRows()).toEqual(before);

    // An employer: company +30, real name +50, the company revoked, its old approval again.
    const e5 = await user('employer');
    await verify(e5, 'enterprise', 1);
    expect((await creditOf(e5)).score).toBe(630);
    await verify(e5, 'identity', 1);
    const both = await creditOf(e5);
    expect(both.score).toBe(680);
    expect(partOf(both, 'verified')).toMatchObject({ points: 80, identity: true, enterprise: true });
    p.clock.advance(60_000);
    await verify(e5, 'enterprise', 2, false);
    const companyRevoked = await creditOf(e5);
    expect(companyRevoked.score).toBe(650);
    expect(partOf(companyRevoked, 'verified')).toMatchObject({
      points: 50,
      identity: true,
      enterprise: false,
    });
    p.clock.advance(60_000);
    await verify(e5, 'enterprise', 1);
    expect(await creditOf(e5)).toEqual(companyRevoked);
  });

  it('(f) changes nothing when every event of the histories is handled a second time', async () => {
    const admin = await loginAsAdmin(p);
    const snapshot = async () => {
      const all: CreditBody[] = [];
      for (const u of everyone) all.push(await creditOf(u, admin));
      return all;
    };
    const scores = await snapshot();
    const rows = await countRows();
    // 1 + 20 (a), 2 (b), 1 + 5 + 5 (c), 10 (d), 3 + 4 (e).
    expect(script.length).toBe(51);
    p.clock.advance(DAY);

    for (const { consumer, envelope } of script) await deliver(consumer, envelope);

    expect(await countRows()).toEqual(rows);
    // The same stored scores, parts and computation times: nothing was computed again.
    expect(await snapshot()).toEqual(scores);
  }, 60_000);
});
