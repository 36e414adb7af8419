import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseInstant } from '../../src/platform/clock.js';
import { wgs84ToGcj02 } from '../../src/platform/geo.js';
import type { AddressInfo } from 'node:net';
import { MemoryCache } from '../../src/platform/cache.js';
import { jobClient as jobClientKey, jobModule, type JobClient } from '../../src/services/job/index.js';
import { DIALECT } from '../support/env.js';
import { at, createJob, jobPost, openJob, type JobView } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

let p: TestPlatform;
let employer: LoggedIn;
let other: LoggedIn;
let admin: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  employer = await loginWithSms(p, newPhone(), 'employer');
  other = await loginWithSms(p, newPhone(), 'employer');
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});

const jobClient = (): JobClient => p.client(jobClientKey);

// Response bodies are read loosely here; their schemas are checked by the routes themselves.
/* eslint-disable @typescript-eslint/no-explicit-any */
async function call(method: 'GET' | 'POST' | 'PATCH', url: string, who?: LoggedIn, payload?: unknown) {
  const res = await p.app.inject({
    method,
    url,
    ...(who ? { headers: who.auth } : {}),
    ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}),
  });
  return { status: res.statusCode, body: res.json() as Record<string, any> };
}

async function outbox(jobId: string): Promise<{ type: string; version: number; status: string }[]> {
  const rows = await p.services
    .get('job')!
    .db.untyped()
    .selectFrom('job_outbox')
    .select(['type', 'payload'])
    .orderBy('id')
    .execute();
  return rows
    .map((r) => ({ type: r.type as string, payload: JSON.parse(r.payload as string) as Record<string, any> }))
    .filter((r) => r.payload.jobId === jobId)
    .map((r) => ({ type: r.type, version: r.payload.version as number, status: r.payload.status as string }));
}

/* eslint-enable @typescript-eslint/no-explicit-any */

