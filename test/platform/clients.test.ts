import { describe, expect, it } from 'vitest';
import { clientOf, type ServiceModule } from '../../src/platform/service.js';
import { probeModule } from '../fixtures/probe-service.js';
import { startTestPlatform } from '../support/platform.js';

/** Clients are asked for by typed key, and a service's declared uses are checked when it starts. */
describe('service clients', () => {
  it('refuses to start a service whose client dependency is neither served nor reachable', async () => {
    // startTestPlatform drops the database it made when the build fails.
    await expect(startTestPlatform({ modules: [probeModule] })).rejects.toThrow(
      'service "probe" calls "user", which this process does not serve: serve it here too or set LINGGONG_USER_URL',
    );
  });

  it('refuses a client the service did not declare in uses', async () => {
    const otherKey = clientOf<{ ping(): Promise<string> }>('other');
    let asked: unknown;
    const other: ServiceModule<unknown, { ping(): Promise<string> }> = {
      name: 'other',
      migrations: {},
      client: otherKey,
      create: () => ({ async routes() {}, client: { ping: async () => 'pong' } }),
    };
    const greedy: ServiceModule = {
      name: 'greedy',
      migrations: {},
      create(ctx) {
        return {
          async routes() {},
          seed: async () => {
            try {
              asked = await ctx.clients.get(otherKey).ping();
            } catch (e) {
              asked = e;
            }
            return [];
          },
        };
      },
    };
    const p = await startTestPlatform({ modules: [other, greedy] });
    try {
      expect(await p.client(otherKey).ping()).toBe('pong');
      await p.seed();
      expect(asked).toEqual(new Error('service "greedy" calls "other" without declaring it in uses'));
    } finally {
      await p.stop();
    }
  });
});
