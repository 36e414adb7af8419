import type { Updateable } from 'kysely';
import type { Cache } from '../../platform/cache.js';
import type { Clock } from '../../platform/clock.js';
import type { CursorCodec } from '../../platform/cursor.js';
import type { Deadlines } from '../../platform/deadlines.js';
import type { ServiceDatabase, Tx } from '../../platform/db/service-database.js';
import type { Principal } from '../../platform/http/auth.js';
import type { IdGenerator } from '../../platform/ids.js';
import type { Logger } from '../../platform/log.js';
import type { PiiCipher } from '../../platform/pii.js';
import type { CategoryService } from './categories.js';
import type { Geocoder } from './geocoding.js';
import type { JobDB, JobStatus } from './job.db.js';
import { JobErrors } from './job.errors.js';
import { JobEvents } from './job.events.js';
import type { ShiftPlan } from './job.input.js';
import {
  toOwnerJob,
  toPublicJob,
  type JobRow,
  type MapperContext,
  type OwnerJob,
  type PublicJob,
  type ShiftRow,
} from './job.mappers.js';
import type { JobRepository } from './job.repository.js';
import { changeKind, settle } from './job.states.js';
import { moderate, type ModerationVerdict } from './moderation.js';

export interface JobServiceOptions {
  timeZone: string;
  /** 'manual': every submission waits for an admin, whatever automatic moderation says. */
  review: 'auto' | 'manual';
}

/** What the composition root hands the job service. */
export interface JobServiceDeps {
  sdb: ServiceDatabase<JobDB>;
  repo: JobRepository;
  categories: CategoryService;
  geocoder: Geocoder;
  pii: PiiCipher;
  cache: Cache;
  cursors: CursorCodec;
  deadlines: Deadlines;
  clock: Clock;
  ids: IdGenerator;
  log: Logger;
  options: JobServiceOptions;
  /** The employer's reputation for the public view (the review client); null when it cannot be read. */
  reputation: (employerId: string) => Promise<EmployerReputation | null>;
}

/** What a job's public view shows of its employer's reputation. */
export interface EmployerReputation {
  creditScore: number;
  creditLevel: string;
  rating: { count: number; average: number | null };
}

/** New values of a job's columns, as a use case asks `commitVersion` to write them. */
export type JobChanges = Updateable<JobDB['job_jobs']>;

/** A job row with its shifts, as a change leaves them. */
export interface JobState {
  row: JobRow;
  shifts: ShiftRow[];
}

/**
 * The cache key of a job's public view (dropped by every change after it commits). `v2`: the view
 * gained `employerVerified`; `v3`: `employerReputation`. Views cached by older code lack them.
 */
export const publicKey = (id: string): string => `job:public:v3:${id}`;

/**
 * The steps every use case of the job service shares: loading and locking a job, checking the
 * version the caller edits, moderation, and writing a new version of a job.
 */
