import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import S3rver from 's3rver';
import { LocalFileStorage, S3FileStorage, type FileStorage } from '../../src/platform/storage.js';

/**
 * The same contract for both storage adapters. The S3 adapter talks S3's HTTP API to s3rver, an
 * S3-compatible server running on loopback — or to a real bucket when LINGGONG_TEST_S3_* is set.
 */
const dirs: string[] = [];
let server: { close(): Promise<void> } | undefined;
let s3: S3FileStorage;

beforeAll(async () => {
  const real = process.env.LINGGONG_TEST_S3_ENDPOINT;
  if (real) {
    s3 = new S3FileStorage({
      endpoint: real,
      bucket: process.env.LINGGONG_TEST_S3_BUCKET ?? 'linggong-test',
      region: process.env.LINGGONG_TEST_S3_REGION ?? 'us-east-1',
      accessKeyId: process.env.LINGGONG_TEST_S3_ACCESS_KEY_ID ?? '',
      secretAccessKey: process.env.LINGGONG_TEST_S3_SECRET_ACCESS_KEY ?? '',
      forcePathStyle: true,
      prefix: `test-${process.pid}/`,
    });
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'linggong-s3-'));
  dirs.push(dir);
  const instance = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'linggong', configs: [] }],
  });
  const info = await instance.run();
  server = instance;
  s3 = new S3FileStorage({
    endpoint: `http://127.0.0.1:${info.port}`,
    bucket: 'linggong',
    region: 'us-east-1',
    accessKeyId: 'S3RVER',
    secretAccessKey: 'S3RVER',
    forcePathStyle: true,
    prefix: 'test/',
  });
});
afterAll(async () => {
  s3?.destroy();
  await server?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function contract(name: string, make: () => FileStorage) {
  describe(name, () => {
    it('stores, reads back and deletes a file with its content type', async () => {
      const storage = make();
      const data = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
      await storage.put('avatars/u1/a.png', data, 'image/png');
      const got = await storage.get('avatars/u1/a.png');
      expect(got?.contentType).toBe('image/png');
      expect(got?.data.equals(data)).toBe(true);
      await storage.delete('avatars/u1/a.png');
      expect(await storage.get('avatars/u1/a.png')).toBeUndefined();
      await storage.delete('avatars/u1/a.png'); // deleting twice is fine
    });

    it('refuses keys that escape their folder', async () => {
      const storage = make();
      await expect(storage.put('../etc/passwd', Buffer.from('x'), 'text/plain')).rejects.toThrow(
        /invalid storage key/,
      );
      await expect(storage.get('/abs/path')).rejects.toThrow(/invalid storage key/);
    });
  });
}

contract('local file storage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'linggong-files-'));
  dirs.push(dir);
  return new LocalFileStorage(dir);
});
contract('S3 file storage', () => s3);
