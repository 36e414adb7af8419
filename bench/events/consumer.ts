// The consumer process of bench/events: serves only the consumer service's workers.
import { buildPlatform } from '../../src/app.js';
import { loadConfig } from '../../src/platform/config.js';
import { benchConsumer, benchProducer } from './modules.js';

const config = loadConfig({
  services: [{ name: 'benchc' }, { name: 'benchp' }],
  env: { ...process.env, LINGGONG_ENV: 'test', LINGGONG_LOG_LEVEL: 'warn', LINGGONG_SERVICES: 'benchc' },
});
const platform = await buildPlatform({ config, modules: [benchConsumer], remoteModules: [benchProducer] });
await platform.migrate('up');
platform.startBackground();
console.log('READY');
process.on('SIGTERM', () => {
  void platform.close().then(() => process.exit(0));
});
