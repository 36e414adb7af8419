import { consumerOf } from '../../src/platform/events/types.js';
import type { ServiceModule } from '../../src/platform/service.js';

/** A producer with nothing but its outbox, and a consumer whose whole effect is its inbox row. */
export const benchProducer: ServiceModule<unknown> = {
  name: 'benchp',
  migrations: {},
  create: () => ({ async routes() {} }),
};

const record = consumerOf<{ 'bench.happened': unknown }>()('benchc.record', ['bench.happened']);

export const benchConsumer: ServiceModule<unknown> = {
  name: 'benchc',
  migrations: {},
  consumers: [record],
  create: () => ({
    async routes() {},
    handlers: [record.handle(async () => {})],
  }),
};
