import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { connectServer } from '../support/databases.js';
import { BIN } from '../support/serve.js';

/** What a command printed and how it ended. */
export interface Ran {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs a program with exactly `env` (plus PATH and HOME), optionally with stdin read from a file
 * and stdout written to one, as an operator's shell would.
 */
export function runProgram(
  program: string,
  args: string[],
  env: Record<string, string>,
  files: { stdin?: string; stdout?: string } = {},
): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const stdin = files.stdin ? openSync(files.stdin, 'r') : 'ignore';
    const stdout = files.stdout ? openSync(files.stdout, 'w') : 'pipe';
    const child = spawn(program, args, {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: [stdin, stdout, 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      if (typeof stdin === 'number') closeSync(stdin);
      if (typeof stdout === 'number') closeSync(stdout);
      resolve({ code, out, err });
    });
  });
}

/** The `linggong` command (node bin/linggong.mjs …) in a clean environment. */
export const linggong = (args: string[], env: Record<string, string>): Promise<Ran> =>
  runProgram(process.execPath, [BIN, ...args], env);

/**
 * The MariaDB client tools pointed at the server of a mysql:// URL: connection options for the
 * command line, the password through MYSQL_PWD so that it shows in no process list.
 */
export function mariadbTools(serverUrl: string) {
  const url = new URL(serverUrl);
  const connection = [
    `--host=${url.hostname}`,
    `--port=${url.port || '3306'}`,
    `--user=${decodeURIComponent(url.username)}`,
  ];
  const password = decodeURIComponent(url.password);
  const env: Record<string, string> = password ? { MYSQL_PWD: password } : {};
  return {
    /** `mariadb-dump --single-transaction --routines --triggers <database> > file`. */
    dump: (database: string, file: string) =>
      runProgram(
        '/usr/bin/mariadb-dump',
        [...connection, '--single-transaction', '--routines', '--triggers', database],
        env,
        { stdout: file },
      ),
    /** One SQL statement through `mariadb -e`. */
    execute: (sql: string) => runProgram('/usr/bin/mariadb', [...connection, '-e', sql], env),
    /** `mariadb <database> < file`. */
    restore: (database: string, file: string) =>
      runProgram('/usr/bin/mariadb', [...connection, database], env, { stdin: file }),
    /**
     * `CHECKSUM TABLE` of every table of a database, by table name: equal checksums mean equal
     * contents, row for row.
     */
    async checksums(database: string): Promise<Record<string, string>> {
      const conn = await connectServer(serverUrl);
      try {
        const [tables] = await conn.query(
          'select table_name as name from information_schema.tables where table_schema = ? order by table_name',
          [database],
        );
        const names = (tables as { name: string }[]).map((t) => t.name);
        if (names.length === 0) return {};
        const [rows] = await conn.query(
          `checksum table ${names.map((n) => `\`${database}\`.\`${n}\``).join(', ')} extended`,
        );
        return Object.fromEntries(
          (rows as { Table: string; Checksum: number | string | null }[]).map((r) => [
            r.Table.slice(database.length + 1),
            String(r.Checksum),
          ]),
        );
      } finally {
        await conn.end();
      }
    },
  };
}

/** The database name of a mysql:// URL. */
export const databaseName = (url: string): string => decodeURIComponent(new URL(url).pathname.slice(1));
