import { createHash } from 'node:crypto';
import type {
  FastifyReply,
  FastifyRequest,
  onSendAsyncHookHandler,
  preHandlerAsyncHookHandler,
} from 'fastify';
import type { Clock } from '../clock.js';
import { currentContext } from '../context.js';
import { PlatformErrors, type AppError } from '../errors.js';
import { canonicalJson } from '../canonical-json.js';
import { affectedRows, insertIgnore } from '../db/helpers.js';
import type { ServiceDatabase } from '../db/service-database.js';
import type { Logger } from '../log.js';

/**
 * Idempotency keys for POSTs that create or move things (`Idempotency-Key` header).
 *
 * A key is scoped to (caller, route, key) and bound to a fingerprint of the request. The claim row
 * is written first; the service's unit of work marks it `committed` *in the same transaction as the
 * change* and stores the result; the exact response is stored before it is sent. Hence:
 * - a replay returns the first response (header `Idempotent-Replayed: true`);
 * - the same key with another body answers 422 IDEMPOTENCY_KEY_REUSED;
 * - a duplicate while the first is running answers 409 IDEMPOTENCY_KEY_IN_PROGRESS;
 * - a first attempt that failed (4xx/5xx, nothing committed) releases the key for a retry;
 * - a claim left by a process that died before committing is taken over after LOCK_MS.
 * Keys expire after 24 hours.
 */
const LOCK_MS = 60_000;
const TTL_MS = 24 * 3_600_000;

interface IdempotencyRow {
  key_hash: string;
  fingerprint: string;
  state: 'processing' | 'committed' | 'completed';
  status_code: number | null;
  response: string | null;
  locked_until: number;
  expires_at: number;
}

declare module 'fastify' {
  interface FastifyRequest {
    idempotencyKeyHash?: string;
  }
}

export interface IdempotencyHooks {
  preHandler: preHandlerAsyncHookHandler;
  onSend: onSendAsyncHookHandler<unknown>;
}

/** The claims `createIdempotencyHooks` made; a route whose preHandler is one accepts the header. */
const claimHooks = new WeakSet<object>();

/** Whether a route's `preHandler` (one or a list) claims idempotency keys (for the API description). */
export function acceptsIdempotencyKey(preHandler: unknown): boolean {
  const hooks: unknown[] = Array.isArray(preHandler) ? preHandler : [preHandler];
  return hooks.some((h) => typeof h === 'function' && claimHooks.has(h));
}

/** The `Idempotency-Key` header as the API description declares it, and as it is checked. */
export const IDEMPOTENCY_KEY_HEADER = {
  type: 'string',
  minLength: 1,
  maxLength: 128,
  pattern: '^[\\x21-\\x7e]{1,128}$',
  description:
    'Optional. 1-128 visible ASCII characters, unique per intended change (e.g. a UUID). A retry with ' +
    'the same key and request replays the first answer (`Idempotent-Replayed: true`) for 24 hours; the ' +
    'same key with another request answers 422, and while the first is still running, 409.',
  examples: ['5f0c1c9e-8d0b-4c53-9f3e-3b1f1e0a7c21'],
} as const;
const KEY_PATTERN = new RegExp(IDEMPOTENCY_KEY_HEADER.pattern);

/** What a route that claims keys may refuse with, besides its own errors. */
export function idempotencyErrors(): AppError[] {
  return [
    PlatformErrors.IDEMPOTENCY_KEY_INVALID(),
    PlatformErrors.IDEMPOTENCY_KEY_REUSED(),
    PlatformErrors.IDEMPOTENCY_KEY_IN_PROGRESS(),
  ];
}

