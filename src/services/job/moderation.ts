/**
 * Automatic moderation of job posts (内容审核), run when a job is submitted and when an open job's
 * text changes. Pure: text in, verdict out.
 *
 * - `refuse`: content no gig platform may carry (brushing orders, gambling, sex work, pyramid
 *   schemes …). The post is refused with the reason and nothing is saved.
 * - `review`: patterns of pay-to-work fraud (the worker is asked for 押金, 培训费, 会员费 …) or of
 *   moving the conversation off the platform. The job waits in the admin review queue.
 * - `pass`: the job opens.
 *
 * Text is normalised before matching (NFKC folds full-width letters, case folded, spaces and
 * punctuation removed), so "押 金", "押-金" and "ＱＱ群" are caught. A negation right before a
 * pay-to-work term ("无押金", "不收培训费", "免服装费") is the opposite claim and passes.
 *
 * Prohibited terms are also found spelled in pinyin, wholly or in part ("shuadan", "shua单", "刷dan",
 * "S H U A 单", "shuā dān"): see findPinyin.
 */
export type ModerationDecision = 'pass' | 'review' | 'refuse';

export interface ModerationFinding {
  kind: 'prohibited' | 'pay_to_work' | 'off_platform_contact';
  term: string;
  field: string;
}

export interface ModerationVerdict {
  decision: ModerationDecision;
  findings: ModerationFinding[];
  /** A short reason in Chinese for the employer or the reviewer; null when the post passes. */
  reason: string | null;
}

const PROHIBITED = [
  '刷单',
  '刷信誉',
  '刷好评',
  '赌博',
  '博彩',
  '菠菜',
  '色情',
  '裸聊',
  '陪睡',
  '代孕',
  '卖血',
  '卖卵',
  '传销',
  '资金盘',
  '套现',
  '办证',
  '代考',
  '枪支',
  '毒品',
  '洗钱',
  '跑分',
];

const PAY_TO_WORK = [
  '押金',
  '保证金',
  '培训费',
  '会员费',
  '入会费',
  '服装费',
  '工服费',
  '工装费',
  '体检费',
  '入职费',
  '介绍费',
  '中介费',
  '报名费',
  '资料费',
  '办卡费',
  '认证费',
  '先交钱',
  '先交费',
  '交钱上岗',
  '垫付',
];

const OFF_PLATFORM = ['加微信', '加微', '加v', '加vx', '微信号', 'vx号', 'qq群', '加qq', '私聊', 'telegram'];

const NEGATIONS = [
  '无需',
  '无',
  '不收取',
  '不收',
  '不需要',
  '不需',
  '免收',
  '免',
  '没有',
  '零',
  '拒绝',
  '不交',
];

// Letters, digits and CJK ideographs stay; everything else (spaces, punctuation, symbols) goes.
const NOISE = /[^\p{L}\p{N}]/gu;

export function normalizeForModeration(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(NOISE, '');
}

/**
 * Fields whose pinyin is not read as a spelling: names and places are romanised as a matter of
 * course ("Shenyang Taoxian Airport" sounds like 套现, "Du Pin" like 毒品).
 */
const NAMES_AND_PLACES = new Set(['contact', 'address']);

export function moderate(fields: Record<string, string | readonly string[]>): ModerationVerdict {
  const findings: ModerationFinding[] = [];
  for (const [field, value] of Object.entries(fields)) {
    const raw = Array.isArray(value) ? value.join('|') : (value as string);
    const text = normalizeForModeration(raw);
    const spelled = NAMES_AND_PLACES.has(field) ? null : pinyinForm(raw);
    for (const term of PROHIBITED) {
      if (text.includes(term) || (spelled !== null && spelledIn(spelled, term)))
        findings.push({ kind: 'prohibited', term, field });
    }
    for (const term of PAY_TO_WORK) {
      if (occursAffirmed(text, term)) findings.push({ kind: 'pay_to_work', term, field });
    }
    for (const term of OFF_PLATFORM) {
      if (text.includes(term)) findings.push({ kind: 'off_platform_contact', term, field });
    }
  }
  const prohibited = findings.filter((f) => f.kind === 'prohibited');
  if (prohibited.length > 0) {
    return { decision: 'refuse', findings, reason: `含有禁止发布的内容：${terms(prohibited)}` };
  }
  if (findings.length > 0) {
    const parts: string[] = [];
    const pay = findings.filter((f) => f.kind === 'pay_to_work');
    const contact = findings.filter((f) => f.kind === 'off_platform_contact');
    if (pay.length > 0) parts.push(`疑似向求职者收费：${terms(pay)}`);
    if (contact.length > 0) parts.push(`疑似引导站外联系：${terms(contact)}`);
    return { decision: 'review', findings, reason: parts.join('；') };
  }
  return { decision: 'pass', findings, reason: null };
}

/** True when `term` occurs at least once without a negation right before it. */
function occursAffirmed(text: string, term: string): boolean {
  for (let at = text.indexOf(term); at !== -1; at = text.indexOf(term, at + 1)) {
    const before = text.slice(Math.max(0, at - 4), at);
    if (!NEGATIONS.some((n) => before.endsWith(n))) return true;
  }
  return false;
}

