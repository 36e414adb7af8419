import type { ServiceModule } from '../../src/platform/service.js';

/** A producer with nothing but its outbox, and a consumer whose whole effect is its inbox row. */
export const benchProducer: ServiceModule<unknown> = {
  name: 'benchp',
  migrations: {},
  create: () => ({ async routes() {} }),
};

export const benchConsumer: ServiceModule<unknown> = {
  name: 'benchc',
  migrations: {},
  subscriptions: [{ consumer: 'benchc.record', event: 'bench.happened' }],
  create: () => ({
    async routes() {},
    handlers: { 'benchc.record': async () => {} },
  }),
};
