import { parseInstant } from '../../platform/clock.js';
import { PlatformErrors, type FieldError } from '../../platform/errors.js';
import { isInChina, roundCoordinate, toGcj02, type CoordinateSystem } from '../../platform/geo.js';
import { findCategory } from '../../platform/reference/gig-categories.js';
import { checkText } from '../../platform/text.js';
import { JobErrors } from './job.errors.js';
import type { PayType } from './job.db.js';
import type { Requirements, ShiftRow } from './job.mappers.js';
import { MAX_TAG_LENGTH } from './job.schemas.js';
import { GeocoderUnavailable, type Geocoder } from './geocoding.js';

/**
 * Turning validated request bodies into the values a job stores: instants parsed, shifts checked
 * against each other, the clock and existing hires, places resolved to GCJ-02, requirements
 * completed. Schema validation (types, ranges, lengths) has already happened at the edge.
 */
export const MIN_SHIFT_MS = 15 * 60_000;
export const MAX_SHIFT_MS = 24 * 3_600_000;
export const MAX_LEAD_MS = 180 * 24 * 3_600_000;

export interface ShiftInput {
  id?: string;
  startsAt: string;
  endsAt: string;
  headcount: number;
}

export interface ShiftPlan {
  /** New shifts to insert. */
  insert: { starts_at: number; ends_at: number; headcount: number }[];
  /** Existing shifts to change. */
  update: { id: string; starts_at: number; ends_at: number; headcount: number }[];
  /** Existing shifts to remove. */
  remove: string[];
}

const fieldError = (field: string, code: string, message: string): FieldError => ({ field, code, message });

/**
 * Checks a full list of shifts against the existing ones: a shift with an id keeps its identity;
 * existing shifts missing from the list are removed. A shift with a hire (locked) keeps its times,
 * may not be removed, and its headcount may not go below its hires. New or moved shifts must start
 * in the future (and within 180 days).
 */
export function planShifts(inputs: ShiftInput[], existing: ShiftRow[], now: number): ShiftPlan {
  const byId = new Map(existing.map((s) => [s.id, s]));
  const plan: ShiftPlan = { insert: [], update: [], remove: [] };
  const seen = new Set<string>();
  inputs.forEach((input, i) => {
    const field = `/shifts/${i}`;
    const starts = toWholeSecond(parseInstant(input.startsAt));
    const ends = toWholeSecond(parseInstant(input.endsAt));
    if (starts === undefined || ends === undefined) {
      throw JobErrors.INSTANT_INVALID(
        {},
        { fieldErrors: [fieldError(field, 'INSTANT_INVALID', 'bad instant')] },
      );
    }
    if (ends - starts < MIN_SHIFT_MS || ends - starts > MAX_SHIFT_MS) {
      throw JobErrors.SHIFT_INVALID(
        {},
        { fieldErrors: [fieldError(field, 'SHIFT_INVALID', 'end vs start')] },
      );
    }
    const current = input.id === undefined ? undefined : byId.get(input.id);
    if (input.id !== undefined && (!current || seen.has(input.id))) throw JobErrors.SHIFT_NOT_FOUND();
    if (current) seen.add(current.id);
    const moved = !current || Number(current.starts_at) !== starts || Number(current.ends_at) !== ends;
    if (current && moved && current.locked_at !== null) {
      throw JobErrors.JOB_TERMS_LOCKED(
        { term: 'shift_times' },
        { fieldErrors: [fieldError(field, 'JOB_TERMS_LOCKED', 'shift with hires')] },
      );
    }
    if (current && input.headcount < current.hired) {
      throw JobErrors.SHIFT_HEADCOUNT_BELOW_HIRED({ hired: current.hired });
    }
    if (moved && starts <= now) {
      throw JobErrors.SHIFT_IN_PAST(
        {},
        { fieldErrors: [fieldError(field, 'SHIFT_IN_PAST', 'starts in the past')] },
      );
    }
    if (moved && starts - now > MAX_LEAD_MS) throw JobErrors.SHIFT_TOO_FAR();
    const values = { starts_at: starts, ends_at: ends, headcount: input.headcount };
    if (!current) plan.insert.push(values);
    else if (moved || current.headcount !== input.headcount) plan.update.push({ id: current.id, ...values });
  });
  for (const s of existing) {
    if (seen.has(s.id)) continue;
    if (s.locked_at !== null || s.hired > 0) {
      throw JobErrors.JOB_TERMS_LOCKED({ term: 'shift_removal' });
    }
    plan.remove.push(s.id);
  }
  return plan;
}

