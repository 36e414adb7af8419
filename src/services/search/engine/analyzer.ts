import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { Jieba } from '@node-rs/jieba';
import { dict as jiebaDict } from '@node-rs/jieba/dict.js';

/**
 * Text analysis for job search, used identically for documents and queries:
 *
 * 1. Normalise: Unicode NFKC (full-width "ＫＦＣ１２" → "KFC12", compatibility forms), lower-case,
 *    and every character that is neither a letter nor a digit becomes a space.
 * 2. Segment with jieba in search mode (a compound also yields its dictionary sub-words, so
 *    "保洁员" indexes 保洁 and 保洁员 and a search for 保洁 finds it), dictionary only (no HMM:
 *    the HMM guesses words from context, so the same characters could segment differently in a
 *    job post and in a two-word query).
 * 3. Latin and digit runs are tokens as they are ("kfc", "200").
 * 4. A single Chinese character is never a term on its own — that is what would let 保洁 match
 *    保安. Runs of single characters the dictionary did not join (names, rare words, e.g. 派/单)
 *    are indexed as overlapping bigrams (派单), so such words are still found when typed whole.
 *
 * The consequence for queries: every term must match, so a query that reduces to nothing (one
 * Chinese character, punctuation) finds nothing.
 */

/** Gig-work vocabulary jieba's stock dictionary lacks or splits badly. */
const GIG_WORDS = [
  '日结',
  '周结',
  '月结',
  '完工结',
  '当天结',
  '日薪',
  '时薪',
  '包午餐',
  '包吃',
  '包住',
  '包吃住',
  '保洁',
  '保洁员',
  '开荒保洁',
  '家政',
  '家教',
  '搬运',
  '搬运工',
  '搬家工',
  '装卸工',
  '分拣',
  '分拣员',
  '打包员',
  '理货员',
  '盘点员',
  '促销',
  '促销员',
  '派单',
  '派单员',
  '发传单',
  '服务员',
  '传菜员',
  '洗碗工',
  '收银员',
  '咖啡师',
  '后厨',
  '帮厨',
  '小时工',
  '临时工',
  '兼职',
  '急招',
  '育儿嫂',
  '月嫂',
  '护工',
  '骑手',
  '跑腿',
  '质检员',
  '普工',
  '录入员',
  '标注员',
  '数据标注',
  '图像标注',
  '文本标注',
  '语音标注',
  '礼仪',
  '监考',
  '助教',
  '叉车',
  '会展',
  '肯德基',
  '麦当劳',
  '星巴克',
];

/** Bump when the normalisation or token rules above change (not the dictionary: that is hashed). */
const RULES_VERSION = 1;
const CUSTOM_DICT_TEXT = GIG_WORDS.map((w) => `${w} 50000 n`).join('\n') + '\n';

function jiebaPackageVersion(): string {
  const require = createRequire(import.meta.url);
  const pkg = require('@node-rs/jieba/package.json') as { version: string };
  return pkg.version;
}

/**
 * Identifies the analysis. It is stored with every index: an index built by another analysis would
 * give wrong answers (terms segmented differently never match), so opening one asks for a reindex.
 */
export const ANALYZER_VERSION = `jieba-${jiebaPackageVersion()}+gig-${createHash('sha256')
  .update(CUSTOM_DICT_TEXT)
  .digest('hex')
  .slice(0, 8)}+rules-${RULES_VERSION}`;

let jieba: Jieba | undefined;

function segmenter(): Jieba {
  if (!jieba) {
    const j = Jieba.withDict(jiebaDict);
    j.loadDict(Buffer.from(CUSTOM_DICT_TEXT));
    jieba = j;
  }
  return jieba;
}

/** Loads the dictionaries now (≈0.3 s) instead of on the first analysis. */
export function warmUpAnalyzer(): void {
  segmenter();
}

const NOT_WORD = /[^\p{L}\p{N}]+/gu;

/** NFKC, lower case, non-letters/digits to single spaces, trimmed. */
export function normalizeText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(NOT_WORD, ' ').trim();
}

/**
 * One code point normalised the way {@link normalizeText} does it, for highlighting (which needs to
 * map matches back to the original text). Punctuation becomes one space.
 */
export function normalizeCodePoint(ch: string): string {
  const n = ch.normalize('NFKC').toLowerCase();
  return n.replace(NOT_WORD, ' ');
}

// CJK Unified Ideographs (basic block and extension A) and compatibility ideographs.
function isHan(code: number): boolean {
  return (
    (code >= 0x4e00 && code <= 0x9fff) ||
    (code >= 0x3400 && code <= 0x4dbf) ||
    (code >= 0xf900 && code <= 0xfaff)
  );
}

/** True for terms made of Chinese characters (highlighting matches them as substrings). */
export function isHanTerm(term: string): boolean {
  return term.length > 0 && isHan(term.charCodeAt(0));
}

/**
 * The terms of a text, in order, with repetitions (so callers can count term frequencies).
 * Documents and queries both go through this function.
 */
export function analyze(text: string): string[] {
  const normalized = normalizeText(text);
  if (normalized.length === 0) return [];
  const tokens = segmenter().cutForSearch(normalized, false);
  const out: string[] = [];
  // Pending single Han characters, joined into bigrams when the run ends.
  let run = '';
  const flush = (): void => {
    for (let i = 0; i + 1 < run.length; i++) out.push(run.slice(i, i + 2));
    run = '';
  };
  for (const token of tokens) {
    if (token.length === 1 && isHan(token.charCodeAt(0))) {
      run += token;
      continue;
    }
    flush();
    if (token.trim().length === 0) continue;
    out.push(token);
  }
  flush();
  return out;
}

/** The distinct terms of a query, in first-seen order. */
export function analyzeQuery(text: string): string[] {
  return [...new Set(analyze(text))];
}

/** A tag as stored for exact tag filters: normalised, inner spaces removed. */
export function normalizeTag(tag: string): string {
  return normalizeText(tag).replace(/ /g, '');
}
