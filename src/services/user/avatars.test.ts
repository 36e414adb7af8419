import { describe, expect, it } from 'vitest';
import { AVATAR_MAX_BYTES, avatarExtension } from './avatars.js';

const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
const webp = Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WEBPVP8 ')]);

describe('avatar uploads', () => {
  it.each([
    ['a PNG', 'image/png', png, 'png'],
    ['a JPEG', 'image/jpeg', jpeg, 'jpg'],
    ['a WebP', 'image/webp', webp, 'webp'],
    ['a PNG sent as JPEG', 'image/jpeg', png, undefined],
    ['a GIF', 'image/gif', Buffer.from('GIF89a'), undefined],
    ['text sent as PNG', 'image/png', Buffer.from('not an image'), undefined],
    ['an empty body', 'image/png', Buffer.alloc(0), undefined],
  ])('%s is stored as %s', (_case, contentType, data, ext) => {
    expect(avatarExtension(contentType, data)).toBe(ext);
  });

  it('takes up to 2 MB', () => {
    const atLimit = Buffer.concat([jpeg, Buffer.alloc(AVATAR_MAX_BYTES - jpeg.length)]);
    expect(avatarExtension('image/jpeg', atLimit)).toBe('jpg');
    expect(avatarExtension('image/jpeg', Buffer.concat([atLimit, Buffer.alloc(1)]))).toBeUndefined();
  });
});
