import { closeSync, fsyncSync, openSync, readFileSync, readSync, renameSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { JobIndex, type F64, type Tombstone } from './job-index.js';
import { cosLatOf } from './geo-grid.js';
import { TextStore } from './text-store.js';
import { SearchEngineError } from './types.js';

/**
 * The snapshot file: a compacted index written in one go and mapped back section by section.
 *
 *   "LGSEARCH" | u32 header length | header JSON | padding to 8 | sections (8-aligned) |
 *   u32 CRC-32 of everything before it | "LGEND\0\0\0"
 *
 * The header names the format and analyzer versions, the generation (which log file continues it)
 * and where each section lies. Columns and postings are raw little-endian typed arrays, so opening
 * is a read and a set of views, not a parse. Written to a temporary file, fsynced and renamed over
 * the previous one: a crash leaves either the old or the new snapshot, never a torn one.
 */

// 2: tags and city display names are stored (job cards).
export const FORMAT_VERSION = 2;
export const SNAPSHOT_FILE = 'snapshot.lgs';
const MAGIC = Buffer.from('LGSEARCH');
const END = Buffer.from('LGEND\0\0\0');
const ID_BYTES = 26;

type SectionType = 'f64' | 'i32' | 'u32' | 'u16' | 'u8';

export interface SnapshotHeader {
  formatVersion: number;
  analyzerVersion: string;
  generation: number;
  count: number;
  tombstones: number;
  categories: string[];
  cities: string[];
  cityNames: string[];
  sections: Record<string, { offset: number; length: number; type: SectionType }>;
}

type Section = [name: string, type: SectionType, data: ArrayBufferView];

function bytesOf(v: ArrayBufferView): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

function packStrings(values: readonly string[]): { blob: Buffer; ends: Uint32Array } {
  const ends = new Uint32Array(values.length);
  const parts: Buffer[] = [];
  let pos = 0;
  values.forEach((v, i) => {
    const b = Buffer.from(v, 'utf8');
    parts.push(b);
    pos += b.length;
    ends[i] = pos;
  });
  return { blob: Buffer.concat(parts, pos), ends };
}

function packIds(ids: readonly string[]): Buffer {
  const out = Buffer.alloc(ids.length * ID_BYTES);
  ids.forEach((id, i) => out.write(id, i * ID_BYTES, ID_BYTES, 'latin1'));
  return out;
}

/** Writes the (already compacted) index as the snapshot of `generation`, atomically. */
export function writeSnapshot(dir: string, ix: JobIndex, analyzerVersion: string, generation: number): void {
  if (ix.count !== ix.mainCount || ix.count !== ix.liveCount)
    throw new Error('snapshot needs a compacted index');
  const n = ix.count;
  const terms = packStrings(ix.terms);
  const tombIds: string[] = [];
  const tombVersion = new Float64Array(ix.tombstones.size);
  const tombAt = new Float64Array(ix.tombstones.size);
  for (const [id, t] of ix.tombstones) {
    tombVersion[tombIds.length] = t.version;
    tombAt[tombIds.length] = t.removedAt;
    tombIds.push(id);
  }
  const titles = ix.titles.parts();
  const descriptions = ix.descriptions.parts();
  const tags = ix.tags.parts();
  const sections: Section[] = [
    ['lng', 'f64', ix.lng.subarray(0, n)],
    ['lat', 'f64', ix.lat.subarray(0, n)],
    ['startsAt', 'f64', ix.startsAt.subarray(0, n)],
    ['endsAt', 'f64', ix.endsAt.subarray(0, n)],
    ['publishedAt', 'f64', ix.publishedAt.subarray(0, n)],
    ['version', 'f64', ix.version.subarray(0, n)],
    ['pay', 'i32', ix.pay.subarray(0, n)],
    ['payType', 'u8', ix.payType.subarray(0, n)],
    ['settlement', 'u8', ix.settlement.subarray(0, n)],
    ['flags', 'u8', ix.flags.subarray(0, n)],
    ['category', 'u16', ix.category.subarray(0, n)],
    ['city', 'u16', ix.city.subarray(0, n)],
    ['docLen', 'u16', ix.docLen.subarray(0, n)],
    ['jobIds', 'u8', packIds(ix.jobIds)],
    ['titles', 'u8', titles.buf],
    ['titleEnds', 'u32', titles.ends],
    ['descriptions', 'u8', descriptions.buf],
    ['descriptionEnds', 'u32', descriptions.ends],
    ['tags', 'u8', tags.buf],
    ['tagEnds', 'u32', tags.ends],
    ['terms', 'u8', terms.blob],
    ['termEnds', 'u32', terms.ends],
    ['termStart', 'u32', ix.mainTermStart],
    ['postings', 'u32', ix.mainPostings],
    ['cellKeys', 'i32', ix.cellKeys],
    ['cellStart', 'i32', ix.cellStart],
    ['tombIds', 'u8', packIds(tombIds)],
    ['tombVersion', 'f64', tombVersion],
    ['tombAt', 'f64', tombAt],
  ];
  const header: SnapshotHeader = {
    formatVersion: FORMAT_VERSION,
    analyzerVersion,
    generation,
    count: n,
    tombstones: tombIds.length,
    categories: ix.categories,
    cities: ix.cities,
    cityNames: ix.cityNames,
    sections: {},
  };
  // Offsets are relative to the end of the padded header, so the header can be sized after them.
  let offset = 0;
  for (const [name, type, data] of sections) {
    header.sections[name] = { offset, length: data.byteLength, type };
    offset += data.byteLength + ((8 - (data.byteLength % 8)) % 8);
  }
  const headerJson = Buffer.from(JSON.stringify(header), 'utf8');
  const headerPad = (8 - ((MAGIC.length + 4 + headerJson.length) % 8)) % 8;
  const lead = Buffer.alloc(MAGIC.length + 4 + headerJson.length + headerPad);
  MAGIC.copy(lead, 0);
  lead.writeUInt32LE(headerJson.length, MAGIC.length);
  headerJson.copy(lead, MAGIC.length + 4);

  const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    let crc = 0;
    const write = (b: Buffer): void => {
      // zlib.crc32 answers 0 for some empty views instead of the running value; skip them.
      if (b.length === 0) return;
      let done = 0;
      while (done < b.length) done += writeSync(fd, b, done, b.length - done);
      crc = crc32(b, crc);
    };
    write(lead);
    const zeros = Buffer.alloc(8);
    for (const [, , data] of sections) {
      write(bytesOf(data));
      const pad = (8 - (data.byteLength % 8)) % 8;
      if (pad > 0) write(zeros.subarray(0, pad));
    }
    const tail = Buffer.alloc(4 + END.length);
    tail.writeUInt32LE(crc >>> 0, 0);
    END.copy(tail, 4);
    writeSync(fd, tail);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, join(dir, SNAPSHOT_FILE));
  fsyncDir(dir);
}

