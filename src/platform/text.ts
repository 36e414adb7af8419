/**
 * The one rule for text people write (titles, names, descriptions, messages), the same in every
 * service. A value is normalised to NFC and trimmed (Unicode white space, the ideographic space
 * included); then it is refused when it
 * - holds a lone surrogate (it cannot be stored as UTF-8, and databases replace it differently),
 * - holds a control character (C0, DEL or C1) other than newline and tab — and in a single line,
 *   those too,
 * - holds a bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which can
 *   make a text display as another,
 * - is empty once invisible characters (zero-width spaces and joiners, word joiner, BOM, soft
 *   hyphen, white space) are removed,
 * - is shorter or longer than its bounds, counted in characters (code points) after trimming.
 */
export type TextProblem =
  'LONE_SURROGATE' | 'CONTROL_CHARACTER' | 'BIDI_CONTROL' | 'BLANK' | 'TOO_SHORT' | 'TOO_LONG';

export interface TextRule {
  /** Newlines and tabs allowed (descriptions, messages). */
  multiline?: boolean;
  minLength?: number;
  maxLength?: number;
}

// Matching control characters is the point of these two.
// eslint-disable-next-line no-control-regex
const LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// eslint-disable-next-line no-control-regex
const MULTILINE_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;
// White space and every default-ignorable character (zero-width, fillers such as U+3164,
// variation selectors, tags): a value of nothing else shows nothing.
const INVISIBLE = /[\s\p{Default_Ignorable_Code_Point}]/gu;
// Line breaks as Windows and Unicode write them, taken as newlines in multi-line text.
const LINE_BREAKS = /\r\n?|[\u2028\u2029]/g;
// String.prototype.trim covers Unicode white space (U+3000 too) and the BOM. Only these are cut at
// the edges: a variation selector or joiner there belongs to the character before it.
const EDGE_INVISIBLE = /^[\u200b-\u200d\u2060\u00ad]+|[\u200b-\u200d\u2060\u00ad]+$/gu;

/** Normalises a value by the rule, or names the rule it breaks. */
export function checkText(value: string, rule: TextRule = {}): { value: string } | { problem: TextProblem } {
  if (LONE_SURROGATE.test(value)) return { problem: 'LONE_SURROGATE' };
  const normal = value.normalize('NFC');
  const text = (rule.multiline ? normal.replace(LINE_BREAKS, '\n') : normal)
    .trim()
    .replace(EDGE_INVISIBLE, '')
    .trim();
  if ((rule.multiline ? MULTILINE_CONTROLS : LINE_CONTROLS).test(text))
    return { problem: 'CONTROL_CHARACTER' };
  if (BIDI_CONTROLS.test(text)) return { problem: 'BIDI_CONTROL' };
  const visible = text.replace(INVISIBLE, '');
  if (visible.length === 0 && (rule.minLength ?? 1) > 0) return { problem: 'BLANK' };
  const length = [...text].length;
  if (rule.minLength !== undefined && length < rule.minLength) return { problem: 'TOO_SHORT' };
  if (rule.maxLength !== undefined && length > rule.maxLength) return { problem: 'TOO_LONG' };
  return { value: text };
}
