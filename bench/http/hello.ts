import Fastify from 'fastify';
import { reportReady } from './child.js';

/**
 * The reference: a bare Fastify hello-world (no plugins, no logging). It answers the benchmark's own
 * paths too, so the load generator does exactly the same work against it as against Linggong.
 */
const app = Fastify({ logger: false });
const hello = async () => ({ hello: 'world' });
app.get('/', hello);
app.get('/api/v1/users/:id', hello);
app.get('/healthz', hello);
await app.listen({ host: '127.0.0.1', port: 0 });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
reportReady(address.port, () => app.close());
