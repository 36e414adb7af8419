/**
 * The grid that orders the index spatially. Cells are 0.01° × 0.01° (≈1.1 km × 0.9–1.0 km in
 * China) over a box around China; compaction sorts documents by cell key (row-major), so one row of
 * cells inside a query's bounding box is one contiguous range of document numbers. A radius query
 * then reads a handful of ranges, and a keyword's postings are binary-searched to the same ranges.
 */

export const CELL_DEG = 0.01;
const GRID_MIN_LNG = 73;
const GRID_MIN_LAT = 3.5;
/** Columns per row: 73°E..136°E. */
export const GRID_COLS = 6300;
/** Rows: 3.5°N..54°N. */
export const GRID_ROWS = 5050;

const EARTH_MEAN_RADIUS_M = 6371008.8;
const DEG = Math.PI / 180;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

export function cellRow(lat: number): number {
  return clamp(Math.floor((lat - GRID_MIN_LAT) / CELL_DEG), 0, GRID_ROWS - 1);
}

export function cellCol(lng: number): number {
  return clamp(Math.floor((lng - GRID_MIN_LNG) / CELL_DEG), 0, GRID_COLS - 1);
}

/** Row-major cell key; < 2^25, so `key * 2^24 + docNumber` is an exact double. */
export function cellKey(lng: number, lat: number): number {
  return cellRow(lat) * GRID_COLS + cellCol(lng);
}

/**
 * Haversine distance with a precomputed cos(latitude) of both points. The arithmetic is the same,
 * in the same order, as `distanceMeters` in platform/geo.ts, so the two agree to the last bit (a
 * test checks it); the radius filter must not disagree with the distance the service reports.
 */
export function haversineMeters(
  aLat: number,
  aLng: number,
  aCosLat: number,
  bLat: number,
  bLng: number,
  bCosLat: number,
): number {
  const dLat = (bLat - aLat) * DEG;
  const dLng = (bLng - aLng) * DEG;
  const h = Math.sin(dLat / 2) ** 2 + aCosLat * bCosLat * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_MEAN_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

const METERS_PER_DEG = EARTH_MEAN_RADIUS_M * DEG;

/**
 * Planar (equirectangular) distances are turned into safe bounds of the haversine distance by
 * these factors and 2 m: for points up to 50 km apart anywhere in China the planar figure is within
 * about 1.2 % of the haversine (the cos(latitude) used for east-west degrees differs from the true
 * one by at most that much over 0.45° of latitude at 54°N), so 2 % leaves room. A test checks it.
 */
export const PLANAR_LOW = 0.98;
export const PLANAR_HIGH = 1.02;
export const PLANAR_SLACK_M = 2;

/** Equirectangular distance in metres, east-west degrees scaled by the centre's cos(latitude). */
export function planarMeters(
  aLat: number,
  aLng: number,
  aCosLat: number,
  bLat: number,
  bLng: number,
): number {
  const dx = (bLng - aLng) * aCosLat;
  const dy = bLat - aLat;
  return Math.sqrt(dx * dx + dy * dy) * METERS_PER_DEG;
}

/**
 * Bounds of the haversine distance from a point to every point of grid cell `key`, written to
 * `out` as [min, max] metres. Planar (equirectangular) distances to the cell's rectangle, with the
 * east-west degrees scaled by the smallest (for min) or largest (for max) cos(latitude) the point
 * and cell span, widened like planarMeters' bounds, so `min` never exceeds and `max` never falls
 * short of a true distance within the radii allowed (≤ 50 km). Points are in China, inside the grid, so a
 * document's cell always contains it. Query code uses these to skip whole cells.
 */
export function cellDistanceBounds(lng: number, lat: number, key: number, out: Float64Array): void {
  const row = Math.floor(key / GRID_COLS);
  const lat0 = GRID_MIN_LAT + row * CELL_DEG;
  const lat1 = lat0 + CELL_DEG;
  const lng0 = GRID_MIN_LNG + (key - row * GRID_COLS) * CELL_DEG;
  const lng1 = lng0 + CELL_DEG;
  const dyMin = lat < lat0 ? lat0 - lat : lat > lat1 ? lat - lat1 : 0;
  const dxMin = lng < lng0 ? lng0 - lng : lng > lng1 ? lng - lng1 : 0;
  const dyMax = Math.max(Math.abs(lat - lat0), Math.abs(lat - lat1));
  const dxMax = Math.max(Math.abs(lng - lng0), Math.abs(lng - lng1));
  // Latitudes in China are positive: cos falls towards the north.
  const cosLow = Math.cos(Math.max(lat, lat1) * DEG);
  const cosHigh = Math.cos(Math.min(lat, lat0) * DEG);
  const xMin = dxMin * cosLow;
  const xMax = dxMax * cosHigh;
  const min = Math.sqrt(xMin * xMin + dyMin * dyMin) * METERS_PER_DEG;
  const max = Math.sqrt(xMax * xMax + dyMax * dyMax) * METERS_PER_DEG;
  out[0] = Math.max(0, min * PLANAR_LOW - PLANAR_SLACK_M);
  out[1] = max * PLANAR_HIGH + PLANAR_SLACK_M;
}

export function cosLatOf(lat: number): number {
  return Math.cos(lat * DEG);
}

/** The cell rows and columns that contain every point within `radiusMeters` of the centre. */
export interface CellWindow {
  row0: number;
  row1: number;
  col0: number;
  col1: number;
}

export function radiusWindow(lng: number, lat: number, radiusMeters: number): CellWindow {
  const delta = radiusMeters / EARTH_MEAN_RADIUS_M; // angular radius
  // A great-circle distance is at least the north-south distance, so |Δlat| ≤ δ exactly; the
  // widest east-west reach is at the tangent point, asin(sin δ / cos φ). Both get a small margin so
  // rounding can never drop a point the exact test would accept.
  const dLat = (delta / DEG) * 1.001 + 1e-7;
  const cosLat = Math.cos(lat * DEG);
  const ratio = Math.sin(delta) / cosLat;
  const dLng = ratio >= 1 ? 180 : (Math.asin(ratio) / DEG) * 1.001 + 1e-7;
  return {
    row0: cellRow(lat - dLat),
    row1: cellRow(lat + dLat),
    col0: cellCol(lng - dLng),
    col1: cellCol(lng + dLng),
  };
}