/**
 * The pinyin of each character of the prohibited terms, as they are read in these terms (血 also
 * as xie, 色 also as shai, the other readings people spell them with).
 */
const PINYIN: ReadonlyMap<string, readonly string[]> = new Map(
  (
    '刷 shua|单 dan|信 xin|誉 yu|好 hao|评 ping|赌 du|博 bo|彩 cai|菠 bo|菜 cai|色 se shai|情 qing|' +
    '裸 luo|聊 liao|陪 pei|睡 shui|代 dai|孕 yun|卖 mai|血 xue xie|卵 luan|传 chuan|销 xiao|资 zi|' +
    '金 jin|盘 pan|套 tao|现 xian|办 ban|证 zheng|考 kao|枪 qiang|支 zhi|毒 du|品 pin|洗 xi|钱 qian|' +
    '跑 pao|分 fen'
  )
    .split('|')
    .map((entry) => {
      const [hanzi, ...syllables] = entry.split(' ');
      return [hanzi!, syllables];
    }),
);

/**
 * Pinyin syllables, a little generously (each initial with each final, and the finals that stand
 * alone): enough to tell a word of pinyin from an English one.
 */
const SYLLABLES: ReadonlySet<string> = new Set([
  ...'a o e ai ei ao ou an en ang eng er'.split(' '),
  ...'b p m f d t n l g k h j q x zh ch sh r z c s y w'
    .split(' ')
    .flatMap((initial) =>
      'a o e i u v ai ei ao ou an en ang eng ong ia ie iao iu ian in iang ing iong ua uo uai ui uan un uang ve ue'
        .split(' ')
        .map((final) => initial + final),
    ),
]);
const LONGEST_SYLLABLE = 6;

/** Whether `letters` are pinyin syllables end to end ('' is). Linear, so no regex backtracking. */
export function isPinyin(letters: string): boolean {
  const ok = [true];
  for (let end = 1; end <= letters.length; end++) {
    ok[end] = false;
    for (let len = 1; len <= Math.min(LONGEST_SYLLABLE, end) && !ok[end]; len++) {
      ok[end] = ok[end - len]! && SYLLABLES.has(letters.slice(end - len, end));
    }
  }
  return ok[letters.length]!;
}

// Single letters spelled apart ("S H U A", "s.h.u.a") are joined.
const SPELLED = /(?<![a-z])[a-z](?:[^\p{L}\p{N}]+[a-z](?![a-z]))+/gu;
const SEPARATORS = /[^\p{L}\p{N}]+/gu;
const ALL_HANZI = /^[\p{Script=Han} ]+$/u;
const HAN = /\p{Script=Han}/u;
const spellings = new Map<string, RegExp>();
/** The most letters read next to a match (about five syllables). */
const RUN_ON = 32;

/** Text as pinyin is looked for in it: NFKC, tone marks gone, lower case, separators one space. */
export function pinyinForm(text: string): string {
  return text
    .normalize('NFKC')
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .normalize('NFC')
    .toLowerCase()
    .replace(SPELLED, (letters) => letters.replace(SEPARATORS, ''))
    .replace(SEPARATORS, ' ');
}

/** Whether `text` holds the prohibited `term` with some or all of its characters in pinyin. */
export function findPinyin(text: string, term: string): boolean {
  return spelledIn(pinyinForm(text), term);
}

/**
 * A term's characters each as itself or its pinyin (a tone number allowed), a separator allowed
 * between them. Letters must not run on past the match, so an English word that merely holds the
 * letters passes: where the term is all pinyin, the rest of the word must be pinyin too
 * ("shuadanjianzhi" is 刷单兼职, "Dubois" is not 赌博); where it mixes in characters, the letters
 * must be a word of their own ("网络shua单" is refused, "House情人节" is not 色情).
 */
function spelledIn(form: string, term: string): boolean {
  let spelling = spellings.get(term);
  if (!spelling) {
    const chars = [...term].map((c) => [c, ...(PINYIN.get(c) ?? []).map((p) => `${p}[1-5]?`)].join('|'));
    spelling = new RegExp(chars.map((c) => `(?:${c})`).join(' ?'), 'gu');
    spellings.set(term, spelling);
  }
  for (const m of form.matchAll(spelling)) {
    if (ALL_HANZI.test(m[0])) continue; // the term itself: found without pinyin
    const runsOn = HAN.test(m[0])
      ? (letters: string) => letters !== ''
      : (letters: string) => !isPinyin(letters);
    // Only the letters next to the match are read, at most RUN_ON of them each side: a run longer
    // than that is a word (or a string of syllables) the match is part of, and the work per match
    // stays bounded however long the text.
    const end = m.index + m[0].length;
    const before = /^[a-z]/.test(m[0])
      ? /[a-z]*$/.exec(form.slice(Math.max(0, m.index - RUN_ON - 1), m.index))![0]
      : '';
    const after = /[a-z]$/.test(m[0]) ? /^[a-z]*/.exec(form.slice(end, end + RUN_ON + 1))![0] : '';
    if (before.length > RUN_ON || after.length > RUN_ON) continue;
    if (!runsOn(before) && !runsOn(after)) return true;
  }
  return false;
}

function terms(findings: ModerationFinding[]): string {
  return [...new Set(findings.map((f) => f.term))].join('、');
}
