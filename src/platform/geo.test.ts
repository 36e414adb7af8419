import { describe, it, expect } from 'vitest';
import {
  distanceMeters,
  gcj02ToWgs84,
  isInChina,
  roundCoordinate,
  toGcj02,
  wgs84ToGcj02,
  type LngLat,
} from './geo.js';

interface ReferencePair {
  city: string;
  wgs84: LngLat;
  gcj02: LngLat;
}

// Published WGS-84 → GCJ-02 pairs computed with the standard formula by other implementations. Only the
// numbers are taken from these sources. Our transform should reproduce them to floating-point noise.
const FORMULA_VECTORS: ReferencePair[] = [
  // googollee/eviltransform, go/transform_test.go (same vectors in python/test.py and javascript/test.js)
  {
    city: 'Shanghai',
    wgs84: { lng: 121.5272106, lat: 31.1774276 },
    gcj02: { lng: 121.531541859215, lat: 31.17530398364597 },
  },
  // googollee/eviltransform, go/transform_test.go
  {
    city: 'Shenzhen',
    wgs84: { lng: 113.912316, lat: 22.543847 },
    gcj02: { lng: 113.9171764808363, lat: 22.540796131694766 },
  },
  // googollee/eviltransform, go/transform_test.go
  {
    city: 'Beijing',
    wgs84: { lng: 116.377817, lat: 39.911954 },
    gcj02: { lng: 116.38404722455657, lat: 39.91334545536069 },
  },
  // wandergis/coordtransform, test/app.js (the "wgs84togcj02" result in its comments)
  {
    city: 'Beijing (Tiananmen)',
    wgs84: { lng: 116.404, lat: 39.915 },
    gcj02: { lng: 116.41024449916938, lat: 39.91640428150164 },
  },
];

// Pairs from the gcoord library's city fixture, given to 7 decimals (≈1 cm). They sit a near-constant
// ≈0.46 m east and ≈0.46 m north of the standard formula everywhere (≈0.65–0.73 m in total), which
// suggests they were produced by a map provider's conversion service rather than by the formula. That
// is still inside the 1 m budget, and they cover the west and south that the vectors above do not.
const SERVICE_VECTORS: ReferencePair[] = [
  // hujiulong/gcoord, test/fixtures/china-cities.json (成都市 武侯区)
  {
    city: 'Chengdu',
    wgs84: { lng: 104.0640437, lat: 30.5747262 },
    gcj02: { lng: 104.0665489, lat: 30.5722732 },
  },
  // hujiulong/gcoord, test/fixtures/china-cities.json (乌鲁木齐市 水磨沟区)
  {
    city: 'Urumqi',
    wgs84: { lng: 87.6140048, lat: 43.824388 },
    gcj02: { lng: 87.6168579, lat: 43.8255962 },
  },
  // hujiulong/gcoord, test/fixtures/china-cities.json (广州市 越秀区)
  {
    city: 'Guangzhou',
    wgs84: { lng: 113.2590543, lat: 23.131788 },
    gcj02: { lng: 113.2643859, lat: 23.1291146 },
  },
  // hujiulong/gcoord, test/fixtures/china-cities.json (拉萨市 城关区)
  {
    city: 'Lhasa',
    wgs84: { lng: 91.1706414, lat: 29.655277 },
    gcj02: { lng: 91.1721167, lat: 29.6524954 },
  },
  // hujiulong/gcoord, test/fixtures/china-cities.json (三亚市)
  {
    city: 'Sanya',
    wgs84: { lng: 109.507813, lat: 18.2545417 },
    gcj02: { lng: 109.5119135, lat: 18.2528524 },
  },
  // hujiulong/gcoord, test/fixtures/china-cities.json (哈尔滨市 松北区)
  {
    city: 'Harbin',
    wgs84: { lng: 126.528903, lat: 45.8017783 },
    gcj02: { lng: 126.5349726, lat: 45.8037804 },
  },
];

const ALL_VECTORS = [...FORMULA_VECTORS, ...SERVICE_VECTORS];

