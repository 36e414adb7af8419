import type { Selectable } from 'kysely';
import { formatInstant } from '../../platform/clock.js';
import { maskPhone } from '../../platform/pii.js';
import type { JobDB, JobStatus, PayType, Settlement } from './job.db.js';

export type JobRow = Selectable<JobDB['job_jobs']>;
export type ShiftRow = Selectable<JobDB['job_shifts']>;

export interface Pay {
  type: PayType;
  amountFen: number;
  unit: string | null;
  display: string;
}
export interface Requirements {
  skills: string[];
  minAge: number;
  certificates: string[];
}
export interface PublicShift {
  id: string;
  startsAt: string;
  endsAt: string;
  headcount: number;
  openings: number;
  locked: boolean;
}

/** A job as anyone may see it; also what events and term versions carry. */
export interface PublicJob {
  id: string;
  version: number;
  status: JobStatus;
  employerId: string;
  title: string;
  description: string;
  category: string;
  categoryName: string;
  tags: string[];
  pay: Pay;
  settlement: Settlement;
  shifts: PublicShift[];
  requirements: Requirements;
  contact: { name: string; phone: string };
  place: { address: string; city: string; district: string | null; location: { lng: number; lat: number } };
  startsAt: string;
  endsAt: string;
  publishedAt: string | null;
  /** 认证企业: the employer's company is verified (enterprise verification). */
  employerVerified: boolean;
}

/** The employer's (and admins') view: full contact phone, hires, moderation notes. */
export interface OwnerJob extends Omit<PublicJob, 'shifts'> {
  viewCount: number;
  shifts: (PublicShift & { hired: number })[];
  moderationNote: string | null;
  closeReason: string | null;
  createdAt: string;
  updatedAt: string;
  closedAt: string | null;
  /** When an admin took the job down (it is out of public view); null otherwise. */
  takenDownAt: string | null;
}

/**
 * The terms an order is hired under: the public job at one version. Its times are answered like
 * every other, in the business zone with the offset (parseInstant reads them back to epoch ms).
 */
export type JobTerms = PublicJob;

export interface JobSummary {
  id: string;
  version: number;
  status: JobStatus;
  title: string;
  category: string;
  pay: Pay;
  city: string;
  startsAt: string;
  endsAt: string;
  headcount: number;
  hired: number;
  viewCount: number;
  moderationNote: string | null;
  updatedAt: string;
}

const PAY_SUFFIX: Record<PayType, (unit: string | null) => string> = {
  hourly: () => '/小时',
  daily: () => '/天',
  piece: (unit) => `/${unit ?? '件'}`,
  fixed: () => '',
};

/** 20000 fen daily → "200元/天"; 2250 hourly → "22.5元/小时". */
export function payDisplay(type: PayType, amountFen: number, unit: string | null): string {
  const yuan = (amountFen / 100).toFixed(2).replace(/\.?0+$/, '');
  return `${yuan}元${PAY_SUFFIX[type](unit)}`;
}

export function payOf(row: Pick<JobRow, 'pay_type' | 'pay_amount_fen' | 'pay_unit'>): Pay {
  return {
    type: row.pay_type,
    amountFen: Number(row.pay_amount_fen),
    unit: row.pay_unit,
    display: payDisplay(row.pay_type, Number(row.pay_amount_fen), row.pay_unit),
  };
}

export interface MapperContext {
  timeZone: string;
  categoryName(code: string): string;
  decryptPhone(cipher: string): string;
}

function baseView(row: JobRow, ctx: MapperContext, phone: string) {
  const at = (ms: number): string => formatInstant(Number(ms), ctx.timeZone);
  const requirements = JSON.parse(row.requirements) as Requirements;
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    employerId: row.employer_id,
    title: row.title,
    description: row.description,
    category: row.category,
    categoryName: ctx.categoryName(row.category),
    tags: JSON.parse(row.tags) as string[],
    pay: payOf(row),
    settlement: row.settlement,
    requirements,
    contact: { name: row.contact_name, phone },
    place: {
      address: row.address,
      city: row.city,
      district: row.district,
      location: { lng: row.lng_e6 / 1e6, lat: row.lat_e6 / 1e6 },
    },
    startsAt: at(row.starts_at),
    endsAt: at(row.ends_at),
    publishedAt: row.published_at === null ? null : at(row.published_at),
    employerVerified: Boolean(row.employer_verified),
  };
}

function shiftView(s: ShiftRow, timeZone: string): PublicShift {
  return {
    id: s.id,
    startsAt: formatInstant(Number(s.starts_at), timeZone),
    endsAt: formatInstant(Number(s.ends_at), timeZone),
    headcount: s.headcount,
    openings: Math.max(0, s.headcount - s.hired),
    locked: s.locked_at !== null,
  };
}

export function toPublicJob(row: JobRow, shifts: ShiftRow[], ctx: MapperContext): PublicJob {
  return {
    ...baseView(row, ctx, maskPhone(ctx.decryptPhone(row.contact_phone_cipher))),
    shifts: shifts.map((s) => shiftView(s, ctx.timeZone)),
  };
}

export function toOwnerJob(row: JobRow, shifts: ShiftRow[], ctx: MapperContext): OwnerJob {
  const at = (ms: number | null): string | null =>
    ms === null ? null : formatInstant(Number(ms), ctx.timeZone);
  return {
    ...baseView(row, ctx, ctx.decryptPhone(row.contact_phone_cipher)),
    viewCount: Number(row.view_count),
    shifts: shifts.map((s) => ({ ...shiftView(s, ctx.timeZone), hired: s.hired })),
    moderationNote: row.moderation_note,
    closeReason: row.close_reason,
    createdAt: at(row.created_at)!,
    updatedAt: at(row.updated_at)!,
    closedAt: at(row.closed_at),
    takenDownAt: at(row.taken_down_at),
  };
}

export function toSummary(
  row: JobRow,
  totals: { headcount: number; hired: number },
  timeZone: string,
): JobSummary {
  return {
    id: row.id,
    version: row.version,
    status: row.status,
    title: row.title,
    category: row.category,
    pay: payOf(row),
    city: row.city,
    startsAt: formatInstant(Number(row.starts_at), timeZone),
    endsAt: formatInstant(Number(row.ends_at), timeZone),
    headcount: totals.headcount,
    hired: totals.hired,
    viewCount: Number(row.view_count),
    moderationNote: row.moderation_note,
    updatedAt: formatInstant(Number(row.updated_at), timeZone),
  };
}
