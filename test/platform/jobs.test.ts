import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tallyControl, tallyModule, tallyOf } from '../fixtures/tally-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { TEST_REDIS_URL } from '../support/env.js';

const QUEUE = TEST_REDIS_URL ? 'bullmq' : 'in-process';
let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ modules: [tallyModule] });
  p.startBackground();
});
afterAll(async () => {
  await p.stop();
});
beforeEach(() => {
  tallyControl.bumpFailures = 0;
  tallyControl.bumps = [];
});

const jobs = () => tallyControl.jobs!;
const tally = (widgetId: string): Promise<number> => tallyOf(p, widgetId);

/** Lets due work run: moves the fake clock (in-process queue) and waits for the queue to empty. */
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) {
    p.clock.advance(10_000);
    await new Promise((r) => setTimeout(r, QUEUE === 'bullmq' ? 100 : 20));
  }
  await jobs().idle();
}

describe(`background jobs (${QUEUE})`, () => {
  it('refuses a payload that does not match the job type’s schema', async () => {
    await expect(jobs().enqueue('tally.bump', { widgetId: 'x', by: 0 })).rejects.toThrow(/invalid payload/);
    await expect(jobs().enqueue('tally.bump', { widgetId: 'x', by: 1, extra: true })).rejects.toThrow(
      /invalid payload/,
    );
    await expect(jobs().enqueue('tally.nope', {})).rejects.toThrow(/unknown job type/);
  });

  it('runs a job, retrying failures with backoff until an attempt succeeds', async () => {
    tallyControl.bumpFailures = 2;
    await jobs().enqueue('tally.bump', { widgetId: '01JJOB00000000000000000001', by: 3 });
    await settle();
    expect(await tally('01JJOB00000000000000000001')).toBe(3);
    expect(tallyControl.bumps).toEqual([{ widgetId: '01JJOB00000000000000000001', attempt: 3 }]);
  });

  it('gives up after the last attempt', async () => {
    tallyControl.bumpFailures = 5;
    await jobs().enqueue('tally.bump', { widgetId: '01JJOB00000000000000000002', by: 1 });
    await settle();
    expect(await tally('01JJOB00000000000000000002')).toBe(0);
    expect(p.logLines().some((l) => l.msg === 'job failed' && l.attempt === 3)).toBe(true);
  });

  it('waits for a delay, and deduplicates by job id', async () => {
    const widgetId = '01JJOB00000000000000000003';
    await jobs().enqueue(
      'tally.bump',
      { widgetId, by: 1 },
      { delayMs: QUEUE === 'bullmq' ? 400 : 60_000, jobId: 'once-3' },
    );
    await jobs().enqueue(
      'tally.bump',
      { widgetId, by: 1 },
      { delayMs: QUEUE === 'bullmq' ? 400 : 60_000, jobId: 'once-3' },
    );
    expect(await tally(widgetId)).toBe(0);
    await settle();
    expect(await tally(widgetId)).toBe(1);
  });

  it('runs waiting jobs by priority, then in arrival order', async () => {
    // One bump at a time: a slow job holds the queue while four more arrive.
    await jobs().enqueue('tally.bump', { widgetId: '01JJOB00000000000000000109', by: 1, sleepMs: 500 });
    await new Promise((r) => setTimeout(r, 200));
    for (const [i, priority] of [5, 1, 5, 3].entries()) {
      await jobs().enqueue('tally.bump', { widgetId: `01JJOB0000000000000000010${i}`, by: 1 }, { priority });
    }
    await settle();
    expect(tallyControl.bumps.map((b) => b.widgetId.slice(-1))).toEqual(['9', '1', '3', '0', '2']);
  });
});
