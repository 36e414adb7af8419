import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginWithSms, type LoggedIn } from '../support/users.js';

/** What people write in their profile goes through the one text rule (src/platform/text.ts). */
let p: TestPlatform;
let u: LoggedIn;
beforeAll(async () => {
  p = await startTestPlatform();
  u = await loginWithSms(p);
});
afterAll(async () => {
  await p.stop();
});

type Problem = { code: string; errors?: { field: string; code: string }[] };
const patch = (payload: Record<string, unknown>) =>
  p.app.inject({ method: 'PATCH', url: '/api/v1/users/me', headers: u.auth, payload });

describe(`profile text on ${DIALECT}`, () => {
  it.each([
    ['a display name of spaces', { displayName: '     ' }, 'body/displayName', 'TEXT_BLANK'],
    [
      'a display name of ideographic spaces',
      { displayName: '\u3000\u3000' },
      'body/displayName',
      'TEXT_BLANK',
    ],
    ['a display name with U+202E', { displayName: '\u202eabc' }, 'body/displayName', 'TEXT_BIDI_CONTROL'],
    [
      'a display name with a lone surrogate',
      { displayName: '\ud800abcd' },
      'body/displayName',
      'TEXT_LONE_SURROGATE',
    ],
    ['a display name with NUL', { displayName: '张\u0000三' }, 'body/displayName', 'TEXT_CONTROL_CHARACTER'],
    ['a display name on two lines', { displayName: '张\n三' }, 'body/displayName', 'TEXT_CONTROL_CHARACTER'],
    ['a bio with NUL', { bio: '十年\u0000经验' }, 'body/bio', 'TEXT_CONTROL_CHARACTER'],
    ['a bio of zero-width spaces', { bio: '\u200b\u200b' }, 'body/bio', 'TEXT_BLANK'],
    ['a home area with U+2066', { homeArea: '上海\u2066市' }, 'body/homeArea', 'TEXT_BIDI_CONTROL'],
    [
      'a display name over 40 characters',
      { displayName: '张'.repeat(41) },
      'body/displayName',
      'TEXT_TOO_LONG',
    ],
  ])('refuses %s with 400 and the TEXT_* field code', async (_case, payload, field, code) => {
    const res = await patch(payload);
    expect(res.statusCode).toBe(400);
    const body = res.json() as Problem;
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.errors).toContainEqual(expect.objectContaining({ field, code }));
  });

  it('stores names and places trimmed and normalised, bios with their lines', async () => {
    const res = await patch({
      displayName: '  张三  ',
      bio: '  十年保洁经验。\n  会开车。  ',
      homeArea: '\u3000上海市浦东新区 ',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({
      displayName: '张三',
      bio: '十年保洁经验。\n  会开车。',
      homeArea: '上海市浦东新区',
    });
    const pub = (await p.app.inject(`/api/v1/users/${u.userId}`)).json();
    expect(pub).toMatchObject({ displayName: '张三', homeArea: '上海市浦东新区' });
    // NFC: a decomposed "é" is stored composed.
    expect((await patch({ displayName: 'Rene\u0301' })).json().displayName).toBe('Ren\u00e9');
    // null still clears.
    expect((await patch({ bio: null })).json().bio).toBeNull();
  });
});
