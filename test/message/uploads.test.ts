import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeClock } from '../../src/platform/clock.js';
import { BUS } from '../support/events.js';
import { PNG_1X1 } from '../support/images.js';
import { startTestPlatform, type TestPlatform } from '../support/platform.js';
import { loginAsAdmin, type LoggedIn } from '../support/users.js';
import { call } from '../order/support.js';
import { appliedPair } from './support.js';

/**
 * Chat images on S3 storage (s3rver, an S3-compatible server on loopback): the client uploads
 * straight to the bucket with a presigned PUT, then completes the upload; the file is checked as an
 * image (else deleted), the message is written once, and its link is a presigned GET.
 */
let p: TestPlatform;
let admin: LoggedIn;
let server: { close(): Promise<void> } | undefined;
const dir = mkdtempSync(join(tmpdir(), 'linggong-s3-uploads-'));

beforeAll(async () => {
  const instance = new S3rver({
    port: 0,
    address: '127.0.0.1',
    silent: true,
    directory: dir,
    configureBuckets: [{ name: 'linggong', configs: [] }],
  });
  const info = await instance.run();
  server = instance;
  // Presigned URLs carry their signing time, which s3rver checks against its own clock.
  p = await startTestPlatform({
    clock: new FakeClock(Date.now()),
    env: {
      LINGGONG_LOG_LEVEL: 'warn',
      LINGGONG_STORAGE: 's3',
      LINGGONG_S3_ENDPOINT: `http://127.0.0.1:${info.port}`,
      LINGGONG_S3_BUCKET: 'linggong',
      LINGGONG_S3_ACCESS_KEY_ID: 'S3RVER',
      LINGGONG_S3_SECRET_ACCESS_KEY: 'S3RVER',
      LINGGONG_S3_FORCE_PATH_STYLE: 'true',
    },
  });
  admin = await loginAsAdmin(p);
  if (BUS === 'bullmq') p.startBackground();
});
afterAll(async () => {
  await p?.stop();
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('direct image uploads to S3', () => {
  it('uploads with a presigned PUT, checks the file, writes the message once, links it presigned', async () => {
    const { employer, worker, conversationId } = await appliedPair(p, admin);
    const base = `/api/v1/conversations/${conversationId}/image-uploads`;
    const target = await call(p, worker, 'POST', base, { contentType: 'image/png' });
    expect(target.status, JSON.stringify(target.body)).toBe(201);
    expect(target.body).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' } });
    expect(target.body.url).toMatch(/X-Amz-Signature=/);
    const put = await fetch(target.body.url as string, {
      method: 'PUT',
      headers: target.body.headers as Record<string, string>,
      body: PNG_1X1,
    });
    expect(put.status).toBe(200);

    // Only the uploader completes it; then the message exists, once.
    const other = await call(p, employer, 'POST', `${base}/${target.body.upload}/complete`);
    expect(other).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    const done = await call(p, worker, 'POST', `${base}/${target.body.upload}/complete`);
    expect(done.status, JSON.stringify(done.body)).toBe(201);
    expect(done.body).toMatchObject({ kind: 'image', senderId: worker.userId });
    const again = await call(p, worker, 'POST', `${base}/${target.body.upload}/complete`);
    expect(again).toMatchObject({ status: 409, body: { code: 'UPLOAD_USED' } });

    // The employer reads it by a presigned link (no token) and through the API.
    const link = await call(p, employer, 'GET', `${done.body.body}/link`);
    const fetched = await fetch(link.body.url as string);
    expect(Buffer.from(await fetched.arrayBuffer()).equals(PNG_1X1)).toBe(true);
    const viaApi = await p.app.inject({
      method: 'GET',
      url: done.body.body as string,
      headers: employer.auth,
    });
    expect(viaApi.rawPayload.equals(PNG_1X1)).toBe(true);
  });

  it('deletes and refuses an upload that is not the image it claimed, and one never made', async () => {
    const { worker, conversationId } = await appliedPair(p, admin);
    const base = `/api/v1/conversations/${conversationId}/image-uploads`;
    const target = await call(p, worker, 'POST', base, { contentType: 'image/jpeg' });
    await fetch(target.body.url as string, {
      method: 'PUT',
      headers: target.body.headers as Record<string, string>,
      body: Buffer.from('<script>alert(1)</script>'),
    });
    const refused = await call(p, worker, 'POST', `${base}/${target.body.upload}/complete`);
    expect(refused).toMatchObject({ status: 400, body: { code: 'IMAGE_INVALID' } });
    // Deleted: completing again finds nothing.
    const gone = await call(p, worker, 'POST', `${base}/${target.body.upload}/complete`);
    expect(gone).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    const never = await call(p, worker, 'POST', `${base}/01ARZ3NDEKTSV4RRFFQ69G5FAV.png/complete`);
    expect(never).toMatchObject({ status: 404, body: { code: 'UPLOAD_NOT_FOUND' } });
    expect(
      (await call(p, worker, 'GET', `/api/v1/conversations/${conversationId}/messages`)).body.items,
    ).toEqual([]);
  });
});
