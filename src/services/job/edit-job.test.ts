import { describe, expect, it } from 'vitest';
import { payChanges, placeChanges } from './edit-job.js';
import type { PlaceValues } from './job.input.js';

const pay = { pay_type: 'daily', pay_amount_fen: 20000, pay_unit: null, settlement: 'daily' } as const;
const place: PlaceValues = {
  address: '世纪大道100号',
  city: '上海市',
  district: '浦东新区',
  lng_e6: 121_531_757,
  lat_e6: 31_175_441,
};
const locked = { code: 'JOB_TERMS_LOCKED', status: 409 };

describe('editing the pay of a job', () => {
  it('changes nothing when neither pay nor settlement is given', () => {
    expect(payChanges(pay, {}, true)).toEqual({});
  });

  it('takes new pay or settlement before any hire, keeping what is not given', () => {
    expect(payChanges(pay, { pay: { type: 'hourly', amountFen: 3000 } }, false)).toEqual({
      pay_type: 'hourly',
      pay_amount_fen: 3000,
      pay_unit: null,
      settlement: 'daily',
    });
    expect(payChanges(pay, { settlement: 'weekly' }, false)).toMatchObject({
      pay_amount_fen: 20000,
      settlement: 'weekly',
    });
  });

  it('asks a piece rate for its unit', () => {
    expect(() => payChanges(pay, { pay: { type: 'piece', amountFen: 50 } }, false)).toThrow(
      expect.objectContaining({ code: 'PAY_UNIT_REQUIRED' }),
    );
    expect(payChanges(pay, { pay: { type: 'piece', amountFen: 50, unit: ' 件 ' } }, false)).toMatchObject({
      pay_unit: '件',
    });
  });

  it('refuses any change once someone is hired, but accepts the same terms again', () => {
    for (const input of [
      { pay: { type: 'daily' as const, amountFen: 20001 } },
      { pay: { type: 'hourly' as const, amountFen: 20000 } },
      { settlement: 'on_completion' as const },
    ]) {
      expect(() => payChanges(pay, input, true)).toThrow(expect.objectContaining(locked));
    }
    expect(payChanges(pay, { pay: { type: 'daily', amountFen: 20000 }, settlement: 'daily' }, true)).toEqual({
      pay_type: 'daily',
      pay_amount_fen: 20000,
      pay_unit: null,
      settlement: 'daily',
    });
  });
});

describe('editing the place of a job', () => {
  it('changes nothing when no place is given or it is the same place', () => {
    expect(placeChanges(place, undefined, true)).toEqual({});
    expect(placeChanges(place, { ...place }, true)).toEqual({});
  });

  it('moves a job before any hire and refuses to once someone is hired', () => {
    const moves: Partial<PlaceValues>[] = [
      { address: '世纪大道200号' },
      { city: '北京市' },
      { district: null },
      { lng_e6: place.lng_e6 + 1 },
      { lat_e6: place.lat_e6 - 1 },
    ];
    for (const move of moves) {
      const moved = { ...place, ...move };
      expect(placeChanges(place, moved, false)).toEqual(moved);
      expect(() => placeChanges(place, moved, true)).toThrow(expect.objectContaining(locked));
    }
  });
});
