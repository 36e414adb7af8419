import { findCategory } from '../../../platform/reference/gig-categories.js';
import { isInChina } from '../../../platform/geo.js';
import { analyze, normalizeTag, normalizeText } from './analyzer.js';
import { cellCol, cellKey, cellRow, cosLatOf, type CellWindow } from './geo-grid.js';
import { TextStore } from './text-store.js';
import { PAY_TYPES, SETTLEMENTS, SearchEngineError, type SearchJobDoc } from './types.js';

/**
 * The in-memory index. Documents live in numbered slots; every per-document field is a column (a
 * typed array indexed by slot), so filters and sorts read flat memory.
 *
 * Slots [0, mainCount) are the *main segment*: ordered by grid cell (see geo-grid.ts), with postings
 * packed in one array. Slots [mainCount, count) are the *tail*: documents added since the last
 * compaction, in arrival order, with per-term growable postings. A changed or removed document's old
 * slot is only marked dead (a tombstone); `compact()` drops dead slots, re-sorts everything into one
 * main segment and repacks the postings.
 *
 * A posting is one uint32: `slot * 256 + weightedTf`, so a posting list sorted by value is sorted by
 * slot, and a binary search for `slot * 256` finds a slot. That caps slots at 2^24; an upsert that
 * would pass it compacts first.
 *
 * This class is internal to the engine: query.ts reads its fields directly for speed.
 */

export type F64 = Float64Array<ArrayBufferLike>;
export type I32 = Int32Array<ArrayBufferLike>;
export type U32 = Uint32Array<ArrayBufferLike>;
export type U16 = Uint16Array<ArrayBufferLike>;
export type U8 = Uint8Array<ArrayBufferLike>;

export const MAX_SLOTS = 1 << 24;
export const FLAG_ALIVE = 1;
export const FLAG_VERIFIED = 2;
const TITLE_WEIGHT = 3;
const TAG_WEIGHT = 2;
const MAX_TF = 255;
/** Tag terms live in their own namespace: normalisation never leaves a control character. */
export const TAG_PREFIX = '\u0001';
/** Joins a document's stored tags (a tag is short display text and never holds it). */
export const TAG_SEPARATOR = '\u001f';

export type UpsertOutcome = 'inserted' | 'updated' | 'stale';
export type RemoveOutcome = 'removed' | 'absent' | 'stale';

export interface Tombstone {
  version: number;
  removedAt: number;
}

/** A document's terms with weighted frequencies, and its weighted length. */
export interface AnalyzedDoc {
  terms: string[];
  tfs: number[];
  length: number;
}

/**
 * Analyses a document's texts: a word in the title counts 3 times, in a tag twice, in the
 * description once. Tags are also exact-match filter terms. Pure, so bulk builds run it in a
 * worker thread.
 */
export function analyzeDoc(doc: Pick<SearchJobDoc, 'title' | 'description' | 'tags'>): AnalyzedDoc {
  const tf = new Map<string, number>();
  let len = 0;
  const add = (terms: string[], w: number): void => {
    for (const t of terms) tf.set(t, (tf.get(t) ?? 0) + w);
    len += terms.length * w;
  };
  add(analyze(doc.title), TITLE_WEIGHT);
  add(analyze(doc.description), 1);
  for (const tag of doc.tags) {
    add(analyze(tag), TAG_WEIGHT);
    const key = normalizeTag(tag);
    if (key.length > 0) tf.set(TAG_PREFIX + key, 0);
  }
  return { terms: [...tf.keys()], tfs: [...tf.values()], length: Math.min(len, 0xffff) };
}

function growF64(a: F64, n: number): F64 {
  const b = new Float64Array(n);
  b.set(a);
  return b;
}
function growI32(a: I32, n: number): I32 {
  const b = new Int32Array(n);
  b.set(a);
  return b;
}
function growU8(a: U8, n: number): U8 {
  const b = new Uint8Array(n);
  b.set(a);
  return b;
}
function growU16(a: U16, n: number): U16 {
  const b = new Uint16Array(n);
  b.set(a);
  return b;
}

/** "上海" and "上海市" are one city. */
export function cityKey(city: string): string {
  return normalizeText(city).replace(/ /g, '').replace(/市$/, '');
}

export function parentCategory(code: string): string | null {
  const known = findCategory(code);
  if (known) return known.parent;
  const dot = code.indexOf('.');
  return dot > 0 ? code.slice(0, dot) : null;
}

