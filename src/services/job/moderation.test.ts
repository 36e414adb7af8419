import { describe, expect, it } from 'vitest';
import { findPinyin, isPinyin, moderate, normalizeForModeration } from './moderation.js';

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

describe('prohibited terms spelled in pinyin', () => {
  it.each([
    ['网络shua单兼职', '刷单'],
    ['shua单', '刷单'],
    ['shuadan', '刷单'],
    ['刷dan', '刷单'],
    ['S H U A 单', '刷单'],
    ['s.h.u.a.d.a.n', '刷单'],
    ['ＳＨＵＡ单 日结', '刷单'],
    ['SHUADAN兼职', '刷单'],
    ['shua-dan 日结', '刷单'],
    ['shuā dān', '刷单'],
    ['shua1dan4', '刷单'],
    ['shuadanjianzhi', '刷单'],
    ['在家 shua hao ping 返现', '刷好评'],
    ['线上du bo平台', '赌博'],
    ['Bocai网站推广', '博彩'],
    ['zi jin pan 项目', '资金盘'],
    ['代kao 四六级', '代考'],
  ])('refuses %s (%s)', (text, term) => {
    const verdict = moderate({ title: text });
    expect(verdict.decision).toBe('refuse');
    expect(verdict.findings).toContainEqual({ kind: 'prohibited', term, field: 'title' });
    expect(findPinyin(text, term)).toBe(true);
  });

  it.each([
    ['Dubois Street 咖啡店店员', '赌博'],
    ['Panda Express 服务员', '资金盘'],
    ['Shuttle bus driver 班车司机', '刷单'],
    ['Standard dance teacher 舞蹈老师', '刷单'],
    ['House情人节花店促销', '色情'],
    ['Combo菜单配送', '菠菜'],
    ['Bocaiuva 巴西餐厅', '博彩'],
    ['Xiamen 兼职 KFC cashier, Pizza Hut 外卖', '代考'],
  ])('passes %s: the letters are an English word, not %s', (text, term) => {
    expect(findPinyin(text, term)).toBe(false);
    expect(moderate({ title: text }).decision).toBe('pass');
  });

  it('does not read names and places as spellings: they are romanised as a matter of course', () => {
    expect(moderate({ address: 'Shenyang Taoxian Airport 沈阳桃仙机场' }).decision).toBe('pass');
    expect(moderate({ address: 'Xi Qian Road 西迁路', contact: 'Du Pin' }).decision).toBe('pass');
    // The characters themselves are still refused there.
    expect(moderate({ address: '某小区 代孕中心' }).decision).toBe('refuse');
  });

  it('reads only the letters next to a match, so a long run of syllables costs no more', () => {
    const run = 'dubocai'.repeat(300);
    expect(moderate({ description: `${run}x` }).decision).toBe('pass');
    expect(moderate({ description: `线上du bo平台 ${run}` }).decision).toBe('refuse');
  });

  it('passes the ordinary job posts of the end-to-end tests', () => {
    for (const text of [
      '商场日常保洁 日结200元',
      '负责商场公共区域日常保洁，工作轻松，包午餐，当天结算。',
      '商场保洁 日结220元',
      '仓库理货员',
      '网店客服 日结300元',
      '在家网店客服，每单结算，日结300元。',
      'Part-time English tutor, Pudong; shifts on weekends, paid daily',
      'Barista at Starbucks Xintiandi, latte art training provided',
    ]) {
      expect(moderate({ title: text, description: text }).decision, text).toBe('pass');
    }
  });

  it('tells a word of pinyin from an English word in linear time', () => {
    expect(isPinyin('')).toBe(true);
    expect(isPinyin('jianzhi')).toBe(true);
    expect(isPinyin('zhuangxiu')).toBe(true);
    expect(isPinyin('is')).toBe(false);
    expect(isPinyin('uva')).toBe(false);
    expect(isPinyin('an'.repeat(5000) + 'x')).toBe(false);
  });
});
