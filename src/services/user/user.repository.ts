import { type CompiledQuery, type Insertable, type Selectable, type Updateable } from 'kysely';
import { affectedRows } from '../../platform/db/helpers.js';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import type { UserDB } from './user.db.js';
import { UserErrors } from './user.errors.js';

export type AccountRow = Selectable<UserDB['user_accounts']>;
export type SessionRow = Selectable<UserDB['user_sessions']>;
export type SmsCodeRow = Selectable<UserDB['user_sms_codes']>;
/** The account fields a public profile is made of, and the status that decides whether it is shown. */
export type PublicAccountRow = Pick<
  AccountRow,
  | 'id'
  | 'display_name'
  | 'avatar_key'
  | 'bio'
  | 'home_area'
  | 'availability'
  | 'roles'
  | 'status'
  | 'created_at'
  | 'skills'
>;

/**
 * The only code that touches the user service's tables. Every method takes an optional executor
 * (the transaction when the caller holds one), except the public profile's read, which runs on the
 * root handle only (ServiceDatabase.read).
 */
export function createUserRepository(sdb: ServiceDatabase<UserDB>) {
  const root = sdb.db;
  // The public profile is the hottest read: one row by primary key (skills are on the account
  // row), with only the columns it shows, its SQL built and compiled once, here: a call only
  // binds the id, because building the query cost more than running it (see docs/benchmarks.md,
  // section "The SQLite connection").
  const publicProfileQuery: CompiledQuery<PublicAccountRow> = root
    .selectFrom('user_accounts')
    .select([
      'id',
      'display_name',
      'avatar_key',
      'bio',
      'home_area',
      'availability',
      'roles',
      'status',
      'created_at',
      'skills',
    ])
    .where('id', '=', '')
    .compile();
  return {
    // Accounts
    findAccount: (id: string, ex: Executor<UserDB> = root) =>
      ex.selectFrom('user_accounts').selectAll().where('id', '=', id).executeTakeFirst(),
    findAccountByPhoneHash: (phoneHash: string, ex: Executor<UserDB> = root) =>
      ex.selectFrom('user_accounts').selectAll().where('phone_hash', '=', phoneHash).executeTakeFirst(),
    insertAccount: async (row: Insertable<UserDB['user_accounts']>, ex: Executor<UserDB>) => {
      await ex.insertInto('user_accounts').values(row).execute();
    },
    /**
     * Updates an account if its version is still `version` (optimistic lock). Throws
     * ACCOUNT_CHANGED (409) otherwise, which rolls back the caller's whole transaction.
     */
    updateAccount: async (
      id: string,
      version: number,
      changes: Omit<Updateable<UserDB['user_accounts']>, 'id' | 'version'>,
      ex: Executor<UserDB>,
    ): Promise<void> => {
      const result = await ex
        .updateTable('user_accounts')
        .set({ ...changes, version: version + 1 })
        .where('id', '=', id)
        .where('version', '=', version)
        .executeTakeFirst();
      if (affectedRows(result) !== 1) throw UserErrors.ACCOUNT_CHANGED();
    },
    /**
     * The account `id` and every active admin's account, read as committed and locked until the
     * transaction ends (MySQL; SQLite serialises write transactions), in id order: two admins
     * removing each other one after the other, so the second sees that no admin would remain.
     */
    lockAccountAndAdmins: async (id: string, ex: Executor<UserDB>) => {
      const admins = await ex
        .selectFrom('user_accounts')
        .select('id')
        .where('status', '=', 'active')
        .where('roles', 'like', '%admin%')
        .execute();
      return ex
        .selectFrom('user_accounts')
        .select(['id', 'roles', 'status'])
        .where('id', 'in', [...new Set([id, ...admins.map((a) => a.id)])])
        .orderBy('id')
        .$if(sdb.dialect === 'mysql', (q) => q.forUpdate())
        .execute();
    },
    /**
     * Replaces a password hash by one of the same password made with the current settings, unless
     * it changed meanwhile (a reset or another login's rehash); not a change of the account, so
     * its version stays.
     */
    rehashPassword: async (id: string, current: string, rehashed: string, ex: Executor<UserDB>) => {
      await ex
        .updateTable('user_accounts')
        .set({ password_hash: rehashed })
        .where('id', '=', id)
        .where('password_hash', '=', current)
        .execute();
    },
    /** Records a failed password; locks the account when the count reaches `max`. */
    recordPasswordFailure: async (id: string, max: number, lockUntil: number, ex: Executor<UserDB>) => {
      await ex
        .updateTable('user_accounts')
        .set((eb) => ({ failed_logins: eb('failed_logins', '+', 1) }))
        .where('id', '=', id)
        .execute();
      await ex
        .updateTable('user_accounts')
        .set({ failed_logins: 0, locked_until: lockUntil })
        .where('id', '=', id)
        .where('failed_logins', '>=', max)
        .execute();
    },
    listAccounts: (opts: { afterId?: string; limit: number; role?: string }, ex: Executor<UserDB> = root) =>
      ex
        .selectFrom('user_accounts')
        .selectAll()
        .where('status', '!=', 'deleted')
        .$if(opts.afterId !== undefined, (q) => q.where('id', '>', opts.afterId!))
        .$if(opts.role !== undefined, (q) => q.where('roles', 'like', `%${opts.role!}%`))
        .orderBy('id')
        .limit(opts.limit)
        .execute(),

    /** An account's public fields, or undefined if there is no such id (not in a transaction). */
    findPublicProfile: async (id: string): Promise<PublicAccountRow | undefined> =>
      (await sdb.read(publicProfileQuery, [id]))[0],

    // SMS codes and quotas
    latestCode: (phoneHash: string, purpose: string, ex: Executor<UserDB> = root) =>
      ex
        .selectFrom('user_sms_codes')
        .selectAll()
        .where('phone_hash', '=', phoneHash)
        .where('purpose', '=', purpose)
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    insertCode: async (row: Insertable<UserDB['user_sms_codes']>, ex: Executor<UserDB>) => {
      // Only the newest code of a phone and purpose is valid.
      await ex
        .updateTable('user_sms_codes')
        .set({ consumed_at: row.created_at })
        .where('phone_hash', '=', row.phone_hash)
        .where('purpose', '=', row.purpose)
        .where('consumed_at', 'is', null)
        .execute();
      await ex.insertInto('user_sms_codes').values(row).execute();
    },
    /** Counts one attempt at a code unless it is used up; false when no attempt is left. */
    takeCodeAttempt: async (id: string, maxAttempts: number, ex: Executor<UserDB> = root) =>
      affectedRows(
        await ex
          .updateTable('user_sms_codes')
          .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
          .where('id', '=', id)
          .where('attempts', '<', maxAttempts)
          .where('consumed_at', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    consumeCode: async (id: string, now: number, ex: Executor<UserDB>) =>
      affectedRows(
        await ex
          .updateTable('user_sms_codes')
          .set({ consumed_at: now })
          .where('id', '=', id)
          .where('consumed_at', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    deleteCodesOf: async (phoneHash: string, ex: Executor<UserDB>) => {
      await ex.deleteFrom('user_sms_codes').where('phone_hash', '=', phoneHash).execute();
    },
    /**
     * Takes one unit of a daily quota; false when `cap` is reached (the caller's transaction then
     * rolls the unit back). One upsert, then a read of the row it locked: an insert-or-ignore
     * followed by an update, or an update of a missing row followed by an insert, deadlocked on
     * MySQL when many requests shared a quota or a gap (their shared and gap locks).
     */
    takeQuota: async (scope: string, cap: number, expiresAt: number, ex: Executor<UserDB>) => {
      const insert = ex.insertInto('user_sms_quota').values({ scope, count: 1, expires_at: expiresAt });
      await (
        sdb.dialect === 'mysql'
          ? insert.onDuplicateKeyUpdate((eb) => ({ count: eb('count', '+', 1) }))
          : insert.onConflict((oc) =>
              oc.column('scope').doUpdateSet((eb) => ({ count: eb('count', '+', 1) })),
            )
      ).execute();
      const row = await ex
        .selectFrom('user_sms_quota')
        .select('count')
        .where('scope', '=', scope)
        .executeTakeFirstOrThrow();
      return Number(row.count) <= cap;
    },
    purgeExpired: async (now: number, ex: Executor<UserDB> = root) => {
      const codes = await ex
        .deleteFrom('user_sms_codes')
        .where('expires_at', '<', now - 86_400_000)
        .executeTakeFirst();
      const quota = await ex.deleteFrom('user_sms_quota').where('expires_at', '<', now).executeTakeFirst();
      return affectedRows(codes) + affectedRows(quota);
    },

    // Sessions and refresh tokens
    insertSession: async (row: UserDB['user_sessions'], ex: Executor<UserDB>) => {
      await ex.insertInto('user_sessions').values(row).execute();
    },
    findSession: (id: string, ex: Executor<UserDB> = root) =>
      ex.selectFrom('user_sessions').selectAll().where('id', '=', id).executeTakeFirst(),
    sessionsOf: (userId: string, ex: Executor<UserDB> = root) =>
      ex
        .selectFrom('user_sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .orderBy('id', 'desc')
        .limit(100)
        .execute(),
    touchSession: async (id: string, now: number, ex: Executor<UserDB>) => {
      await ex.updateTable('user_sessions').set({ last_used_at: now }).where('id', '=', id).execute();
    },
    revokeSession: async (id: string, now: number, reason: string, ex: Executor<UserDB>) =>
      affectedRows(
        await ex
          .updateTable('user_sessions')
          .set({ revoked_at: now, revoke_reason: reason })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    /** Revokes every open session of a user; returns their ids. */
    revokeAllSessions: async (userId: string, now: number, reason: string, ex: Executor<UserDB>) => {
      const open = await ex
        .selectFrom('user_sessions')
        .select('id')
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
      if (open.length) {
        await ex
          .updateTable('user_sessions')
          .set({ revoked_at: now, revoke_reason: reason })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
      }
      return open.map((s) => s.id);
    },
    insertRefreshToken: async (row: UserDB['user_refresh_tokens'], ex: Executor<UserDB>) => {
      await ex.insertInto('user_refresh_tokens').values(row).execute();
    },
    findRefreshToken: (tokenHash: string, ex: Executor<UserDB> = root) =>
      ex.selectFrom('user_refresh_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst(),
    /** Marks a refresh token used; false if it already was (a reuse, or a concurrent rotation). */
    rotateRefreshToken: async (tokenHash: string, now: number, ex: Executor<UserDB>) =>
      affectedRows(
        await ex
          .updateTable('user_refresh_tokens')
          .set({ rotated_at: now })
          .where('token_hash', '=', tokenHash)
          .where('rotated_at', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    purgeRefreshTokens: async (before: number, ex: Executor<UserDB> = root) => {
      const expired = await ex
        .selectFrom('user_sessions')
        .select('id')
        .where('expires_at', '<', before)
        .limit(1000)
        .execute();
      if (!expired.length) return 0;
      const ids = expired.map((s) => s.id);
      await ex.deleteFrom('user_refresh_tokens').where('session_id', 'in', ids).execute();
      return affectedRows(await ex.deleteFrom('user_sessions').where('id', 'in', ids).executeTakeFirst());
    },

    // Signing keys
    signingKeys: (ex: Executor<UserDB> = root) =>
      ex.selectFrom('user_signing_keys').selectAll().orderBy('created_at', 'desc').execute(),
    insertSigningKey: async (row: UserDB['user_signing_keys'], ex: Executor<UserDB>) => {
      await ex.insertInto('user_signing_keys').values(row).execute();
    },
    retireSigningKeys: async (exceptKid: string, now: number, expiresAt: number, ex: Executor<UserDB>) => {
      await ex
        .updateTable('user_signing_keys')
        .set({ retired_at: now, expires_at: expiresAt })
        .where('kid', '!=', exceptKid)
        .where('retired_at', 'is', null)
        .execute();
    },
  };
}

export type UserRepository = ReturnType<typeof createUserRepository>;
