import { sql, type ColumnDataType, type CreateTableBuilder, type Expression, type Kysely } from 'kysely';
import type { Dialect } from './connect.js';

/**
 * Dialect-neutral column types for migrations. Ids are ULIDs (CHAR(26), ASCII, binary collation so
 * they sort by time); instants and money are BIGINT (epoch ms, fen); JSON is text.
 */
export interface ColumnTypes {
  id: Expression<unknown> | ColumnDataType;
  /** Short text with an index-friendly bound (VARCHAR(n) utf8mb4). */
  varchar(n: number): ColumnDataType | Expression<unknown>;
  /** ASCII-only identifiers, hashes and codes (binary collation on MySQL). */
  ascii(n: number): Expression<unknown> | ColumnDataType;
  text: ColumnDataType | Expression<unknown>;
  /** Up to 16 MB (MEDIUMTEXT) for stored responses and payloads. */
  longText: ColumnDataType | Expression<unknown>;
  bigint: ColumnDataType;
  integer: ColumnDataType;
  boolean: ColumnDataType | Expression<unknown>;
  blob: ColumnDataType | Expression<unknown>;
}

export function columnTypes(dialect: Dialect): ColumnTypes {
  if (dialect === 'mysql') {
    return {
      id: sql`char(26) character set ascii collate ascii_bin`,
      varchar: (n) => sql.raw(`varchar(${n})`),
      ascii: (n) => sql.raw(`varchar(${n}) character set ascii collate ascii_bin`),
      text: 'text',
      longText: sql`mediumtext`,
      bigint: 'bigint',
      integer: 'integer',
      boolean: sql`tinyint(1)`,
      blob: sql`mediumblob`,
    };
  }
  return {
    id: 'text',
    varchar: () => 'text',
    ascii: () => 'text',
    text: 'text',
    longText: 'text',
    bigint: 'integer',
    integer: 'integer',
    boolean: 'integer',
    blob: 'blob',
  };
}

/** Starts a CREATE TABLE with the table options the dialect needs (utf8mb4 + InnoDB on MySQL). */
export function createTable(
  // Migrations run before the service's typed schema exists.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>,
  dialect: Dialect,
  name: string,
): CreateTableBuilder<string, never> {
  const builder = db.schema.createTable(name);
  return dialect === 'mysql'
    ? builder.modifyEnd(sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_unicode_ci`)
    : builder;
}
