import { writeAudit } from '../../platform/audit.js';
import { businessDay, businessDayStart, isCalendarDate, type Clock } from '../../platform/clock.js';
import { readPage, type CursorCodec, type Page, type PageRequest } from '../../platform/cursor.js';
import { insertIgnore, isUniqueViolation } from '../../platform/db/helpers.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import { imageExtension } from '../../platform/images.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { FileStorage } from '../../platform/storage.js';
import { checkCreditCode } from './credit-code.js';
import { ageOn, checkIdNumber } from './id-number.js';
import { manualIdentityProvider, type IdentityCheck, type IdentityProvider } from './identity-provider.js';
import type { FileSlot, RequestStatus, VerificationDB } from './verification.db.js';
import { VerificationErrors } from './verification.errors.js';
import { VerificationEvents, type VerificationKind } from './verification.events.js';
import {
  toAdminRequest,
  toEnterpriseView,
  toIdentityView,
  type AdminRequest,
  type EnterpriseView,
  type IdentityView,
  type MapperContext,
} from './verification.mappers.js';
import type { RequestRow, SubjectRow, VerificationRepository } from './verification.repository.js';

/** ID photos and licences: PNG, JPEG or WebP, at most 5 MB and 8,192 pixels a side. */
export const FILE_MAX_BYTES = 5 * 1024 * 1024;
const FILE_MAX_SIDE = 8192;

/** A name as on the ID card: Han characters, with the middle dot of many minority names. */
const NAME_RE = /^[\p{Script=Han}·•・]{2,30}$/u;

/** The files each kind of request takes along when submitted. */
const SLOTS_OF: Record<VerificationKind, readonly FileSlot[]> = {
  identity: ['id_front', 'id_back'],
  enterprise: ['licence'],
};

/** Who decided: an admin, or the automatic provider (null actor). */
type Decider = Principal | null;

export interface VerificationServiceDeps {
  sdb: ServiceDatabase<VerificationDB>;
  repo: VerificationRepository;
  pii: PiiCipher;
  storage: FileStorage;
  provider: IdentityProvider;
  cursors: CursorCodec;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  at: (instant: number) => string;
  options: { timeZone: string; dailyAttempts: number; minAge: number };
}

/**
 * Real-name and enterprise verification: submissions checked locally, then by the identity provider
 * or an admin; decisions audited and published; personal fields encrypted, masked in answers and
 * erased with the account.
 */
