import { buildPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { reportReady } from './child.js';
import { NoCache } from './no-cache.js';

/**
 * The Linggong process under test: every service, configured from LINGGONG_* variables like
 * `linggong serve`. `--cache off` replaces the cache with one that never stores anything.
 */
const cacheOff =
  process.argv.includes('--cache') && process.argv[process.argv.indexOf('--cache') + 1] === 'off';
const config = loadConfig({
  services: ALL_SERVICES,
  env: process.env,
});
const platform = await buildPlatform({ config, ...(cacheOff ? { cache: new NoCache() } : {}) });
await platform.app.listen({ host: config.host, port: config.port });
const address = platform.app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
reportReady(address.port, () => platform.close());
