import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readImage } from '../../platform/images.js';
import { AVATAR_MAX_BYTES, AVATAR_MAX_SIDE, avatarExtension } from './avatars.js';

const u32be = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
const u16be = (n: number) => Buffer.from([n >> 8, n & 0xff]);

function pngChunk(type: string, data: Buffer, crc?: number): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  return Buffer.concat([u32be(data.length), body, u32be(crc ?? crc32(body))]);
}

/** A real PNG: 8-bit RGB, each row a filter byte and red pixels, compressed with zlib. */
function makePng(width: number, height: number, extra: Buffer[] = []): Buffer {
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, Buffer.from([255, 0, 0]))]);
  const ihdr = Buffer.concat([u32be(width), u32be(height), Buffer.from([8, 2, 0, 0, 0])]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    ...extra,
    pngChunk('IDAT', deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

const segment = (marker: number, data: Buffer) =>
  Buffer.concat([Buffer.from([0xff, marker]), u16be(data.length + 2), data]);

/** A baseline JPEG's structure: JFIF, quantisation and Huffman tables, a frame, a scan, EOI. */
function makeJpeg(
  width: number,
  height: number,
  scan = Buffer.from([0x12, 0xff, 0x00, 0x34, 0xff, 0xd0, 0x56]),
) {
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1')),
    segment(0xdb, Buffer.concat([Buffer.from([0]), Buffer.alloc(64, 1)])),
    segment(
      0xc0,
      Buffer.concat([Buffer.from([8]), u16be(height), u16be(width), Buffer.from([1, 1, 0x11, 0])]),
    ),
    segment(0xc4, Buffer.concat([Buffer.from([0]), Buffer.from([0, 1]), Buffer.alloc(14), Buffer.from([0])])),
    segment(0xda, Buffer.from([1, 1, 0, 0, 63, 0])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

// Real WebP images: 1×1 lossy, lossless, with alpha (VP8X), animated (VP8X + ANMF).
const WEBP = {
  lossy: 'UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA',
  lossless: 'UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA==',
  alpha:
    'UklGRkoAAABXRUJQVlA4WAoAAAAQAAAAAAAAAAAAQUxQSAwAAAARBxAR/Q9ERP8DAABWUDggGAAAABQBAJ0BKgEAAQAAAP4AAA3AAP7mtQAAAA==',
  animated:
    'UklGRlIAAABXRUJQVlA4WAoAAAASAAAAAAAAAAAAQU5JTQYAAAD/////AABBTk1GJgAAAAAAAAAAAAAAAAAAAGQAAABWUDhMDQAAAC8AAAAQBxAREYiI/gcA',
};
const webp = (name: keyof typeof WEBP) => Buffer.from(WEBP[name], 'base64');

const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
const png = makePng(3, 2);
const jpeg = makeJpeg(3, 2);

describe('avatar uploads', () => {
  it.each([
    ['a PNG', 'image/png', png, 'png'],
    ['a JPEG', 'image/jpeg', jpeg, 'jpg'],
    ['a WebP', 'image/webp', webp('lossy'), 'webp'],
    ['a PNG sent as JPEG', 'image/jpeg', png, undefined],
    ['a GIF', 'image/gif', Buffer.from('GIF89a'), undefined],
    ['text sent as PNG', 'image/png', Buffer.from('not an image'), undefined],
    ['an empty body', 'image/png', Buffer.alloc(0), undefined],
  ])('%s is stored as %s', (_case, contentType, data, ext) => {
    expect(avatarExtension(contentType, data)).toBe(ext);
  });

  it('takes up to 2 MB', () => {
    const padded = (bytes: number) => makePng(3, 2, [pngChunk('teXt', Buffer.alloc(bytes, 0x61))]);
    const atLimit = padded(AVATAR_MAX_BYTES - png.length - 12);
    expect(atLimit.length).toBe(AVATAR_MAX_BYTES);
    expect(avatarExtension('image/png', atLimit)).toBe('png');
    expect(avatarExtension('image/png', padded(AVATAR_MAX_BYTES - png.length - 11))).toBeUndefined();
  });
});

describe('avatar images are checked whole', () => {
  it('reads the dimensions of real images of each format', () => {
    expect(readImage('png', png, AVATAR_MAX_SIDE)).toEqual({ width: 3, height: 2 });
    expect(readImage('jpeg', jpeg, AVATAR_MAX_SIDE)).toEqual({ width: 3, height: 2 });
    for (const name of ['lossy', 'lossless', 'alpha', 'animated'] as const)
      expect(readImage('webp', webp(name), AVATAR_MAX_SIDE), name).toEqual({ width: 1, height: 1 });
  });

  it.each([
    ['a PNG signature followed by HTML', 'png', Buffer.concat([png.subarray(0, 8), html])],
    ['a PNG with HTML after IEND', 'png', Buffer.concat([png, html])],
    ['a PNG whose IHDR is followed by HTML', 'png', Buffer.concat([png.subarray(0, 33), html])],
    ['a PNG without IEND', 'png', png.subarray(0, png.length - 12)],
    [
      'a PNG with a wrong CRC',
      'png',
      Buffer.concat([png.subarray(0, 29), Buffer.from([0, 0, 0, 0]), png.subarray(33)]),
    ],
    ['a PNG whose first chunk is not IHDR', 'png', Buffer.concat([png.subarray(0, 8), png.subarray(33)])],
    [
      'a PNG without image data',
      'png',
      Buffer.concat([png.subarray(0, 33), pngChunk('IEND', Buffer.alloc(0))]),
    ],
    ['a PNG wider than the limit', 'png', makePng(AVATAR_MAX_SIDE + 1, 1)],
    ['a PNG of no pixels', 'png', makePng(0, 1)],
    [
      'a PNG with HTML in a chunk of a wrong length',
      'png',
      Buffer.concat([png.subarray(0, 33), u32be(1 << 30), html]),
    ],
    ['a JPEG SOI followed by HTML', 'jpeg', Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), html])],
    ['a JPEG with HTML after EOI', 'jpeg', Buffer.concat([jpeg, html])],
    ['a JPEG whose scan never ends', 'jpeg', jpeg.subarray(0, jpeg.length - 2)],
    ['a JPEG without a frame', 'jpeg', Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.from([0xff, 0xd9])])],
    ['a JPEG higher than the limit', 'jpeg', makeJpeg(1, AVATAR_MAX_SIDE + 1)],
    ['a JPEG with HTML for its scan and no end', 'jpeg', makeJpeg(1, 1, html).subarray(0, -2)],
    ['a WebP with HTML after its RIFF size', 'webp', Buffer.concat([webp('lossy'), html])],
    [
      'a WebP whose RIFF size covers appended HTML',
      'webp',
      (() => {
        const b = Buffer.concat([webp('lossless'), html]);
        b.writeUInt32LE(b.length - 8, 4);
        return b;
      })(),
    ],
    ['a WebP header followed by HTML', 'webp', Buffer.concat([webp('lossy').subarray(0, 12), html])],
    [
      'an extended WebP without image data',
      'webp',
      (() => {
        const b = webp('alpha').subarray(0, 30);
        b.writeUInt32LE(b.length - 8, 4);
        return b;
      })(),
    ],
  ] as const)('refuses %s', (_case, format, data) => {
    expect(readImage(format, data, AVATAR_MAX_SIDE)).toBeUndefined();
  });
});
