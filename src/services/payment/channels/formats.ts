import { assertFen, MAX_FEN } from '../../../platform/money.js';
import { formatInstant, parseInstant } from '../../../platform/clock.js';

/**
 * The notations channels use for money and time, converted exactly: yuan amounts are decimal
 * strings parsed digit by digit (a float would turn 0.29 into 28.999… fen), and channel times are
 * Beijing time, which has had no daylight saving since 1991.
 */

const YUAN = /^(-)?(\d+)(?:\.(\d{1,2}))?$/;

/**
 * A yuan amount as the channels write it ("0.01", "12.30", "100") in fen. Refuses anything else:
 * more than two decimals, exponents, spaces, signs (unless `allowNegative`, for statement refund
 * rows), and amounts beyond MAX_FEN. Returns undefined when refused.
 */
export function yuanToFen(text: string, options: { allowNegative?: boolean } = {}): number | undefined {
  const m = YUAN.exec(text);
  if (!m) return undefined;
  const [, minus, whole = '', decimals = ''] = m;
  if (minus && !options.allowNegative) return undefined;
  // The whole part is checked by length first, so a long digit string never becomes a float.
  const wholeDigits = whole.replace(/^0+(?=\d)/, '');
  if (wholeDigits.length > String(MAX_FEN / 100).length) return undefined;
  const fen = Number(wholeDigits) * 100 + Number(decimals.padEnd(2, '0'));
  if (fen > MAX_FEN) return undefined;
  return minus ? -fen : fen;
}

/** Fen as a yuan string with two decimals ("0.01", "12.30"), the form Alipay expects. */
export function fenToYuan(amountFen: number): string {
  assertFen(amountFen);
  if (amountFen <= 0) throw new RangeError('a channel amount must be positive');
  return `${Math.floor(amountFen / 100)}.${String(amountFen % 100).padStart(2, '0')}`;
}

const BEIJING = 'Asia/Shanghai';
const LOCAL_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})$/;

/** "2026-01-05 09:30:00" read as Beijing time (Alipay's and the bill files' notation), in epoch ms. */
export function parseBeijingTime(text: string): number | undefined {
  const m = LOCAL_TIME.exec(text.trim());
  if (!m) return undefined;
  return parseInstant(`${m[1]}T${m[2]}+08:00`);
}

/** An instant as "2026-01-05 09:30:00" in Beijing time. */
export function formatBeijingTime(instant: number): string {
  return formatInstant(instant, BEIJING).slice(0, 19).replace('T', ' ');
}

/** An instant as RFC 3339 with the Beijing offset, "2026-01-05T09:30:00+08:00" (WeChat Pay). */
export function formatBeijingRfc3339(instant: number): string {
  return formatInstant(instant, BEIJING);
}

/** Checks a business day string YYYY-MM-DD (a real calendar date). */
export function isBusinessDay(day: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(day) && parseInstant(`${day}T00:00:00+08:00`) !== undefined;
}

/**
 * Splits one CSV line into fields: commas separate, double quotes may enclose a field with commas,
 * and "" inside quotes is a quote. Bill files carry no line breaks inside fields.
 */
export function splitCsvLine(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c === '"' && field.length === 0) {
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}

/** The lines of a text file, without a byte-order mark, line endings or blank lines. */
export function textLines(text: string): string[] {
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .filter((line) => line.trim().length > 0);
}
