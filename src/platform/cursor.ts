import { createHmac, timingSafeEqual } from 'node:crypto';
import { PlatformErrors } from './errors.js';

/**
 * Signed, opaque pagination cursors. The payload (e.g. the last row's sort key and id) is encoded
 * as base64url JSON and signed with HMAC-SHA256, so a client can neither forge nor tamper with a
 * cursor to reach rows its query would not return.
 */
export interface CursorCodec {
  encode(payload: Record<string, string | number>): string;
  /** Returns the payload or throws INVALID_CURSOR (400). */
  decode(cursor: string, scope: string): Record<string, string | number>;
  encodeFor(scope: string, payload: Record<string, string | number>): string;
}

// Room for a search position that carries its scoring statistics (a few hundred characters).
export const MAX_CURSOR_LENGTH = 2048;

export function createCursorCodec(secret: string): CursorCodec {
  const sign = (data: string): Buffer => createHmac('sha256', secret).update(data).digest().subarray(0, 16);
  const encodeFor = (scope: string, payload: Record<string, string | number>): string => {
    const data = Buffer.from(JSON.stringify({ s: scope, p: payload })).toString('base64url');
    return `${data}.${sign(data).toString('base64url')}`;
  };
  return {
    encode: (payload) => encodeFor('', payload),
    encodeFor,
    decode(cursor, scope) {
      const invalid = PlatformErrors.INVALID_CURSOR;
      if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH) throw invalid();
      const [data, mac] = cursor.split('.');
      if (!data || !mac) throw invalid();
      const expected = sign(data);
      const given = Buffer.from(mac, 'base64url');
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalid();
      try {
        const parsed = JSON.parse(Buffer.from(data, 'base64url').toString('utf8')) as {
          s: string;
          p: Record<string, string | number>;
        };
        if (parsed.s !== scope || typeof parsed.p !== 'object' || parsed.p === null) throw invalid();
        return parsed.p;
      } catch {
        throw invalid();
      }
    },
  };
}

/** A page of results with the cursor of the next page (null at the end). */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** What a list asks for: a page size and the cursor of the page before (absent for the first). */
export interface PageRequest {
  limit: number;
  cursor?: string | undefined;
}

/**
 * Keyset paging by id, the one way every list pages: decodes the cursor (signed for `scope`, so a
 * cursor of another list or user is refused), reads `limit + 1` rows after the last id, and cuts
 * the page; the extra row only says whether a next page exists.
 */
export async function readPage<Row extends { id: string }, Item>(
  cursors: CursorCodec,
  scope: string,
  request: PageRequest,
  read: (afterId: string | undefined, limit: number) => Promise<Row[]>,
  toItems: (rows: Row[]) => Item[] | Promise<Item[]>,
): Promise<Page<Item>> {
  const afterId = request.cursor ? String(cursors.decode(request.cursor, scope).id) : undefined;
  const rows = await read(afterId, request.limit + 1);
  const page = rows.slice(0, request.limit);
  const last = page.at(-1);
  return {
    items: await toItems(page),
    nextCursor: rows.length > request.limit && last ? cursors.encodeFor(scope, { id: last.id }) : null,
  };
}