export function fsyncDir(dir: string): void {
  // Makes the rename itself durable. Directories cannot be opened for fsync on Windows; there the
  // rename is as durable as the platform makes it.
  if (process.platform === 'win32') return;
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Reads just the header (to check versions before loading everything). */
export function readSnapshotHeader(buf: Buffer): SnapshotHeader {
  const corrupt = (why: string): never => {
    throw new SearchEngineError('INDEX_CORRUPT', `search snapshot: ${why}`);
  };
  if (buf.length < MAGIC.length + 4 + 8 || !buf.subarray(0, MAGIC.length).equals(MAGIC))
    corrupt('not a snapshot');
  const len = buf.readUInt32LE(MAGIC.length);
  try {
    return JSON.parse(buf.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + len)) as SnapshotHeader;
  } catch {
    return corrupt('unreadable header');
  }
}

/** Reads the header from the file without loading the rest. */
export function readSnapshotHeaderFile(dir: string): SnapshotHeader {
  const fd = openSync(join(dir, SNAPSHOT_FILE), 'r');
  try {
    const lead = Buffer.alloc(MAGIC.length + 4);
    readSync(fd, lead, 0, lead.length, 0);
    const len = lead.readUInt32LE(MAGIC.length);
    const buf = Buffer.alloc(lead.length + Math.min(len, 64 * 1024 * 1024) + 8);
    const got = readSync(fd, buf, 0, buf.length, 0);
    return readSnapshotHeader(buf.subarray(0, got));
  } finally {
    closeSync(fd);
  }
}

export function readSnapshotFile(dir: string): Buffer {
  const raw = readFileSync(join(dir, SNAPSHOT_FILE));
  // Typed-array views need 8-byte alignment; large reads are not pooled, but be sure.
  if (raw.byteOffset % 8 === 0) return raw;
  const aligned = Buffer.alloc(raw.length);
  raw.copy(aligned);
  return aligned;
}

