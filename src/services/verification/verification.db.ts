import type { VerificationKind } from './verification.events.js';

/** The verification service's tables, as Kysely sees them. Only verification.repository.ts queries them. */
export interface VerificationDB {
  /** Each user's standing per kind; no row means "none". */
  verification_subjects: {
    user_id: string;
    kind: VerificationKind;
    status: SubjectStatus;
    /** Bumped by every change; carried by the events. */
    version: number;
    /** The request whose data is in force (approved), if any. */
    approved_request_id: string | null;
    /** A request awaiting a decision: the first one, or a change of an approved verification. */
    pending_request_id: string | null;
    verified_at: number | null;
    updated_at: number;
  };
  /** Every submission, with what was submitted (personal fields encrypted) and how it was decided. */
  verification_requests: {
    id: string;
    user_id: string;
    kind: VerificationKind;
    /** initial: no approval in force when submitted; change: replaces an approved one. */
    purpose: 'initial' | 'change';
    status: RequestStatus;
    /** Identity: the name, the ID number and the birth date (YYYY-MM-DD), each encrypted. */
    name_cipher: string | null;
    id_number_cipher: string | null;
    birth_date_cipher: string | null;
    /** Keyed hash of the ID number or of the credit code (one of each verifies one account). */
    subject_hash: string | null;
    /** Enterprise: the company and its legal representative (encrypted: a person's name). */
    company_name: string | null;
    credit_code: string | null;
    legal_rep_cipher: string | null;
    /** JSON: { [slot]: { key, contentType } } — the files attached when submitted. */
    files: string;
    /** manual, or the automatic provider that was asked. */
    provider: string;
    provider_result: 'match' | 'mismatch' | 'review' | null;
    provider_reference: string | null;
    provider_detail: string | null;
    /** The number was verified by an account since deleted: an admin decides. */
    previously_erased: number;
    reason: string | null;
    decided_by: string | null;
    decided_at: number | null;
    created_at: number;
    /** When the personal fields were erased (account deleted). */
    erased_at: number | null;
  };
  /**
   * Which account an ID number or credit code verifies (keyed hash). Kept as `erased` after the
   * account is deleted, so the number is not silently verified again by another account.
   */
  verification_claims: {
    kind: VerificationKind;
    subject_hash: string;
    user_id: string;
    state: 'active' | 'erased';
    updated_at: number;
  };
  /** Files uploaded for the next submission (ID photos, licence), one per slot. */
  verification_uploads: {
    user_id: string;
    slot: FileSlot;
    storage_key: string;
    content_type: string;
    size: number;
    uploaded_at: number;
  };
}

/** none: the row exists (so a first submission locks it) but nothing was submitted yet. */
export type SubjectStatus = 'none' | 'pending' | 'approved' | 'rejected' | 'revoked';
/** superseded: an approval replaced by a later approved change. */
export type RequestStatus = 'pending' | 'approved' | 'rejected' | 'superseded';
export type FileSlot = 'id_front' | 'id_back' | 'licence';
export const FILE_SLOTS: readonly FileSlot[] = ['id_front', 'id_back', 'licence'];
