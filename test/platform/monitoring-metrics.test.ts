import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WORKFLOW_STALLED_AFTER_MS } from '../../src/platform/workflow/metrics.js';
import {
  flowClient,
  resetWorkflowControl,
  WORKFLOW_MODULES,
  workflowControl,
} from '../fixtures/workflow-services.js';
import { createTopup, notify, paymentDb, sandboxPayer } from '../payment/support.js';
import { DIALECT } from '../support/env.js';
import { sample, scrape } from '../support/monitoring.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, loginWithSms, newPhone } from '../support/users.js';

/**
 * The monitoring gauges computed at scrape time, read through GET /metrics after real states were
 * made: the scheduled ledger check (payment.check-ledger) before its first run, clean, and after a
 * direct SQL write broke the ledger; reconciliation differences open and resolved; a workflow
 * instance whose step runs past the stall limit, and one whose compensation failed for good.
 */
describe(`payment monitoring gauges (${DIALECT})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform();
  });
  afterAll(async () => {
    await p?.stop();
  });

  const problems = 'linggong_ledger_check_problems{service="payment"}';
  const lastRun = 'linggong_ledger_check_last_run_timestamp_seconds{service="payment"}';

  it('exposes the scheduled ledger check: absent before its first run, then its problems and time', async () => {
    const before = await scrape(p);
    expect(before).toContain('# TYPE linggong_ledger_check_problems gauge');
    expect(sample(before, problems)).toBeUndefined();
    expect(sample(before, lastRun)).toBeUndefined();

    // The schedule's first start runs its latest tick at once.
    await p.scheduler.runDue();
    const clean = await scrape(p);
    expect(sample(clean, problems)).toBe(0);
    expect(sample(clean, lastRun)).toBe(p.clock.now() / 1000);

    // A wallet whose balance no leg explains, written behind the ledger's back.
    await sql`insert into payment_ledger_accounts (id, kind, owner, may_go_negative, balance, seq, created_at, updated_at)
      values ('01JEXAMP1EACC0VNT000000001', 'wallet', '01JEXAMP1EW0RKER0000000001', 0, 500, 0, 0, 0)`.execute(
      paymentDb(p).db,
    );
    // Nothing changes on /metrics until the check runs again: the gauge reads the stored result.
    expect(sample(await scrape(p), problems)).toBe(0);
    p.clock.advance(15 * 60_000);
    await p.scheduler.runDue();
    const broken = await scrape(p);
    expect(sample(broken, problems)).toBe(1);
    expect(sample(broken, lastRun)).toBe(p.clock.now() / 1000);
    const runs = await paymentDb(p)
      .db.selectFrom('payment_ledger_checks')
      .select(['problems', 'summary'])
      .orderBy('finished_at')
      .execute();
    expect(runs).toEqual([
      { problems: 0, summary: '{}' },
      { problems: 1, summary: '{"BALANCE_MISMATCH":1}' },
    ]);
  });

  it('counts the reconciliation differences no admin has resolved', async () => {
    const open = 'linggong_reconciliation_differences_open{service="payment"}';
    expect(sample(await scrape(p), open)).toBe(0);
    const user = await loginWithSms(p, newPhone());
    // Paid 40 元 of 50: held, not credited (missing in the ledger).
    const held = await createTopup(p, user, 5_000);
    const pay = await p.app.inject({
      method: 'POST',
      url: `/api/v1/payments/sandbox/${held.id}/pay`,
      headers: user.auth,
      payload: { amountFen: 4_000 },
    });
    expect(pay.json().status).toBe('held');
    // Credited on a notification the platform's channel never recorded (missing in the statement).
    const unseen = await createTopup(p, user, 3_000);
    expect((await notify(p, await sandboxPayer(p).paid(unseen))).statusCode).toBe(204);
    const day = new Date(p.clock.now() + 8 * 3_600_000).toISOString().slice(0, 10); // Shanghai
    // A day is reconciled once it has ended.
    p.clock.advance(24 * 3_600_000);
    const admin = await loginAsAdmin(p);
    const run = await p.app.inject({
      method: 'POST',
      url: '/api/v1/admin/reconciliation/runs',
      headers: admin.auth,
      payload: { channel: 'sandbox', day },
    });
    expect(run.json(), run.body).toMatchObject({ status: 'differences', differences: 2 });
    expect(sample(await scrape(p), open)).toBe(2);

    const items = (
      await p.app.inject({ method: 'GET', url: '/api/v1/admin/reconciliation', headers: admin.auth })
    ).json().items as { id: string }[];
    const resolved = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/reconciliation/${items[0]!.id}/resolve`,
      headers: admin.auth,
      payload: { resolution: '已核实' },
    });
    expect(resolved.statusCode).toBe(200);
    expect(sample(await scrape(p), open)).toBe(1);
  });
});

describe(`workflow monitoring gauges (${DIALECT})`, () => {
  let p: TestPlatform;
  beforeAll(async () => {
    p = await startTestPlatform({ modules: WORKFLOW_MODULES });
  });
  afterAll(async () => {
    resetWorkflowControl();
    await p?.stop();
  });
  const gauges = async (name: string) => {
    const text = await scrape(p);
    return Object.fromEntries(
      ['flow', 'stock', 'pay'].map((s) => [s, sample(text, `${name}{service="${s}"}`)]),
    );
  };

  it('counts a live instance as stuck once it has stored no progress for the stall limit', async () => {
    resetWorkflowControl();
    // The charge step (the third) takes a while in real time; the fake clock jumps meanwhile.
    workflowControl.chargeDelayMs = 3_000;
    const started = await p.client(flowClient).order({ orderId: 'slow', quantity: 1, amountFen: 100 }, 0);
    expect(started.state).toBe('running');
    const { runner } = p.workflows.get('flow')!;
    for (let i = 0; i < 100 && (await runner.get(started.id))!.history.length < 2; i++)
      await new Promise((r) => setTimeout(r, 20));
    expect((await runner.get(started.id))!.step).toBe('charge');

    expect(await gauges('linggong_workflows_stuck')).toEqual({ flow: 0, stock: 0, pay: 0 });
    p.clock.advance(WORKFLOW_STALLED_AFTER_MS - 1);
    expect(await gauges('linggong_workflows_stuck')).toEqual({ flow: 0, stock: 0, pay: 0 });
    p.clock.advance(2);
    expect(await gauges('linggong_workflows_stuck')).toEqual({ flow: 1, stock: 0, pay: 0 });

    // The step returns, the instance completes: nothing is stuck any more.
    expect((await runner.wait(started.id, 10_000)).state).toBe('completed');
    expect(await gauges('linggong_workflows_stuck')).toEqual({ flow: 0, stock: 0, pay: 0 });
  });

  it('counts instances whose compensation failed for good', async () => {
    resetWorkflowControl();
    expect(await gauges('linggong_workflows_failed')).toEqual({ flow: 0, stock: 0, pay: 0 });
    workflowControl.payRefuses = true;
    workflowControl.giveBackFailures = Infinity;
    const failed = await p.client(flowClient).order({ orderId: 'refused', quantity: 1, amountFen: 100 });
    expect(failed.state).toBe('failed');
    expect(await gauges('linggong_workflows_failed')).toEqual({ flow: 1, stock: 0, pay: 0 });
    // A failed instance is not live: it waits for an admin, and is not counted as stuck.
    p.clock.advance(WORKFLOW_STALLED_AFTER_MS + 1);
    expect(await gauges('linggong_workflows_stuck')).toEqual({ flow: 0, stock: 0, pay: 0 });
  });
});
