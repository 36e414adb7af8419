/**
 * Coordinates in China.
 *
 * Linggong stores every coordinate in GCJ-02, the datum Chinese map providers (Amap/高德, Tencent)
 * use, because the addresses, POIs and route results we exchange with them are in GCJ-02 and a
 * point stored in WGS-84 would be drawn several hundred metres off on their maps. Inputs say which
 * system they are in: a phone's raw GPS fix is `wgs84`, anything picked on a Chinese map is `gcj02`.
 *
 * GCJ-02 is WGS-84 plus a deliberate, smooth, position-dependent offset (typically 100–700 m). The
 * forward formula below is the one in circulation since the Chinese government's reference code
 * leaked; it agrees with published test vectors to about a centimetre. There is no closed-form
 * inverse, so `gcj02ToWgs84` solves for it numerically.
 *
 * Everything here is pure arithmetic on numbers: no I/O, no clock.
 */

/** The datum a coordinate is expressed in. */
export type CoordinateSystem = 'wgs84' | 'gcj02';

/** A point in decimal degrees. `lng` is east-positive, `lat` is north-positive. */
export interface LngLat {
  lng: number;
  lat: number;
}

// Krasovsky 1940 ellipsoid. GCJ-02 computes its offset in metres on this ellipsoid (not on WGS-84's),
// so these exact constants are needed to reproduce the numbers the map providers produce. The squared
// eccentricity is usually published as 0.00669342162296594323; that has more digits than a double holds,
// and the literal below is the shortest spelling of the very same double.
const KRASOVSKY_A = 6378245.0;
const KRASOVSKY_EE = 0.006693421622965943;

// The rough "is this in China" box that GCJ-02 implementations apply the offset inside. It is the
// box used by the widely deployed open-source implementations, so a point near the edge gets the
// same treatment here as in the tools our partners use. It is deliberately generous (it contains
// e.g. Seoul and parts of Mongolia, and misses nothing of the mainland); it is not a border test.
const OFFSET_BOX = { minLng: 72.004, maxLng: 137.8347, minLat: 0.8293, maxLat: 55.8271 } as const;

// Stop the inverse iteration once the forward transform of our estimate lands this close (degrees,
// ≈1 cm) to the target; the correction applied in that last step makes the result far tighter still.
const INVERSE_TOLERANCE_DEG = 1e-7;
// Inside the box each step of the fixed-point iteration shrinks the error by a factor of at most about
// 0.006 (measured over a grid of China), so it settles in 3–4 steps; the cap only matters for
// pathological inputs, e.g. points whose estimate straddles the box's edge.
const INVERSE_MAX_ITERATIONS = 20;

/** Mean Earth radius (IUGG R1) used by `distanceMeters`. */
const EARTH_MEAN_RADIUS_M = 6371008.8;

const DEG = Math.PI / 180;

function insideOffsetBox(p: LngLat): boolean {
  // Written as "inside" comparisons so that NaN coordinates count as outside and pass through as-is.
  return (
    p.lng >= OFFSET_BOX.minLng &&
    p.lng <= OFFSET_BOX.maxLng &&
    p.lat >= OFFSET_BOX.minLat &&
    p.lat <= OFFSET_BOX.maxLat
  );
}