export class JobIndex {
  capacity = 0;
  /** Slots used (alive or dead). */
  count = 0;
  mainCount = 0;
  liveCount = 0;
  /** Sum of the live documents' weighted lengths (for BM25's average length). */
  totalDocLen = 0;

  lng: F64 = new Float64Array(0);
  lat: F64 = new Float64Array(0);
  cosLat: F64 = new Float64Array(0);
  startsAt: F64 = new Float64Array(0);
  endsAt: F64 = new Float64Array(0);
  publishedAt: F64 = new Float64Array(0);
  version: F64 = new Float64Array(0);
  pay: I32 = new Int32Array(0);
  payType: U8 = new Uint8Array(0);
  settlement: U8 = new Uint8Array(0);
  flags: U8 = new Uint8Array(0);
  category: U16 = new Uint16Array(0);
  city: U16 = new Uint16Array(0);
  docLen: U16 = new Uint16Array(0);
  jobIds: string[] = [];
  titles = new TextStore();
  descriptions = new TextStore();
  /** Each document's tags as given, joined by TAG_SEPARATOR (for job cards). */
  tags = new TextStore();

  jobSlot = new Map<string, number>();
  tombstones = new Map<string, Tombstone>();

  categories: string[] = [];
  categoryIds = new Map<string, number>();
  cities: string[] = [];
  /** Each city's name as first indexed (e.g. "上海市"), for job cards; `cities` holds the keys. */
  cityNames: string[] = [];
  cityIds = new Map<string, number>();

  terms: string[] = [];
  termIds = new Map<string, number>();
  /** Main segment postings of term t: mainPostings[mainTermStart[t] .. mainTermStart[t+1]). */
  mainPostings: U32 = new Uint32Array(0);
  mainTermStart: U32 = new Uint32Array(1);
  /** Terms [0, mainTermCount) have main postings. */
  mainTermCount = 0;
  /** Tail postings of term t: tailPostings[t][0 .. tailLength[t]), ascending. */
  tailPostings: (U32 | undefined)[] = [];
  tailLength: number[] = [];

  /** Distinct cell keys of the main segment, ascending, and each cell's first slot. */
  cellKeys: I32 = new Int32Array(0);
  cellStart: I32 = new Int32Array(1);
  /** Per city: min lng, min lat, max lng, max lat of its main-segment documents. */
  cityBoxes: F64 = new Float64Array(0);

  private ensureCapacity(n: number): void {
    if (n <= this.capacity) return;
    const cap = Math.max(1024, Math.ceil(this.capacity * 1.5), n);
    this.lng = growF64(this.lng, cap);
    this.lat = growF64(this.lat, cap);
    this.cosLat = growF64(this.cosLat, cap);
    this.startsAt = growF64(this.startsAt, cap);
    this.endsAt = growF64(this.endsAt, cap);
    this.publishedAt = growF64(this.publishedAt, cap);
    this.version = growF64(this.version, cap);
    this.pay = growI32(this.pay, cap);
    this.payType = growU8(this.payType, cap);
    this.settlement = growU8(this.settlement, cap);
    this.flags = growU8(this.flags, cap);
    this.category = growU16(this.category, cap);
    this.city = growU16(this.city, cap);
    this.docLen = growU16(this.docLen, cap);
    this.capacity = cap;
  }

  /** Reserves room for `n` more documents (a bulk build knows its size). */
  reserve(n: number): void {
    this.ensureCapacity(this.count + n);
  }

  private internCategory(code: string): number {
    let id = this.categoryIds.get(code);
    if (id === undefined) {
      id = this.categories.length;
      if (id > 0xffff) throw new SearchEngineError('INVALID_DOCUMENT', 'too many distinct categories');
      this.categories.push(code);
      this.categoryIds.set(code, id);
    }
    return id;
  }

  private internCity(name: string): number {
    const key = cityKey(name);
    let id = this.cityIds.get(key);
    if (id === undefined) {
      id = this.cities.length;
      if (id > 0xffff) throw new SearchEngineError('INVALID_DOCUMENT', 'too many distinct cities');
      this.cities.push(key);
      this.cityNames.push(name);
      this.cityIds.set(key, id);
    }
    return id;
  }

  termId(term: string): number {
    let id = this.termIds.get(term);
    if (id === undefined) {
      id = this.terms.length;
      this.terms.push(term);
      this.termIds.set(term, id);
    }
    return id;
  }

