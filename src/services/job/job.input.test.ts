import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../../platform/geo.js';
import { GeocoderUnavailable, noGeocoder, type Geocoder } from './geocoding.js';
import {
  MAX_LEAD_MS,
  assertShiftsAhead,
  checkPay,
  completeRequirements,
  normalizeTags,
  planShifts,
  resolvePlace,
} from './job.input.js';
import type { ShiftRow } from './job.mappers.js';

const HOUR = 3_600_000;
const NOW = Date.UTC(2026, 10, 25, 0);
const iso = (ms: number) => new Date(ms).toISOString();

describe('resolving a place', () => {
  const geocoder = (
    answer: Awaited<ReturnType<Geocoder['geocode']>> | Error,
  ): Geocoder & { asked: string[] } => {
    const asked: string[] = [];
    return {
      name: 'test',
      asked,
      async geocode(address, city) {
        asked.push(`${city}|${address}`);
        if (answer instanceof Error) throw answer;
        return answer;
      },
    };
  };

  it('converts a GPS fix to GCJ-02 without asking the geocoder, to 1e-6 degrees', async () => {
    const g = geocoder(undefined);
    const place = await resolvePlace(
      {
        address: ' 世纪大道100号 ',
        city: '上海市',
        location: { lng: 121.5272106, lat: 31.1774276, system: 'wgs84' },
      },
      g,
    );
    const gcj = wgs84ToGcj02({ lng: 121.5272106, lat: 31.1774276 });
    expect(place).toEqual({
      address: '世纪大道100号',
      city: '上海市',
      district: null,
      lng_e6: Math.round(gcj.lng * 1e6),
      lat_e6: Math.round(gcj.lat * 1e6),
    });
    expect(g.asked).toEqual([]);
  });

  it('geocodes an address without coordinates, keeping a given district', async () => {
    const g = geocoder({
      location: { lng: 116.482086, lat: 39.990496 },
      formattedAddress: '北京市朝阳区阜通东大街6号',
      city: '北京市',
      district: '朝阳区',
      adcode: '110105',
    });
    expect(await resolvePlace({ address: '阜通东大街6号', city: '北京市' }, g)).toMatchObject({
      district: '朝阳区',
      lng_e6: 116482086,
      lat_e6: 39990496,
    });
    expect(
      (await resolvePlace({ address: '阜通东大街6号', city: '北京市', district: '望京' }, g)).district,
    ).toBe('望京');
    expect(g.asked).toEqual(['北京市|阜通东大街6号', '北京市|阜通东大街6号']);
  });

  it('says why a place cannot be resolved', async () => {
    const place = { address: '不存在的路1号', city: '上海市' };
    await expect(resolvePlace(place, noGeocoder)).rejects.toMatchObject({ code: 'LOCATION_REQUIRED' });
    await expect(resolvePlace(place, geocoder(undefined))).rejects.toMatchObject({
      code: 'ADDRESS_NOT_FOUND',
    });
    await expect(resolvePlace(place, geocoder(new GeocoderUnavailable('quota')))).rejects.toMatchObject({
      code: 'GEOCODER_UNAVAILABLE',
      status: 503,
    });
    const abroad = geocoder({
      location: { lng: 2.35, lat: 48.85 },
      formattedAddress: 'Paris',
      city: null,
      district: null,
      adcode: null,
    });
    await expect(resolvePlace(place, abroad)).rejects.toMatchObject({ code: 'LOCATION_OUT_OF_CHINA' });
  });
});