export function createVerificationService(deps: VerificationServiceDeps) {
  const { sdb, repo, pii, storage, provider, cursors, clock, ids, log, at, options } = deps;
  const view: MapperContext = { pii, at };
  const hashOf = (kind: VerificationKind, value: string) => pii.lookupHash(`verification:${kind}:${value}`);

  // --- Reading ---------------------------------------------------------------------------------

  async function standing(userId: string, kind: VerificationKind) {
    const subject = await repo.findSubject(userId, kind);
    const rows = subject ? (await repo.requestsOf(userId, sdb.db)).filter((r) => r.kind === kind) : [];
    const approved = rows.find((r) => r.id === subject?.approved_request_id);
    const latest = rows.reduce<RequestRow | undefined>((a, r) => (a && a.id > r.id ? a : r), undefined);
    return { subject, approved, latest };
  }

  async function identityOf(userId: string): Promise<IdentityView> {
    const s = await standing(userId, 'identity');
    return toIdentityView(s.subject, s.approved, s.latest, view);
  }

  async function enterpriseOf(userId: string): Promise<EnterpriseView> {
    const s = await standing(userId, 'enterprise');
    return toEnterpriseView(s.subject, s.approved, s.latest, view);
  }

  // --- Submitting --------------------------------------------------------------------------------

  /** Refuses a submission beyond the daily limit (per kind and business day). */
  async function checkDailyLimit(tx: Tx<VerificationDB>, userId: string, kind: VerificationKind) {
    const today = await repo.requestTimesSince(
      userId,
      kind,
      businessDayStart(tx.now, options.timeZone),
      tx.db,
    );
    if (today.length >= options.dailyAttempts)
      throw VerificationErrors.VERIFICATION_ATTEMPTS_EXCEEDED({ limit: options.dailyAttempts });
  }

  /**
   * Opens a request: the subject (made to exist first, so that concurrent first submissions lock
   * one row instead of racing to insert it) must have none pending; the files uploaded for this
   * kind go with the request.
   */
  async function openRequest(
    userId: string,
    kind: VerificationKind,
    hash: string,
    fields: (purpose: 'initial' | 'change') => Partial<RequestRow> & { provider: string },
  ): Promise<RequestRow> {
    await insertIgnore(
      sdb.db,
      sdb.dialect,
      'verification_subjects',
      {
        user_id: userId,
        kind,
        status: 'none',
        version: 0,
        approved_request_id: null,
        pending_request_id: null,
        verified_at: null,
        updated_at: clock.now(),
      },
      ['user_id', 'kind'],
    );
    return sdb.transaction(async (tx) => {
      const subject = (await repo.findSubject(userId, kind, tx.db))!;
      if (subject.pending_request_id !== null) throw VerificationErrors.VERIFICATION_PENDING();
      await checkDailyLimit(tx, userId, kind);
      const claim = await repo.findClaim(kind, hash, tx.db);
      if (claim?.state === 'active' && claim.user_id !== userId) throw inUse(kind);
      const purpose = subject.status === 'approved' ? 'change' : 'initial';
      const uploads = (await repo.uploadsOf(userId, tx.db)).filter((u) => SLOTS_OF[kind].includes(u.slot));
      const files = Object.fromEntries(
        uploads.map((u) => [u.slot, { key: u.storage_key, contentType: u.content_type }]),
      );
      const row: RequestRow = {
        id: ids(),
        user_id: userId,
        kind,
        purpose,
        status: 'pending',
        name_cipher: null,
        id_number_cipher: null,
        birth_date_cipher: null,
        subject_hash: hash,
        company_name: null,
        credit_code: null,
        legal_rep_cipher: null,
        files: JSON.stringify(files),
        provider_result: null,
        provider_reference: null,
        provider_detail: null,
        // Only an erased claim can belong to another account here: that account was deleted.
        previously_erased: claim?.state === 'erased' && claim.user_id !== userId ? 1 : 0,
        reason: null,
        decided_by: null,
        decided_at: null,
        created_at: tx.now,
        erased_at: null,
        ...fields(purpose),
      };
      await repo.insertRequest(row, tx.db);
      await repo.deleteUploads(
        userId,
        uploads.map((u) => u.slot),
        tx.db,
      );
      const moved = await repo.updateSubject(
        userId,
        kind,
        subject.version,
        {
          status: purpose === 'initial' ? 'pending' : subject.status,
          pending_request_id: row.id,
          updated_at: tx.now,
        },
        tx.db,
      );
      if (!moved) throw VerificationErrors.VERIFICATION_CHANGED();
      return row;
    });
  }

  async function submitIdentity(
    principal: Principal,
    input: { name: string; idNumber: string },
  ): Promise<IdentityView> {
    const userId = principal.userId;
    const name = input.name.normalize('NFC').trim();
    if (!NAME_RE.test(name)) throw VerificationErrors.NAME_INVALID();
    const checked = checkIdNumber(input.idNumber, businessDay(clock.now(), options.timeZone), options.minAge);
    if (!checked.ok) throw VerificationErrors[checked.code]({ minAge: options.minAge });
    const { idNumber, birthDate } = checked.facts;
    const request = await openRequest(userId, 'identity', hashOf('identity', idNumber), (purpose) => ({
      name_cipher: pii.encrypt(name),
      id_number_cipher: pii.encrypt(idNumber),
      birth_date_cipher: pii.encrypt(birthDate),
      // A change of an approved real name, and a number an account since deleted had verified,
      // always go to an admin.
      provider: purpose === 'initial' ? provider.name : 'manual',
    }));
    if (request.previously_erased) {
      await recordCheck(request.id, {
        result: 'review',
        reference: null,
        detail: 'number previously verified by a deleted account',
      });
    } else {
      const checker = request.provider === provider.name ? provider : manualIdentityProvider;
      await askProvider(request, checker, { name, idNumber });
    }
    return identityOf(userId);
  }

  /** The provider's answer decides a first request, or leaves it to an admin (review). */
  async function askProvider(
    request: RequestRow,
    checker: IdentityProvider,
    subject: { name: string; idNumber: string },
  ) {
    let check: IdentityCheck;
    try {
      check = await checker.check(subject);
    } catch (e) {
      // Adapters answer `review` for provider failures; anything thrown is a fault of ours.
      log.error({ err: e, requestId: request.id }, 'identity provider failed; left for manual review');
      check = { result: 'review', reference: null, detail: 'provider error' };
    }
    await recordCheck(request.id, check);
  }

  async function recordCheck(requestId: string, check: IdentityCheck) {
    await sdb.transaction(async (tx) => {
      const row = await repo.findRequest(requestId, tx.db);
      if (row?.status !== 'pending') return;
      const result = {
        provider_result: check.result,
        provider_reference: check.reference?.slice(0, 100) ?? null,
        provider_detail: check.detail.slice(0, 200),
      };
      await repo.updateRequest(row.id, 'pending', result, tx.db);
      const checked = { ...row, ...result };
      if (check.result === 'match') {
        const taken = await claimTakenByOther(tx, checked);
        if (taken) await reject(tx, checked, null, '该身份证号已认证其他账号');
        else await approve(tx, checked, null);
      } else if (check.result === 'mismatch') {
        await reject(tx, checked, null, '姓名与身份证号不一致');
      }
    });
  }

  async function submitEnterprise(
    principal: Principal,
    input: { companyName: string; creditCode: string; legalRepresentative: string },
  ): Promise<EnterpriseView> {
    const userId = principal.userId;
    if (!principal.roles.includes('employer')) throw VerificationErrors.EMPLOYER_ROLE_REQUIRED();
    const checked = checkCreditCode(input.creditCode);
    if (!checked.ok) throw VerificationErrors[checked.code]();
    const rep = input.legalRepresentative.normalize('NFC').trim();
    if (!NAME_RE.test(rep)) throw VerificationErrors.NAME_INVALID();
    if (!(await repo.findUpload(userId, 'licence'))) throw VerificationErrors.LICENCE_REQUIRED();
    await openRequest(userId, 'enterprise', hashOf('enterprise', checked.creditCode), () => ({
      company_name: input.companyName.normalize('NFC').trim(),
      credit_code: checked.creditCode,
      legal_rep_cipher: pii.encrypt(rep),
      // Licences are read by people: every enterprise request waits for an admin.
      provider: 'manual',
    }));
    return enterpriseOf(userId);
  }

  // --- Deciding ----------------------------------------------------------------------------------

  const inUse = (kind: VerificationKind) =>
    kind === 'identity' ? VerificationErrors.ID_NUMBER_IN_USE() : VerificationErrors.CREDIT_CODE_IN_USE();

  async function claimTakenByOther(tx: Tx<VerificationDB>, row: RequestRow): Promise<boolean> {
    const claim = await repo.findClaim(row.kind, row.subject_hash!, tx.db);
    return claim?.state === 'active' && claim.user_id !== row.user_id;
  }

  async function lockedSubject(tx: Tx<VerificationDB>, userId: string, kind: VerificationKind) {
    const subject = await repo.findSubject(userId, kind, tx.db);
    if (!subject) throw VerificationErrors.VERIFICATION_CHANGED();
    return subject;
  }

  /** Moves the subject on and publishes the change (the subject's new version goes with it). */
  async function moveSubject(
    tx: Tx<VerificationDB>,
    subject: SubjectRow,
    changes: Parameters<VerificationRepository['updateSubject']>[3],
  ): Promise<number> {
    if (!(await repo.updateSubject(subject.user_id, subject.kind, subject.version, changes, tx.db)))
      throw VerificationErrors.VERIFICATION_CHANGED();
    return subject.version + 1;
  }

  async function audit(tx: Tx<VerificationDB>, actor: Decider, action: string, row: RequestRow, extra = {}) {
    await writeAudit(tx, sdb.prefix, ids, {
      actorId: actor?.userId ?? null,
      actorRole: actor ? 'admin' : 'system',
      action,
      targetType: 'verification_request',
      targetId: row.id,
      data: { userId: row.user_id, kind: row.kind, ...extra },
    });
  }

  async function approve(tx: Tx<VerificationDB>, row: RequestRow, actor: Decider): Promise<void> {
    const decided = { status: 'approved' as const, decided_by: actor?.userId ?? null, decided_at: tx.now };
    if (!(await repo.updateRequest(row.id, 'pending', decided, tx.db)))
      throw VerificationErrors.VERIFICATION_STATE_INVALID({ status: row.status });
    const subject = await lockedSubject(tx, row.user_id, row.kind);
    const claim = await repo.findClaim(row.kind, row.subject_hash!, tx.db);
    if (claim?.state === 'active' && claim.user_id !== row.user_id) throw inUse(row.kind);
    const claimed = { user_id: row.user_id, state: 'active' as const, updated_at: tx.now };
    if (claim) await repo.updateClaim(row.kind, row.subject_hash!, claimed, tx.db);
    else {
      try {
        await repo.insertClaim({ kind: row.kind, subject_hash: row.subject_hash!, ...claimed }, tx.db);
      } catch (e) {
        // Another account's approval of the same number committed first (MySQL: no row to lock).
        if (isUniqueViolation(e)) throw inUse(row.kind);
        throw e;
      }
    }
    // An approved change replaces the approval in force, and frees its number if it differs.
    const previous = subject.approved_request_id
      ? await repo.findRequest(subject.approved_request_id, tx.db)
      : undefined;
    if (previous && previous.id !== row.id) {
      await repo.updateRequest(previous.id, 'approved', { status: 'superseded' }, tx.db);
      if (previous.subject_hash && previous.subject_hash !== row.subject_hash)
        await repo.deleteClaim(row.kind, previous.subject_hash, tx.db);
    }
    const version = await moveSubject(tx, subject, {
      status: 'approved',
      approved_request_id: row.id,
      pending_request_id: null,
      verified_at: tx.now,
      updated_at: tx.now,
    });
    await tx.publish(
      VerificationEvents.approved({
        userId: row.user_id,
        kind: row.kind,
        version,
        companyName: row.company_name,
      }),
    );
    await audit(tx, actor, 'verification.approved', row, { purpose: row.purpose });
  }

  async function reject(tx: Tx<VerificationDB>, row: RequestRow, actor: Decider, reason: string) {
    const decided = {
      status: 'rejected' as const,
      reason,
      decided_by: actor?.userId ?? null,
      decided_at: tx.now,
    };
    if (!(await repo.updateRequest(row.id, 'pending', decided, tx.db)))
      throw VerificationErrors.VERIFICATION_STATE_INVALID({ status: row.status });
    const subject = await lockedSubject(tx, row.user_id, row.kind);
    // A refused change leaves the approval in force.
    const version = await moveSubject(tx, subject, {
      status: row.purpose === 'initial' ? 'rejected' : subject.status,
      pending_request_id: null,
      updated_at: tx.now,
    });
    await tx.publish(VerificationEvents.rejected({ userId: row.user_id, kind: row.kind, version, reason }));
    await audit(tx, actor, 'verification.rejected', row, { purpose: row.purpose });
  }

  async function pendingRequest(tx: Tx<VerificationDB>, id: string): Promise<RequestRow> {
    const row = await repo.findRequest(id, tx.db);
    if (!row) throw VerificationErrors.VERIFICATION_NOT_FOUND();
    if (row.status !== 'pending') throw VerificationErrors.VERIFICATION_STATE_INVALID({ status: row.status });
    return row;
  }

  async function decide(actor: Principal, id: string, decision: 'approve' | 'reject', reason?: string) {
    await sdb.transaction(async (tx) => {
      const row = await pendingRequest(tx, id);
      if (decision === 'approve') await approve(tx, row, actor);
      else await reject(tx, row, actor, reason!);
    });
    return adminView(id, false);
  }

  async function revoke(actor: Principal, userId: string, kind: VerificationKind, reason: string) {
    return sdb.transaction(async (tx) => {
      const subject = await repo.findSubject(userId, kind, tx.db);
      if (subject?.status !== 'approved') throw VerificationErrors.VERIFICATION_NOT_APPROVED();
      const approved = (await repo.findRequest(subject.approved_request_id!, tx.db))!;
      // The number is free again: a revocation often means it verified the wrong account.
      await repo.deleteClaim(kind, approved.subject_hash!, tx.db);
      const version = await moveSubject(tx, subject, { status: 'revoked', updated_at: tx.now });
      await tx.publish(VerificationEvents.revoked({ userId, kind, version, reason }));
      await audit(tx, actor, 'verification.revoked', approved, { reason });
      return { userId, kind, status: 'revoked' as const, version };
    });
  }

  // --- Admin reads -------------------------------------------------------------------------------

  async function adminView(id: string, full: boolean): Promise<AdminRequest> {
    const row = await repo.findRequest(id);
    if (!row) throw VerificationErrors.VERIFICATION_NOT_FOUND();
    return toAdminRequest(row, view, full);
  }

  function queue(
    filter: { kind: VerificationKind | undefined; status: RequestStatus },
    page: PageRequest,
  ): Promise<Page<AdminRequest>> {
    return readPage(
      cursors,
      `verification-queue:${filter.kind ?? '*'}:${filter.status}`,
      page,
      (afterId, limit) => repo.queue(filter, afterId, limit),
      (rows) => rows.map((r) => toAdminRequest(r, view, false)),
    );
  }

  /** One request with its personal fields in full; the read itself is audited. */
  async function requestForAdmin(actor: Principal, id: string): Promise<AdminRequest> {
    const row = await repo.findRequest(id);
    if (!row) throw VerificationErrors.VERIFICATION_NOT_FOUND();
    await sdb.transaction((tx) => audit(tx, actor, 'verification.viewed', row));
    return toAdminRequest(row, view, true);
  }

  async function fileForAdmin(actor: Principal, id: string, slot: FileSlot) {
    const row = await repo.findRequest(id);
    if (!row) throw VerificationErrors.VERIFICATION_NOT_FOUND();
    const file = (JSON.parse(row.files) as Partial<Record<FileSlot, { key: string }>>)[slot];
    const data = file && (await storage.get(file.key));
    if (!data) throw VerificationErrors.FILE_NOT_FOUND();
    await sdb.transaction((tx) => audit(tx, actor, 'verification.file_viewed', row, { slot }));
    return data;
  }

  // --- Files -------------------------------------------------------------------------------------

  /** Stores an ID photo or licence privately for the next submission (replacing an earlier upload). */
  async function upload(principal: Principal, slot: FileSlot, contentType: string, data: Buffer) {
    const userId = principal.userId;
    if (slot === 'licence' && !principal.roles.includes('employer'))
      throw VerificationErrors.EMPLOYER_ROLE_REQUIRED();
    const ext = imageExtension(contentType, data, { maxBytes: FILE_MAX_BYTES, maxSide: FILE_MAX_SIDE });
    if (!ext) throw VerificationErrors.FILE_INVALID();
    const key = `verification/${userId}/${slot}-${ids()}.${ext}`;
    await storage.put(key, data, contentType);
    const uploadedAt = await sdb.transaction(async (tx) => {
      const previous = await repo.findUpload(userId, slot, tx.db);
      await repo.putUpload(
        {
          user_id: userId,
          slot,
          storage_key: key,
          content_type: contentType,
          size: data.length,
          uploaded_at: tx.now,
        },
        tx.db,
      );
      // An upload not yet submitted belongs to nothing else: the replaced file goes.
      if (previous) tx.afterCommit(() => storage.delete(previous.storage_key));
      return tx.now;
    });
    return { slot, contentType, size: data.length, uploadedAt: at(uploadedAt) };
  }

  /** My file in a slot: the upload awaiting submission, else the one my latest request holds. */
  async function ownFile(userId: string, slot: FileSlot) {
    const pending = await repo.findUpload(userId, slot);
    let key = pending?.storage_key;
    if (!key) {
      const rows = (await repo.requestsOf(userId, sdb.db)).sort((a, b) => (a.id < b.id ? 1 : -1));
      for (const row of rows) {
        key = (JSON.parse(row.files) as Partial<Record<FileSlot, { key: string }>>)[slot]?.key;
        if (key) break;
      }
    }
    const file = key && (await storage.get(key));
    if (!file) throw VerificationErrors.FILE_NOT_FOUND();
    return file;
  }

  // --- For other services ------------------------------------------------------------------------

  async function approvedRequest(userId: string, kind: VerificationKind) {
    const subject = await repo.findSubject(userId, kind);
    const row =
      subject?.status === 'approved' && subject.approved_request_id
        ? await repo.findRequest(subject.approved_request_id)
        : undefined;
    return { subject, row };
  }

  /** A user's real-name standing and, when approved, the verified name in full (internal only). */
  async function identityStatus(userId: string) {
    const { subject, row } = await approvedRequest(userId, 'identity');
    return {
      userId,
      status: subject?.status ?? 'none',
      name: row?.name_cipher ? pii.decrypt(row.name_cipher) : null,
      verifiedAt: row && subject?.verified_at ? at(Number(subject.verified_at)) : null,
    };
  }

  async function enterpriseStatus(userId: string) {
    const { subject, row } = await approvedRequest(userId, 'enterprise');
    return {
      userId,
      status: subject?.status ?? 'none',
      companyName: row?.company_name ?? null,
      creditCode: row?.credit_code ?? null,
      verifiedAt: row && subject?.verified_at ? at(Number(subject.verified_at)) : null,
    };
  }

  /** Age in whole years on `date` (YYYY-MM-DD) by the verified birth date; null when not verified. */
  async function ageOnDate(userId: string, date: string): Promise<number | null> {
    if (!isCalendarDate(date)) throw VerificationErrors.DATE_INVALID();
    const { row } = await approvedRequest(userId, 'identity');
    return row?.birth_date_cipher ? ageOn(pii.decrypt(row.birth_date_cipher), date) : null;
  }

  // --- Erasure (PIPL) ----------------------------------------------------------------------------

  /**
   * A deleted account's verification data goes: names, ID numbers, birth dates and files. The
   * keyed hashes stay (claims marked erased), so a number cannot be verified again by another
   * account without an admin seeing it was used before. A company's badge is revoked. Runs in the
   * transaction of the consumer of `user.deleted`.
   */
  async function erase(tx: Tx<VerificationDB>, userId: string): Promise<void> {
    const requests = await repo.requestsOf(userId, tx.db);
    const uploads = await repo.uploadsOf(userId, tx.db);
    for (const subject of await repo.subjectsOf(userId, tx.db)) {
      if (subject.status === 'approved')
        await tx.publish(
          VerificationEvents.revoked({
            userId,
            kind: subject.kind,
            version: subject.version + 1,
            reason: 'account deleted',
          }),
        );
    }
    await repo.eraseRequests(userId, tx.now, tx.db);
    await repo.eraseClaims(userId, tx.now, tx.db);
    await repo.deleteSubjects(userId, tx.db);
    await repo.deleteUploads(userId, ['id_front', 'id_back', 'licence'], tx.db);
    const keys = [
      ...requests.flatMap((r) => Object.values(JSON.parse(r.files) as Record<string, { key: string }>)),
      ...uploads.map((u) => ({ key: u.storage_key })),
    ].map((f) => f.key);
    // Files go once the erasure has committed (a redelivered event finds nothing left to delete).
    tx.afterCommit(async () => {
      for (const key of keys) await storage.delete(key);
    });
  }

  return {
    identityOf,
    enterpriseOf,
    submitIdentity,
    submitEnterprise,
    upload,
    ownFile,
    queue,
    requestForAdmin,
    fileForAdmin,
    approve: (actor: Principal, id: string) => decide(actor, id, 'approve'),
    reject: (actor: Principal, id: string, reason: string) => decide(actor, id, 'reject', reason),
    revoke,
    identityStatus,
    enterpriseStatus,
    ageOn: ageOnDate,
    erase,
  };
}

export type VerificationService = ReturnType<typeof createVerificationService>;
