import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { toSafeInt } from '../../src/platform/money.js';
import type { TestPlatform } from './platform.js';

/** A request that must be refused with 4xx problem+json and change nothing. */
export interface BadCase {
  name: string;
  request: InjectOptions;
  /** Expected status; any 4xx when omitted. */
  status?: number;
  /** Expected problem code. */
  code?: string;
}

/** Values that are wrong for a JSON-schema property, derived from its declared type and bounds. */
export function wrongValuesFor(schema: Record<string, unknown>): { label: string; value: unknown }[] {
  const out: { label: string; value: unknown }[] = [];
  const type = schema.type;
  switch (type) {
    case 'string':
      out.push({ label: 'number instead of string', value: 12345 });
      out.push({ label: 'object instead of string', value: { a: 1 } });
      out.push({
        label: 'oversized string',
        value: '长'.repeat(Math.max(Number(schema.maxLength ?? 0) + 1, 100_001)),
      });
      break;
    case 'integer':
    case 'number':
      out.push({ label: 'string instead of number', value: '12' });
      out.push({ label: 'absurd number', value: 1e20 });
      out.push({ label: 'negative absurd number', value: -1e20 });
      if (type === 'integer') out.push({ label: 'fraction', value: 1.5 });
      break;
    case 'boolean':
      out.push({ label: 'string instead of boolean', value: 'true' });
      break;
    case 'array':
      out.push({ label: 'object instead of array', value: { a: 1 } });
      out.push({ label: 'oversized array', value: Array.from({ length: 10_001 }, () => null) });
      break;
    case 'object':
      out.push({ label: 'array instead of object', value: [1] });
      out.push({ label: 'string instead of object', value: 'x' });
      break;
    default:
      out.push({ label: 'huge nested object', value: { deep: { deeper: 'x'.repeat(100_001) } } });
  }
  return out;
}

/** Each service's tables (listed once: the schema does not change during the test). */
const tablesByPlatform = new WeakMap<TestPlatform, Map<string, string[]>>();

/** Rows in every table of every service, counted with one statement per service (a fingerprint). */
export async function totalRows(p: TestPlatform): Promise<number> {
  let tablesByService = tablesByPlatform.get(p);
  if (!tablesByService) tablesByPlatform.set(p, (tablesByService = new Map()));
  let total = 0;
  for (const [service, { db }] of p.services) {
    let tables = tablesByService.get(service);
    if (!tables) {
      const rows =
        db.dialect === 'sqlite'
          ? await db
              .untyped()
              .selectFrom('sqlite_master')
              .select('name')
              .where('type', '=', 'table')
              .where('name', 'like', `${db.prefix}%`)
              .execute()
          : await db
              .untyped()
              .selectFrom('information_schema.tables')
              .select('table_name as name')
              .where('table_schema', '=', db.untyped().fn('database', []))
              .where('table_name', 'like', `${db.prefix}%`)
              .execute();
      tables = (rows as { name: string }[])
        .map((r) => r.name)
        .filter((name) => !name.endsWith('_migrations') && !name.endsWith('_migrations_lock'));
      tablesByService.set(service, tables);
    }
    if (tables.length === 0) continue;
    const counts = tables.map((t) => `(select count(*) from ${t})`).join(' + ');
    const { rows } = await sql<{ n: unknown }>`select ${sql.raw(counts)} as n`.execute(db.untyped());
    total += toSafeInt(rows[0]!.n);
  }
  return total;
}