describe(`job lifecycle on ${DIALECT}`, () => {
  it('drafts, submits, opens, edits before any hire, and closes, with versioned events', async () => {
    const draft = await createJob(p, employer);
    expect(draft).toMatchObject({ status: 'draft', version: 1, categoryName: '保洁员' });
    expect(draft.contact).toEqual({ name: '王经理', phone: '13912345678' });
    expect(draft.pay).toEqual({ type: 'daily', amountFen: 20000, unit: null, display: '200元/天' });
    expect((draft.shifts[0] as unknown as { startsAt: string }).startsAt).toMatch(/\+08:00$/);
    // The GPS fix was converted to GCJ-02 and stored to 1e-6 degrees.
    const gcj = wgs84ToGcj02({ lng: 121.5272106, lat: 31.1774276 });
    const location = (draft.place as { location: { lng: number; lat: number } }).location;
    expect(Math.abs(location.lng - gcj.lng)).toBeLessThan(1e-6);
    expect(Math.abs(location.lat - gcj.lat)).toBeLessThan(1e-6);

    // A draft is the employer's business only.
    expect((await call('GET', `/api/v1/jobs/${draft.id}`)).status).toBe(404);
    expect((await call('GET', `/api/v1/jobs/${draft.id}/manage`, other)).body.code).toBe('JOB_NOT_FOUND');
    expect(
      (await call('PATCH', `/api/v1/jobs/${draft.id}`, other, { version: 1, title: '改个标题啊' })).status,
    ).toBe(404);

    const opened = await call('POST', `/api/v1/jobs/${draft.id}/submit`, employer, { version: 1 });
    expect(opened.status).toBe(200);
    expect(opened.body).toMatchObject({ status: 'open', version: 2, moderationNote: null });
    expect(opened.body.publishedAt).toMatch(/\+08:00$/);

    const pub = await call('GET', `/api/v1/jobs/${draft.id}`);
    expect(pub.status).toBe(200);
    expect(pub.body.contact).toEqual({ name: '王经理', phone: '139****5678' });
    expect(pub.body).not.toHaveProperty('moderationNote');

    // Edit before any hire: pay, times and place may all change. A stale version is refused.
    const stale = await call('PATCH', `/api/v1/jobs/${draft.id}`, employer, {
      version: 1,
      title: '新标题新标题',
    });
    expect(stale).toMatchObject({ status: 409, body: { code: 'JOB_VERSION_CONFLICT' } });
    const shifts = opened.body.shifts as { id: string }[];
    const edited = await call('PATCH', `/api/v1/jobs/${draft.id}`, employer, {
      version: 2,
      title: '商场保洁 日结220元',
      pay: { type: 'daily', amountFen: 22000 },
      shifts: [
        { id: shifts[0]!.id, startsAt: at(p, 25), endsAt: at(p, 33), headcount: 4 },
        { startsAt: at(p, 72), endsAt: at(p, 80), headcount: 1 },
      ],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ status: 'open', version: 3, title: '商场保洁 日结220元' });
    expect(edited.body.shifts.map((s: { headcount: number }) => s.headcount)).toEqual([4, 1]);
    expect(edited.body.shifts[0].id).toBe(shifts[0]!.id);
    // The public view follows the edit at once (the cache is dropped on commit).
    expect((await call('GET', `/api/v1/jobs/${draft.id}`)).body.title).toBe('商场保洁 日结220元');

    const closed = await call('POST', `/api/v1/jobs/${draft.id}/close`, employer, {
      version: 3,
      reason: '已招满',
    });
    expect(closed.body).toMatchObject({ status: 'closed', version: 4, closeReason: '已招满' });
    expect((await call('POST', `/api/v1/jobs/${draft.id}/close`, employer, { version: 4 })).body.code).toBe(
      'JOB_STATE_INVALID',
    );

    expect(await outbox(draft.id)).toEqual([
      { type: 'job.published', version: 2, status: 'open' },
      { type: 'job.updated', version: 3, status: 'open' },
      { type: 'job.closed', version: 4, status: 'closed' },
    ]);
    // Every version's terms are kept.
    expect((await jobClient().getTerms(draft.id, 2)).pay.amountFen).toBe(20000);
    expect((await jobClient().getTerms(draft.id, 3)).pay.amountFen).toBe(22000);
  });

  it('refuses prohibited posts with the reason and saves nothing', async () => {
    const countJobs = async () =>
      (await p.services.get('job')!.db.untyped().selectFrom('job_jobs').select('id').execute()).length;
    const before = await countJobs();
    const res = await p.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: employer.auth,
      payload: jobPost(p, { title: '在家刷单 日结300' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'JOB_CONTENT_REFUSED',
      detail: '职位内容未通过审核：含有禁止发布的内容：刷单',
    });
    expect(await countJobs()).toBe(before);
  });

  it('queues a post asking for a deposit (押金); an admin approves or rejects it, audited', async () => {
    const draft = await createJob(p, employer, { description: '上岗前需交押金200元，工作结束后退还。' });
    const submitted = await call('POST', `/api/v1/jobs/${draft.id}/submit`, employer, { version: 1 });
    expect(submitted.body).toMatchObject({ status: 'in_review', moderationNote: '疑似向求职者收费：押金' });
    expect((await call('GET', `/api/v1/jobs/${draft.id}`)).status).toBe(404);
    expect(
      (await call('PATCH', `/api/v1/jobs/${draft.id}`, employer, { version: 2, title: '换个标题吧' })).body
        .code,
    ).toBe('JOB_STATE_INVALID');

    // Workers cannot see the queue; admins can.
    expect((await call('GET', '/api/v1/admin/jobs/review-queue', employer)).status).toBe(403);
    const queue = await call('GET', '/api/v1/admin/jobs/review-queue', admin);
    expect(queue.body.items.map((j: { id: string }) => j.id)).toContain(draft.id);

    const rejected = await call('POST', `/api/v1/admin/jobs/${draft.id}/reject`, admin, {
      reason: '不得收取押金',
    });
    expect(rejected.body).toMatchObject({ status: 'draft', moderationNote: '不得收取押金', version: 3 });
    // Fixed and resubmitted, it passes.
    const fixed = await call('PATCH', `/api/v1/jobs/${draft.id}`, employer, {
      version: 3,
      description: '商场日常保洁，无押金，不收任何费用，当天结算。',
    });
    expect(fixed.status).toBe(200);
    const again = await call('POST', `/api/v1/jobs/${draft.id}/submit`, employer, { version: 4 });
    expect(again.body).toMatchObject({ status: 'open', moderationNote: null });

    // A second deposit post is approved by the admin as it stands.
    const second = await createJob(p, employer, { description: '需交押金200元，离职退还押金。' });
    await call('POST', `/api/v1/jobs/${second.id}/submit`, employer, { version: 1 });
    const approved = await call('POST', `/api/v1/admin/jobs/${second.id}/approve`, admin, {
      note: '押金有合同约定',
    });
    expect(approved.body).toMatchObject({ status: 'open', version: 3 });

    const audit = await p.services
      .get('job')!
      .db.untyped()
      .selectFrom('job_audit')
      .select(['action', 'actor_id', 'target_id'])
      .where('target_id', 'in', [draft.id, second.id])
      .orderBy('id')
      .execute();
    expect(audit.map((a) => a.action)).toEqual([
      'job.submitted_for_review',
      'job.rejected',
      'job.auto_approved',
      'job.submitted_for_review',
      'job.approved',
    ]);
    expect(audit.find((a) => a.action === 'job.approved')!.actor_id).toBe(admin.userId);
  });

  it('sends an open job whose new text asks for fees back to review, out of public view', async () => {
    const job = await openJob(p, employer);
    const res = await call('PATCH', `/api/v1/jobs/${job.id}`, employer, {
      version: job.version,
      description: '入职需缴纳培训费100元，包教包会，当天结算。',
    });
    expect(res.body).toMatchObject({ status: 'in_review', moderationNote: '疑似向求职者收费：培训费' });
    expect((await call('GET', `/api/v1/jobs/${job.id}`)).status).toBe(404);
    expect((await outbox(job.id)).at(-1)).toEqual({ type: 'job.updated', version: 3, status: 'in_review' });
  });

  it('locks pay, times and place of a shift once someone is hired (through the job client)', async () => {
    const job = await openJob(p, employer);
    const [first, second] = job.shifts;
    // The order service reads the terms, then reports the hire at that version.
    const terms = await jobClient().getTerms(job.id);
    expect(terms.version).toBe(job.version);
    const hire = await jobClient().recordHires(job.id, first!.id, 1, terms.version);
    expect(hire).toMatchObject({ hired: 1, headcount: 3, status: 'open', version: job.version });
    // Reporting the same count again changes nothing.
    expect(await jobClient().recordHires(job.id, first!.id, 1, terms.version)).toEqual(hire);

    const edit = (changes: Record<string, unknown>) =>
      call('PATCH', `/api/v1/jobs/${job.id}`, employer, { version: job.version, ...changes });
    expect((await edit({ pay: { type: 'daily', amountFen: 15000 } })).body).toMatchObject({
      status: 409,
      code: 'JOB_TERMS_LOCKED',
      detail: '已有人被录用，薪酬与结算方式不能再修改',
    });
    const inEnglish = await p.app.inject({
      method: 'PATCH',
      url: `/api/v1/jobs/${job.id}`,
      headers: { ...employer.auth, 'accept-language': 'en' },
      payload: { version: job.version, pay: { type: 'daily', amountFen: 15000 } },
    });
    expect(inEnglish.json()).toMatchObject({
      detail: 'Someone is already hired, so the pay and settlement can no longer change',
    });
    expect((await edit({ settlement: 'weekly' })).body.code).toBe('JOB_TERMS_LOCKED');
    expect(
      (
        await edit({
          place: {
            address: '上海市徐汇区漕溪北路1号',
            city: '上海市',
            location: { lng: 121.44, lat: 31.19, system: 'gcj02' },
          },
        })
      ).body.code,
    ).toBe('JOB_TERMS_LOCKED');
    expect(
      (
        await edit({
          shifts: [
            { id: first!.id, startsAt: at(p, 26), endsAt: at(p, 34), headcount: 3 },
            { id: second!.id, startsAt: at(p, 48), endsAt: at(p, 56), headcount: 2 },
          ],
        })
      ).body.code,
    ).toBe('JOB_TERMS_LOCKED');
    expect(
      (await edit({ shifts: [{ id: second!.id, startsAt: at(p, 48), endsAt: at(p, 56), headcount: 2 }] }))
        .body.code,
    ).toBe('JOB_TERMS_LOCKED');
    expect(
      (
        await edit({
          shifts: [
            { id: first!.id, startsAt: at(p, 24), endsAt: at(p, 32), headcount: 0 },
            { id: second!.id, startsAt: at(p, 48), endsAt: at(p, 56), headcount: 2 },
          ],
        })
      ).status,
    ).toBe(400); // headcount 0 fails the schema

    // The unlocked shift may still move, the locked one may grow, and the title may change.
    const allowed = await edit({
      title: '商场保洁 日结200元 急招',
      pay: { type: 'daily', amountFen: 20000 },
      shifts: [
        { id: first!.id, startsAt: at(p, 24), endsAt: at(p, 32), headcount: 5 },
        { id: second!.id, startsAt: at(p, 50), endsAt: at(p, 58), headcount: 2 },
      ],
    });
    expect(allowed.status).toBe(200);
    expect(allowed.body.shifts[0]).toMatchObject({ locked: true, hired: 1, openings: 4 });

    // A hire read at an older version is refused: the terms may have changed since.
    await expect(jobClient().recordHires(job.id, second!.id, 1, job.version)).rejects.toMatchObject({
      code: 'JOB_VERSION_CONFLICT',
    });
    // Filling every place fills the job; a cancellation reopens it. Events carry rising versions.
    const v = allowed.body.version as number;
    await jobClient().recordHires(job.id, first!.id, 5, v);
    const filled = await jobClient().recordHires(job.id, second!.id, 2, v);
    expect(filled).toMatchObject({ status: 'filled', version: v + 1 });
    await expect(jobClient().recordHires(job.id, second!.id, 3, v + 1)).rejects.toMatchObject({
      code: 'SHIFT_FULL',
    });
    const reopened = await jobClient().recordHires(job.id, second!.id, 1, v + 1);
    expect(reopened).toMatchObject({ status: 'open', version: v + 2 });
    const events = await outbox(job.id);
    expect(events.map((e) => e.type)).toEqual(['job.published', 'job.updated', 'job.filled', 'job.reopened']);
    const versions = events.map((e) => e.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it("lists an employer's jobs with counts per state, and counts views", async () => {
    const boss = await loginWithSms(p, newPhone(), 'employer');
    const a = await openJob(p, boss);
    await createJob(p, boss);
    const c = await openJob(p, boss);
    await call('POST', `/api/v1/jobs/${c.id}/close`, boss, { version: c.version });
    for (let i = 0; i < 3; i++) expect((await call('GET', `/api/v1/jobs/${a.id}`)).status).toBe(200);

    const page1 = await call('GET', '/api/v1/jobs/mine?limit=2', boss);
    expect(page1.body.counts).toEqual({ open: 1, draft: 1, closed: 1 });
    expect(page1.body.items).toHaveLength(2);
    const page2 = await call(
      'GET',
      `/api/v1/jobs/mine?limit=2&cursor=${page1.body.nextCursor as string}`,
      boss,
    );
    expect(page2.body.items).toHaveLength(1);
    expect(page2.body.nextCursor).toBeNull();
    const all = [...page1.body.items, ...page2.body.items] as {
      id: string;
      viewCount: number;
      headcount: number;
    }[];
    expect(all.find((j) => j.id === a.id)).toMatchObject({ viewCount: 3, headcount: 5 });
    const open = await call('GET', '/api/v1/jobs/mine?status=open', boss);
    expect(open.body.items.map((j: JobView) => j.id)).toEqual([a.id]);
    // A cursor is bound to its employer and filter.
    expect(
      (await call('GET', `/api/v1/jobs/mine?status=open&cursor=${page1.body.nextCursor as string}`, boss))
        .status,
    ).toBe(400);
    expect(
      (await call('GET', `/api/v1/jobs/mine?limit=2&cursor=${page1.body.nextCursor as string}`, employer))
        .status,
    ).toBe(400);
  });

  it('serves the category tree from the cache and drops it when an admin edits a category', async () => {
    const tree = await call('GET', '/api/v1/categories');
    const food = tree.body.items.find((c: { code: string }) => c.code === 'food');
    expect(food).toMatchObject({ zh: '餐饮服务' });
    expect(food.children.map((c: { code: string }) => c.code)).toContain('food.waiter');

    const renamed = await call('PATCH', '/api/v1/admin/categories/food.waiter', admin, { zh: '餐厅服务员' });
    expect(renamed.body).toMatchObject({ code: 'food.waiter', zh: '餐厅服务员', enabled: true });
    const after = await call('GET', '/api/v1/categories');
    const waiter = after.body.items
      .find((c: { code: string }) => c.code === 'food')
      .children.find((c: { code: string }) => c.code === 'food.waiter');
    expect(waiter.zh).toBe('餐厅服务员');

    await call('PATCH', '/api/v1/admin/categories/food.barista', admin, { enabled: false });
    const hidden = await call('GET', '/api/v1/categories');
    expect(JSON.stringify(hidden.body)).not.toContain('food.barista');
    const refused = await p.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: employer.auth,
      payload: jobPost(p, { category: 'food.barista' }),
    });
    expect(refused.json()).toMatchObject({ code: 'CATEGORY_DISABLED' });
    // Food work always requires a health certificate.
    const waiterJob = await createJob(p, employer, { category: 'food.waiter' });
    expect((waiterJob.requirements as { certificates: string[] }).certificates).toEqual([
      'health_certificate',
    ]);
    expect(waiterJob.categoryName).toBe('餐厅服务员');
    expect((await call('PATCH', '/api/v1/admin/categories/food.waiter', employer, { zh: 'x' })).status).toBe(
      403,
    );
  });

  it('answers a replayed create with the same job (Idempotency-Key)', async () => {
    const send = () =>
      p.app.inject({
        method: 'POST',
        url: '/api/v1/jobs',
        headers: { ...employer.auth, 'idempotency-key': `create-${newPhone()}` },
        payload: jobPost(p),
      });
    const key = `create-${newPhone()}`;
    const once = await p.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { ...employer.auth, 'idempotency-key': key },
      payload: jobPost(p),
    });
    const twice = await p.app.inject({
      method: 'POST',
      url: '/api/v1/jobs',
      headers: { ...employer.auth, 'idempotency-key': key },
      payload: jobPost(p),
    });
    expect(once.statusCode).toBe(201);
    expect(twice.statusCode).toBe(201);
    expect(twice.headers['idempotent-replayed']).toBe('true');
    expect(twice.json().id).toBe(once.json().id);
    expect((await send()).json().id).not.toBe(once.json().id);
  });
  it('applies concurrent changes to one job one at a time', async () => {
    const job = await openJob(p, employer, {
      shifts: [
        { startsAt: at(p, 24), endsAt: at(p, 28), headcount: 1 },
        { startsAt: at(p, 48), endsAt: at(p, 52), headcount: 1 },
      ],
    });
    // Two hires on different shifts at once: whichever comes second sees the first and fills the job.
    const [a, b] = await Promise.all(
      job.shifts.map((s) => jobClient().recordHires(job.id, s.id, 1, job.version)),
    );
    expect([a!.status, b!.status].sort()).toEqual(['filled', 'open']);
    const filled = await call('GET', `/api/v1/jobs/${job.id}/manage`, employer);
    expect(filled.body).toMatchObject({ status: 'filled', version: job.version + 1 });
    expect((await outbox(job.id)).filter((e) => e.type === 'job.filled')).toHaveLength(1);

    // Two edits of the same version: one wins, the other is told the job changed.
    const edits = await Promise.all(
      ['标题一号改动', '标题二号改动'].map((title) =>
        call('PATCH', `/api/v1/jobs/${job.id}`, employer, { version: job.version + 1, title }),
      ),
    );
    expect(edits.map((e) => e.status).sort()).toEqual([200, 409]);
    expect(edits.find((e) => e.status === 409)!.body.code).toBe('JOB_VERSION_CONFLICT');
  });

  it('serves the job client over HTTP to a process elsewhere, behind the service token', async () => {
    await p.app.listen({ host: '127.0.0.1', port: 0 });
    const baseUrl = `http://127.0.0.1:${(p.app.server.address() as AddressInfo).port}`;
    const remote = (token: string) =>
      jobModule.remote!({
        baseUrl,
        config: { ...p.config, serviceToken: token },
        clock: p.clock,
        log: p.log,
        cache: new MemoryCache(),
      }).client as JobClient;
    const client = remote(p.config.serviceToken);
    const job = await openJob(p, employer);
    const terms = await client.getTerms(job.id);
    expect(terms).toEqual(await jobClient().getTerms(job.id));
    expect(parseInstant(terms.shifts[0]!.startsAt)).toBeGreaterThan(p.clock.now());
    expect(await client.recordHires(job.id, job.shifts[0]!.id, 2, terms.version)).toMatchObject({
      hired: 2,
      headcount: 3,
      status: 'open',
    });
    // The callee's problem codes come back as the same errors.
    await expect(client.recordHires(job.id, job.shifts[0]!.id, 1, terms.version - 1)).rejects.toMatchObject({
      code: 'JOB_VERSION_CONFLICT',
      status: 409,
    });
    // Pages of open jobs, in id order, for rebuilding read models: the same over HTTP as in-process.
    const pages: string[][] = [];
    for (let after = ''; ;) {
      const page = await client.listOpen(after, 2);
      if (page.length === 0) break;
      pages.push(page.map((j) => j.id));
      after = page.at(-1)!.id;
    }
    const all = pages.flat();
    expect(all).toContain(job.id);
    expect(all).toEqual([...all].sort());
    expect(all).toEqual((await jobClient().listOpen('', 1000)).map((j) => j.id));
    for (const id of all) expect((await call('GET', `/api/v1/jobs/${id}`)).body.status).toBe('open');
    await expect(remote('x'.repeat(32)).getTerms(job.id)).rejects.toMatchObject({
      code: 'SERVICE_TOKEN_INVALID',
      status: 401,
    });
  });

  it('expires a job whose shifts have ended by the schedule, then archives it after 30 days', async () => {
    // Last in this file: it moves the clock by a month, past every token issued so far.
    const phone = newPhone();
    const boss = await loginWithSms(p, phone, 'employer');
    const job = await openJob(p, boss, {
      shifts: [{ startsAt: at(p, 2), endsAt: at(p, 6), headcount: 1 }],
    });
    await p.scheduler.runDue();
    expect((await call('GET', `/api/v1/jobs/${job.id}`)).body.status).toBe('open');
    p.clock.advance(6 * 3_600_000 + 60_000);
    await p.scheduler.runDue();
    const expired = await call('GET', `/api/v1/jobs/${job.id}/manage`, await loginWithSms(p, phone));
    expect(expired.body).toMatchObject({ status: 'expired', version: job.version + 1 });
    expect((await outbox(job.id)).at(-1)).toEqual({
      type: 'job.expired',
      version: job.version + 1,
      status: 'expired',
    });
    p.clock.advance(31 * 24 * 3_600_000);
    await p.scheduler.runDue();
    const later = await loginWithSms(p, phone);
    expect((await call('GET', `/api/v1/jobs/${job.id}/manage`, later)).body.status).toBe('archived');
    expect((await call('GET', `/api/v1/jobs/${job.id}`)).status).toBe(404);
  });
});