/**
 * Shift times are kept to the whole second, as answers show them: a time sent back as it was shown
 * is the same time (a shift with hires may not move, so a lost fraction of a second would lock it).
 */
const toWholeSecond = (ms: number | undefined): number | undefined =>
  ms === undefined ? undefined : Math.floor(ms / 1000) * 1000;

/** Every shift that a submission would publish must still lie ahead. */
export function assertShiftsAhead(shifts: { starts_at: number }[], now: number): void {
  const i = shifts.findIndex((s) => Number(s.starts_at) <= now);
  if (i !== -1) {
    throw JobErrors.SHIFT_IN_PAST({}, { fieldErrors: [fieldError(`/shifts/${i}`, 'SHIFT_IN_PAST', 'past')] });
  }
}

/** The unit a piece rate is paid by (trimmed, as it is stored); null for any other pay. */
export function checkPay(pay: { type: PayType; unit?: string | undefined }): string | null {
  if (pay.type !== 'piece') return null;
  const unit = pay.unit?.trim();
  if (!unit) throw JobErrors.PAY_UNIT_REQUIRED();
  return unit;
}

/** Skills must be known categories; food work always requires a health certificate (健康证). */
export function completeRequirements(
  input: { skills?: string[]; minAge?: number; certificates?: string[] } | undefined,
  category: string,
): Requirements {
  const skills = [...new Set(input?.skills ?? [])];
  for (const code of skills) if (!findCategory(code)) throw JobErrors.CATEGORY_UNKNOWN({ code });
  const certificates = new Set(input?.certificates ?? []);
  if (category === 'food' || category.startsWith('food.')) certificates.add('health_certificate');
  return { skills, minAge: input?.minAge ?? 16, certificates: [...certificates].sort() };
}

/**
 * Tags folded by NFKC (full-width ＡＢＣ and ABC are one tag), each once. Folding can lengthen a tag
 * (㍿ is 株式会社) or leave nothing visible, so each is checked again by the text rule it came in under.
 */
export function normalizeTags(tags: string[] | undefined): string[] {
  const out = new Set<string>();
  (tags ?? []).forEach((tag, i) => {
    const checked = checkText(tag.normalize('NFKC'), { minLength: 1, maxLength: MAX_TAG_LENGTH });
    if ('problem' in checked) {
      const error = fieldError(`/tags/${i}`, `TEXT_${checked.problem}`, 'tag once folded');
      throw PlatformErrors.VALIDATION_FAILED({}, { fieldErrors: [error] });
    }
    out.add(checked.value);
  });
  return [...out];
}

export interface PlaceInput {
  address: string;
  city: string;
  district?: string;
  location?: { lng: number; lat: number; system: CoordinateSystem };
}

export interface PlaceValues {
  address: string;
  city: string;
  district: string | null;
  lng_e6: number;
  lat_e6: number;
}

/** Resolves a place to GCJ-02 (converting a GPS fix, or asking the geocoder for an address). */
export async function resolvePlace(input: PlaceInput, geocoder: Geocoder): Promise<PlaceValues> {
  const base = {
    address: input.address.trim(),
    city: input.city.trim(),
    district: input.district?.trim() ?? null,
  };
  let point = input.location;
  if (point) {
    if (!isInChina(point)) throw JobErrors.LOCATION_OUT_OF_CHINA();
    point = { ...toGcj02(point, point.system), system: 'gcj02' };
  } else {
    if (geocoder.name === 'none') throw JobErrors.LOCATION_REQUIRED();
    let found;
    try {
      found = await geocoder.geocode(base.address, base.city);
    } catch (e) {
      if (e instanceof GeocoderUnavailable) throw JobErrors.GEOCODER_UNAVAILABLE();
      throw e;
    }
    if (!found) throw JobErrors.ADDRESS_NOT_FOUND();
    point = { ...found.location, system: 'gcj02' };
    base.district ??= found.district;
  }
  if (!isInChina(point)) throw JobErrors.LOCATION_OUT_OF_CHINA();
  return {
    ...base,
    lng_e6: Math.round(roundCoordinate(point.lng) * 1e6),
    lat_e6: Math.round(roundCoordinate(point.lat) * 1e6),
  };
}
