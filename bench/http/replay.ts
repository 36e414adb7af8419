import Fastify from 'fastify';
import { reportReady } from './child.js';

/**
 * A bare Fastify that answers every profile request with one response recorded from Linggong:
 * the same status, headers and body bytes (BENCH_REPLAY, JSON `{ headers, body }`), with no
 * plugins, cache or hooks. Against it the load generator and the kernel do the same work per
 * response as against Linggong's cache hits, so "cache on / same bytes" isolates what Linggong's
 * own code costs, where "cache on / hello-world" also counts the size of the response.
 */
const recorded = JSON.parse(process.env.BENCH_REPLAY ?? 'null') as {
  headers: Record<string, string>;
  body: string;
} | null;
if (!recorded) throw new Error('BENCH_REPLAY is not set');
const { headers, body } = recorded;
const app = Fastify({ logger: false });
app.get('/api/v1/users/:id', (_request, reply) => {
  void reply.headers(headers).send(body);
});
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
reportReady(address.port, () => app.close());
