import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { checkKey, type FileStorage, type S3StorageOptions, type UploadTarget } from './storage.js';

/** S3-compatible object storage (AWS S3, Aliyun OSS in S3 mode, MinIO) through the official SDK. */
export class S3FileStorage implements FileStorage {
  private readonly client: S3Client;
  constructor(
    private readonly options: S3StorageOptions,
    private readonly now: () => number = Date.now,
  ) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      maxAttempts: 3,
    });
  }
  private key(key: string): string {
    checkKey(key);
    return `${this.options.prefix ?? ''}${key}`;
  }
  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: this.key(key),
        Body: data,
        ContentType: contentType,
      }),
    );
  }
  async get(key: string): Promise<{ data: Buffer; contentType: string } | undefined> {
    try {
      const res = await this.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }),
      );
      const bytes = await res.Body!.transformToByteArray();
      return { data: Buffer.from(bytes), contentType: res.ContentType ?? 'application/octet-stream' };
    } catch (e) {
      if ((e as { name?: string }).name === 'NoSuchKey') return undefined;
      throw e;
    }
  }
  async delete(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) }));
  }
  /** A presigned GET of the object (SigV4 in the query), valid until `expiresAt` (at most 7 days). */
  async link(key: string, expiresAt: number): Promise<string> {
    const now = this.now();
    const expiresIn = Math.max(1, Math.min(7 * 86_400, Math.ceil((expiresAt - now) / 1000)));
    const get = new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(key) });
    return getSignedUrl(this.client, get, { expiresIn, signingDate: new Date(now) });
  }
  /** A presigned PUT of the object with its content type (signed: the upload must send it). */
  async uploadTarget(key: string, contentType: string, expiresAt: number): Promise<UploadTarget> {
    const now = this.now();
    const expiresIn = Math.max(1, Math.min(7 * 86_400, Math.ceil((expiresAt - now) / 1000)));
    const put = new PutObjectCommand({
      Bucket: this.options.bucket,
      Key: this.key(key),
      ContentType: contentType,
    });
    const url = await getSignedUrl(this.client, put, {
      expiresIn,
      signingDate: new Date(now),
      signableHeaders: new Set(['content-type']),
    });
    return { method: 'PUT', url, headers: { 'content-type': contentType } };
  }
  destroy(): void {
    this.client.destroy();
  }
}
