import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone, type LoggedIn } from '../support/users.js';
import { createTopup, notify, paymentDb, sandboxPayer, type TopupAnswer } from './support.js';

/**
 * Reconciliation through the API: the sandbox channel's statement of a day (what the platform's own
 * sandbox recorded as paid) against the top-ups the ledger credited that day.
 */
let p: TestPlatform;

beforeAll(async () => {
  p = await startTestPlatform();
});
afterAll(async () => {
  await p?.stop();
});

const payInSandbox = (user: LoggedIn, topup: TopupAnswer, body: Record<string, unknown> = {}) =>
  p.app.inject({
    method: 'POST',
    url: `/api/v1/payments/sandbox/${topup.id}/pay`,
    headers: user.auth,
    payload: body,
  });

describe(`reconciliation on ${DIALECT}`, () => {
  it('lists what the statement and the ledger disagree on, once, until an admin resolves it', async () => {
    const day = '2026-01-05'; // the fake clock's business day (Asia/Shanghai)
    const user = await loginWithSms(p, newPhone());
    // Paid and credited: on both sides, same amount.
    const matched = await createTopup(p, user, 10_000);
    expect((await payInSandbox(user, matched)).json().status).toBe('paid');
    // Paid 40 元 of 50: held for an admin, not credited; the channel has the money.
    const held = await createTopup(p, user, 5_000);
    expect((await payInSandbox(user, held, { amountFen: 4_000 })).json().status).toBe('held');
    // Credited on a notification the platform's channel never recorded (signed by another sandbox
    // with the same secret): in the ledger, not on the statement.
    const unseen = await createTopup(p, user, 3_000);
    expect((await notify(p, await sandboxPayer(p).paid(unseen))).statusCode).toBe(204);

    p.clock.advance(24 * 3_600_000);
    const admin = await loginAsAdmin(p);
    const runIt = () =>
      p.app.inject({
        method: 'POST',
        url: '/api/v1/admin/reconciliation/runs',
        headers: admin.auth,
        payload: { channel: 'sandbox', day },
      });
    const run = await runIt();
    expect(run.statusCode).toBe(200);
    expect(run.json()).toMatchObject({
      channel: 'sandbox',
      day,
      status: 'differences',
      statementLines: 2,
      differences: 2,
    });

    const open = async () =>
      (await p.app.inject({ method: 'GET', url: '/api/v1/admin/reconciliation', headers: admin.auth })).json()
        .items as Record<string, unknown>[];
    const items = await open();
    expect(items.map((i) => [i.kind, i.reference, i.statementFen, i.ledgerFen]).sort()).toEqual(
      [
        ['missing_in_ledger', held.id, 4_000, null],
        ['missing_in_statement', unseen.id, null, 3_000],
      ].sort(),
    );

    const toResolve = items.find((i) => i.reference === held.id)!;
    const resolved = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/reconciliation/${toResolve.id as string}/resolve`,
      headers: admin.auth,
      payload: { resolution: '已在渠道后台原路退款' },
    });
    expect(resolved.json()).toMatchObject({ status: 'resolved', resolvedBy: admin.userId });
    const audit = await paymentDb(p)
      .untyped()
      .selectFrom('payment_audit')
      .select(['action', 'actor_id'])
      .where('target_id', '=', toResolve.id as string)
      .execute();
    expect(audit).toEqual([{ action: 'reconciliation.resolved', actor_id: admin.userId }]);
    const twice = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/reconciliation/${toResolve.id as string}/resolve`,
      headers: admin.auth,
      payload: { resolution: '再次处理' },
    });
    expect(twice.json().code).toBe('RECONCILIATION_ITEM_RESOLVED');

    // Run again: the same two differences, recorded once; the resolved one stays resolved.
    expect((await runIt()).json()).toMatchObject({ differences: 2 });
    expect((await open()).map((i) => i.reference)).toEqual([unseen.id]);

    // A quiet day matches; the daily schedule reconciles yesterday by itself.
    const quiet = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/reconciliation/runs',
      headers: admin.auth,
      payload: { channel: 'sandbox', day: '2026-01-04' },
    });
    expect(quiet.json()).toMatchObject({ status: 'matched', statementLines: 0, differences: 0 });
    p.clock.set(Date.parse('2026-01-07T01:31:00Z')); // 09:31 in Shanghai
    await p.scheduler.runDue();
    const runs = await paymentDb(p)
      .db.selectFrom('payment_reconciliation_runs')
      .select(['day', 'status'])
      .orderBy('day')
      .execute();
    expect(runs).toEqual([
      { day: '2026-01-04', status: 'matched' },
      { day: day, status: 'differences' },
      { day: '2026-01-06', status: 'matched' },
    ]);
  });
});
