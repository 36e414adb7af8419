import { isInChina } from '../../../platform/geo.js';
import { analyzeQuery, normalizeTag } from './analyzer.js';
import {
  GRID_COLS,
  PLANAR_HIGH,
  PLANAR_LOW,
  PLANAR_SLACK_M,
  cellDistanceBounds,
  planarMeters,
  cosLatOf,
  haversineMeters,
  radiusWindow,
  type CellWindow,
} from './geo-grid.js';
import { highlightSnippet, highlightText } from './highlight.js';
import {
  FLAG_ALIVE,
  FLAG_VERIFIED,
  TAG_PREFIX,
  TAG_SEPARATOR,
  cityKey,
  parentCategory,
  type JobIndex,
  type U32,
} from './job-index.js';
import { TopK } from './top-k.js';
import {
  DEFAULT_LIMIT,
  MAX_LIMIT,
  MAX_RADIUS_METERS,
  PAY_TYPES,
  SEARCH_SORTS,
  SETTLEMENTS,
  SearchEngineError,
  type SearchFacets,
  type SearchHit,
  type SearchHitDoc,
  type SearchQuery,
  type SearchResult,
  type SearchSort,
} from './types.js';

/**
 * Query execution. Candidates come from the cheapest *driver* — the geo ranges of a radius query,
 * or the shortest posting list of a required term (keyword terms and tag filters), cut to the geo
 * ranges when there are any — in ascending slot order; every other condition is checked per
 * candidate: columns for filters, the haversine for the radius, a galloping cursor for each other
 * required term. Every match counts towards total and facets, so both are exact; the page is a
 * bounded heap of `limit` entries after the `after` position.
 */

const BM25_K1 = 1.2;
const BM25_B = 0.75;

interface Required {
  term: number;
  /** BM25 weight; 0 for tag filters, which must match but do not score. */
  idf: number;
}

const invalid = (message: string): never => {
  throw new SearchEngineError('INVALID_QUERY', message);
};

/** Sort order code used in positions (kept short and stable). */
const SORT_CODE: Record<SearchSort, string> = { relevance: 'r', distance: 'd', pay: 'p', newest: 'n' };

/**
 * Relevance scores depend on index-wide statistics (document count, average length, each term's
 * document frequency) that change with every indexed job. A relevance position therefore carries
 * the statistics its page was scored with, and later pages score with the same ones; otherwise a
 * change between two pages would shift every score and pages would skip or repeat hits.
 */
export interface ScoringStats {
  n: number;
  avgdl: number;
  dfs: number[];
}

export function encodePosition(sort: SearchSort, key: number, jobId: string, stats?: ScoringStats): string {
  const base = `${SORT_CODE[sort]}:${String(key)}:${jobId}`;
  return stats
    ? `${base}:${stats.n}:${stats.avgdl}:${stats.dfs.map((df) => df.toString(36)).join(',')}`
    : base;
}

function decodePosition(
  sort: SearchSort,
  position: string,
): { key: number; jobId: string; stats?: ScoringStats } {
  const bad = (): never => {
    throw new SearchEngineError('INVALID_POSITION', 'the position does not belong to this query');
  };
  const parts = position.split(':');
  if (parts.length !== (sort === 'relevance' ? 6 : 3) || parts[0] !== SORT_CODE[sort]) bad();
  const key = Number(parts[1]);
  const jobId = parts[2]!;
  if (!Number.isFinite(key) || parts[1] === '' || jobId.length !== 26) bad();
  if (sort !== 'relevance') return { key, jobId };
  const n = Number(parts[3]);
  const avgdl = Number(parts[4]);
  const dfs = parts[5]!.split(',').map((df) => (/^[0-9a-z]{1,8}$/.test(df) ? parseInt(df, 36) : NaN));
  if (!(n >= 1) || !(avgdl > 0) || dfs.some((df) => !Number.isInteger(df) || df < 0 || df > n)) bad();
  return { key, jobId, stats: { n, avgdl, dfs } };
}

