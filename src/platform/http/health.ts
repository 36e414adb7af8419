import type { FastifyInstance } from 'fastify';
import Type from 'typebox';

export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
  /**
   * false: a failure is reported in `checks` but leaves the process ready. For parts that degrade
   * one feature (e.g. a search index waiting for a reindex) while the rest of the process serves.
   */
  critical?: boolean;
}

const HealthSchema = Type.Object({ status: Type.String() });
const ReadySchema = Type.Object({
  status: Type.String(),
  checks: Type.Record(
    Type.String(),
    Type.Object({ ok: Type.Boolean(), error: Type.Optional(Type.String()) }),
  ),
});

/**
 * `/healthz`: the process is alive. `/readyz`: its databases and Redis answer (503 otherwise), plus
 * the services' own checks.
 */
export function registerHealth(
  app: FastifyInstance,
  checks: () => ReadinessCheck[],
  isDraining: () => boolean,
): void {
  app.get(
    '/healthz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Liveness',
        description: 'Whether the process serves HTTP at all (nothing else is checked).',
        response: { 200: HealthSchema },
        responseDescription: 'The process is alive',
        example: { response: { status: 'ok' } },
      },
      config: { rateLimit: false },
      logLevel: 'warn',
    },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['ops'],
        summary: 'Readiness (database, Redis)',
        description:
          'Whether this process should get traffic: every database and Redis answers, and it is not ' +
          'draining. 503 (the same JSON, not a problem) when not, for load balancers.',
        response: { 200: ReadySchema, 503: ReadySchema },
        responseDescription: 'Ready: every check passed',
        example: {
          response: {
            status: 'ready',
            checks: { 'database:mysql': { ok: true }, redis: { ok: true }, 'search-index': { ok: true } },
          },
        },
      },
      config: { rateLimit: false },
      logLevel: 'warn',
    },
    async (_request, reply) => {
      const results: Record<string, { ok: boolean; error?: string }> = {};
      let failed = false;
      await Promise.all(
        checks().map(async (c) => {
          try {
            await withTimeout(c.check(), 2000);
            results[c.name] = { ok: true };
          } catch (e) {
            results[c.name] = { ok: false, error: (e as Error).message.slice(0, 200) };
            if (c.critical !== false) failed = true;
          }
        }),
      );
      const ok = !isDraining() && !failed;
      return reply
        .code(ok ? 200 : 503)
        .send({ status: ok ? 'ready' : isDraining() ? 'draining' : 'unavailable', checks: results });
    },
  );
}

async function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
