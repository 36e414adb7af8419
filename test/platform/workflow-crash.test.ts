import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { createTestDatabase, createTestRedis } from '../support/databases.js';
import { DIALECT } from '../support/env.js';
import { runUntilKilled } from '../support/processes.js';
import { startTestPlatform } from '../support/platform.js';
import {
  flowClient,
  PAY_START,
  payClient,
  STOCK_START,
  stockClient,
  resetWorkflowControl,
  WORKFLOW_MODULES,
  workflowControl,
} from '../fixtures/workflow-services.js';

/**
 * A process running the three-step fixture workflow is SIGKILLed right after each effect in turn
 * (the effect committed, its outcome not yet stored). A process started after it, on the same
 * database, resumes the instance with its sweep: it ends completed — or, when the charge is
 * refused, compensated — with every effect applied exactly once, as the balances count.
 */
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});
afterEach(() => resetWorkflowControl());

const QUANTITY = 4;
const AMOUNT = 2_500;

/** Runs the workflow in a child and SIGKILLs it when it reports the effect it hangs after. */
const runWorkflowUntilKilled = (env: Record<string, string>) =>
  runUntilKilled('test/fixtures/workflow-process.ts', env, `APPLIED ${env.HANG_AFTER}`, 30_000);

const cases: { hangAfter: string; refused: boolean; ends: 'completed' | 'compensated' }[] = [
  { hangAfter: 'action:reserve', refused: false, ends: 'completed' },
  { hangAfter: 'action:take', refused: false, ends: 'completed' },
  { hangAfter: 'action:charge', refused: false, ends: 'completed' },
  { hangAfter: 'action:take', refused: true, ends: 'compensated' },
  { hangAfter: 'compensate:take', refused: true, ends: 'compensated' },
  { hangAfter: 'compensate:reserve', refused: true, ends: 'compensated' },
];

describe(`a workflow process killed after each step (${DIALECT})`, () => {
  it.each(cases)(
    'killed after $hangAfter (charge refused: $refused) → $ends after a restart, each effect once',
    async ({ hangAfter, refused, ends }) => {
      const database = await createTestDatabase();
      const redis = await createTestRedis();
      cleanups.push(async () => {
        await database.drop();
        await redis?.cleanup();
      });
      await runWorkflowUntilKilled({
        LINGGONG_DATABASE_URL: database.url,
        ...(redis ? { LINGGONG_REDIS_URL: redis.url, LINGGONG_REDIS_PREFIX: redis.prefix } : {}),
        ORDER_ID: 'o1',
        HANG_AFTER: hangAfter,
        PAY_REFUSES: refused ? '1' : '0',
      });

      // The restarted process: its clock is past the dead process's lease on the instance.
      const p = await startTestPlatform({
        modules: WORKFLOW_MODULES,
        database,
        redis,
        clock: new FakeClock(Date.now() + 120_000),
      });
      cleanups.unshift(() => p.stop());
      const { runner } = p.workflows.get('flow')!;
      const [live] = (await runner.list({ limit: 10 })).items;
      expect(live?.state).toBe(hangAfter.startsWith('compensate') ? 'compensating' : 'running');

      // The charge is still refused after the restart.
      workflowControl.payRefuses = refused;
      expect(await runner.sweep()).toBe(1);
      const ended = await runner.wait(live!.id, 10_000);
      expect(ended.state).toBe(ends);

      const completed = ends === 'completed';
      expect({
        reserved: await p.client(flowClient).reserved(),
        stock: await p.client(stockClient).balance(),
        pay: await p.client(payClient).balance(),
      }).toEqual({
        reserved: completed ? 1 : 0,
        stock: completed ? STOCK_START - QUANTITY : STOCK_START,
        pay: completed ? PAY_START - AMOUNT : PAY_START,
      });
      // The step the process died in ran again with the same key; its effect counted once.
      const again = await p
        .client(flowClient)
        .order({ orderId: 'o1', quantity: QUANTITY, amountFen: AMOUNT });
      expect(again.id).toBe(live!.id);
      expect(await p.client(stockClient).balance()).toBe(completed ? STOCK_START - QUANTITY : STOCK_START);
    },
    60_000,
  );
});