describe('wgs84ToGcj02', () => {
  it.each(ALL_VECTORS)('matches the published GCJ-02 point for $city within 1 m', ({ wgs84, gcj02 }) => {
    expect(distanceMeters(wgs84ToGcj02(wgs84), gcj02)).toBeLessThan(1);
  });

  it.each(FORMULA_VECTORS)(
    'reproduces the formula-derived vector for $city to within 1 cm',
    ({ wgs84, gcj02 }) => {
      // A tighter check than the 1 m budget: an error in a coefficient or constant would show up here
      // long before it reached a metre.
      expect(distanceMeters(wgs84ToGcj02(wgs84), gcj02)).toBeLessThan(0.01);
    },
  );

  it('applies an offset of the expected size (hundreds of metres) inside China', () => {
    for (const { wgs84 } of ALL_VECTORS) {
      const moved = distanceMeters(wgs84, wgs84ToGcj02(wgs84));
      expect(moved).toBeGreaterThan(100);
      expect(moved).toBeLessThan(1000);
    }
  });

  it.each([
    { place: 'Tokyo', p: { lng: 139.6917, lat: 35.6895 } },
    { place: 'London', p: { lng: -0.1276, lat: 51.5072 } },
    { place: '(0, 0)', p: { lng: 0, lat: 0 } },
  ])('leaves $place unchanged, in both directions', ({ p }) => {
    expect(wgs84ToGcj02(p)).toEqual(p);
    expect(gcj02ToWgs84(p)).toEqual(p);
  });

  it('does not mutate its argument', () => {
    const p = { lng: 116.404, lat: 39.915 };
    wgs84ToGcj02(p);
    gcj02ToWgs84(p);
    expect(p).toEqual({ lng: 116.404, lat: 39.915 });
  });
});

describe('gcj02ToWgs84', () => {
  it.each(ALL_VECTORS)('recovers the published WGS-84 point for $city within 1 m', ({ wgs84, gcj02 }) => {
    expect(distanceMeters(gcj02ToWgs84(gcj02), wgs84)).toBeLessThan(1);
  });

  it('inverts wgs84ToGcj02 to within 1 cm on a grid across China', () => {
    // Irregular steps so the grid does not line up with the periods of the offset's sine terms.
    let worst = 0;
    let count = 0;
    for (let lng = 73.6; lng <= 135; lng += 1.37) {
      for (let lat = 4.1; lat <= 53.5; lat += 1.13) {
        const p = { lng, lat };
        const err = distanceMeters(gcj02ToWgs84(wgs84ToGcj02(p)), p);
        worst = Math.max(worst, err);
        count++;
      }
    }
    expect(count).toBeGreaterThan(1000);
    expect(worst).toBeLessThan(0.01);
  });

  it('is much better than the one-step approximation', () => {
    // The one-step inverse (subtract the offset evaluated at the GCJ-02 point) misses by metres here;
    // the iterative inverse must not.
    const p = { lng: 126.528903, lat: 45.8017783 };
    const g = wgs84ToGcj02(p);
    const offsetAtG = wgs84ToGcj02(g);
    const oneStep = { lng: 2 * g.lng - offsetAtG.lng, lat: 2 * g.lat - offsetAtG.lat };
    expect(distanceMeters(oneStep, p)).toBeGreaterThan(1);
    expect(distanceMeters(gcj02ToWgs84(g), p)).toBeLessThan(0.001);
  });
});

describe('toGcj02', () => {
  it('passes GCJ-02 input through and converts WGS-84 input', () => {
    const p = { lng: 116.404, lat: 39.915 };
    expect(toGcj02(p, 'gcj02')).toEqual(p);
    expect(toGcj02(p, 'wgs84')).toEqual(wgs84ToGcj02(p));
  });
});

