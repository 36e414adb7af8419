import { buildPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { jobModule } from '../../src/services/job/index.js';
import { searchModule } from '../../src/services/search/index.js';
import { reportReady } from '../http/child.js';

/**
 * The search service as it is served: its module in a Linggong process, configured from LINGGONG_*
 * variables (LINGGONG_SEARCH_DIR names the corpus index). Only the search service runs here, so
 * the process's memory is the search service's. The job service it would rebuild from is named by
 * an address nothing answers: the corpus index is built already, so nothing calls it.
 */
const config = loadConfig({
  services: [searchModule, jobModule],
  env: { LINGGONG_JOB_URL: 'http://127.0.0.1:9', ...process.env },
});
const platform = await buildPlatform({ config, modules: [searchModule], remoteModules: [jobModule] });
await platform.migrate('up');
await platform.app.listen({ host: config.host, port: config.port });
const address = platform.app.server.address();
if (!address || typeof address === 'string') throw new Error('not listening on TCP');
reportReady(address.port, () => platform.close());