  /** Inserts or replaces a document unless a newer (or equal) version is known. */
  upsert(doc: SearchJobDoc, analyzed?: AnalyzedDoc): UpsertOutcome {
    validateDoc(doc);
    // Compaction renumbers slots, so it runs before the job's slot is looked up.
    if (this.count >= MAX_SLOTS) this.compact();
    const existing = this.jobSlot.get(doc.jobId);
    if (existing !== undefined && this.version[existing]! >= doc.version) return 'stale';
    const tomb = this.tombstones.get(doc.jobId);
    if (tomb && tomb.version >= doc.version) return 'stale';
    if (existing !== undefined) this.kill(existing);
    this.tombstones.delete(doc.jobId);
    this.append(doc, analyzed);
    return existing === undefined ? 'inserted' : 'updated';
  }

  /**
   * Removes a document (closed, filled, expired, deleted) and remembers `version`, so that a
   * delayed upsert of an older version cannot bring it back. Applies when `version` is at least the
   * stored one.
   */
  remove(jobId: string, version: number, removedAt: number): RemoveOutcome {
    if (!Number.isFinite(version) || !Number.isFinite(removedAt)) {
      throw new SearchEngineError('INVALID_DOCUMENT', 'remove needs a finite version and removedAt');
    }
    const existing = this.jobSlot.get(jobId);
    if (existing !== undefined) {
      if (this.version[existing]! > version) return 'stale';
      this.kill(existing);
      this.jobSlot.delete(jobId);
    } else {
      const tomb = this.tombstones.get(jobId);
      if (tomb && tomb.version >= version) return 'stale';
    }
    this.tombstones.set(jobId, { version, removedAt });
    return existing === undefined ? 'absent' : 'removed';
  }

  /** Forgets version tombstones of removals before `before` (epoch ms); returns how many. */
  pruneTombstones(before: number): number {
    let n = 0;
    for (const [id, t] of this.tombstones) {
      if (t.removedAt < before) {
        this.tombstones.delete(id);
        n++;
      }
    }
    return n;
  }

  private kill(slot: number): void {
    this.flags[slot] = this.flags[slot]! & ~FLAG_ALIVE;
    this.liveCount--;
    this.totalDocLen -= this.docLen[slot]!;
  }

  private append(doc: SearchJobDoc, analyzed: AnalyzedDoc | undefined): void {
    const slot = this.count;
    this.ensureCapacity(slot + 1);
    const { lng, lat } = doc.location;
    this.lng[slot] = lng;
    this.lat[slot] = lat;
    this.cosLat[slot] = cosLatOf(lat);
    this.startsAt[slot] = doc.startsAt;
    this.endsAt[slot] = doc.endsAt;
    this.publishedAt[slot] = doc.publishedAt;
    this.version[slot] = doc.version;
    this.pay[slot] = doc.payAmountFen;
    this.payType[slot] = PAY_TYPES.indexOf(doc.payType);
    this.settlement[slot] = SETTLEMENTS.indexOf(doc.settlement);
    this.flags[slot] = FLAG_ALIVE | (doc.employerVerified ? FLAG_VERIFIED : 0);
    this.category[slot] = this.internCategory(doc.category);
    this.city[slot] = this.internCity(doc.city);
    this.jobIds[slot] = doc.jobId;
    this.titles.push(doc.title);
    this.descriptions.push(doc.description);
    this.tags.push(doc.tags.join(TAG_SEPARATOR));

    const { terms, tfs, length } = analyzed ?? analyzeDoc(doc);
    this.docLen[slot] = length;
    for (let i = 0; i < terms.length; i++) {
      this.addTailPosting(this.termId(terms[i]!), slot * 256 + Math.min(tfs[i]!, MAX_TF));
    }

    this.jobSlot.set(doc.jobId, slot);
    this.count = slot + 1;
    this.liveCount++;
    this.totalDocLen += length;
  }

  private addTailPosting(term: number, entry: number): void {
    let list = this.tailPostings[term];
    const n = this.tailLength[term] ?? 0;
    if (!list || n === list.length) {
      const next = new Uint32Array(list ? list.length * 2 : 4);
      if (list) next.set(list);
      list = next;
      this.tailPostings[term] = list;
    }
    list[n] = entry;
    this.tailLength[term] = n + 1;
  }

