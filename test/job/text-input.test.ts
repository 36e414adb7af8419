import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { createJob, jobPost, openJob } from '../support/jobs.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';

/** What people write in a job post goes through the one text rule (src/platform/text.ts). */
let p: TestPlatform;
let employer: LoggedIn;
let admin: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  employer = await loginWithSms(p, newPhone(), 'employer');
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});

type Problem = { code: string; errors?: { field: string; code: string }[] };

async function send(method: 'POST' | 'PATCH', url: string, who: LoggedIn, payload: Record<string, unknown>) {
  const res = await p.app.inject({ method, url, headers: who.auth, payload });
  return { status: res.statusCode, body: res.json() as Problem & Record<string, unknown> };
}

const place = (changes: Record<string, unknown>) => ({
  place: { ...(jobPost(p).place as Record<string, unknown>), ...changes },
});

describe(`text people write in a job post (${DIALECT})`, () => {
  it.each([
    ['a whitespace-only title', () => ({ title: '    ' }), 'body/title', 'TEXT_BLANK'],
    [
      'a description of ten spaces',
      () => ({ description: ' '.repeat(10) }),
      'body/description',
      'TEXT_BLANK',
    ],
    [
      'a description of ideographic spaces and newlines',
      () => ({ description: '\u3000\n'.repeat(6) }),
      'body/description',
      'TEXT_BLANK',
    ],
    [
      'a blank contact name',
      () => ({ contact: { name: '   ', phone: '13912345678' } }),
      'body/contact/name',
      'TEXT_BLANK',
    ],
    ['a blank address', () => place({ address: '     ' }), 'body/place/address', 'TEXT_BLANK'],
    ['a blank city', () => place({ city: '   ' }), 'body/place/city', 'TEXT_BLANK'],
    ['a blank tag', () => ({ tags: ['日结', '  '] }), 'body/tags/1', 'TEXT_BLANK'],
    ['a title with NUL', () => ({ title: '商场保洁\u0000日结' }), 'body/title', 'TEXT_CONTROL_CHARACTER'],
    ['a title with a bell', () => ({ title: '商场保洁\u0007日结' }), 'body/title', 'TEXT_CONTROL_CHARACTER'],
    [
      'a title with a newline',
      () => ({ title: '商场保洁\n日结200' }),
      'body/title',
      'TEXT_CONTROL_CHARACTER',
    ],
    ['a title with U+202E', () => ({ title: '商场保洁\u202e日结200' }), 'body/title', 'TEXT_BIDI_CONTROL'],
    ['a zero-width-only title', () => ({ title: '\u200b'.repeat(6) }), 'body/title', 'TEXT_BLANK'],
    ['a BOM-only title', () => ({ title: '\ufeff'.repeat(6) }), 'body/title', 'TEXT_BLANK'],
    ['a title with a lone surrogate', () => ({ title: '\ud800abcd' }), 'body/title', 'TEXT_LONE_SURROGATE'],
    ['a title short once trimmed', () => ({ title: '  招人  ' }), 'body/title', 'TEXT_TOO_SHORT'],
    [
      'a blank piece unit',
      () => ({ pay: { type: 'piece', amountFen: 150, unit: ' ' } }),
      'body/pay/unit',
      'TEXT_BLANK',
    ],
  ])('refuses %s with 400 and the TEXT_* field code', async (_, changes, field, code) => {
    const res = await send('POST', '/api/v1/jobs', employer, jobPost(p, changes()));
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('VALIDATION_FAILED');
    expect(res.body.errors).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('stores and answers titles, names and places trimmed, descriptions with their lines', async () => {
    const job = await createJob(p, employer, {
      title: '  仓库理货员  ',
      description: '  负责入库清点。\n  包午餐，当天结算。  ',
      contact: { name: ' 王经理\u3000', phone: '13912345678' },
      tags: [' 日结 '],
      ...place({ address: ' 上海市浦东新区世纪大道100号 ', city: '\u200b上海市 ' }),
    });
    expect(job).toMatchObject({
      title: '仓库理货员',
      description: '负责入库清点。\n  包午餐，当天结算。',
      contact: { name: '王经理' },
      tags: ['日结'],
      place: { address: '上海市浦东新区世纪大道100号', city: '上海市' },
    });
    const stored = await p.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${job.id}/manage`,
      headers: employer.auth,
    });
    expect(stored.json()).toMatchObject({ title: '仓库理货员', contact: { name: '王经理' } });
  });

  it('applies the rule to edits and to the reasons and notes of employers and admins', async () => {
    const job = await openJob(p, employer);
    const edit = await send('PATCH', `/api/v1/jobs/${job.id}`, employer, {
      version: job.version,
      title: '商场\t保洁日结',
    });
    expect(edit.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body/title', code: 'TEXT_CONTROL_CHARACTER' }),
    );
    const blank = await send('PATCH', `/api/v1/jobs/${job.id}`, employer, {
      version: job.version,
      title: '      ',
    });
    expect(blank.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body/title', code: 'TEXT_BLANK' }),
    );

    const close = await send('POST', `/api/v1/jobs/${job.id}/close`, employer, {
      version: job.version,
      reason: '  ',
    });
    expect(close.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body/reason', code: 'TEXT_BLANK' }),
    );
    const takeDown = await send('POST', `/api/v1/admin/jobs/${job.id}/take-down`, admin, {
      reason: '\u202e涉嫌诈骗',
    });
    expect(takeDown.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body/reason', code: 'TEXT_BIDI_CONTROL' }),
    );
    const approve = await send('POST', `/api/v1/admin/jobs/${job.id}/approve`, admin, { note: '\u200b' });
    expect(approve.body.errors).toContainEqual(
      expect.objectContaining({ field: 'body/note', code: 'TEXT_BLANK' }),
    );

    // Nothing above changed the job.
    const after = await p.app.inject({
      method: 'GET',
      url: `/api/v1/jobs/${job.id}/manage`,
      headers: employer.auth,
    });
    expect(after.json()).toMatchObject({ version: job.version, status: 'open', title: job.title });

    const closed = await send('POST', `/api/v1/jobs/${job.id}/close`, employer, {
      version: job.version,
      reason: '  已招满 ',
    });
    expect(closed.body).toMatchObject({ status: 'closed', closeReason: '已招满' });
  });
});