describe('planning shifts against existing ones', () => {
  const shift = (id: string, from: number, hired = 0): ShiftRow => ({
    id,
    job_id: 'J',
    starts_at: NOW + from * HOUR,
    ends_at: NOW + (from + 8) * HOUR,
    headcount: 3,
    hired,
    locked_at: hired > 0 ? NOW : null,
  });

  it('keeps, moves, adds and removes shifts', () => {
    const existing = [shift('A', 24), shift('B', 48), shift('C', 72)];
    const plan = planShifts(
      [
        { id: 'A', startsAt: iso(NOW + 24 * HOUR), endsAt: iso(NOW + 32 * HOUR), headcount: 3 },
        { id: 'B', startsAt: iso(NOW + 50 * HOUR), endsAt: iso(NOW + 58 * HOUR), headcount: 3 },
        { startsAt: iso(NOW + 96 * HOUR), endsAt: iso(NOW + 100 * HOUR), headcount: 1 },
      ],
      existing,
      NOW,
    );
    expect(plan).toEqual({
      insert: [{ starts_at: NOW + 96 * HOUR, ends_at: NOW + 100 * HOUR, headcount: 1 }],
      update: [{ id: 'B', starts_at: NOW + 50 * HOUR, ends_at: NOW + 58 * HOUR, headcount: 3 }],
      remove: ['C'],
    });
  });

  it('keeps times to the whole second, as answers show them', () => {
    const plan = planShifts(
      [{ startsAt: iso(NOW + 24 * HOUR + 999), endsAt: '2026-11-26T16:00:00.5+08:00', headcount: 1 }],
      [],
      NOW,
    );
    expect(plan.insert).toEqual([{ starts_at: NOW + 24 * HOUR, ends_at: NOW + 32 * HOUR, headcount: 1 }]);
  });

  it('lets a past shift stand unchanged but refuses to move one into the past', () => {
    const past = shift('P', -30);
    const unchanged = { id: 'P', startsAt: iso(NOW - 30 * HOUR), endsAt: iso(NOW - 22 * HOUR), headcount: 3 };
    expect(planShifts([unchanged], [past], NOW)).toEqual({ insert: [], update: [], remove: [] });
    expect(() => planShifts([{ ...unchanged, endsAt: iso(NOW - 21 * HOUR) }], [past], NOW)).toThrow(
      expect.objectContaining({ code: 'SHIFT_IN_PAST' }),
    );
  });

  it('refuses a shift listed twice or unknown', () => {
    const a = { id: 'A', startsAt: iso(NOW + 24 * HOUR), endsAt: iso(NOW + 32 * HOUR), headcount: 3 };
    expect(() => planShifts([a, a], [shift('A', 24)], NOW)).toThrow(
      expect.objectContaining({ code: 'SHIFT_NOT_FOUND' }),
    );
    expect(() => planShifts([{ ...a, id: 'Z' }], [shift('A', 24)], NOW)).toThrow(
      expect.objectContaining({ code: 'SHIFT_NOT_FOUND' }),
    );
  });
  it('refuses an unreadable instant and a shift too short or too long', () => {
    const one = (startsAt: string, endsAt: string) => () =>
      planShifts([{ startsAt, endsAt, headcount: 1 }], [], NOW);
    const from = NOW + 24 * HOUR;
    expect(one('2026-11-26 08:00', iso(from + HOUR))).toThrow(
      expect.objectContaining({ code: 'INSTANT_INVALID' }),
    );
    for (const length of [14 * 60_000, 24 * HOUR + 60_000, -HOUR]) {
      expect(one(iso(from), iso(from + length))).toThrow(expect.objectContaining({ code: 'SHIFT_INVALID' }));
    }
    expect(one(iso(from), iso(from + 15 * 60_000))).not.toThrow();
    expect(one(iso(from), iso(from + 24 * HOUR))).not.toThrow();
  });

  it('refuses a new shift more than 180 days ahead', () => {
    const far = NOW + MAX_LEAD_MS + HOUR;
    expect(() =>
      planShifts([{ startsAt: iso(far), endsAt: iso(far + HOUR), headcount: 1 }], [], NOW),
    ).toThrow(expect.objectContaining({ code: 'SHIFT_TOO_FAR' }));
  });

  it('keeps a hired shift in place, its headcount at least its hires, and in the list', () => {
    const hired = shift('H', 24, 2);
    const same = { id: 'H', startsAt: iso(NOW + 24 * HOUR), endsAt: iso(NOW + 32 * HOUR), headcount: 3 };
    expect(planShifts([{ ...same, headcount: 2 }], [hired], NOW).update).toEqual([
      { id: 'H', starts_at: NOW + 24 * HOUR, ends_at: NOW + 32 * HOUR, headcount: 2 },
    ]);
    expect(() => planShifts([{ ...same, endsAt: iso(NOW + 33 * HOUR) }], [hired], NOW)).toThrow(
      expect.objectContaining({ code: 'JOB_TERMS_LOCKED' }),
    );
    expect(() => planShifts([{ ...same, headcount: 1 }], [hired], NOW)).toThrow(
      expect.objectContaining({ code: 'SHIFT_HEADCOUNT_BELOW_HIRED' }),
    );
    const other = { startsAt: iso(NOW + 48 * HOUR), endsAt: iso(NOW + 56 * HOUR), headcount: 1 };
    expect(() => planShifts([other], [hired], NOW)).toThrow(
      expect.objectContaining({ code: 'JOB_TERMS_LOCKED' }),
    );
  });

  it('lets a submission publish only shifts that lie ahead', () => {
    expect(() => assertShiftsAhead([{ starts_at: NOW + 1 }], NOW)).not.toThrow();
    expect(() => assertShiftsAhead([{ starts_at: NOW + HOUR }, { starts_at: NOW }], NOW)).toThrow(
      expect.objectContaining({ code: 'SHIFT_IN_PAST' }),
    );
  });
});

