import type { Generated } from 'kysely';

/** The job service's tables, as Kysely sees them. Only job.repository.ts queries them. */
export interface JobDB {
  job_jobs: {
    id: string;
    employer_id: string;
    status: JobStatus;
    version: number;
    title: string;
    description: string;
    category: string;
    /** JSON array of strings. */
    tags: string;
    pay_type: PayType;
    pay_amount_fen: number;
    /** Unit of a piece rate (件, 单 …); null otherwise. */
    pay_unit: string | null;
    settlement: Settlement;
    /** JSON: { skills, minAge, certificates }. */
    requirements: string;
    contact_name: string;
    contact_phone_cipher: string;
    address: string;
    city: string;
    district: string | null;
    /** GCJ-02, degrees × 1e6. */
    lng_e6: number;
    lat_e6: number;
    /** First shift start and last shift end (epoch ms), kept with the shifts. */
    starts_at: number;
    ends_at: number;
    moderation_note: string | null;
    close_reason: string | null;
    view_count: Generated<number>;
    created_at: number;
    updated_at: number;
    published_at: number | null;
    closed_at: number | null;
    /** When an admin took the job down (it is closed, and out of public view for good). */
    taken_down_at: number | null;
    /** 1 while the employer's company is verified (认证企业), kept from job_employers; 0 otherwise. */
    employer_verified: number;
  };
  job_shifts: {
    id: string;
    job_id: string;
    starts_at: number;
    ends_at: number;
    headcount: number;
    /** Hires the order service reported (absolute count). */
    hired: Generated<number>;
    /** Set at the first hire: from then on the shift's times, and the job's pay and place, are fixed. */
    locked_at: number | null;
  };
  /** Every version of every job's terms, so an order can read the exact terms it was hired under. */
  job_versions: { job_id: string; version: number; snapshot: string; created_at: number };
  /**
   * The job service's read model of employers' enterprise verification, fed by the verification
   * service's events: whether the company is verified, at the newest event version applied.
   */
  job_employers: {
    employer_id: string;
    verified: number;
    verification_version: number;
    updated_at: number;
  };
  job_categories: {
    code: string;
    parent: string | null;
    zh: string;
    en: string;
    enabled: number;
    sort_order: number;
    updated_at: number;
  };
}

export type JobStatus = 'draft' | 'in_review' | 'open' | 'filled' | 'closed' | 'expired' | 'archived';
export type PayType = 'hourly' | 'daily' | 'piece' | 'fixed';
export type Settlement = 'daily' | 'weekly' | 'on_completion';
