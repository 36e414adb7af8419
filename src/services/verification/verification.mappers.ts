import type { PiiCipher } from '../../platform/pii.js';
import { maskIdNumber } from './id-number.js';
import { FILE_SLOTS, type FileSlot, type SubjectStatus } from './verification.db.js';
import type { RequestRow, SubjectRow } from './verification.repository.js';

/** What the mappers need: decryption and the business-zone time format. */
export interface MapperContext {
  pii: PiiCipher;
  at: (instant: number) => string;
}

/** A request as its submitter sees it: personal fields masked. */
export interface OwnRequest {
  id: string;
  purpose: 'initial' | 'change';
  status: RequestRow['status'];
  submittedAt: string;
  decidedAt: string | null;
  reason: string | null;
  files: FileSlot[];
}

/** My real-name verification (masked). */
export interface IdentityView {
  status: SubjectStatus;
  name: string | null;
  idNumber: string | null;
  verifiedAt: string | null;
  /** My latest request, if any (a pending change keeps `status` approved until decided). */
  request: (OwnRequest & { name: string | null; idNumber: string | null }) | null;
}

/** My company's verification. The credit code and company name are public facts; the person is masked. */
export interface EnterpriseView {
  status: SubjectStatus;
  companyName: string | null;
  creditCode: string | null;
  legalRepresentative: string | null;
  verifiedAt: string | null;
  request:
    | (OwnRequest & {
        companyName: string | null;
        creditCode: string | null;
        legalRepresentative: string | null;
      })
    | null;
}

/** A request as an admin reviews it; personal fields in full only in the detail view (audited). */
export interface AdminRequest {
  id: string;
  userId: string;
  kind: RequestRow['kind'];
  purpose: RequestRow['purpose'];
  status: RequestRow['status'];
  provider: string;
  providerResult: RequestRow['provider_result'];
  providerReference: string | null;
  providerDetail: string | null;
  previouslyErased: boolean;
  identity: { name: string; idNumber: string; birthDate: string } | null;
  enterprise: { companyName: string; creditCode: string; legalRepresentative: string } | null;
  files: FileSlot[];
  reason: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  submittedAt: string;
  erased: boolean;
}

/** 王小明 → 王**: the first character kept, so a person recognises their own record. */
export function maskName(name: string): string {
  const chars = [...name];
  return chars.length <= 1 ? '*' : chars[0]! + '*'.repeat(chars.length - 1);
}

export function fileSlots(row: RequestRow): FileSlot[] {
  const files = JSON.parse(row.files) as Record<string, unknown>;
  return FILE_SLOTS.filter((slot) => slot in files);
}

const decrypt = (ctx: MapperContext, cipher: string | null): string | null =>
  cipher === null ? null : ctx.pii.decrypt(cipher);

function ownRequest(row: RequestRow, ctx: MapperContext): OwnRequest {
  return {
    id: row.id,
    purpose: row.purpose,
    status: row.status,
    submittedAt: ctx.at(Number(row.created_at)),
    decidedAt: row.decided_at === null ? null : ctx.at(Number(row.decided_at)),
    reason: row.reason,
    files: fileSlots(row),
  };
}

const maskedIdentity = (row: RequestRow | undefined, ctx: MapperContext) => {
  const name = row ? decrypt(ctx, row.name_cipher) : null;
  const idNumber = row ? decrypt(ctx, row.id_number_cipher) : null;
  return { name: name && maskName(name), idNumber: idNumber && maskIdNumber(idNumber) };
};

export function toIdentityView(
  subject: SubjectRow | undefined,
  approved: RequestRow | undefined,
  latest: RequestRow | undefined,
  ctx: MapperContext,
): IdentityView {
  const inForce = subject?.status === 'approved' ? approved : undefined;
  return {
    status: subject?.status ?? 'none',
    ...maskedIdentity(inForce, ctx),
    verifiedAt: inForce && subject?.verified_at ? ctx.at(Number(subject.verified_at)) : null,
    request: latest ? { ...ownRequest(latest, ctx), ...maskedIdentity(latest, ctx) } : null,
  };
}

const maskedEnterprise = (row: RequestRow | undefined, ctx: MapperContext) => {
  const rep = row ? decrypt(ctx, row.legal_rep_cipher) : null;
  return {
    companyName: row?.company_name ?? null,
    creditCode: row?.credit_code ?? null,
    legalRepresentative: rep && maskName(rep),
  };
};

export function toEnterpriseView(
  subject: SubjectRow | undefined,
  approved: RequestRow | undefined,
  latest: RequestRow | undefined,
  ctx: MapperContext,
): EnterpriseView {
  const inForce = subject?.status === 'approved' ? approved : undefined;
  return {
    status: subject?.status ?? 'none',
    ...maskedEnterprise(inForce, ctx),
    verifiedAt: inForce && subject?.verified_at ? ctx.at(Number(subject.verified_at)) : null,
    request: latest ? { ...ownRequest(latest, ctx), ...maskedEnterprise(latest, ctx) } : null,
  };
}

/** `full`: the detail view shows personal fields in full; the queue shows them masked. */
export function toAdminRequest(row: RequestRow, ctx: MapperContext, full: boolean): AdminRequest {
  const name = decrypt(ctx, row.name_cipher);
  const idNumber = decrypt(ctx, row.id_number_cipher);
  const birthDate = decrypt(ctx, row.birth_date_cipher);
  const rep = decrypt(ctx, row.legal_rep_cipher);
  return {
    id: row.id,
    userId: row.user_id,
    kind: row.kind,
    purpose: row.purpose,
    status: row.status,
    provider: row.provider,
    providerResult: row.provider_result,
    providerReference: row.provider_reference,
    providerDetail: row.provider_detail,
    previouslyErased: Boolean(row.previously_erased),
    identity:
      name !== null && idNumber !== null && birthDate !== null
        ? full
          ? { name, idNumber, birthDate }
          : {
              name: maskName(name),
              idNumber: maskIdNumber(idNumber),
              birthDate: `${birthDate.slice(0, 4)}-**-**`,
            }
        : null,
    enterprise:
      row.company_name !== null && row.credit_code !== null && rep !== null
        ? {
            companyName: row.company_name,
            creditCode: row.credit_code,
            legalRepresentative: full ? rep : maskName(rep),
          }
        : null,
    files: fileSlots(row),
    reason: row.reason,
    decidedBy: row.decided_by,
    decidedAt: row.decided_at === null ? null : ctx.at(Number(row.decided_at)),
    submittedAt: ctx.at(Number(row.created_at)),
    erased: row.erased_at !== null,
  };
}
