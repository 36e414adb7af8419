import { describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import {
  ANALYZER_VERSION,
  analyze,
  analyzeQuery,
  normalizeTag,
  normalizeText,
} from '../../src/services/search/engine/analyzer.js';
import {
  escapeHtml,
  highlightSnippet,
  highlightText,
  normalizeSlow,
  normalizeWithMap,
} from '../../src/services/search/engine/highlight.js';

describe('search analyzer', () => {
  it('folds full-width characters and case: ＫＦＣ, KFC and kfc are one term', () => {
    expect(normalizeText('ＫＦＣ兼职１２３')).toBe('kfc兼职123');
    expect(analyze('ＫＦＣ')).toEqual(['kfc']);
    expect(analyze('KFC')).toEqual(['kfc']);
    expect(analyze('kfc兼职服务员')).toContain('kfc');
  });

  it('turns punctuation into separators', () => {
    expect(normalizeText('急招！保洁，200元/天')).toBe('急招 保洁 200元 天');
    expect(normalizeTag(' 包 午餐 ')).toBe('包午餐');
  });

  it('never makes a single Chinese character a term, so 保洁 and 保安 share nothing', () => {
    const a = new Set(analyze('保洁'));
    const b = new Set(analyze('保安'));
    expect([...a].filter((t) => b.has(t))).toEqual([]);
    for (const t of analyze('急招日结保洁阿姨 200元/天 小区保安')) {
      expect(t.length > 1 || /[a-z0-9]/.test(t)).toBe(true);
    }
  });

  it('keeps 家教 apart from 家庭保洁', () => {
    expect(analyze('家庭保洁')).not.toContain('家教');
    expect(analyze('国家教育局')).not.toContain('家教');
    expect(analyze('初中数学家教')).toContain('家教');
  });

  it('indexes sub-words of compounds (search mode) and gig words from the custom dictionary', () => {
    expect(analyze('保洁员')).toEqual(expect.arrayContaining(['保洁', '保洁员']));
    expect(analyze('日结工资')).toContain('日结');
    expect(analyze('仓库分拣员')).toContain('分拣');
  });

  it('joins runs of unknown single characters into bigrams, the same way in text and query', () => {
    // 薪 alone is no word; 时薪 is in the custom dictionary, 顶岗 is not in any.
    const doc = analyze('周末顶岗 时薪22元');
    for (const t of analyzeQuery('顶岗')) expect(doc).toContain(t);
    expect(analyzeQuery('顶岗').length).toBeGreaterThan(0);
  });

  it('treats numbers as tokens: 200 is in "200元/天", not in "2000元"', () => {
    expect(analyze('200元/天')).toContain('200');
    expect(analyze('2000元')).not.toContain('200');
    expect(analyzeQuery('日结 200')).toEqual(['日结', '200']);
  });

  it('a one-character query has no terms', () => {
    expect(analyzeQuery('保')).toEqual([]);
  });

  it('names the installed jieba version in ANALYZER_VERSION', () => {
    const require = createRequire(import.meta.url);
    const { version } = require('@node-rs/jieba/package.json') as { version: string };
    expect(ANALYZER_VERSION).toMatch(
      new RegExp(`^jieba-${version.replace(/\./g, '\\.')}\\+gig-[0-9a-f]{8}\\+rules-\\d+$`),
    );
  });
});

describe('search highlighting', () => {
  it('escapes HTML and wraps matches in <em>', () => {
    expect(highlightText('<b>保洁</b> & "日结"', ['保洁', '日结'])).toBe(
      '&lt;b&gt;<em>保洁</em>&lt;/b&gt; &amp; &quot;<em>日结</em>&quot;',
    );
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('highlights the original full-width text for a half-width query', () => {
    expect(highlightText('ＫＦＣ兼职', ['kfc'])).toBe('<em>ＫＦＣ</em>兼职');
  });

  it('maps matches back across characters that normalise to several or come in surrogate pairs', () => {
    // ㎏ becomes "kg" and 𠀀 is two UTF-16 units: the positions after them must still line up.
    expect(highlightText('5㎏ 𠀀 保洁 KFC', ['保洁', 'kfc'])).toBe('5㎏ 𠀀 <em>保洁</em> <em>KFC</em>');
    expect(highlightText('（ＫＦＣ）门店 保洁', ['kfc', '保洁'])).toBe(
      '（<em>ＫＦＣ</em>）门店 <em>保洁</em>',
    );
  });

  it('normalises through its per-unit table exactly as character by character', () => {
    // Ideographs, latin in both cases and widths, digits, punctuation of both widths, a Kangxi
    // radical and a compatibility ideograph (NFKC maps both to ideographs), ㎏ (→ "kg"), a
    // surrogate pair, and the controls and spaces of real posts.
    const pool = [
      ...'保洁日结家教服务员kfcKFCｋｆｃＫＦＣ0123２００，。！：（）,.!:()-_ \t\n⼀⾦豈㎏𠀀🙂\u3000',
    ];
    let seed = 99;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let multi = 0;
    for (let i = 0; i < 3000; i++) {
      const text = Array.from(
        { length: Math.floor(rand() * 60) },
        () => pool[Math.floor(rand() * pool.length)],
      ).join('');
      const fast = normalizeWithMap(text);
      expect(fast).toEqual(normalizeSlow(text));
      if (fast.from) multi++;
    }
    // Both paths ran: texts with a unit that does not map to exactly one unit keep position maps.
    expect(multi).toBeGreaterThan(100);
    expect(normalizeWithMap('急招保洁，ＫＦＣ门店').from).toBeNull();
  });

  it('matches latin and digit terms only as whole tokens', () => {
    expect(highlightText('2000元 200元', ['200'])).toBe('2000元 <em>200</em>元');
  });

  it('cuts a snippet around the first match', () => {
    const text = '这是一段很长的开头。'.repeat(20) + '急招保洁阿姨' + '结尾内容。'.repeat(20);
    const snippet = highlightSnippet(text, ['保洁'], 40);
    expect(snippet).toContain('<em>保洁</em>');
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.replace(/<\/?em>/g, '').length).toBeLessThanOrEqual(42);
  });
});
