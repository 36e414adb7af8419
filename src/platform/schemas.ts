import Type, { type Static } from 'typebox';
import { MAX_CURSOR_LENGTH } from './cursor.js';
import { MAX_FEN } from './money.js';

/**
 * Schema pieces every service's API shares: one definition each, so an id, a phone number, an
 * amount of money, an instant or a page means the same thing on every route.
 */

export { ULID_PATTERN } from './ids.js';
import { ULID_PATTERN } from './ids.js';

/** An application-generated, time-ordered id (ULID, Crockford base32). */
export const Ulid = Type.String({ pattern: ULID_PATTERN, description: 'ULID' });

/** `{ id }` path parameters. */
export const IdParams = Type.Object({ id: Ulid });

/** A mainland China mobile number as entered (stored encrypted, answered masked). */
const PHONE_PATTERN = '^(\\+86)?1[3-9][0-9]{9}$';

export const Phone = Type.String({
  pattern: PHONE_PATTERN,
  maxLength: 14,
  description: 'Mainland China mobile number, e.g. 13800138000',
});

const PHONE = new RegExp(PHONE_PATTERN);

/** Whether a value is a mainland mobile number as `Phone` accepts it (for input outside HTTP, e.g. the CLI). */
export function isMainlandMobile(value: string): boolean {
  return PHONE.test(value);
}

/** A phone number as answered: masked, `138****1234`. */
export const MaskedPhone = Type.String({ description: 'Masked: 138****1234' });

/** An amount of money in integer fen (分), within the bounds Linggong accepts anywhere. */
export function AmountFen(options: { minimum?: number; maximum?: number; description?: string } = {}) {
  return Type.Integer({
    minimum: options.minimum ?? 0,
    maximum: Math.min(options.maximum ?? MAX_FEN, MAX_FEN),
    description: options.description ?? 'Amount in fen (分)',
  });
}

/** An instant as a request gives it: ISO 8601 with an offset (checked further by the service). */
export const Instant = Type.String({
  minLength: 16,
  maxLength: 35,
  description: 'ISO 8601 instant with an offset, e.g. 2026-12-01T09:00:00+08:00',
});

/**
 * Text a person writes, under the one text rule (src/platform/text.ts): normalised to NFC and
 * trimmed before the service sees it; control and bidirectional characters, lone surrogates and
 * blank values refused with TEXT_* field codes. Lengths count characters after trimming.
 */
export function Text(rule: {
  minLength?: number;
  maxLength: number;
  multiline?: boolean;
  description?: string;
}) {
  return Type.String({
    ...(rule.minLength !== undefined ? { minLength: rule.minLength } : {}),
    maxLength: rule.maxLength,
    ...(rule.description ? { description: rule.description } : {}),
    'x-text': {
      multiline: rule.multiline ?? false,
      minLength: rule.minLength ?? 1,
      maxLength: rule.maxLength,
    },
  });
}

/** An instant in an answer: ISO 8601 in the business time zone, with its offset. */
export function AnswerInstant(
  description = 'ISO 8601 in the business time zone, e.g. 2026-12-01T09:00:00+08:00',
) {
  return Type.String({ format: 'date-time', description });
}

export const Nullable = <T extends Type.TSchema>(t: T) => Type.Union([t, Type.Null()]);

/** The page size of a list query that names none. */
export const DEFAULT_PAGE_SIZE = 20;

/** `limit` and `cursor` of every list query; spread into the route's own query object. */
export function listQueryFields(options: { maxLimit?: number; defaultLimit?: number } = {}) {
  return {
    limit: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: options.maxLimit ?? 100,
        description: `Page size (default ${options.defaultLimit ?? DEFAULT_PAGE_SIZE})`,
      }),
    ),
    cursor: Type.Optional(
      Type.String({ maxLength: MAX_CURSOR_LENGTH, description: 'nextCursor of the previous page' }),
    ),
  };
}

/** A list query with nothing but paging. */
export const ListQuery = Type.Object(listQueryFields(), { additionalProperties: false });
export type ListQuery = Static<typeof ListQuery>;

/** A list answer: the page's items and the cursor of the next page (null at the end). */
export function ListAnswer<T extends Type.TSchema, P extends Type.TProperties = Record<never, never>>(
  item: T,
  extra?: P,
) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Nullable(Type.String({ description: 'Pass as `cursor` for the next page' })),
    ...(extra ?? ({} as P)),
  });
}

/** A union of string literals, typed as such (the mapped array keeps each literal's type). */
export function literals<const T extends readonly string[]>(
  values: T,
  description: string,
): Type.TUnion<{ -readonly [K in keyof T]: Type.TLiteral<T[K]> }> {
  return Type.Union(
    values.map((v) => Type.Literal(v)),
    { description },
  ) as unknown as Type.TUnion<{ -readonly [K in keyof T]: Type.TLiteral<T[K]> }>;
}

/** A list query's page request: its `limit` (the default page size when absent) and `cursor`. */
export function pageOf(q: { limit?: number | undefined; cursor?: string | undefined }) {
  return { limit: q.limit ?? DEFAULT_PAGE_SIZE, cursor: q.cursor };
}
