import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { loginWithSms } from '../support/users.js';
import { listTables } from '../support/databases.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ modules: [...ALL_SERVICES, widgetModule] });
});
afterAll(async () => {
  await p.stop();
});

const tables = listTables;

describe(`service data separation on ${DIALECT}`, () => {
  it('runs the user service in a database of its own, with its own migrations and platform tables', async () => {
    const user = p.services.get('user')!.db;
    const widget = p.services.get('widget')!.db;
    expect(user.connection.key).not.toBe(widget.connection.key);
    const userTables = await tables(user);
    const widgetTables = await tables(widget);
    expect(userTables.every((t) => t.startsWith('user_'))).toBe(true);
    // The other services share the main database, each behind its own table prefix.
    const sharing = [...p.services.values()]
      .filter((s) => s.db.connection.key === widget.connection.key)
      .map((s) => s.db.prefix);
    expect(sharing).toEqual(expect.arrayContaining(['widget_', 'job_']));
    expect(widgetTables.every((t) => sharing.some((prefix) => t.startsWith(prefix)))).toBe(true);
    expect(widgetTables.some((t) => t.startsWith('user_'))).toBe(false);
    expect(userTables).toEqual(
      expect.arrayContaining([
        'user_accounts',
        'user_outbox',
        'user_inbox',
        'user_idempotency',
        'user_audit',
        'user_migrations',
      ]),
    );
    // Both services work side by side.
    const u = await loginWithSms(p);
    expect((await p.app.inject({ url: '/api/v1/users/me', headers: u.auth })).statusCode).toBe(200);
    expect(
      (
        await p.app.inject({
          method: 'POST',
          url: '/api/v1/widgets',
          payload: { name: 'x', stock: 1, priceFen: 1 },
        })
      ).statusCode,
    ).toBe(201);
  });
});
