import { crc32 } from 'node:zlib';

/**
 * The structure check of uploaded images (avatars, ID photos, licences), pure. A file passes only when it is, whole, an image of
 * its declared format: every chunk or segment walked from the first byte to the last, lengths and
 * checksums right, dimensions within the caller's bound, and nothing after the image's end. Checking
 * the first bytes alone stored "a PNG header, then an HTML page", which a browser sniffing content
 * or a careless proxy could serve as a page of ours.
 */
export type ImageFormat = 'png' | 'jpeg' | 'webp';

/** The image types uploads may have, by content type, with the extension they are stored under. */
export const IMAGE_TYPES: Readonly<Record<string, { ext: string; format: ImageFormat }>> = {
  'image/png': { ext: 'png', format: 'png' },
  'image/jpeg': { ext: 'jpg', format: 'jpeg' },
  'image/webp': { ext: 'webp', format: 'webp' },
};

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * The image's dimensions, or undefined when the data is not, whole, an image of `format` at most
 * `maxSide` pixels wide and high.
 */
export function readImage(format: ImageFormat, data: Buffer, maxSide: number): ImageSize | undefined {
  const sideOk = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= maxSide;
  try {
    const size = READERS[format](data);
    return size && sideOk(size.width) && sideOk(size.height) ? size : undefined;
  } catch (e) {
    if (e instanceof RangeError) return undefined; // read past the end: truncated
    throw e;
  }
}

/**
 * The extension an upload is stored under, or undefined when it is refused: empty, larger than
 * `maxBytes`, of a type other than PNG, JPEG or WebP, or not, whole, an image of its declared type.
 */
export function imageExtension(
  contentType: string,
  data: Buffer,
  limits: { maxBytes: number; maxSide: number },
): string | undefined {
  const type = IMAGE_TYPES[contentType];
  if (!type || data.length === 0 || data.length > limits.maxBytes) return undefined;
  return readImage(type.format, data, limits.maxSide) ? type.ext : undefined;
}