  /** True when the tail or the dead slots have grown enough that a compaction pays off. */
  get wantsCompaction(): boolean {
    const tail = this.count - this.mainCount;
    const dead = this.count - this.liveCount;
    return tail > Math.max(20_000, this.mainCount * 0.05) || dead > Math.max(20_000, this.count * 0.2);
  }

  /**
   * Drops dead slots and rebuilds one main segment in grid order: columns are gathered, postings
   * remapped and re-sorted, unused terms dropped. Synchronous; about a few seconds per million
   * documents.
   */
  compact(): void {
    const n = this.count;
    // Sort live slots by cell key; the old slot breaks ties and is recovered from the low bits.
    const keys = new Float64Array(this.liveCount);
    let k = 0;
    for (let s = 0; s < n; s++) {
      if (this.flags[s]! & FLAG_ALIVE) keys[k++] = cellKey(this.lng[s]!, this.lat[s]!) * MAX_SLOTS + s;
    }
    keys.sort();
    const order = new Int32Array(k);
    const oldToNew = new Int32Array(n).fill(-1);
    const cellKeysTmp = new Int32Array(k);
    const cellStartTmp = new Int32Array(k + 1);
    let cells = 0;
    let lastCell = -1;
    for (let i = 0; i < k; i++) {
      const key = keys[i]!;
      const old = key % MAX_SLOTS;
      const cell = (key - old) / MAX_SLOTS;
      order[i] = old;
      oldToNew[old] = i;
      if (cell !== lastCell) {
        cellKeysTmp[cells] = cell;
        cellStartTmp[cells] = i;
        cells++;
        lastCell = cell;
      }
    }
    cellStartTmp[cells] = k;

    this.remapPostings(oldToNew);
    this.gatherColumns(order);
    this.cellKeys = cellKeysTmp.slice(0, cells);
    this.cellStart = cellStartTmp.slice(0, cells + 1);
    this.computeCityBoxes();
  }

  /** Bounding boxes of each city's main-segment documents (exact, so no document falls outside). */
  computeCityBoxes(): void {
    const box = new Float64Array(this.cities.length * 4);
    for (let c = 0; c < this.cities.length; c++) box.set([Infinity, Infinity, -Infinity, -Infinity], c * 4);
    for (let s = 0; s < this.mainCount; s++) {
      const b = this.city[s]! * 4;
      const lng = this.lng[s]!;
      const lat = this.lat[s]!;
      if (lng < box[b]!) box[b] = lng;
      if (lat < box[b + 1]!) box[b + 1] = lat;
      if (lng > box[b + 2]!) box[b + 2] = lng;
      if (lat > box[b + 3]!) box[b + 3] = lat;
    }
    this.cityBoxes = box;
  }

  /** The cells holding a city's main-segment documents; null when it has none there. */
  cityWindow(city: number): CellWindow | null {
    const b = city * 4;
    if (b + 3 >= this.cityBoxes.length || !(this.cityBoxes[b]! <= this.cityBoxes[b + 2]!)) return null;
    return {
      row0: cellRow(this.cityBoxes[b + 1]!),
      row1: cellRow(this.cityBoxes[b + 3]!),
      col0: cellCol(this.cityBoxes[b]!),
      col1: cellCol(this.cityBoxes[b + 2]!),
    };
  }

  private gatherColumns(order: Int32Array): void {
    const k = order.length;
    const cap = Math.max(1024, k + (k >> 4));
    const gF64 = (a: F64): F64 => {
      const b = new Float64Array(cap);
      for (let i = 0; i < k; i++) b[i] = a[order[i]!]!;
      return b;
    };
    const gI32 = (a: I32): I32 => {
      const b = new Int32Array(cap);
      for (let i = 0; i < k; i++) b[i] = a[order[i]!]!;
      return b;
    };
    const gU8 = (a: U8): U8 => {
      const b = new Uint8Array(cap);
      for (let i = 0; i < k; i++) b[i] = a[order[i]!]!;
      return b;
    };
    const gU16 = (a: U16): U16 => {
      const b = new Uint16Array(cap);
      for (let i = 0; i < k; i++) b[i] = a[order[i]!]!;
      return b;
    };
    this.lng = gF64(this.lng);
    this.lat = gF64(this.lat);
    this.cosLat = gF64(this.cosLat);
    this.startsAt = gF64(this.startsAt);
    this.endsAt = gF64(this.endsAt);
    this.publishedAt = gF64(this.publishedAt);
    this.version = gF64(this.version);
    this.pay = gI32(this.pay);
    this.payType = gU8(this.payType);
    this.settlement = gU8(this.settlement);
    this.flags = gU8(this.flags);
    this.category = gU16(this.category);
    this.city = gU16(this.city);
    this.docLen = gU16(this.docLen);
    const ids: string[] = new Array<string>(k);
    const slots = new Map<string, number>();
    for (let i = 0; i < k; i++) {
      const id = this.jobIds[order[i]!]!;
      ids[i] = id;
      slots.set(id, i);
    }
    this.jobIds = ids;
    this.jobSlot = slots;
    this.titles = this.titles.gather(order);
    this.descriptions = this.descriptions.gather(order);
    this.tags = this.tags.gather(order);
    this.capacity = cap;
    this.count = k;
    this.mainCount = k;
  }

