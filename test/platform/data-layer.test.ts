import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { PlatformMisuseError } from '../../src/platform/errors.js';
import { assertNoTransaction, type ServiceDatabase } from '../../src/platform/db/service-database.js';
import { insertIgnore } from '../../src/platform/db/helpers.js';
import { toSafeInt } from '../../src/platform/money.js';
import { widgetModule } from '../fixtures/widget-service.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { DIALECT } from '../support/env.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDB = any;

let p: TestPlatform;
let sdb: ServiceDatabase<AnyDB>;

beforeAll(async () => {
  p = await startTestPlatform({ modules: [widgetModule] });
  sdb = p.services.get('widget')!.db as ServiceDatabase<AnyDB>;
});
afterAll(async () => {
  await p.stop();
});

const outboxCount = async (): Promise<number> =>
  toSafeInt(
    (
      await sdb
        .untyped()
        .selectFrom('widget_outbox')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe(`unit of work on ${DIALECT}`, () => {
  it('commits outbox rows with the change', async () => {
    const before = await outboxCount();
    await sdb.transaction(async (tx) => {
      await tx.db
        .insertInto('widget_items')
        .values({ id: 'A'.repeat(26), name: 'a', stock: 1, sold: 0, price_fen: 1, created_at: tx.now })
        .execute();
      await tx.publish({ type: 'widget.created', version: 1, payload: { id: 'A'.repeat(26) } });
    });
    expect(await outboxCount()).toBe(before + 1);
    const row = await sdb
      .untyped()
      .selectFrom('widget_outbox')
      .selectAll()
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(row.type).toBe('widget.created');
    expect(JSON.parse(row.payload as string)).toEqual({ id: 'A'.repeat(26) });
  });

  it('rolls outbox rows back with the change', async () => {
    const before = await outboxCount();
    await expect(
      sdb.transaction(async (tx) => {
        await tx.db
          .insertInto('widget_items')
          .values({ id: 'B'.repeat(26), name: 'b', stock: 1, sold: 0, price_fen: 1, created_at: tx.now })
          .execute();
        await tx.publish({ type: 'widget.created', version: 1, payload: {} });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await outboxCount()).toBe(before);
    expect(
      await sdb.db.selectFrom('widget_items').selectAll().where('id', '=', 'B'.repeat(26)).executeTakeFirst(),
    ).toBeUndefined();
  });

  it('runs afterCommit hooks only after a commit', async () => {
    const ran: string[] = [];
    await sdb.transaction(async (tx) => {
      tx.afterCommit(() => void ran.push('committed'));
    });
    await sdb
      .transaction(async (tx) => {
        tx.afterCommit(() => void ran.push('rolled back'));
        throw new Error('no');
      })
      .catch(() => undefined);
    expect(ran).toEqual(['committed']);
  });

  it('runs a beforeCommit hook once, last inside the transaction; its failure rolls back', async () => {
    const ran: string[] = [];
    const closing = () => {
      let inside = false;
      try {
        assertNoTransaction('probe');
      } catch {
        inside = true;
      }
      ran.push(`closing ${inside ? 'inside' : 'outside'}`);
    };
    await sdb.transaction(async (tx) => {
      tx.beforeCommit(closing);
      tx.beforeCommit(closing);
      tx.afterCommit(() => void ran.push('committed'));
      ran.push('work');
    });
    expect(ran).toEqual(['work', 'closing inside', 'committed']);

    const id = 'C'.repeat(26);
    await expect(
      sdb.transaction(async (tx) => {
        await tx.db
          .insertInto('widget_items')
          .values({ id, name: 'c', stock: 1, sold: 0, price_fen: 1, created_at: tx.now })
          .execute();
        tx.beforeCommit(() => {
          throw new Error('closing failed');
        });
        tx.afterCommit(() => void ran.push('committed again'));
      }),
    ).rejects.toThrow('closing failed');
    expect(await sdb.db.selectFrom('widget_items').selectAll().where('id', '=', id).executeTakeFirst()).toBe(
      undefined,
    );
    expect(ran).not.toContain('committed again');
  });

  it('refuses a nested transaction at once instead of hanging', async () => {
    await expect(sdb.transaction(async () => sdb.transaction(async () => 1))).rejects.toBeInstanceOf(
      PlatformMisuseError,
    );
  });

  it('refuses a query on the root handle inside a transaction', async () => {
    await expect(
      sdb.transaction(async () => sdb.db.selectFrom('widget_items').selectAll().execute()),
    ).rejects.toBeInstanceOf(PlatformMisuseError);
  });

  it('refuses a cross-service client call inside a transaction', async () => {
    await expect(sdb.transaction(async () => assertNoTransaction('user client getProfile'))).rejects.toThrow(
      /inside a transaction/,
    );
    expect(() => assertNoTransaction('outside')).not.toThrow();
  });

  it('still serves other queries after a refused nesting (nothing left locked)', async () => {
    const rows = await sdb.db.selectFrom('widget_items').select('id').execute();
    expect(rows.length).toBeGreaterThan(0);
  });

  it('refuses event types that are not entity.verb', async () => {
    await expect(
      sdb.transaction(async (tx) => tx.publish({ type: 'WidgetCreated', version: 1, payload: {} })),
    ).rejects.toThrow(/entity\.verb/);
  });
});

describe(`exact integers on ${DIALECT}`, () => {
  it('sums BIGINT money columns exactly', async () => {
    const big = 3_000_000_000_000; // ¥30 billion in fen, beyond 32 bits
    await sdb.transaction(async (tx) => {
      for (let i = 0; i < 3; i++) {
        await tx.db
          .insertInto('widget_items')
          .values({
            id: `S${String(i).padStart(25, '0')}`,
            name: 's',
            stock: 0,
            sold: 0,
            price_fen: big + i,
            created_at: tx.now,
          })
          .execute();
      }
    });
    const row = await sdb.db
      .selectFrom('widget_items')
      .select((eb) => eb.fn.sum<string | number>('price_fen').as('total'))
      .where('id', 'like', 'S%')
      .executeTakeFirstOrThrow();
    expect(toSafeInt(row.total)).toBe(3 * big + 3);
    const one = await sdb.db
      .selectFrom('widget_items')
      .select('price_fen')
      .where('id', '=', `S${'0'.repeat(24)}1`)
      .executeTakeFirstOrThrow();
    expect(toSafeInt(one.price_fen)).toBe(big + 1);
  });

  it('refuses to round an inexact integer', () => {
    expect(() => toSafeInt('90071992547409930')).toThrow(RangeError);
    expect(toSafeInt('12.00')).toBe(12);
    expect(toSafeInt(null)).toBe(0);
  });
});

describe(`insertIgnore on ${DIALECT}`, () => {
  it('inserts once and reports duplicates without swallowing other errors', async () => {
    const values = { consumer: 'test', event_id: 'C'.repeat(26), processed_at: 1 };
    expect(
      await insertIgnore(sdb.untyped(), sdb.dialect, 'widget_inbox', values, ['consumer', 'event_id']),
    ).toBe(true);
    expect(
      await insertIgnore(sdb.untyped(), sdb.dialect, 'widget_inbox', values, ['consumer', 'event_id']),
    ).toBe(false);
    await expect(
      insertIgnore(
        sdb.untyped(),
        sdb.dialect,
        'widget_inbox',
        { consumer: 'test', event_id: 'D'.repeat(26), processed_at: null },
        ['consumer', 'event_id'],
      ),
    ).rejects.toThrow();
  });

  it('works inside a transaction and keeps the transaction usable', async () => {
    await sdb.transaction(async (tx) => {
      const values = { consumer: 'tx', event_id: 'E'.repeat(26), processed_at: 1 };
      expect(
        await insertIgnore(sdb.untyped(tx.db), sdb.dialect, 'widget_inbox', values, ['consumer', 'event_id']),
      ).toBe(true);
      expect(
        await insertIgnore(sdb.untyped(tx.db), sdb.dialect, 'widget_inbox', values, ['consumer', 'event_id']),
      ).toBe(false);
      await sql`select 1`.execute(tx.db);
    });
  });
});
