import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tallyControl, tallyModule } from '../fixtures/tally-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';
import { userModule } from '../../src/services/user/index.js';
import { loginWithSms } from '../support/users.js';

let p: TestPlatform;
beforeAll(async () => {
  p = await startTestPlatform({ modules: [userModule, tallyModule] });
});
afterAll(async () => {
  await p.stop();
});

const tallyDb = () => p.services.get('tally')!.db;
async function setTally(widgetId: string, purchases: number) {
  await tallyDb().untyped().insertInto('tally_counts').values({ widget_id: widgetId, purchases }).execute();
}
const tally = async (widgetId: string) =>
  Number(
    (
      await tallyDb()
        .untyped()
        .selectFrom('tally_counts')
        .select('purchases')
        .where('widget_id', '=', widgetId)
        .executeTakeFirstOrThrow()
    ).purchases,
  );

describe(`deadlines swept by the scheduler (${DIALECT})`, () => {
  it('runs a deadline once when it falls due, and not before', async () => {
    const id = '01JDEAD0000000000000000001';
    await setTally(id, 7);
    await tallyDb().transaction((tx) =>
      tallyControl.deadlines!.set(tx, 'tally.reset', id, p.clock.now() + 60_000),
    );
    await p.scheduler.runDue();
    expect(await tally(id)).toBe(7);
    p.clock.advance(61_000);
    await p.scheduler.runDue();
    expect(await tally(id)).toBe(0);
    p.clock.advance(10_000);
    await p.scheduler.runDue();
    expect(tallyControl.resets.filter((r) => r === id)).toHaveLength(1);
  });

  it('moves a deadline when it is set again, and forgets a cancelled one', async () => {
    const a = '01JDEAD0000000000000000002';
    const b = '01JDEAD0000000000000000003';
    await setTally(a, 1);
    await setTally(b, 1);
    await tallyDb().transaction(async (tx) => {
      await tallyControl.deadlines!.set(tx, 'tally.reset', a, p.clock.now() + 10_000);
      await tallyControl.deadlines!.set(tx, 'tally.reset', a, p.clock.now() + 3_600_000); // moved later
      await tallyControl.deadlines!.set(tx, 'tally.reset', b, p.clock.now() + 10_000);
      await tallyControl.deadlines!.cancel(tx, 'tally.reset', b);
    });
    p.clock.advance(30_000);
    await p.scheduler.runDue();
    expect(await tally(a)).toBe(1);
    expect(await tally(b)).toBe(1);
    p.clock.advance(3_600_000);
    await p.scheduler.runDue();
    expect(await tally(a)).toBe(0);
  });

  it('retries a failing deadline with backoff and runs it once fixed', async () => {
    const id = '01JDEAD0000000000000000004';
    await setTally(id, 3);
    await tallyDb().transaction((tx) => tallyControl.deadlines!.set(tx, 'tally.reset', id, p.clock.now()));
    tallyControl.broken = true;
    p.clock.advance(5_000);
    await p.scheduler.runDue();
    const row = await tallyDb()
      .untyped()
      .selectFrom('tally_deadlines')
      .selectAll()
      .where('ref_id', '=', id)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ state: 'pending', attempts: 1 });
    expect(row.last_error).toContain('tally is broken');
    tallyControl.broken = false;
    p.clock.advance(60_000);
    await p.scheduler.runDue();
    expect(await tally(id)).toBe(0);
  });
});

describe(`the user service's purge schedule (${DIALECT})`, () => {
  it('deletes expired SMS codes and sessions past their absolute expiry', async () => {
    const u = await loginWithSms(p);
    const db = p.services.get('user')!.db.untyped();
    const count = async (table: string) => (await db.selectFrom(table).select('id').execute()).length;
    expect(await count('user_sms_codes')).toBeGreaterThan(0);
    expect(await count('user_sessions')).toBeGreaterThan(0);
    p.clock.advance(31 * 86_400_000 + 3_600_000);
    await p.scheduler.runDue();
    expect(await count('user_sms_codes')).toBe(0);
    expect(await count('user_sessions')).toBe(0);
    const refreshed = await p.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: u.refreshToken },
    });
    expect(refreshed.json().code).toBe('REFRESH_TOKEN_INVALID');
    const runs = await db
      .selectFrom('user_schedule_runs')
      .selectAll()
      .where('schedule', '=', 'user.purge-expired')
      .execute();
    expect(runs.at(-1)).toMatchObject({ state: 'done' });
  });
});