  private remapPostings(oldToNew: Int32Array): void {
    const termCount = this.terms.length;
    // First pass: live postings per term, to size the packed array and drop unused terms.
    const liveLen = new Uint32Array(termCount);
    let total = 0;
    const countLive = (list: U32, from: number, to: number): number => {
      let c = 0;
      for (let p = from; p < to; p++) if (oldToNew[list[p]! >>> 8]! >= 0) c++;
      return c;
    };
    for (let t = 0; t < termCount; t++) {
      let c = 0;
      if (t < this.mainTermCount)
        c += countLive(this.mainPostings, this.mainTermStart[t]!, this.mainTermStart[t + 1]!);
      const tail = this.tailPostings[t];
      if (tail) c += countLive(tail, 0, this.tailLength[t]!);
      liveLen[t] = c;
      total += c;
    }
    const postings = new Uint32Array(total);
    const terms: string[] = [];
    const termIds = new Map<string, number>();
    const starts: number[] = [0];
    let pos = 0;
    const copyLive = (list: U32, from: number, to: number): void => {
      for (let p = from; p < to; p++) {
        const v = list[p]!;
        const slot = oldToNew[v >>> 8]!;
        if (slot >= 0) postings[pos++] = slot * 256 + (v & 255);
      }
    };
    for (let t = 0; t < termCount; t++) {
      if (liveLen[t] === 0) continue;
      const begin = pos;
      if (t < this.mainTermCount)
        copyLive(this.mainPostings, this.mainTermStart[t]!, this.mainTermStart[t + 1]!);
      const tail = this.tailPostings[t];
      if (tail) copyLive(tail, 0, this.tailLength[t]!);
      postings.subarray(begin, pos).sort();
      const term = this.terms[t]!;
      termIds.set(term, terms.length);
      terms.push(term);
      starts.push(pos);
    }
    this.mainPostings = postings;
    this.mainTermStart = Uint32Array.from(starts);
    this.mainTermCount = terms.length;
    this.terms = terms;
    this.termIds = termIds;
    this.tailPostings = [];
    this.tailLength = [];
  }
}

const ULID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

function validateDoc(doc: SearchJobDoc): void {
  const bad = (why: string): never => {
    throw new SearchEngineError('INVALID_DOCUMENT', `job ${String(doc.jobId)}: ${why}`);
  };
  if (typeof doc.jobId !== 'string' || !ULID.test(doc.jobId)) bad('jobId must be a ULID');
  if (!Number.isFinite(doc.version)) bad('version must be a finite number');
  if (typeof doc.title !== 'string' || typeof doc.description !== 'string')
    bad('title and description are text');
  if (!Array.isArray(doc.tags) || doc.tags.some((t) => typeof t !== 'string' || t.includes(TAG_SEPARATOR)))
    bad('tags must be strings');
  if (!PAY_TYPES.includes(doc.payType)) bad(`unknown payType ${String(doc.payType)}`);
  if (!SETTLEMENTS.includes(doc.settlement)) bad(`unknown settlement ${String(doc.settlement)}`);
  if (!Number.isSafeInteger(doc.payAmountFen) || doc.payAmountFen < 0 || doc.payAmountFen > 0x7fffffff) {
    bad('payAmountFen must be an integer in 0..2^31-1');
  }
  if (typeof doc.category !== 'string' || doc.category.length === 0) bad('category is required');
  if (typeof doc.city !== 'string') bad('city is required');
  if (!doc.location || !isInChina(doc.location)) bad('location must be a GCJ-02 point in China');
  for (const f of ['startsAt', 'endsAt', 'publishedAt'] as const) {
    if (!Number.isFinite(doc[f])) bad(`${f} must be epoch ms`);
  }
}
