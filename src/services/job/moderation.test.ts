import { describe, expect, it } from 'vitest';
import { moderate, normalizeForModeration } from './moderation.js';

describe('job moderation', () => {
  it('passes an ordinary post, including explicit "no deposit" claims', () => {
    const v = moderate({
      title: '急招日结保洁阿姨',
      description: '商场日常保洁，200元/天，无押金，不收任何费用，免服装费，包午餐。',
    });
    expect(v).toEqual({ decision: 'pass', findings: [], reason: null });
  });

  it('queues pay-to-work patterns for review with the reason', () => {
    const v = moderate({ title: '促销员', description: '上岗前需交押金200元，另收培训费。' });
    expect(v.decision).toBe('review');
    expect(v.findings.map((f) => f.term)).toEqual(['押金', '培训费']);
    expect(v.reason).toBe('疑似向求职者收费：押金、培训费');
  });

  it('sees through spacing, punctuation and full-width evasion', () => {
    expect(moderate({ description: '先交 押 - 金 再上岗' }).decision).toBe('review');
    expect(moderate({ description: '详情加ＶＸ号咨询' }).findings).toContainEqual({
      kind: 'off_platform_contact',
      term: 'vx号',
      field: 'description',
    });
    expect(normalizeForModeration('Ｑ Ｑ群！')).toBe('qq群');
  });

  it('refuses prohibited content outright, even mixed with review terms', () => {
    const v = moderate({ title: '在家刷单兼职', tags: ['日结', '会员费'] });
    expect(v.decision).toBe('refuse');
    expect(v.reason).toBe('含有禁止发布的内容：刷单');
    expect(v.findings).toContainEqual({ kind: 'pay_to_work', term: '会员费', field: 'tags' });
  });

  it('still flags a negated term when it also appears affirmed', () => {
    expect(moderate({ description: '无押金。入职后交押金300' }).decision).toBe('review');
  });
  it('gives the reviewer one reason per kind of finding, each term once', () => {
    const v = moderate({ title: '加微信详聊', description: '加微信报名，报名费20元' });
    expect(v.decision).toBe('review');
    expect(v.reason).toBe('疑似向求职者收费：报名费；疑似引导站外联系：加微信、加微');
    expect(moderate({ contact: '私聊' }).reason).toBe('疑似引导站外联系：私聊');
  });

  it.each(['无需押金', '不收取培训费', '不需要保证金', '免收会员费', '没有体检费', '零中介费', '拒绝垫付'])(
    'passes the negated claim %s',
    (text) => {
      expect(moderate({ description: text }).decision).toBe('pass');
    },
  );

  it('names the field a finding is in, tags included', () => {
    expect(moderate({ title: '理货员', tags: ['日结', '押金'] }).findings).toEqual([
      { kind: 'pay_to_work', term: '押金', field: 'tags' },
    ]);
  });
});