// The two offset polynomials of GCJ-02, in "metres-ish" units, as functions of the position relative
// to (105°E, 35°N). The coefficients are fixed by the standard; they are not ours to tune.
function offsetLat(x: number, y: number): number {
  let r = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320.0 * Math.sin((y / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

function offsetLng(x: number, y: number): number {
  let r = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x));
  r += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0;
  r += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0;
  r += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0;
  return r;
}

/** The GCJ-02 offset (degrees) to add to a WGS-84 point that lies inside the offset box. */
function gcjOffset(p: LngLat): LngLat {
  const dLatM = offsetLat(p.lng - 105.0, p.lat - 35.0);
  const dLngM = offsetLng(p.lng - 105.0, p.lat - 35.0);
  // Convert the metre offsets to degrees using the Krasovsky meridian and prime-vertical radii of
  // curvature at this latitude.
  const sinLat = Math.sin(p.lat * DEG);
  const w2 = 1 - KRASOVSKY_EE * sinLat * sinLat;
  const w = Math.sqrt(w2);
  const meridianRadius = (KRASOVSKY_A * (1 - KRASOVSKY_EE)) / (w2 * w);
  const primeVerticalRadius = KRASOVSKY_A / w;
  return {
    lng: dLngM / ((primeVerticalRadius * Math.cos(p.lat * DEG) * Math.PI) / 180),
    lat: dLatM / ((meridianRadius * Math.PI) / 180),
  };
}

/**
 * Converts a WGS-84 point (e.g. a phone's GPS fix) to GCJ-02 with the standard forward transform
 * (offset polynomials on the Krasovsky 1940 ellipsoid, a = 6378245.0, e² = 0.00669342162296594323).
 *
 * Outside the rough China bounding box used by GCJ-02 implementations (lng 72.004..137.8347,
 * lat 0.8293..55.8271) no offset is applied and the point is returned unchanged, as the map providers
 * do. That box is only a rough test: it includes neighbouring countries (whose points therefore do
 * get offset) and is not the same box as {@link isInChina}. Non-finite input is returned unchanged.
 */
export function wgs84ToGcj02(p: LngLat): LngLat {
  if (!insideOffsetBox(p)) return { lng: p.lng, lat: p.lat };
  const d = gcjOffset(p);
  return { lng: p.lng + d.lng, lat: p.lat + d.lat };
}

/**
 * Converts a GCJ-02 point back to WGS-84.
 *
 * The offset has no closed-form inverse, and the common one-step approximation (subtract the offset
 * evaluated at the GCJ-02 point) is off by up to a few metres. Instead this solves
 * `wgs84ToGcj02(w) = p` by fixed-point iteration: w ← w − (wgs84ToGcj02(w) − p), stopping once the
 * round-trip error before a step is below 1e-7° in both axes (that step is still applied), or after
 * 20 iterations. Round trips agree to well under a centimetre anywhere inside the box.
 *
 * Points outside the offset box (see {@link wgs84ToGcj02}) are returned unchanged.
 */
export function gcj02ToWgs84(p: LngLat): LngLat {
  if (!insideOffsetBox(p)) return { lng: p.lng, lat: p.lat };
  let lng = p.lng;
  let lat = p.lat;
  for (let i = 0; i < INVERSE_MAX_ITERATIONS; i++) {
    const back = wgs84ToGcj02({ lng, lat });
    const errLng = back.lng - p.lng;
    const errLat = back.lat - p.lat;
    lng -= errLng;
    lat -= errLat;
    if (Math.abs(errLng) < INVERSE_TOLERANCE_DEG && Math.abs(errLat) < INVERSE_TOLERANCE_DEG) break;
  }
  return { lng, lat };
}

/** Converts a point given in `system` to GCJ-02, Linggong's storage datum. */
export function toGcj02(p: LngLat, system: CoordinateSystem): LngLat {
  switch (system) {
    case 'gcj02':
      return { lng: p.lng, lat: p.lat };
    case 'wgs84':
      return wgs84ToGcj02(p);
    default: {
      // Unreachable for typed callers; guards against an unchecked string slipping through at runtime.
      const unknown: never = system;
      throw new RangeError(`unknown coordinate system: ${String(unknown)}`);
    }
  }
}

/**
 * Input-validation check: is the point inside the bounding box lng 73.5..135.1, lat 3.8..53.6
 * (inclusive), which encloses China including its southern islands?
 *
 * This is deliberately just a bounding box, nothing more: it rejects obviously wrong input (swapped
 * lng/lat, (0,0), out-of-range values, points on other continents), but coordinates just outside
 * China's border yet inside the box — e.g. in Mongolia, Korea, Vietnam or the Philippines — pass.
 * Non-finite values fail.
 */
export function isInChina(p: LngLat): boolean {
  return p.lng >= 73.5 && p.lng <= 135.1 && p.lat >= 3.8 && p.lat <= 53.6;
}

/**
 * Great-circle distance in metres between two points, by the haversine formula on a sphere of radius
 * 6371008.8 m (the mean Earth radius). Within about 0.5% of the ellipsoidal distance, which is ample
 * for "how far is this worker from the job". Both points must be in the same datum; mixing WGS-84 and
 * GCJ-02 adds the several-hundred-metre offset to the result.
 */
export function distanceMeters(a: LngLat, b: LngLat): number {
  const dLat = (b.lat - a.lat) * DEG;
  const dLng = (b.lng - a.lng) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * DEG) * Math.cos(b.lat * DEG) * Math.sin(dLng / 2) ** 2;
  // Rounding can push h a hair above 1 for near-antipodal points; clamp so asin stays defined.
  return 2 * EARTH_MEAN_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Rounds a coordinate in degrees to 6 decimal places (≈0.1 m), the precision at which Linggong stores
 * coordinates. Uses `toFixed`, which rounds the exact binary value correctly, rather than
 * `Math.round(x * 1e6) / 1e6`, whose multiplication can itself round and move a value across a
 * boundary; halves round away from zero. Negative zero becomes 0; non-finite values pass through.
 */
export function roundCoordinate(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Number(x.toFixed(6));
  return r === 0 ? 0 : r;
}