// An independent great-circle distance (angle between unit vectors via atan2 of |a×b| and a·b) to check
// the haversine implementation against; it shares no formula with it.
function vectorDistance(a: LngLat, b: LngLat, radius: number): number {
  const unit = (p: LngLat): [number, number, number] => {
    const lat = (p.lat * Math.PI) / 180;
    const lng = (p.lng * Math.PI) / 180;
    return [Math.cos(lat) * Math.cos(lng), Math.cos(lat) * Math.sin(lng), Math.sin(lat)];
  };
  const [ax, ay, az] = unit(a);
  const [bx, by, bz] = unit(b);
  const cross = Math.hypot(ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx);
  const dot = ax * bx + ay * by + az * bz;
  return radius * Math.atan2(cross, dot);
}

describe('distanceMeters', () => {
  const R = 6371008.8;
  const beijing = { lng: 116.3975, lat: 39.9087 }; // Tiananmen
  const shanghai = { lng: 121.4737, lat: 31.2304 }; // People's Square

  it('gives the Beijing–Shanghai city-centre distance (≈1,068 km)', () => {
    const d = distanceMeters(beijing, shanghai);
    expect(d).toBeCloseTo(vectorDistance(beijing, shanghai, R), 3);
    expect(d).toBeGreaterThan(1_060_000);
    expect(d).toBeLessThan(1_075_000);
    expect(distanceMeters(shanghai, beijing)).toBe(d);
  });

  it('matches exact spherical distances', () => {
    // One degree of longitude along the equator is 1/360 of the circumference.
    expect(distanceMeters({ lng: 0, lat: 0 }, { lng: 1, lat: 0 })).toBeCloseTo((2 * Math.PI * R) / 360, 6);
    // Equator to pole is a quarter circumference; antipodes are half of it.
    expect(distanceMeters({ lng: 10, lat: 0 }, { lng: 10, lat: 90 })).toBeCloseTo((Math.PI * R) / 2, 6);
    expect(distanceMeters({ lng: 0, lat: 0 }, { lng: 180, lat: 0 })).toBeCloseTo(Math.PI * R, 6);
  });

  it('is 0 for identical points', () => {
    expect(distanceMeters(beijing, beijing)).toBe(0);
    expect(distanceMeters({ lng: 0, lat: 0 }, { lng: 0, lat: 0 })).toBe(0);
  });
});

describe('isInChina', () => {
  it.each([
    { place: 'Beijing', p: { lng: 116.3975, lat: 39.9087 } },
    { place: 'Urumqi', p: { lng: 87.6168, lat: 43.8256 } },
    { place: 'Sanya', p: { lng: 109.5119, lat: 18.2529 } },
  ])('accepts $place', ({ p }) => {
    expect(isInChina(p)).toBe(true);
  });

  it.each([
    { what: 'Tokyo', p: { lng: 139.6917, lat: 35.6895 } },
    { what: '(0, 0)', p: { lng: 0, lat: 0 } },
    { what: 'lat 95', p: { lng: 116.4, lat: 95 } },
    { what: 'lng 200', p: { lng: 200, lat: 39.9 } },
    { what: 'Beijing with lng and lat swapped', p: { lng: 39.9087, lat: 116.3975 } },
    { what: 'NaN', p: { lng: Number.NaN, lat: 39.9 } },
  ])('rejects $what', ({ p }) => {
    expect(isInChina(p)).toBe(false);
  });

  it('is only a bounding box: Seoul, outside China but inside the box, passes', () => {
    expect(isInChina({ lng: 126.978, lat: 37.5665 })).toBe(true);
  });
});

describe('roundCoordinate', () => {
  it('rounds to 6 decimal places', () => {
    expect(roundCoordinate(116.41024449916938)).toBe(116.410244);
    expect(roundCoordinate(39.91640428150164)).toBe(39.916404);
    expect(roundCoordinate(116.3974996)).toBe(116.3975);
    expect(roundCoordinate(-0.12764449)).toBe(-0.127644);
    expect(roundCoordinate(0.1 + 0.2)).toBe(0.3);
  });

  it('returns +0 rather than -0 for tiny negatives', () => {
    expect(Object.is(roundCoordinate(-0.0000001), 0)).toBe(true);
  });

  it('is idempotent', () => {
    const once = roundCoordinate(121.531541859215);
    expect(roundCoordinate(once)).toBe(once);
  });
});
