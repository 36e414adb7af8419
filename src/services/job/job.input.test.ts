import { describe, expect, it } from 'vitest';
import { wgs84ToGcj02 } from '../../platform/geo.js';
import { GeocoderUnavailable, noGeocoder, type Geocoder } from './geocoding.js';
import { planShifts, resolvePlace } from './job.input.js';
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
});