export function createJobContext(deps: JobServiceDeps) {
  const { repo, categories, pii, cache, ids, options } = deps;

  async function mapper(): Promise<MapperContext> {
    const cats = await categories.all();
    return {
      timeZone: options.timeZone,
      categoryName: (code) => cats.get(code)?.zh ?? code,
      decryptPhone: (cipher) => pii.decrypt(cipher),
    };
  }

  /** Loads and locks a job, or refuses with "not found". */
  async function lockJob(tx: Tx<JobDB>, id: string): Promise<JobRow> {
    const row = await repo.lockJob(id, tx.db);
    if (!row) throw JobErrors.JOB_NOT_FOUND();
    return row;
  }

  /** Loads and locks a job the caller owns; another employer's job is "not found". */
  async function lockOwned(tx: Tx<JobDB>, id: string, owner: Principal): Promise<JobRow> {
    const row = await lockJob(tx, id);
    if (row.employer_id !== owner.userId) throw JobErrors.JOB_NOT_FOUND();
    return row;
  }

  const newShifts = (jobId: string, shifts: ShiftPlan['insert']) =>
    shifts.map((s) => ({ id: ids(), job_id: jobId, ...s, locked_at: null }));

  /** The contact columns of a job; the phone is stored encrypted, without the +86 prefix. */
  const contactColumns = (contact: { name: string; phone: string }) => ({
    contact_name: contact.name.trim(),
    contact_phone_cipher: pii.encrypt(contact.phone.replace(/^\+86/, '')),
  });

  function expectVersion(row: JobRow, version: number): void {
    if (row.version !== version) throw JobErrors.JOB_VERSION_CONFLICT({ current: row.version });
  }

  function moderateRow(
    row: Pick<JobRow, 'title' | 'description' | 'tags' | 'contact_name' | 'address' | 'pay_unit'>,
  ): ModerationVerdict {
    return moderate({
      title: row.title,
      description: row.description,
      tags: JSON.parse(row.tags) as string[],
      contact: row.contact_name,
      address: row.address,
      unit: row.pay_unit ?? '',
    });
  }

  function refuseIfProhibited(verdict: ModerationVerdict): void {
    if (verdict.decision === 'refuse') throw JobErrors.JOB_CONTENT_REFUSED({ reason: verdict.reason! });
  }

  /**
   * Writes a new version of a job: shift-derived columns, open ↔ filled from the hires, the version
   * snapshot, the event, and the cache invalidation after commit. `changes` are the job's new values.
   */
  async function commitVersion(
    tx: Tx<JobDB>,
    before: JobRow,
    changes: JobChanges,
    reason: string | null = null,
  ): Promise<JobState> {
    const shifts = await repo.lockShifts(before.id, tx.db);
    const after = { ...before, ...changes } as JobRow;
    after.status = settle(after.status, allFull(shifts));
    if (after.status === 'open' && after.published_at === null) after.published_at = tx.now;
    if (after.status === 'closed' && after.closed_at === null) after.closed_at = tx.now;
    after.starts_at = Math.min(...shifts.map((s) => Number(s.starts_at)));
    after.ends_at = Math.max(...shifts.map((s) => Number(s.ends_at)));
    after.version = before.version + 1;
    after.updated_at = tx.now;
    const { id: _id, view_count: _views, created_at: _created, employer_id: _employer, ...columns } = after;
    await repo.updateJob(before.id, columns, tx.db);
    const view = toPublicJob(after, shifts, await mapper());
    await repo.insertVersion(view, tx.now, tx.db);
    const event = eventFor(before.status, after, view, reason);
    if (event) await tx.publish(event);
    tx.afterCommit(() => cache.delete(publicKey(before.id)));
    return { row: after, shifts };
  }

  async function ownerView(state: JobState): Promise<OwnerJob> {
    return toOwnerJob(state.row, state.shifts, await mapper());
  }

  return {
    ...deps,
    mapper,
    lockJob,
    lockOwned,
    newShifts,
    contactColumns,
    expectVersion,
    moderateRow,
    refuseIfProhibited,
    commitVersion,
    ownerView,
  };
}

export type JobContext = ReturnType<typeof createJobContext>;

/** Whether every shift has its headcount. */
export const allFull = (shifts: ShiftRow[]): boolean => shifts.every((s) => s.hired >= s.headcount);

function eventFor(previous: JobStatus, after: JobRow, job: PublicJob, reason: string | null) {
  if (after.published_at === null) return undefined; // never public: nobody to tell
  const { id: jobId, version, status } = after;
  const kind = changeKind(previous, status);
  if (kind === 'closed' || kind === 'expired' || kind === 'archived') {
    return JobEvents[kind]({
      jobId,
      version,
      status,
      employerId: after.employer_id,
      reason,
      takenDown: after.taken_down_at !== null,
    });
  }
  return JobEvents[kind]({ jobId, version, status, job });
}
