import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';

/**
 * The file-storage port: a local folder (embedded) or an S3-compatible bucket (production,
 * s3-storage.ts, loaded only when configured).
 * Keys are relative paths made by the services (`avatars/<userId>/<ulid>.png`), never user input.
 */
export interface FileStorage {
  put(key: string, data: Buffer, contentType: string): Promise<void>;
  get(key: string): Promise<{ data: Buffer; contentType: string } | undefined>;
  delete(key: string): Promise<void>;
  /**
   * A link that downloads the (private) file without other credentials until `expiresAt` (epoch
   * ms): a presigned URL of the bucket, or the platform's `/files/<key>?expires=…&signature=…`.
   * Hand it only to someone allowed to read the file.
   */
  link(key: string, expiresAt: number): Promise<string>;
  /**
   * Where a client may upload the file itself until `expiresAt` (a presigned PUT of the bucket, with
   * the headers it must send), or undefined when uploads go through the API (the local folder).
   * Whatever arrives there is the caller's to check before using it.
   */
  uploadTarget(key: string, contentType: string, expiresAt: number): Promise<UploadTarget | undefined>;
}

export interface UploadTarget {
  method: 'PUT';
  url: string;
  headers: Record<string, string>;
}

/**
 * Signs and checks the platform's own download links (the local-folder adapter's): an HMAC of the
 * key and expiry under a key derived from LINGGONG_SECRET.
 */
export function createLinkSigner(secret: string) {
  const hmacKey = createHmac('sha256', secret).update('linggong-file-links').digest();
  const mac = (key: string, expires: number) =>
    createHmac('sha256', hmacKey).update(`${key}\n${expires}`).digest('hex');
  return {
    /** The path of a link to `key` valid until `expiresAt` (epoch ms; links carry seconds). */
    path(key: string, expiresAt: number): string {
      checkKey(key);
      const expires = Math.ceil(expiresAt / 1000);
      return `/files/${key}?expires=${expires}&signature=${mac(key, expires)}`;
    },
    /** Whether a link's key, expiry and signature belong together, and whether it is still valid. */
    check(key: string, expires: number, signature: string, now: number): 'ok' | 'expired' | 'invalid' {
      if (!KEY_RE.test(key) || key.includes('..') || !/^[0-9a-f]{64}$/.test(signature)) return 'invalid';
      const want = Buffer.from(mac(key, expires), 'hex');
      if (!timingSafeEqual(want, Buffer.from(signature, 'hex'))) return 'invalid';
      return now >= expires * 1000 ? 'expired' : 'ok';
    },
  };
}

export type LinkSigner = ReturnType<typeof createLinkSigner>;

const KEY_RE = /^[A-Za-z0-9][A-Za-z0-9/_.-]{0,200}$/;

/** Refuses a key that is not a plain relative path (the adapters' shared rule). */
export function checkKey(key: string): void {
  if (!KEY_RE.test(key) || key.includes('..')) throw new Error(`invalid storage key: ${key}`);
}

export class LocalFileStorage implements FileStorage {
  private readonly root: string;
  constructor(
    root: string,
    private readonly signer: LinkSigner,
  ) {
    this.root = resolve(root);
  }
  async link(key: string, expiresAt: number): Promise<string> {
    return this.signer.path(key, expiresAt);
  }
  async uploadTarget(): Promise<undefined> {
    return undefined;
  }
  private path(key: string): string {
    checkKey(key);
    const p = resolve(join(this.root, key));
    if (!p.startsWith(this.root + sep)) throw new Error(`storage key escapes the root: ${key}`);
    return p;
  }
  async put(key: string, data: Buffer, contentType: string): Promise<void> {
    const p = this.path(key);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, data);
    await writeFile(`${p}.type`, contentType);
  }
  async get(key: string): Promise<{ data: Buffer; contentType: string } | undefined> {
    const p = this.path(key);
    try {
      const [data, contentType] = await Promise.all([readFile(p), readFile(`${p}.type`, 'utf8')]);
      return { data, contentType };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
  }
  async delete(key: string): Promise<void> {
    const p = this.path(key);
    await rm(p, { force: true });
    await rm(`${p}.type`, { force: true });
  }
}

export interface S3StorageOptions {
  bucket: string;
  region: string;
  /** For OSS, MinIO and other S3-compatible services; omit for AWS. */
  endpoint?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (MinIO, most self-hosted services). */
  forcePathStyle: boolean;
  /** Key prefix inside the bucket, e.g. "linggong/". */
  prefix?: string;
}