export function createIdempotencyHooks<DB>(
  sdb: ServiceDatabase<DB>,
  clock: Clock,
  log: Logger,
  options: { successStatus: number },
): IdempotencyHooks {
  const table = sdb.table('idempotency');
  const db = sdb.untyped();

  async function claim(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const header = request.headers['idempotency-key'];
    if (header === undefined) return;
    if (typeof header !== 'string' || !KEY_PATTERN.test(header))
      throw PlatformErrors.IDEMPOTENCY_KEY_INVALID();
    const caller = request.principal?.userId ?? `ip:${request.ip}`;
    const keyHash = sha256(
      `${sdb.service}\n${request.method}\n${request.routeOptions.url}\n${caller}\n${header}`,
    );
    const fingerprint = sha256(
      canonicalJson({ params: request.params, query: request.query, body: request.body }),
    );

    for (let attempt = 0; attempt < 3; attempt++) {
      const now = clock.now();
      const inserted = await insertIgnore(
        db,
        sdb.dialect,
        table,
        {
          key_hash: keyHash,
          fingerprint,
          state: 'processing',
          status_code: null,
          response: null,
          locked_until: now + LOCK_MS,
          created_at: now,
          expires_at: now + TTL_MS,
        },
        ['key_hash'],
      );
      if (inserted) return bind(request, keyHash);

      const row = (await db
        .selectFrom(table)
        .selectAll()
        .where('key_hash', '=', keyHash)
        .executeTakeFirst()) as IdempotencyRow | undefined;
      if (!row) continue; // released between our insert and read: try again
      if (row.expires_at <= now) {
        await db.deleteFrom(table).where('key_hash', '=', keyHash).where('expires_at', '<=', now).execute();
        continue;
      }
      if (row.fingerprint !== fingerprint) throw PlatformErrors.IDEMPOTENCY_KEY_REUSED();
      switch (row.state) {
        case 'completed':
          return replay(reply, row.status_code ?? options.successStatus, row.response ?? 'null');
        case 'committed':
          // The change committed but the response was not stored yet: still finishing, or its process died.
          if (row.locked_until > now) throw PlatformErrors.IDEMPOTENCY_KEY_IN_PROGRESS();
          return replay(reply, options.successStatus, row.response ?? 'null');
        case 'processing': {
          if (row.locked_until > now) throw PlatformErrors.IDEMPOTENCY_KEY_IN_PROGRESS();
          // Its process died before committing anything: take the claim over, if nobody else did.
          const taken = await db
            .updateTable(table)
            .set({ locked_until: now + LOCK_MS })
            .where('key_hash', '=', keyHash)
            .where('state', '=', 'processing')
            .where('locked_until', '=', row.locked_until)
            .executeTakeFirst();
          if (affectedRows(taken) === 1) return bind(request, keyHash);
          throw PlatformErrors.IDEMPOTENCY_KEY_IN_PROGRESS();
        }
      }
    }
    throw PlatformErrors.IDEMPOTENCY_KEY_IN_PROGRESS();
  }

  function bind(request: FastifyRequest, keyHash: string): void {
    request.idempotencyKeyHash = keyHash;
    const ctx = currentContext();
    if (ctx) ctx.idempotency = { service: sdb.service, keyHash, committed: false };
  }

  function replay(reply: FastifyReply, status: number, body: string): void {
    void reply
      .code(status)
      .header('idempotent-replayed', 'true')
      .type('application/json; charset=utf-8')
      .send(body);
  }

  const preHandler: preHandlerAsyncHookHandler = async (request, reply) => {
    await claim(request, reply);
  };
  claimHooks.add(preHandler);
  return {
    preHandler,
    onSend: async (request, reply, payload) => {
      const keyHash = request.idempotencyKeyHash;
      if (!keyHash || reply.getHeader('idempotent-replayed')) return payload;
      try {
        if (reply.statusCode < 400) {
          await db
            .updateTable(table)
            .set({ state: 'completed', status_code: reply.statusCode, response: String(payload) })
            .where('key_hash', '=', keyHash)
            .execute();
        } else if (!currentContext()?.idempotency?.committed) {
          // Nothing was committed: free the key so the client can retry the same request.
          await db
            .deleteFrom(table)
            .where('key_hash', '=', keyHash)
            .where('state', '=', 'processing')
            .execute();
        }
      } catch (e) {
        log.error({ err: e }, 'could not record the idempotent response');
      }
      return payload;
    },
  };
}

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
