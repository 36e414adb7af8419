import { createTable } from '../../../platform/db/schema.js';
import type { ServiceMigration } from '../../../platform/db/migrator.js';

/** Accounts, skills, SMS codes and quotas, sessions and refresh tokens, signing keys. */
export const accounts: ServiceMigration = {
  async up({ db, dialect, t }) {
    await createTable(db, dialect, 'user_accounts')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('phone_cipher', t.text)
      .addColumn('phone_hash', t.ascii(64), (c) => c.unique())
      .addColumn('display_name', t.varchar(40), (c) => c.notNull())
      .addColumn('avatar_key', t.ascii(200))
      .addColumn('bio', t.varchar(500))
      .addColumn('home_area', t.varchar(100))
      .addColumn('availability', t.text)
      .addColumn('roles', t.ascii(64), (c) => c.notNull())
      .addColumn('status', t.ascii(16), (c) => c.notNull())
      .addColumn('password_hash', t.ascii(200))
      .addColumn('failed_logins', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('locked_until', t.bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('version', t.integer, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('updated_at', t.bigint, (c) => c.notNull())
      .addColumn('deleted_at', t.bigint)
      .execute();

    await createTable(db, dialect, 'user_skills')
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('category', t.ascii(64), (c) => c.notNull())
      .addPrimaryKeyConstraint('user_skills_pk', ['user_id', 'category'])
      .execute();

    await createTable(db, dialect, 'user_sms_codes')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('phone_hash', t.ascii(64), (c) => c.notNull())
      .addColumn('purpose', t.ascii(20), (c) => c.notNull())
      .addColumn('code_hash', t.ascii(64), (c) => c.notNull())
      .addColumn('attempts', t.integer, (c) => c.notNull().defaultTo(0))
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('consumed_at', t.bigint)
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex('user_sms_codes_lookup_idx')
      .on('user_sms_codes')
      .columns(['phone_hash', 'purpose', 'created_at'])
      .execute();
    await db.schema
      .createIndex('user_sms_codes_expiry_idx')
      .on('user_sms_codes')
      .column('expires_at')
      .execute();

    await createTable(db, dialect, 'user_sms_quota')
      .addColumn('scope', t.ascii(120), (c) => c.primaryKey())
      .addColumn('count', t.integer, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .execute();

    await createTable(db, dialect, 'user_sessions')
      .addColumn('id', t.id, (c) => c.primaryKey())
      .addColumn('user_id', t.id, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('expires_at', t.bigint, (c) => c.notNull())
      .addColumn('last_used_at', t.bigint, (c) => c.notNull())
      .addColumn('revoked_at', t.bigint)
      .addColumn('revoke_reason', t.ascii(32))
      .addColumn('user_agent', t.varchar(200))
      .execute();
    await db.schema
      .createIndex('user_sessions_user_idx')
      .on('user_sessions')
      .columns(['user_id', 'id'])
      .execute();

    await createTable(db, dialect, 'user_refresh_tokens')
      .addColumn('token_hash', t.ascii(64), (c) => c.primaryKey())
      .addColumn('session_id', t.id, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('rotated_at', t.bigint)
      .execute();
    await db.schema
      .createIndex('user_refresh_tokens_session_idx')
      .on('user_refresh_tokens')
      .column('session_id')
      .execute();

    await createTable(db, dialect, 'user_signing_keys')
      .addColumn('kid', t.ascii(64), (c) => c.primaryKey())
      .addColumn('alg', t.ascii(16), (c) => c.notNull())
      .addColumn('public_jwk', t.text, (c) => c.notNull())
      .addColumn('private_jwk_cipher', t.text, (c) => c.notNull())
      .addColumn('created_at', t.bigint, (c) => c.notNull())
      .addColumn('retired_at', t.bigint)
      .addColumn('expires_at', t.bigint)
      .execute();
  },
  async down({ db }) {
    for (const table of [
      'user_signing_keys',
      'user_refresh_tokens',
      'user_sessions',
      'user_sms_quota',
      'user_sms_codes',
      'user_skills',
      'user_accounts',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};
