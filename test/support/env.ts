/**
 * Which real servers this test run uses. The suite runs on the embedded defaults (SQLite, in-memory)
 * unless these are set; CI runs it a second time with both.
 */
export const TEST_MYSQL_URL = process.env.LINGGONG_TEST_MYSQL_URL || undefined;
export const TEST_REDIS_URL = process.env.LINGGONG_TEST_REDIS_URL || undefined;
export const DIALECT = TEST_MYSQL_URL ? 'mysql' : 'sqlite';