function resolveSort(q: SearchQuery): SearchSort {
  const sort = q.sort ?? (q.keyword !== undefined ? 'relevance' : q.near ? 'distance' : 'newest');
  if (!SEARCH_SORTS.includes(sort)) invalid(`unknown sort ${String(sort)}`);
  if (sort === 'distance' && !q.near) invalid('sort by distance needs near');
  if (sort === 'relevance' && q.keyword === undefined) invalid('sort by relevance needs a keyword');
  return sort;
}

function emptyResult(): SearchResult {
  return { hits: [], facets: { category: {}, payType: {} }, total: { value: 0, exact: true }, next: null };
}

/** First index in [lo, hi) whose value is >= target (hi when none). */
function lowerBound(a: U32, lo: number, hi: number, target: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Like lowerBound but starting from a cursor that only moves forward: gallop, then bisect. */
function gallop(a: U32, cur: number, hi: number, target: number): number {
  if (cur >= hi || a[cur]! >= target) return cur;
  let step = 1;
  let lo = cur;
  while (lo + step < hi && a[lo + step]! < target) {
    lo += step;
    step *= 2;
  }
  return lowerBound(a, lo + 1, Math.min(lo + step + 1, hi), target);
}

function lowerBoundI32(a: Int32Array<ArrayBufferLike>, lo: number, hi: number, target: number): number {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function search(ix: JobIndex, q: SearchQuery): SearchResult {
  const sort = resolveSort(q);
  const limit = q.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) invalid(`limit must be 1..${MAX_LIMIT}`);
  const after = q.after ? decodePosition(sort, q.after) : null;
  const f = q.filters ?? {};

  // --- Terms: every keyword term and every tag must be present. ---
  const required: Required[] = [];
  let highlightTerms: string[] = [];
  const frozen = after?.stats;
  const n = frozen?.n ?? Math.max(1, ix.liveCount);
  const avgdl = frozen?.avgdl ?? (ix.liveCount > 0 ? ix.totalDocLen / ix.liveCount : 1);
  const dfs: number[] = [];
  const termLength = (t: number): number =>
    (t < ix.mainTermCount ? ix.mainTermStart[t + 1]! - ix.mainTermStart[t]! : 0) + (ix.tailLength[t] ?? 0);
  if (q.keyword !== undefined) {
    if (typeof q.keyword !== 'string' || q.keyword.length > 200)
      invalid('keyword must be text of ≤ 200 chars');
    highlightTerms = analyzeQuery(q.keyword);
    if (highlightTerms.length === 0) return emptyResult();
    if (frozen && frozen.dfs.length !== highlightTerms.length) {
      throw new SearchEngineError('INVALID_POSITION', 'the position does not belong to this query');
    }
    for (const [i, term] of highlightTerms.entries()) {
      const t = ix.termIds.get(term);
      if (t === undefined) return emptyResult();
      const df = frozen ? frozen.dfs[i]! : Math.min(termLength(t), n);
      dfs.push(df);
      required.push({ term: t, idf: Math.log(1 + (n - df + 0.5) / (df + 0.5)) });
    }
  }
  for (const tag of f.tags ?? []) {
    const t = ix.termIds.get(TAG_PREFIX + normalizeTag(tag));
    if (t === undefined) return emptyResult();
    required.push({ term: t, idf: 0 });
  }

  // --- Column filters. ---
  let cityId = -1;
  if (q.city !== undefined) {
    const id = ix.cityIds.get(cityKey(q.city));
    if (id === undefined) return emptyResult();
    cityId = id;
  }
  let allowedCategory: Uint8Array | null = null;
  if (f.categories && f.categories.length > 0) {
    allowedCategory = new Uint8Array(ix.categories.length);
    let any = false;
    ix.categories.forEach((code, id) => {
      if (f.categories!.some((c) => code === c || code.startsWith(c + '.'))) {
        allowedCategory![id] = 1;
        any = true;
      }
    });
    if (!any) return emptyResult();
  }
  let payMask = 0;
  for (const p of f.payTypes ?? []) {
    const i = PAY_TYPES.indexOf(p);
    if (i < 0) invalid(`unknown payType ${String(p)}`);
    payMask |= 1 << i;
  }
  let settlementMask = 0;
  for (const s of f.settlements ?? []) {
    const i = SETTLEMENTS.indexOf(s);
    if (i < 0) invalid(`unknown settlement ${String(s)}`);
    settlementMask |= 1 << i;
  }
  const minPay = f.minPayFen ?? -Infinity;
  const from = f.dateRange?.from ?? -Infinity;
  const to = f.dateRange?.to ?? Infinity;
  if (Number.isNaN(minPay) || Number.isNaN(from) || Number.isNaN(to)) invalid('filters must be numbers');
  const verifiedOnly = f.employerVerified === true;

  // --- Geo: the radius and the main-segment slot ranges of the cell rows it covers. ---
  const near = q.near;
  let radius = Infinity;
  let cLat = 0;
  let cLng = 0;
  let cCos = 1;
  const ranges: number[] = [];
  if (near) {
    if (!Number.isFinite(near.lng) || !Number.isFinite(near.lat) || !isInChina(near)) {
      invalid('near must be a GCJ-02 point in China');
    }
    if (!(near.radiusMeters > 0 && near.radiusMeters <= MAX_RADIUS_METERS)) {
      invalid(`radiusMeters must be in (0, ${MAX_RADIUS_METERS}]`);
    }
    radius = near.radiusMeters;
    cLat = near.lat;
    cLng = near.lng;
    cCos = cosLatOf(cLat);
  }
  // A radius, or else a city, narrows the main segment to the cell rows of its window: a city's
  // window is the bounding box of its documents, so a city-wide query skips other cities' postings.
  let w: CellWindow | null = null;
  if (near) w = radiusWindow(cLng, cLat, radius);
  else if (cityId >= 0) w = ix.cityWindow(cityId);
  // For a radius, each range is one cell that reaches into the circle, with the bounds of its
  // distances: a cell wholly inside needs no per-document radius test, one wholly outside is
  // skipped, and its nearest possible distance tells whether any of its documents can still make
  // the page.
  const rangeMin: number[] = [];
  const rangeInside: boolean[] = [];
  /** The same slots as `ranges`, adjacent ranges merged (for a radius; else `ranges` itself). */
  const spans: number[] = [];
  if (w) {
    const cells = ix.cellKeys.length;
    const bounds = new Float64Array(2);
    for (let row = w.row0; row <= w.row1; row++) {
      const i0 = lowerBoundI32(ix.cellKeys, 0, cells, row * GRID_COLS + w.col0);
      const i1 = lowerBoundI32(ix.cellKeys, i0, cells, row * GRID_COLS + w.col1 + 1);
      if (i1 <= i0) continue;
      if (!near) {
        ranges.push(ix.cellStart[i0]!, ix.cellStart[i1]!);
        continue;
      }
      for (let i = i0; i < i1; i++) {
        cellDistanceBounds(cLng, cLat, ix.cellKeys[i]!, bounds);
        if (bounds[0]! > radius) continue;
        ranges.push(ix.cellStart[i]!, ix.cellStart[i + 1]!);
        rangeMin.push(bounds[0]!);
        rangeInside.push(bounds[1]! <= radius);
        // Neighbouring cells of a row are neighbouring slot ranges: one span for the estimates.
        if (spans.length > 0 && spans[spans.length - 1] === ix.cellStart[i])
          spans[spans.length - 1] = ix.cellStart[i + 1]!;
        else spans.push(ix.cellStart[i]!, ix.cellStart[i + 1]!);
      }
    }
  } else if (cityId < 0) {
    ranges.push(0, ix.mainCount);
  }

  // --- Pick the driver for the main segment. ---
  const post = ix.mainPostings;
  const tStart = ix.mainTermStart;
  let driver = -1; // index into `required`, or -1 for the slot ranges themselves
  let best = 0;
  const estimateRanges = near ? spans : ranges;
  for (let i = 0; i < estimateRanges.length; i += 2) best += estimateRanges[i + 1]! - estimateRanges[i]!;
  required.forEach((r, i) => {
    if (r.term >= ix.mainTermCount) {
      best = 0;
      driver = i;
      return;
    }
    const s = tStart[r.term]!;
    const e = tStart[r.term + 1]!;
    let size = 0;
    if (w) {
      for (let k = 0; k < estimateRanges.length && size < best; k += 2) {
        size +=
          lowerBound(post, s, e, estimateRanges[k + 1]! * 256) -
          lowerBound(post, s, e, estimateRanges[k]! * 256);
      }
    } else size = e - s;
    if (size < best) {
      best = size;
      driver = i;
    }
  });

  const wantFacets = q.facets !== false;
  const catCounts = new Int32Array(ix.categories.length);
  const payCounts = new Int32Array(PAY_TYPES.length);
  let total = 0;
  const heap = new TopK(limit, ix.jobIds);
  let afterCount = 0;
  // Scores order only a relevance query; other sorts score just the hits of their page (below).
  const scored = sort === 'relevance' && required.some((r) => r.idf > 0);
  const tfs = new Float64Array(required.length);
  const bm25 = (slot: number): number => {
    const norm = BM25_K1 * (1 - BM25_B + (BM25_B * ix.docLen[slot]!) / avgdl);
    let score = 0;
    for (let j = 0; j < required.length; j++) {
      const tf = tfs[j]!;
      score += (required[j]!.idf * tf * (BM25_K1 + 1)) / (tf + norm);
    }
    return score;
  };
  /** The document's distance from the query's point (the same haversine as platform/geo). */
  const distanceTo = (slot: number): number =>
    haversineMeters(cLat, cLng, cCos, ix.lat[slot]!, ix.lng[slot]!, ix.cosLat[slot]!);
  // Filters that restrict nothing read no column.
  const checkPay = minPay > -Infinity;
  const checkDates = from > -Infinity || to < Infinity;

  // Per-candidate check shared by both segments; `tfs` must hold the required terms' frequencies.
  const consider = (slot: number): void => {
    if ((ix.flags[slot]! & FLAG_ALIVE) === 0) return;
    if (cityId >= 0 && ix.city[slot] !== cityId) return;
    if (allowedCategory !== null && allowedCategory[ix.category[slot]!] === 0) return;
    if (payMask !== 0 && (payMask & (1 << ix.payType[slot]!)) === 0) return;
    if (settlementMask !== 0 && (settlementMask & (1 << ix.settlement[slot]!)) === 0) return;
    if (checkPay && ix.pay[slot]! < minPay) return;
    if (checkDates && (ix.endsAt[slot]! < from || ix.startsAt[slot]! > to)) return;
    if (verifiedOnly && (ix.flags[slot]! & FLAG_VERIFIED) === 0) return;
    // NaN: not computed (the document is inside the radius and its distance is not needed yet).
    let dist = NaN;
    if (near && !cellInside) {
      // The cheap planar figure settles most documents; the haversine decides near the boundary.
      const lat = ix.lat[slot]!;
      const lng = ix.lng[slot]!;
      const planar = planarMeters(cLat, cLng, cCos, lat, lng);
      if (planar * PLANAR_LOW - PLANAR_SLACK_M > radius) return;
      if (planar * PLANAR_HIGH + PLANAR_SLACK_M > radius) {
        dist = distanceTo(slot);
        if (dist > radius) return;
      }
    }
    if (!hasOtherTerms(slot)) return;
    total++;
    if (wantFacets) {
      catCounts[ix.category[slot]!]!++;
      payCounts[ix.payType[slot]!]!++;
    }
    const score = scored ? bm25(slot) : 0;
    let key: number;
    switch (sort) {
      case 'relevance':
        key = -score;
        break;
      case 'distance':
        if (Number.isNaN(dist)) {
          // No document of this cell is nearer than cellMin; beyond the page's farthest kept hit
          // (itself after the position) it is a later hit and cannot enter the page.
          if (heap.isFull() && cellMin > heap.worstKey()) {
            afterCount++;
            return;
          }
          dist = distanceTo(slot);
        }
        key = dist;
        break;
      case 'pay':
        key = -ix.pay[slot]!;
        break;
      case 'newest':
        key = -ix.publishedAt[slot]!;
        break;
    }
    if (after && (key < after.key || (key === after.key && ix.jobIds[slot]! >= after.jobId))) return;
    afterCount++;
    heap.offer(key, slot, score, dist);
  };

  // The range being scanned: is it a cell wholly inside the radius, and its nearest distance.
  let cellInside = false;
  let cellMin = 0;
  const enterRange = (k: number): void => {
    cellInside = rangeInside[k >> 1] ?? false;
    cellMin = rangeMin[k >> 1] ?? 0;
  };

  // Membership of the non-driver terms, by forward-only cursors (candidates come in slot order).
  let inTail = false;
  const cursors = new Array<number>(required.length).fill(0);
  const ends = new Array<number>(required.length).fill(0);
  const resetCursors = (tail: boolean): void => {
    inTail = tail;
    required.forEach((r, j) => {
      if (tail) {
        cursors[j] = 0;
        ends[j] = ix.tailLength[r.term] ?? 0;
      } else if (r.term < ix.mainTermCount) {
        cursors[j] = tStart[r.term]!;
        ends[j] = tStart[r.term + 1]!;
      } else {
        cursors[j] = 0;
        ends[j] = 0;
      }
    });
  };
  const hasOtherTerms = (slot: number): boolean => {
    const target = slot * 256;
    for (let j = 0; j < required.length; j++) {
      if (j === driver) continue;
      const list = inTail ? ix.tailPostings[required[j]!.term] : post;
      if (!list) return false;
      const c = gallop(list, cursors[j]!, ends[j]!, target);
      cursors[j] = c;
      if (c >= ends[j]! || list[c]! >>> 8 !== slot) return false;
      tfs[j] = list[c]! & 255;
    }
    return true;
  };

  // --- Main segment. ---
  resetCursors(false);
  if (driver < 0) {
    for (let k = 0; k < ranges.length; k += 2) {
      enterRange(k);
      for (let slot = ranges[k]!, hi = ranges[k + 1]!; slot < hi; slot++) consider(slot);
    }
  } else if (required[driver]!.term < ix.mainTermCount) {
    const t = required[driver]!.term;
    const s = tStart[t]!;
    const e = tStart[t + 1]!;
    let from = s;
    for (let k = 0; k < ranges.length; k += 2) {
      enterRange(k);
      const hi = ranges[k + 1]! * 256;
      // Ranges ascend, so the driver's cursor only moves forward.
      let p = gallop(post, from, e, ranges[k]! * 256);
      for (; p < e && post[p]! < hi; p++) {
        tfs[driver] = post[p]! & 255;
        consider(post[p]! >>> 8);
      }
      from = p;
    }
  }

  // --- Tail: documents since the last compaction, in arrival order. ---
  if (ix.count > ix.mainCount) {
    // Tail documents are in no cell order: every one is tested on its own.
    cellInside = false;
    cellMin = 0;
    resetCursors(true);
    driver = -1;
    let shortest = ix.count - ix.mainCount;
    required.forEach((r, i) => {
      const len = ix.tailLength[r.term] ?? 0;
      if (len < shortest) {
        shortest = len;
        driver = i;
      }
    });
    if (driver < 0) {
      for (let slot = ix.mainCount; slot < ix.count; slot++) consider(slot);
    } else {
      const list = ix.tailPostings[required[driver]!.term];
      const len = ix.tailLength[required[driver]!.term] ?? 0;
      for (let p = 0; list && p < len; p++) {
        tfs[driver] = list[p]! & 255;
        consider(list[p]! >>> 8);
      }
    }
  }

  // --- Page, highlights, facets. ---
  const picked = heap.sorted();
  const scoreHits = !scored && required.some((r) => r.idf > 0);
  const hits: SearchHit[] = picked.map((h) => {
    const doc = hitDoc(ix, h.slot);
    if (scoreHits) {
      required.forEach((r, j) => (tfs[j] = termFrequency(ix, r.term, h.slot)));
      h.score = bm25(h.slot);
    }
    const hit: SearchHit = {
      jobId: ix.jobIds[h.slot]!,
      doc,
      score: h.score,
      highlight: {
        title: highlightText(doc.title, highlightTerms),
        description: highlightSnippet(ix.descriptions.get(h.slot), highlightTerms),
      },
    };
    if (near) {
      hit.distanceMeters = Number.isNaN(h.dist) ? distanceTo(h.slot) : h.dist;
    }
    return hit;
  });
  const last = picked[picked.length - 1];
  const stats = sort === 'relevance' ? { n, avgdl, dfs } : undefined;
  const next =
    afterCount > limit && last ? encodePosition(sort, last.key, ix.jobIds[last.slot]!, stats) : null;
  return {
    hits,
    facets: wantFacets ? facets(ix, catCounts, payCounts) : { category: {}, payType: {} },
    total: { value: total, exact: true },
    next,
  };
}

/** How often `term` occurs in the document in `slot` (0 when it does not). */
function termFrequency(ix: JobIndex, term: number, slot: number): number {
  const target = slot * 256;
  let list: U32 | undefined;
  let lo = 0;
  let hi = 0;
  if (slot < ix.mainCount) {
    if (term >= ix.mainTermCount) return 0;
    list = ix.mainPostings;
    lo = ix.mainTermStart[term]!;
    hi = ix.mainTermStart[term + 1]!;
  } else {
    // Tail postings are in arrival order, which is slot order.
    list = ix.tailPostings[term];
    hi = ix.tailLength[term] ?? 0;
  }
  if (!list) return 0;
  const p = lowerBound(list, lo, hi, target);
  return p < hi && list[p]! >>> 8 === slot ? list[p]! & 255 : 0;
}

/** A hit's card fields, read back from the columns (only for the few hits of a page). */
function hitDoc(ix: JobIndex, slot: number): SearchHitDoc {
  const tags = ix.tags.get(slot);
  return {
    jobId: ix.jobIds[slot]!,
    version: ix.version[slot]!,
    title: ix.titles.get(slot),
    category: ix.categories[ix.category[slot]!]!,
    tags: tags === '' ? [] : tags.split(TAG_SEPARATOR),
    payType: PAY_TYPES[ix.payType[slot]!]!,
    payAmountFen: ix.pay[slot]!,
    settlement: SETTLEMENTS[ix.settlement[slot]!]!,
    employerVerified: (ix.flags[slot]! & FLAG_VERIFIED) !== 0,
    city: ix.cityNames[ix.city[slot]!] ?? ix.cities[ix.city[slot]!]!,
    location: { lng: ix.lng[slot]!, lat: ix.lat[slot]! },
    startsAt: ix.startsAt[slot]!,
    endsAt: ix.endsAt[slot]!,
    publishedAt: ix.publishedAt[slot]!,
  };
}

function facets(ix: JobIndex, catCounts: Int32Array, payCounts: Int32Array): SearchFacets {
  const category: Record<string, number> = {};
  catCounts.forEach((c, id) => {
    if (c === 0) return;
    const code = ix.categories[id]!;
    category[code] = (category[code] ?? 0) + c;
    const parent = parentCategory(code);
    if (parent !== null) category[parent] = (category[parent] ?? 0) + c;
  });
  const payType: Record<string, number> = {};
  payCounts.forEach((c, i) => {
    if (c > 0) payType[PAY_TYPES[i]!] = c;
  });
  return { category, payType };
}
