import { TextDecoder } from 'node:util';
import { crc32, inflateRawSync } from 'node:zlib';

/**
 * A minimal ZIP reader for the archives Alipay's statement download answers with: stored or
 * deflated entries, no ZIP64, no encryption. Entry names without the UTF-8 flag are decoded with
 * `legacyNames` (Alipay's are GBK). Sizes are capped so a hostile archive cannot exhaust memory.
 */

export interface ZipEntry {
  name: string;
  data: Buffer;
}

const END_OF_DIRECTORY = 0x06054b50;
const DIRECTORY_ENTRY = 0x02014b50;
const LOCAL_HEADER = 0x04034b50;
const UTF8_NAME_FLAG = 0x800;
const MAX_ENTRY_BYTES = 64 * 1024 * 1024;

export function readZip(archive: Buffer, legacyNames: TextDecoder = new TextDecoder('gbk')): ZipEntry[] {
  const end = findEndOfDirectory(archive);
  const count = archive.readUInt16LE(end + 10);
  let offset = archive.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 46 > archive.length || archive.readUInt32LE(offset) !== DIRECTORY_ENTRY) {
      throw new Error('zip: broken central directory');
    }
    const flags = archive.readUInt16LE(offset + 8);
    const method = archive.readUInt16LE(offset + 10);
    const crc = archive.readUInt32LE(offset + 16);
    const compressedSize = archive.readUInt32LE(offset + 20);
    const size = archive.readUInt32LE(offset + 24);
    const nameLength = archive.readUInt16LE(offset + 28);
    const extraLength = archive.readUInt16LE(offset + 30);
    const commentLength = archive.readUInt16LE(offset + 32);
    const localOffset = archive.readUInt32LE(offset + 42);
    const rawName = archive.subarray(offset + 46, offset + 46 + nameLength);
    const name =
      flags & UTF8_NAME_FLAG ? rawName.toString('utf8') : legacyNames.decode(rawName).normalize('NFC');
    offset += 46 + nameLength + extraLength + commentLength;

    if (flags & 0x1) throw new Error('zip: encrypted entries are not supported');
    if (size > MAX_ENTRY_BYTES || compressedSize === 0xffffffff) throw new Error('zip: entry too large');
    if (name.endsWith('/')) continue;
    const data = entryData(archive, localOffset, method, compressedSize, size);
    if (crc32(data) !== crc) throw new Error('zip: checksum mismatch');
    entries.push({ name, data });
  }
  return entries;
}

function findEndOfDirectory(archive: Buffer): number {
  // The record is 22 bytes plus a comment of up to 65,535 bytes, at the very end.
  const lowest = Math.max(0, archive.length - 22 - 0xffff);
  for (let i = archive.length - 22; i >= lowest; i--) {
    if (archive.readUInt32LE(i) === END_OF_DIRECTORY) return i;
  }
  throw new Error('zip: not a zip archive');
}

function entryData(
  archive: Buffer,
  localOffset: number,
  method: number,
  compressedSize: number,
  size: number,
): Buffer {
  if (localOffset + 30 > archive.length || archive.readUInt32LE(localOffset) !== LOCAL_HEADER) {
    throw new Error('zip: broken local header');
  }
  const start =
    localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28);
  if (start + compressedSize > archive.length) throw new Error('zip: truncated entry');
  const raw = archive.subarray(start, start + compressedSize);
  if (method === 0) return Buffer.from(raw);
  if (method === 8) {
    const data = inflateRawSync(raw, { maxOutputLength: Math.max(size, 1) });
    if (data.length !== size) throw new Error('zip: size mismatch');
    return data;
  }
  throw new Error(`zip: compression method ${method} is not supported`);
}
