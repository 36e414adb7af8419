import { describe, expect, it } from 'vitest';
import { checkText, type TextRule } from './text.js';

describe('the text rule', () => {
  const line: TextRule = { minLength: 2, maxLength: 10 };
  const long: TextRule = { minLength: 10, maxLength: 100, multiline: true };
  it.each([
    ['  搬运工  ', line, '搬运工'],
    ['\u3000仓库理货\u3000', line, '仓库理货'],
    ['\ufeff\u200b装卸工\u200b', line, '装卸工'],
    // NFC: e + combining acute becomes é.
    ['cafe\u0301', line, 'café'],
    ['第一行\n第二行\t继续写完这一段', long, '第一行\n第二行\t继续写完这一段'],
    ['👷‍♂️ 工人', line, '👷‍♂️ 工人'],
    ['工人👷‍♂️', line, '工人👷‍♂️'],
    ['第一行\r\n第二行，写完这一段', long, '第一行\n第二行，写完这一段'],
  ])('keeps %j as %j', (input, rule, expected) => {
    expect(checkText(input, rule)).toEqual({ value: expected });
  });

  it.each([
    ['          ', long, 'BLANK'],
    ['\u200b\u200b\u200b', line, 'BLANK'],
    ['\ufeff', line, 'BLANK'],
    ['\u00ad\u00ad', line, 'BLANK'],
    ['\u3164\u3164', line, 'BLANK'],
    ['\ufe0f\u034f\u115f', line, 'BLANK'],
    ['上海\u2028市', line, 'CONTROL_CHARACTER'],
    ['a\u0000b', line, 'CONTROL_CHARACTER'],
    ['a\u0085b', line, 'CONTROL_CHARACTER'],
    ['第一行\n第二行', line, 'CONTROL_CHARACTER'],
    ['描述\u0007写了十个字以上的一段话', long, 'CONTROL_CHARACTER'],
    ['\u202eabc', line, 'BIDI_CONTROL'],
    ['ab\u2066c', line, 'BIDI_CONTROL'],
    ['\ud800abcd', line, 'LONE_SURROGATE'],
    ['abcd\udc00', line, 'LONE_SURROGATE'],
    [' a ', line, 'TOO_SHORT'],
    ['一二三四五六七八九十一', line, 'TOO_LONG'],
  ])('refuses %j: %s', (input, rule, problem) => {
    expect(checkText(input, rule)).toEqual({ problem });
  });

  it('counts characters, not UTF-16 units', () => {
    expect(checkText('😀'.repeat(10), line)).toEqual({ value: '😀'.repeat(10) });
    expect(checkText('😀'.repeat(11), line)).toEqual({ problem: 'TOO_LONG' });
  });
});