/** Verifies the checksum and rebuilds the index from a snapshot with a matching header. */
export function loadSnapshot(buf: Buffer, header: SnapshotHeader): JobIndex {
  const corrupt = (why: string): never => {
    throw new SearchEngineError('INDEX_CORRUPT', `search snapshot: ${why}`);
  };
  const bodyEnd = buf.length - 4 - END.length;
  if (bodyEnd < 0 || !buf.subarray(bodyEnd + 4).equals(END)) corrupt('truncated');
  if (crc32(buf.subarray(0, bodyEnd)) >>> 0 !== buf.readUInt32LE(bodyEnd)) corrupt('checksum mismatch');
  const headerLen = buf.readUInt32LE(MAGIC.length);
  const base = MAGIC.length + 4 + headerLen + ((8 - ((MAGIC.length + 4 + headerLen) % 8)) % 8);
  const section = (name: string): { start: number; length: number } => {
    const s = header.sections[name];
    if (!s || base + s.offset + s.length > bodyEnd) return corrupt(`section ${name} missing`);
    return { start: buf.byteOffset + base + s.offset, length: s.length };
  };
  const f64 = (name: string): F64 => {
    const s = section(name);
    return new Float64Array(buf.buffer, s.start, s.length / 8);
  };
  const i32 = (name: string): Int32Array<ArrayBufferLike> => {
    const s = section(name);
    return new Int32Array(buf.buffer, s.start, s.length / 4);
  };
  const u32 = (name: string): Uint32Array<ArrayBufferLike> => {
    const s = section(name);
    return new Uint32Array(buf.buffer, s.start, s.length / 4);
  };
  const u16 = (name: string): Uint16Array<ArrayBufferLike> => {
    const s = section(name);
    return new Uint16Array(buf.buffer, s.start, s.length / 2);
  };
  const bytes = (name: string): Buffer => {
    const s = section(name);
    return Buffer.from(buf.buffer, s.start, s.length);
  };
  const ids = (name: string, count: number): string[] => {
    const b = bytes(name);
    const out = new Array<string>(count);
    for (let i = 0; i < count; i++) out[i] = b.toString('latin1', i * ID_BYTES, (i + 1) * ID_BYTES);
    return out;
  };

  const n = header.count;
  const ix = new JobIndex();
  // Columns are copied (not viewed) because they grow with later upserts; the big read-only parts
  // (texts, postings) stay views into the file buffer.
  ix.lng = f64('lng').slice();
  ix.lat = f64('lat').slice();
  ix.startsAt = f64('startsAt').slice();
  ix.endsAt = f64('endsAt').slice();
  ix.publishedAt = f64('publishedAt').slice();
  ix.version = f64('version').slice();
  ix.pay = i32('pay').slice();
  ix.settlement = Uint8Array.from(bytes('settlement'));
  ix.flags = Uint8Array.from(bytes('flags'));
  ix.payType = Uint8Array.from(bytes('payType'));
  ix.category = u16('category').slice();
  ix.city = u16('city').slice();
  ix.docLen = u16('docLen').slice();
  ix.cosLat = new Float64Array(n);
  let totalLen = 0;
  for (let s = 0; s < n; s++) {
    ix.cosLat[s] = cosLatOf(ix.lat[s]!);
    totalLen += ix.docLen[s]!;
  }
  ix.capacity = n;
  ix.count = n;
  ix.mainCount = n;
  ix.liveCount = n;
  ix.totalDocLen = totalLen;
  ix.jobIds = ids('jobIds', n);
  ix.jobIds.forEach((id, slot) => ix.jobSlot.set(id, slot));
  ix.titles = TextStore.fromParts(bytes('titles'), u32('titleEnds'), n);
  ix.descriptions = TextStore.fromParts(bytes('descriptions'), u32('descriptionEnds'), n);
  ix.tags = TextStore.fromParts(bytes('tags'), u32('tagEnds'), n);

  const termBlob = bytes('terms');
  const termEnds = u32('termEnds');
  const terms = new Array<string>(termEnds.length);
  let prev = 0;
  for (let t = 0; t < termEnds.length; t++) {
    terms[t] = termBlob.toString('utf8', prev, termEnds[t]);
    ix.termIds.set(terms[t]!, t);
    prev = termEnds[t]!;
  }
  ix.terms = terms;
  ix.mainTermStart = u32('termStart');
  ix.mainPostings = u32('postings');
  ix.mainTermCount = terms.length;
  ix.cellKeys = i32('cellKeys');
  ix.cellStart = i32('cellStart');

  header.categories.forEach((c, id) => {
    ix.categories.push(c);
    ix.categoryIds.set(c, id);
  });
  header.cities.forEach((c, id) => {
    ix.cities.push(c);
    ix.cityNames.push(header.cityNames?.[id] ?? c);
    ix.cityIds.set(c, id);
  });
  ix.computeCityBoxes();
  const tombIds = ids('tombIds', header.tombstones);
  const tombVersion = f64('tombVersion');
  const tombAt = f64('tombAt');
  tombIds.forEach((id, i) => {
    const t: Tombstone = { version: tombVersion[i]!, removedAt: tombAt[i]! };
    ix.tombstones.set(id, t);
  });
  return ix;
}