describe('pay, requirements and tags', () => {
  it('asks a piece rate, and only a piece rate, for its unit', () => {
    expect(checkPay({ type: 'piece', unit: ' 单 ' })).toBe('单');
    expect(() => checkPay({ type: 'piece' })).toThrow(expect.objectContaining({ code: 'PAY_UNIT_REQUIRED' }));
    expect(checkPay({ type: 'daily', unit: '件' })).toBeNull();
  });

  it('completes requirements: known skills once, 16 by default, a health certificate for food work', () => {
    expect(completeRequirements(undefined, 'cleaning')).toEqual({ skills: [], minAge: 16, certificates: [] });
    expect(
      completeRequirements(
        { skills: ['food.waiter', 'food.waiter'], minAge: 18, certificates: ['first_aid'] },
        'food.kitchen_helper',
      ),
    ).toEqual({ skills: ['food.waiter'], minAge: 18, certificates: ['first_aid', 'health_certificate'] });
    expect(completeRequirements({}, 'food').certificates).toEqual(['health_certificate']);
    expect(completeRequirements({}, 'foodstuff').certificates).toEqual([]);
    expect(() => completeRequirements({ skills: ['food.astronaut'] }, 'food')).toThrow(
      expect.objectContaining({ code: 'CATEGORY_UNKNOWN' }),
    );
  });

  it('normalises tags: full width folded, trimmed, repeated ones dropped', () => {
    expect(normalizeTags(undefined)).toEqual([]);
    expect(normalizeTags([' 日结 ', 'ＫＦＣ', '日结', 'KFC'])).toEqual(['日结', 'KFC']);
  });

  it.each([
    ['blank', '   ', 'TEXT_BLANK'],
    ['too long once folded (㍿ is 株式会社)', '㍿'.repeat(4), 'TEXT_TOO_LONG'],
    ['a control character', '日\u0000结', 'TEXT_CONTROL_CHARACTER'],
  ])('refuses a tag that is %s by the text rule', (_, tag, code) => {
    expect(() => normalizeTags(['日结', tag])).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        extra: { fieldErrors: [expect.objectContaining({ field: '/tags/1', code })] },
      }),
    );
  });

  it('asks a piece rate for a unit that is not blank once trimmed', () => {
    expect(() => checkPay({ type: 'piece', unit: '  ' })).toThrow(
      expect.objectContaining({ code: 'PAY_UNIT_REQUIRED' }),
    );
  });
});