const READERS: Record<ImageFormat, (data: Buffer) => ImageSize | undefined> = {
  png: readPng,
  jpeg: readJpeg,
  webp: readWebp,
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Bit depths allowed for each PNG colour type (PNG specification, 11.2.2). */
const PNG_DEPTHS: Record<number, readonly number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/** PNG: signature, then chunks (length, type, data, CRC-32) from IHDR first to IEND at the very end. */
function readPng(b: Buffer): ImageSize | undefined {
  if (b.length < 8 || !b.subarray(0, 8).equals(PNG_SIGNATURE)) return undefined;
  let at = 8;
  let size: ImageSize | undefined;
  let sawData = false;
  while (at < b.length) {
    const length = b.readUInt32BE(at);
    const type = b.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (!/^[A-Za-z]{4}$/.test(type) || length > 0x7fffffff || end > b.length) return undefined;
    const data = b.subarray(at + 8, at + 8 + length);
    if (crc32(b.subarray(at + 4, at + 8 + length)) !== b.readUInt32BE(at + 8 + length)) return undefined;
    if (at === 8) {
      if (type !== 'IHDR' || length !== 13) return undefined;
      const depths = PNG_DEPTHS[data[9]!];
      if (!depths?.includes(data[8]!) || data[10] !== 0 || data[11] !== 0 || data[12]! > 1) return undefined;
      size = { width: data.readUInt32BE(0), height: data.readUInt32BE(4) };
    } else if (type === 'IHDR') return undefined;
    if (type === 'IDAT') sawData = true;
    at = end;
    if (type === 'IEND') return length === 0 && at === b.length && sawData ? size : undefined;
  }
  return undefined; // no IEND
}

/** JPEG markers that stand alone, without a length: TEM and the restart markers RST0–RST7. */
const standalone = (m: number): boolean => m === 0x01 || (m >= 0xd0 && m <= 0xd7);
/** Start-of-frame markers (SOF0–SOF15 but DHT, JPG and DAC), which carry the dimensions. */
const startOfFrame = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

/**
 * JPEG: SOI, then marker segments walked by their lengths to a frame header (SOFn, with the
 * dimensions) and its scans, the entropy-coded data of each scan skipped up to the next marker,
 * and EOI as the last two bytes.
 */
function readJpeg(b: Buffer): ImageSize | undefined {
  if (b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  let at = 2;
  let size: ImageSize | undefined;
  let scanned = false;
  for (;;) {
    if (b[at] !== 0xff) return undefined;
    while (b[at] === 0xff) at++; // fill bytes
    if (at >= b.length) return undefined;
    const marker = b[at++]!;
    if (marker === 0xd9) return at === b.length && size && scanned ? size : undefined;
    if (marker === 0x00 || marker === 0xd8) return undefined;
    if (standalone(marker)) continue;
    const length = b.readUInt16BE(at);
    if (length < 2 || at + length > b.length) return undefined;
    if (startOfFrame(marker)) {
      if (size || length < 8) return undefined;
      const components = b[at + 7]!;
      if (components < 1 || length !== 8 + 3 * components) return undefined;
      size = { height: b.readUInt16BE(at + 3), width: b.readUInt16BE(at + 5) };
    }
    at += length;
    if (marker === 0xda) {
      if (!size) return undefined;
      scanned = true;
      at = skipEntropyCoded(b, at);
    }
  }
}

/** The offset of the first marker after a scan's entropy-coded data (FF00 and RSTn belong to it). */
function skipEntropyCoded(b: Buffer, from: number): number {
  let at = from;
  for (;;) {
    at = b.indexOf(0xff, at);
    if (at < 0 || at + 1 >= b.length) throw new RangeError('scan without end');
    const next = b[at + 1]!;
    if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at += 2;
    else if (next === 0xff) at += 1;
    else return at;
  }
}

/**
 * WebP: a RIFF container whose size is the file's, of chunks to its very end; the first chunk is
 * the image (VP8 lossy, VP8L lossless) or VP8X (extended), which must be followed by image data.
 */
function readWebp(b: Buffer): ImageSize | undefined {
  if (b.length < 20 || b.toString('latin1', 0, 4) !== 'RIFF' || b.toString('latin1', 8, 12) !== 'WEBP')
    return undefined;
  if (b.readUInt32LE(4) + 8 !== b.length) return undefined;
  let at = 12;
  let size: ImageSize | undefined;
  let sawImage = false;
  while (at < b.length) {
    const fourcc = b.toString('latin1', at, at + 4);
    const length = b.readUInt32LE(at + 4);
    const data = b.subarray(at + 8, at + 8 + length);
    const end = at + 8 + length + (length % 2);
    if (data.length !== length || end > b.length) return undefined;
    const first = at === 12;
    if (fourcc === 'VP8 ' || fourcc === 'VP8L') {
      const frame = fourcc === 'VP8 ' ? vp8Size(data) : vp8lSize(data);
      if (!frame) return undefined;
      if (first) size = frame;
      sawImage = true;
    } else if (fourcc === 'VP8X') {
      if (!first || length < 10) return undefined;
      size = { width: data.readUIntLE(4, 3) + 1, height: data.readUIntLE(7, 3) + 1 };
    } else if (fourcc === 'ANMF') {
      sawImage = true;
    } else if (first) return undefined;
    at = end;
  }
  return sawImage ? size : undefined;
}

/** A VP8 key frame: frame tag, start code 9D 01 2A, then 14-bit width and height. */
function vp8Size(d: Buffer): ImageSize | undefined {
  if (d.length < 10 || (d[0]! & 1) !== 0 || d[3] !== 0x9d || d[4] !== 0x01 || d[5] !== 0x2a) return undefined;
  return { width: d.readUInt16LE(6) & 0x3fff, height: d.readUInt16LE(8) & 0x3fff };
}

/** A VP8L header: signature 2F, then 14-bit width − 1 and height − 1, and a version of 0. */
function vp8lSize(d: Buffer): ImageSize | undefined {
  if (d.length < 5 || d[0] !== 0x2f) return undefined;
  const bits = d.readUInt32LE(1);
  if (bits >>> 29 !== 0) return undefined;
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}
