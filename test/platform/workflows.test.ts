import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { userModule } from '../../src/services/user/index.js';
import { DIALECT } from '../support/env.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, type LoggedIn } from '../support/users.js';
import {
  flowClient,
  PAY_START,
  payClient,
  resetWorkflowControl,
  STOCK_START,
  stockClient,
  WORKFLOW_MODULES,
  workflowControl,
} from '../fixtures/workflow-services.js';

/**
 * The durable workflow runner (src/platform/workflow) on the three fixture services: a workflow
 * that completes, one refused for good, one whose step keeps failing for the moment, a failing
 * compensation an admin retries, and the synchronous answer's bound. The crash cases are in
 * workflow-crash.test.ts.
 */
let p: TestPlatform;
let admin: LoggedIn;
let orders = 0;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [userModule, ...WORKFLOW_MODULES] });
  admin = await loginAsAdmin(p);
});
afterAll(async () => {
  await p.stop();
});
beforeEach(() => resetWorkflowControl());

const flow = () => p.client(flowClient);
/** Balances of the three effects, as moved so far by every test of this file. */
async function balances() {
  return {
    reserved: await flow().reserved(),
    stock: await p.client(stockClient).balance(),
    pay: await p.client(payClient).balance(),
  };
}
function newOrder(quantity = 2, amountFen = 1_500) {
  orders++;
  return { orderId: `o${orders}-${Math.random().toString(36).slice(2, 8)}`, quantity, amountFen };
}

describe(`durable workflows (${DIALECT})`, () => {
  it('runs every step once and answers the results', async () => {
    const before = await balances();
    const instance = await flow().order(newOrder(3, 2_000));
    expect(instance.state).toBe('completed');
    expect(instance.results.take).toEqual({ left: before.stock - 3 });
    expect(instance.history.map((h) => [h.step, h.outcome])).toEqual([
      ['reserve', 'done'],
      ['take', 'done'],
      ['charge', 'done'],
    ]);
    expect(await balances()).toEqual({
      reserved: before.reserved + 1,
      stock: before.stock - 3,
      pay: before.pay - 2_000,
    });
    expect(before.stock).toBeLessThanOrEqual(STOCK_START);
    expect(before.pay).toBeLessThanOrEqual(PAY_START);
  });

  it('answers the same instance for the same business key, applying nothing twice', async () => {
    const order = newOrder();
    const first = await flow().order(order);
    const before = await balances();
    const second = await flow().order(order);
    expect(second.id).toBe(first.id);
    expect(second.state).toBe('completed');
    expect(await balances()).toEqual(before);
  });

  it('compensates the earlier steps in reverse when a step is refused for good', async () => {
    const before = await balances();
    workflowControl.payRefuses = true;
    const instance = await flow().order(newOrder());
    expect(instance.state).toBe('compensated');
    expect(instance.error).toMatchObject({ step: 'charge', code: 'PAY_REFUSED', status: 409 });
    expect(instance.history.map((h) => [h.step, h.outcome])).toEqual([
      ['reserve', 'done'],
      ['take', 'done'],
      ['charge', 'refused'],
      ['take', 'compensated'],
      ['reserve', 'compensated'],
    ]);
    // The refused step changed nothing, so its compensation never ran.
    expect(workflowControl.calls).toEqual([
      'action:reserve',
      'action:take',
      'refused:charge',
      'compensate:take',
      'compensate:reserve',
    ]);
    expect(await balances()).toEqual(before);
  });

  it('retries a step that fails for the moment, then goes on', async () => {
    const before = await balances();
    workflowControl.stockUnavailable = 2;
    const instance = await flow().order(newOrder(1, 100));
    expect(instance.state).toBe('completed');
    expect(instance.history.map((h) => h.outcome)).toEqual(['done', 'retry', 'retry', 'done', 'done']);
    expect(await balances()).toEqual({
      reserved: before.reserved + 1,
      stock: before.stock - 1,
      pay: before.pay - 100,
    });
  });

  it('compensates after the last attempt of a step that keeps timing out, that step included', async () => {
    const before = await balances();
    workflowControl.stockUnavailable = Infinity;
    const instance = await flow().order(newOrder());
    expect(instance.state).toBe('compensated');
    expect(instance.error).toMatchObject({ step: 'take', code: 'STOCK_UNAVAILABLE', status: 503 });
    expect(instance.history.map((h) => [h.step, h.outcome, h.attempt])).toEqual([
      ['reserve', 'done', 1],
      ['take', 'retry', 1],
      ['take', 'retry', 2],
      ['take', 'gave_up', 3],
      // Its outcome was unknown (a timeout may have applied it): undone by key, a no-op here.
      ['take', 'compensated', 1],
      ['reserve', 'compensated', 1],
    ]);
    expect(await balances()).toEqual(before);
  });

  it('marks an instance failed when a compensation keeps failing; an admin lists it and retries it', async () => {
    const before = await balances();
    workflowControl.payRefuses = true;
    workflowControl.giveBackFailures = Infinity;
    const instance = await flow().order(newOrder());
    expect(instance.state).toBe('failed');
    expect(instance.step).toBe('take');
    expect(instance.history.at(-1)).toMatchObject({
      step: 'take',
      outcome: 'compensation_failed',
      attempt: 3,
    });

    const auth = { authorization: `Bearer ${admin.accessToken}` };
    const listed = await p.app.inject({
      url: '/api/v1/admin/workflows?service=flow&state=failed',
      headers: auth,
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json<{ items: { id: string }[] }>().items.map((i) => i.id)).toContain(instance.id);
    const worker = await p.app.inject({ url: '/api/v1/admin/workflows?service=flow' });
    expect(worker.statusCode).toBe(401);

    workflowControl.giveBackFailures = 0;
    const retried = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/workflows/flow/${instance.id}/retry`,
      headers: auth,
    });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ id: instance.id, state: 'compensated', step: null });
    expect(await balances()).toEqual(before);

    const again = await p.app.inject({
      method: 'POST',
      url: `/api/v1/admin/workflows/flow/${instance.id}/retry`,
      headers: auth,
    });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'WORKFLOW_NOT_RETRYABLE' });
    const audit = await p.services
      .get('flow')!
      .db.untyped()
      .selectFrom('flow_audit')
      .select(['action', 'target_id', 'actor_id'])
      .where('target_id', '=', instance.id)
      .execute();
    expect(audit).toEqual([{ action: 'workflow.retried', target_id: instance.id, actor_id: admin.userId }]);
  });

  it('refuses a business key longer than its column rather than cut it to another one', async () => {
    const before = await balances();
    await expect(flow().order({ ...newOrder(), orderId: 'x'.repeat(200) })).rejects.toThrow(
      'workflow key longer than 200',
    );
    expect(await balances()).toEqual(before);
  });

  it('answers the state it has reached when the wait is over, and finishes in the background', async () => {
    workflowControl.chargeDelayMs = 400;
    const order = newOrder();
    const early = await flow().order(order, 50);
    expect(early.state).toBe('running');
    expect(early.step).toBe('charge');
    const done = await p.workflows.get('flow')!.runner.wait(early.id, 5_000);
    expect(done.state).toBe('completed');
  });
});
