import { isHanTerm, normalizeCodePoint } from './analyzer.js';

/**
 * Highlighting: find the query's terms in a stored text and wrap them in `<em>`…`</em>`, the rest
 * HTML-escaped. Matching runs on the normalised text (full-width, case) and maps back to the
 * original characters, so "ＫＦＣ" is highlighted for the query "kfc" as it was written.
 * Chinese terms match as substrings (保洁 inside 保洁员); latin and digit terms only as whole tokens
 * (200 not inside 2000), mirroring what the analyzer indexed.
 */

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

interface Normalized {
  text: string;
  /**
   * For each UTF-16 unit of `text`: start and end (exclusive) of its character in the original;
   * null when each unit is the original's unit at the same index.
   */
  from: number[] | null;
  to: number[] | null;
}

// Full-width punctuation and the like recur in every post: normalise each code point once.
const normalizedCodePoints = new Map<number, string>();
function normalizedCodePoint(cp: number): string {
  let piece = normalizedCodePoints.get(cp);
  if (piece === undefined) {
    piece = normalizeCodePoint(String.fromCodePoint(cp));
    if (normalizedCodePoints.size >= 65_536) normalizedCodePoints.clear();
    normalizedCodePoints.set(cp, piece);
  }
  return piece;
}

/** Normalises `original` as the analyzer does, with the position maps when units do not map 1:1. */
export function normalizeSlow(original: string): Normalized {
  // While every character maps to exactly one (the usual case), positions are the identity and no
  // map is kept; the first one that does not switches to explicit maps.
  let from: number[] | null = null;
  let to: number[] | null = null;
  let text = '';
  let i = 0;
  while (i < original.length) {
    const code = original.charCodeAt(i);
    let piece: string;
    let width = 1;
    // Fast paths for what job posts are made of; NFKC leaves basic ideographs alone.
    if (
      (code >= 0x4e00 && code <= 0x9fff) ||
      (code >= 0x61 && code <= 0x7a) ||
      (code >= 0x30 && code <= 0x39)
    ) {
      piece = original[i]!;
    } else if (code >= 0x41 && code <= 0x5a) piece = String.fromCharCode(code + 32);
    else if (code < 0x80) piece = ' ';
    else {
      const cp = original.codePointAt(i)!;
      width = cp > 0xffff ? 2 : 1;
      piece = normalizedCodePoint(cp);
    }
    if (!from && (piece.length !== 1 || width !== 1)) {
      from = Array.from({ length: text.length }, (_, k) => k);
      to = from.map((k) => k + 1);
    }
    if (from) {
      for (let k = 0; k < piece.length; k++) {
        from.push(i);
        to!.push(i + width);
      }
    }
    text += piece;
    i += width;
  }
  return { text, from, to };
}

/**
 * Per UTF-16 unit: the one unit it normalises to (0: not looked up yet; MULTI: a surrogate, or a
 * normalisation that is not exactly one unit). Filled as units are met; 128 KiB.
 */
const UNIT = new Uint16Array(65_536);
const MULTI = 0xffff;

function unitOf(code: number): number {
  let unit = UNIT[code]!;
  if (unit !== 0) return unit;
  let piece: string;
  if ((code >= 0x4e00 && code <= 0x9fff) || (code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39))
    piece = String.fromCharCode(code);
  else if (code >= 0x41 && code <= 0x5a) piece = String.fromCharCode(code + 32);
  else if (code < 0x80) piece = ' ';
  else if (code >= 0xd800 && code <= 0xdfff) piece = '';
  else piece = normalizedCodePoint(code);
  unit = piece.length === 1 ? piece.charCodeAt(0) : MULTI;
  UNIT[code] = unit;
  return unit;
}

let scratch = new Uint16Array(1024);

/**
 * Normalises `original` as normalizeSlow does. While every unit maps to exactly one unit (job posts
 * almost always), it fills a reused buffer from a per-unit table and decodes it once; otherwise it
 * falls back to normalizeSlow, which keeps position maps.
 */
export function normalizeWithMap(original: string): Normalized {
  const n = original.length;
  if (scratch.length < n) scratch = new Uint16Array(Math.max(n, scratch.length * 2));
  for (let i = 0; i < n; i++) {
    const unit = unitOf(original.charCodeAt(i));
    if (unit === MULTI) return normalizeSlow(original);
    scratch[i] = unit;
  }
  return { text: Buffer.from(scratch.buffer, 0, n * 2).toString('utf16le'), from: null, to: null };
}

const LATIN_WORD = /[\p{L}\p{N}]/u;

function isLatinWordChar(ch: string | undefined): boolean {
  if (ch === undefined) return false;
  const code = ch.charCodeAt(0);
  if (code >= 0x4e00 && code <= 0x9fff) return false;
  return LATIN_WORD.test(ch);
}

/** Matched ranges in the original text, sorted and merged. */
function matchRanges(original: string, terms: readonly string[]): [number, number][] {
  if (terms.length === 0 || original.length === 0) return [];
  const norm = normalizeWithMap(original);
  const ranges: [number, number][] = [];
  for (const term of terms) {
    const han = isHanTerm(term);
    let at = norm.text.indexOf(term);
    while (at >= 0) {
      const end = at + term.length;
      if (han || (!isLatinWordChar(norm.text[at - 1]) && !isLatinWordChar(norm.text[end]))) {
        ranges.push(norm.from ? [norm.from[at]!, norm.to![end - 1]!] : [at, end]);
      }
      at = norm.text.indexOf(term, at + 1);
    }
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function render(original: string, ranges: [number, number][], start: number, end: number): string {
  let out = '';
  let pos = start;
  for (const [a0, b0] of ranges) {
    const a = Math.max(a0, start);
    const b = Math.min(b0, end);
    if (b <= a) continue;
    out += escapeHtml(original.slice(pos, a)) + '<em>' + escapeHtml(original.slice(a, b)) + '</em>';
    pos = b;
  }
  return out + escapeHtml(original.slice(pos, end));
}

/** The whole text, escaped, with matches in `<em>`. */
export function highlightText(original: string, terms: readonly string[]): string {
  return render(original, matchRanges(original, terms), 0, original.length);
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}

/**
 * A window of about `maxChars` characters of the text around its first match (from the start when
 * nothing matches), escaped, with matches in `<em>` and "…" where the text was cut.
 */
export function highlightSnippet(original: string, terms: readonly string[], maxChars = 100): string {
  const ranges = matchRanges(original, terms);
  if (original.length <= maxChars) return render(original, ranges, 0, original.length);
  const first = ranges[0]?.[0] ?? 0;
  let start = Math.max(0, Math.min(first - Math.floor(maxChars / 5), original.length - maxChars));
  if (start > 0 && isLowSurrogate(original.charCodeAt(start))) start--;
  let end = Math.min(original.length, start + maxChars);
  if (end < original.length && isLowSurrogate(original.charCodeAt(end))) end++;
  return (start > 0 ? '…' : '') + render(original, ranges, start, end) + (end < original.length ? '…' : '');
}
