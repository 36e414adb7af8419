import type { Insertable, Selectable, Updateable } from 'kysely';
import type { Executor, ServiceDatabase } from '../../platform/db/service-database.js';
import { affectedRows } from '../../platform/db/helpers.js';
import type { FileSlot, RequestStatus, VerificationDB } from './verification.db.js';
import type { VerificationKind } from './verification.events.js';

export type SubjectRow = Selectable<VerificationDB['verification_subjects']>;
export type RequestRow = Selectable<VerificationDB['verification_requests']>;
export type ClaimRow = Selectable<VerificationDB['verification_claims']>;
export type UploadRow = Selectable<VerificationDB['verification_uploads']>;

/**
 * Every query of the verification service's tables. A find given a transaction locks the row it
 * reads (FOR UPDATE on MySQL; on SQLite the transaction holds the one writer lock anyway), since
 * every read inside a transaction here precedes a change of that row.
 */
export function createVerificationRepository(sdb: ServiceDatabase<VerificationDB>) {
  const root = sdb.db;
  const mysql = sdb.dialect === 'mysql';
  return {
    findSubject: (userId: string, kind: VerificationKind, ex: Executor<VerificationDB> = root) =>
      ex
        .selectFrom('verification_subjects')
        .selectAll()
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    insertSubject: (row: Insertable<VerificationDB['verification_subjects']>, ex: Executor<VerificationDB>) =>
      ex.insertInto('verification_subjects').values(row).execute(),
    /** Applies a change if the subject is still at `version`; false when it moved on meanwhile. */
    async updateSubject(
      userId: string,
      kind: VerificationKind,
      version: number,
      changes: Updateable<VerificationDB['verification_subjects']>,
      ex: Executor<VerificationDB>,
    ): Promise<boolean> {
      const result = await ex
        .updateTable('verification_subjects')
        .set({ ...changes, version: version + 1 })
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('version', '=', version)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    subjectsOf: (userId: string, ex: Executor<VerificationDB>) =>
      ex.selectFrom('verification_subjects').selectAll().where('user_id', '=', userId).execute(),
    deleteSubjects: (userId: string, ex: Executor<VerificationDB>) =>
      ex.deleteFrom('verification_subjects').where('user_id', '=', userId).execute(),

    findRequest: (id: string, ex: Executor<VerificationDB> = root) =>
      ex
        .selectFrom('verification_requests')
        .selectAll()
        .where('id', '=', id)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    insertRequest: (row: Insertable<VerificationDB['verification_requests']>, ex: Executor<VerificationDB>) =>
      ex.insertInto('verification_requests').values(row).execute(),
    /** Moves a request on from `from`; false when it was no longer there. */
    async updateRequest(
      id: string,
      from: RequestStatus,
      changes: Updateable<VerificationDB['verification_requests']>,
      ex: Executor<VerificationDB>,
    ): Promise<boolean> {
      const result = await ex
        .updateTable('verification_requests')
        .set(changes)
        .where('id', '=', id)
        .where('status', '=', from)
        .executeTakeFirst();
      return affectedRows(result) === 1;
    },
    /** A user's requests of one kind created since `since` (the daily limit). */
    requestTimesSince: (
      userId: string,
      kind: VerificationKind,
      since: number,
      ex: Executor<VerificationDB>,
    ) =>
      ex
        .selectFrom('verification_requests')
        .select('created_at')
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .where('created_at', '>=', since)
        .execute(),
    /** The admin queue: requests of a kind in a status, oldest first, after `afterId`. */
    queue: (
      filter: { kind: VerificationKind | undefined; status: RequestStatus },
      afterId: string | undefined,
      limit: number,
    ) =>
      root
        .selectFrom('verification_requests')
        .selectAll()
        .where('status', '=', filter.status)
        .$if(filter.kind !== undefined, (q) => q.where('kind', '=', filter.kind!))
        .$if(afterId !== undefined, (q) => q.where('id', '>', afterId!))
        .orderBy('id')
        .limit(limit)
        .execute(),
    requestsOf: (userId: string, ex: Executor<VerificationDB>) =>
      ex.selectFrom('verification_requests').selectAll().where('user_id', '=', userId).execute(),
    /** Erases a request's personal fields (the keyed hash stays, see verification_claims). */
    eraseRequests: (userId: string, now: number, ex: Executor<VerificationDB>) =>
      ex
        .updateTable('verification_requests')
        .set({
          name_cipher: null,
          id_number_cipher: null,
          birth_date_cipher: null,
          legal_rep_cipher: null,
          files: '{}',
          erased_at: now,
        })
        .where('user_id', '=', userId)
        .execute(),

    findClaim: (kind: VerificationKind, hash: string, ex: Executor<VerificationDB> = root) =>
      ex
        .selectFrom('verification_claims')
        .selectAll()
        .where('kind', '=', kind)
        .where('subject_hash', '=', hash)
        .$if(mysql && ex !== root, (q) => q.forUpdate())
        .executeTakeFirst(),
    insertClaim: (row: Insertable<VerificationDB['verification_claims']>, ex: Executor<VerificationDB>) =>
      ex.insertInto('verification_claims').values(row).execute(),
    updateClaim: (
      kind: VerificationKind,
      hash: string,
      changes: Updateable<VerificationDB['verification_claims']>,
      ex: Executor<VerificationDB>,
    ) =>
      ex
        .updateTable('verification_claims')
        .set(changes)
        .where('kind', '=', kind)
        .where('subject_hash', '=', hash)
        .execute(),
    deleteClaim: (kind: VerificationKind, hash: string, ex: Executor<VerificationDB>) =>
      ex
        .deleteFrom('verification_claims')
        .where('kind', '=', kind)
        .where('subject_hash', '=', hash)
        .execute(),
    eraseClaims: (userId: string, now: number, ex: Executor<VerificationDB>) =>
      ex
        .updateTable('verification_claims')
        .set({ state: 'erased', updated_at: now })
        .where('user_id', '=', userId)
        .execute(),

    uploadsOf: (userId: string, ex: Executor<VerificationDB> = root) =>
      ex.selectFrom('verification_uploads').selectAll().where('user_id', '=', userId).execute(),
    findUpload: (userId: string, slot: FileSlot, ex: Executor<VerificationDB> = root) =>
      ex
        .selectFrom('verification_uploads')
        .selectAll()
        .where('user_id', '=', userId)
        .where('slot', '=', slot)
        .executeTakeFirst(),
    async putUpload(row: Insertable<VerificationDB['verification_uploads']>, ex: Executor<VerificationDB>) {
      await ex
        .deleteFrom('verification_uploads')
        .where('user_id', '=', row.user_id)
        .where('slot', '=', row.slot)
        .execute();
      await ex.insertInto('verification_uploads').values(row).execute();
    },
    deleteUploads: (userId: string, slots: readonly FileSlot[], ex: Executor<VerificationDB>) =>
      slots.length === 0
        ? Promise.resolve()
        : ex
            .deleteFrom('verification_uploads')
            .where('user_id', '=', userId)
            .where('slot', 'in', slots)
            .execute()
            .then(() => undefined),
  };
}

export type VerificationRepository = ReturnType<typeof createVerificationRepository>;
