import { readFileSync } from 'node:fs';
import { isValidTimeZone } from './clock.js';
import { parseScheduleOverrides } from './jobs/scheduler.js';
import type { S3StorageOptions } from './storage.js';
import { developmentPiiKeys, parsePiiKeys, type PiiKey } from './pii.js';

/**
 * Linggong's configuration: one object, parsed once at start from environment variables and an
 * optional JSON file (`LINGGONG_CONFIG_FILE`, same keys as the variables; the environment wins).
 * Every problem is collected and reported together; nothing else reads process.env.
 */
export type Profile = 'development' | 'test' | 'staging' | 'production';

export interface Config {
  profile: Profile;
  host: string;
  port: number;
  dataDir: string;
  /** Default database URL for every service: `sqlite:<file>` or `mysql://user:pass@host:port/db`. */
  databaseUrl: string;
  /** Per-service database URLs (LINGGONG_<SERVICE>_DATABASE_URL), falling back to databaseUrl. */
  serviceDatabaseUrls: Record<string, string>;
  redisUrl: string | undefined;
  redisPrefix: string;
  /** Entries of the in-memory cache (without Redis), or of each process's near cache (with Redis). */
  cacheMaxEntries: number;
  /** With Redis: keep what was read in process memory too, invalidated by Redis (client tracking; opt-in). */
  nearCache: boolean;
  businessTimeZone: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Secret for HMACs (cursors, keyed hashes). Production refuses the development value. */
  secret: string;
  /** Token that internal (service-to-service) routes require. */
  serviceToken: string;
  corsOrigins: string[];
  bodyLimitBytes: number;
  rateLimit: { max: number; windowMs: number; authMax: number };
  trustProxy: boolean;
  metricsToken: string | undefined;
  seedDemo: boolean;
  /** Services this process serves; undefined means all. */
  services: string[] | undefined;
  shutdownGraceMs: number;
  /** GLIBC_TUNABLES as the process started with it (glibc reads it then; `serve` checks it). */
  glibcTunables: string | undefined;
  /** Base URLs of services served by other processes (LINGGONG_<SERVICE>_URL). */
  serviceUrls: Record<string, string>;
  /** Keys for personal data at rest; the first encrypts, all decrypt. */
  piiKeys: PiiKey[];
  auth: {
    issuer: string;
    audience: string;
    accessTtlSec: number;
    refreshTtlSec: number;
    keyRotationDays: number;
  };
  sms:
    | { provider: 'console' }
    | {
        provider: 'aliyun';
        accessKeyId: string;
        accessKeySecret: string;
        signName: string;
        templateCode: string;
      };
  events: { bus: 'inprocess' | 'bullmq'; queueRedisUrl: string | undefined; concurrency: number };
  /** Run event consumers, jobs and schedules in this process (always on the embedded bus). */
  workers: boolean;
  /** Schedule overrides by name: 'off', 'every 10m' or 'cron 0 3 * * *'. */
  schedules: Record<string, string>;
  storage: { driver: 'local'; dir: string } | ({ driver: 's3' } & S3StorageOptions);
  /** Job posts: 'auto' opens posts that pass automatic moderation; 'manual' reviews every post. */
  jobs: { review: 'auto' | 'manual' };
  /** Address → coordinates for job places: none (posts carry coordinates) or Amap (高德). */
  geocoder: { provider: 'none' } | { provider: 'amap'; key: string; privateKey: string | undefined };
  /**
   * The job search index: embedded (a directory on local disk, one process) or Elasticsearch.
   * The Elasticsearch adapter adds its own settings here (URL, credentials, index name).
   */
  search: {
    engine: 'embedded' | 'elasticsearch';
    dir: string;
    /**
     * Embedded: threads serving queries, each with its own copy of the index in memory (1: the
     * one thread that owns the index; more add replicas that share the queries).
     */
    threads: number;
    /** Set when engine is elasticsearch. */
    elasticsearch?: {
      url: string;
      /** The alias searched and written; concrete indexes are `<alias>-<time>`. */
      alias: string;
      auth?: { username: string; password: string } | { apiKey: string };
    };
  };
}

export const DEV_SECRET = 'linggong-development-secret-do-not-use-in-production';
export const DEV_SERVICE_TOKEN = 'linggong-development-service-token';

interface VarSpec {
  doc: string;
  example?: string;
}

/** Every variable Linggong reads, with its documentation (printed by `linggong config`). */
export const CONFIG_VARS: Record<string, VarSpec> = {
  LINGGONG_ENV: { doc: 'Profile: development | test | staging | production (default development)' },
  LINGGONG_CONFIG_FILE: { doc: 'Optional JSON file with any of these keys; environment variables win' },
  LINGGONG_HOST: { doc: 'Listen address (default 127.0.0.1)' },
  LINGGONG_PORT: { doc: 'Listen port (default 3000)' },
  LINGGONG_DATA_DIR: { doc: 'Folder for the SQLite file, local uploads and the lock file (default ./data)' },
  LINGGONG_DATABASE_URL: {
    doc: 'Database of every service (default sqlite:<dataDir>/linggong.db)',
    example: 'mysql://linggong:secret@127.0.0.1:3306/linggong',
  },
  'LINGGONG_<SERVICE>_DATABASE_URL': {
    doc: 'Database of one service, e.g. LINGGONG_USER_DATABASE_URL; defaults to LINGGONG_DATABASE_URL',
  },
  LINGGONG_ALLOW_SQLITE_IN_PRODUCTION: { doc: 'true to run production on SQLite (one process only)' },
  LINGGONG_REDIS_URL: {
    doc: 'Redis for rate limits, cache and queues; required when running several processes',
  },
  LINGGONG_QUEUE_REDIS_URL: {
    doc: 'Redis for queues (BullMQ); must be noeviction with AOF (refused otherwise in staging/production); default LINGGONG_REDIS_URL',
  },
  LINGGONG_EVENT_BUS: {
    doc: 'inprocess or bullmq (default bullmq when a queue Redis is configured, else inprocess)',
  },
  LINGGONG_EVENT_CONCURRENCY: { doc: 'Events each consumer handles at once in one process (default 16)' },
  LINGGONG_WORKERS: {
    doc: 'true to run event consumers and schedules in this process (default true; serve --workers / worker)',
  },
  LINGGONG_SCHEDULES: {
    doc: 'JSON overrides of schedules, e.g. {"user.purge-expired":"every 30m","platform.purge-outbox":"off"}',
  },
  LINGGONG_REDIS_PREFIX: { doc: 'Prefix of every Redis key (default linggong:)' },
  LINGGONG_CACHE_MAX_ENTRIES: {
    doc: 'Entries of the in-memory cache used without Redis, e.g. public profiles (about 1 KB each; default 50000)',
  },
  LINGGONG_BUSINESS_TZ: { doc: 'Time zone of "daily" limits and reports (default Asia/Shanghai)' },
  LINGGONG_LOG_LEVEL: { doc: 'fatal | error | warn | info | debug | trace | silent (default info)' },
  LINGGONG_SECRET: {
    doc: 'HMAC secret (cursors, keyed hashes), at least 32 characters; required outside development/test',
  },
  LINGGONG_SERVICE_TOKEN: {
    doc: 'Token for internal service-to-service routes; required outside development/test',
  },
  LINGGONG_CORS_ORIGINS: {
    doc: 'Comma-separated allowed origins, or * (default * in development, none otherwise)',
  },
  LINGGONG_BODY_LIMIT: { doc: 'Largest request body in bytes (default 262144)' },
  LINGGONG_RATE_LIMIT_MAX: { doc: 'Requests per window per client IP (default 600)' },
  LINGGONG_RATE_LIMIT_WINDOW_MS: { doc: 'Rate-limit window in ms (default 60000)' },
  LINGGONG_AUTH_RATE_LIMIT_MAX: {
    doc: 'Requests per window per client IP on login, SMS and refresh routes (default 30)',
  },
  LINGGONG_TRUST_PROXY: {
    doc: 'true behind nginx/ingress so client IPs come from X-Forwarded-For (default false)',
  },
  LINGGONG_METRICS_TOKEN: { doc: 'When set, /metrics requires Authorization: Bearer <token>' },
  LINGGONG_SEED_DEMO: { doc: 'Seed demo data on first start (default true in development only)' },
  LINGGONG_SERVICES: {
    doc: 'Comma-separated services this process serves (default all); same as serve --services',
  },
  'LINGGONG_<SERVICE>_URL': {
    doc: 'Base URL of a service served by another process, e.g. LINGGONG_USER_URL=http://user:3000',
  },
  LINGGONG_PII_KEYS: {
    doc: 'Keys for personal data at rest: id:base64(32 bytes)[,id:key…], first one encrypts; required outside development/test',
  },
  LINGGONG_JWT_ISSUER: { doc: 'iss of access tokens (default linggong)' },
  LINGGONG_JWT_AUDIENCE: { doc: 'aud of access tokens (default linggong-api)' },
  LINGGONG_ACCESS_TOKEN_TTL_SEC: { doc: 'Access token lifetime in seconds (default 900)' },
  LINGGONG_REFRESH_TOKEN_TTL_SEC: {
    doc: 'Absolute lifetime of a login session in seconds (default 2592000 = 30 days)',
  },
  LINGGONG_SIGNING_KEY_ROTATION_DAYS: {
    doc: 'A signing key older than this is replaced when the next token is signed (default 30)',
  },
  LINGGONG_SMS_PROVIDER: {
    doc: 'console (development: logs the code) | aliyun (default console; production needs aliyun)',
  },
  LINGGONG_ALIYUN_SMS_ACCESS_KEY_ID: { doc: 'Aliyun AccessKey id for SMS' },
  LINGGONG_ALIYUN_SMS_ACCESS_KEY_SECRET: { doc: 'Aliyun AccessKey secret for SMS' },
  LINGGONG_ALIYUN_SMS_SIGN_NAME: { doc: 'Approved SMS signature (签名), e.g. 零工' },
  LINGGONG_ALIYUN_SMS_TEMPLATE_CODE: {
    doc: 'Approved template code with a ${code} parameter, e.g. SMS_123456789',
  },
  LINGGONG_JOB_REVIEW: {
    doc: 'auto (default: posts that pass automatic moderation open at once) | manual (an admin reviews every post)',
  },
  LINGGONG_GEOCODER: {
    doc: 'none (default: job places must carry coordinates) | amap (高德 web service API)',
  },
  LINGGONG_AMAP_KEY: { doc: 'Amap web service key, for LINGGONG_GEOCODER=amap' },
  LINGGONG_AMAP_PRIVATE_KEY: { doc: 'Amap digital-signature private key (requests are signed when set)' },
  LINGGONG_STORAGE: { doc: 'local (default) or s3 (any S3-compatible service: AWS S3, Aliyun OSS, MinIO)' },
  LINGGONG_STORAGE_DIR: { doc: 'Folder of the local file storage (default <dataDir>/files)' },
  LINGGONG_S3_BUCKET: { doc: 'Bucket for LINGGONG_STORAGE=s3' },
  LINGGONG_S3_REGION: { doc: 'Region, e.g. cn-hangzhou or us-east-1 (default us-east-1)' },
  LINGGONG_S3_ENDPOINT: {
    doc: 'Endpoint URL for S3-compatible services, e.g. https://oss-cn-hangzhou.aliyuncs.com',
  },
  LINGGONG_S3_ACCESS_KEY_ID: { doc: 'Access key id for the bucket' },
  LINGGONG_S3_SECRET_ACCESS_KEY: { doc: 'Secret access key for the bucket' },
  LINGGONG_S3_FORCE_PATH_STYLE: { doc: 'true for path-style URLs (MinIO); default false' },
  LINGGONG_S3_PREFIX: { doc: 'Key prefix inside the bucket (default empty)' },
  LINGGONG_SEARCH_ENGINE: {
    doc: 'Job search index: embedded (default: on local disk, served by one process) | elasticsearch',
  },
  LINGGONG_SEARCH_DIR: { doc: 'Folder of the embedded search index (default <dataDir>/search)' },
  LINGGONG_SEARCH_THREADS: {
    doc: 'Embedded search: threads serving queries, each holding a copy of the index in memory (default 1; 1–16)',
  },
  LINGGONG_ELASTICSEARCH_URL: {
    doc: 'Elasticsearch 8/9 node URL, e.g. https://es.internal:9200 (required when LINGGONG_SEARCH_ENGINE=elasticsearch)',
  },
  LINGGONG_ELASTICSEARCH_INDEX: { doc: 'Alias of the job index (default linggong-jobs)' },
  LINGGONG_ELASTICSEARCH_API_KEY: { doc: 'Elasticsearch API key (or username and password below)' },
  LINGGONG_ELASTICSEARCH_USERNAME: { doc: 'Elasticsearch user for basic authentication' },
  LINGGONG_ELASTICSEARCH_PASSWORD: { doc: 'Password of LINGGONG_ELASTICSEARCH_USERNAME' },
  LINGGONG_SHUTDOWN_GRACE_MS: { doc: 'How long shutdown waits for in-flight requests (default 10000)' },
  LINGGONG_MALLOC_TUNING: {
    doc: 'on | off: `serve` with its glibc malloc settings (default on; environment only; "Password hashing" in docs/architecture.md)',
  },
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Overrides from the command line (e.g. --services). */
  overrides?: Partial<Config>;
  /** Names of the services the build knows, to validate --services and per-service URLs. */
  knownServices: readonly string[];
}

export function loadConfig(options: LoadConfigOptions): Config {
  const problems: string[] = [];
  const rawEnv = options.env ?? process.env;
  let fileVars: Record<string, string> = {};
  const file = rawEnv.LINGGONG_CONFIG_FILE;
  if (file) {
    try {
      const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
        problems.push(`LINGGONG_CONFIG_FILE ${file}: must hold a JSON object`);
      } else {
        fileVars = Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
      }
    } catch (e) {
      problems.push(`LINGGONG_CONFIG_FILE ${file}: ${(e as Error).message}`);
    }
  }
  const env: Record<string, string | undefined> = { ...fileVars, ...rawEnv };
  const get = (name: string): string | undefined => {
    const v = env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  };

  const profile = oneOf(get('LINGGONG_ENV') ?? 'development', 'LINGGONG_ENV', [
    'development',
    'test',
    'staging',
    'production',
  ] as const);
  const devLike = profile === 'development' || profile === 'test';

  function oneOf<T extends string>(value: string, name: string, allowed: readonly T[]): T {
    if ((allowed as readonly string[]).includes(value)) return value as T;
    problems.push(`${name}=${value}: must be one of ${allowed.join(', ')}`);
    return allowed[0]!;
  }
  function int(name: string, fallback: number, min: number, max: number): number {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < min || n > max) {
      problems.push(`${name}=${raw}: must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }
  function bool(name: string, fallback: boolean): boolean {
    const raw = get(name);
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw.toLowerCase())) return true;
    if (['false', '0', 'no'].includes(raw.toLowerCase())) return false;
    problems.push(`${name}=${raw}: must be true or false`);
    return fallback;
  }
  function dbUrl(name: string, value: string): string {
    if (value.startsWith('sqlite:')) {
      if (value.length <= 'sqlite:'.length) problems.push(`${name}: sqlite: needs a file path`);
      return value;
    }
    try {
      const u = new URL(value);
      if (u.protocol !== 'mysql:' || !u.hostname || u.pathname.length < 2) throw new Error('bad');
    } catch {
      problems.push(`${name}: must be sqlite:<file> or mysql://user:password@host:port/database`);
    }
    return value;
  }

  const dataDir = get('LINGGONG_DATA_DIR') ?? './data';
  const databaseUrl = dbUrl(
    'LINGGONG_DATABASE_URL',
    get('LINGGONG_DATABASE_URL') ?? `sqlite:${dataDir}/linggong.db`,
  );
  const serviceDatabaseUrls: Record<string, string> = {};
  for (const service of options.knownServices) {
    const name = `LINGGONG_${service.toUpperCase()}_DATABASE_URL`;
    serviceDatabaseUrls[service] = get(name) ? dbUrl(name, get(name)!) : databaseUrl;
  }
  for (const name of Object.keys(env)) {
    const m = /^LINGGONG_([A-Z]+)_DATABASE_URL$/.exec(name);
    if (m && !options.knownServices.includes(m[1]!.toLowerCase())) {
      problems.push(`${name}: there is no service named ${m[1]!.toLowerCase()}`);
    }
  }

  // Read from the environment by bin/linggong.mjs before anything else; validated here.
  const mallocTuning = rawEnv.LINGGONG_MALLOC_TUNING;
  if (mallocTuning !== undefined && mallocTuning !== 'on' && mallocTuning !== 'off')
    problems.push(`LINGGONG_MALLOC_TUNING=${mallocTuning}: must be one of on, off`);

  const redisUrl = get('LINGGONG_REDIS_URL');
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl))
    problems.push('LINGGONG_REDIS_URL: must start with redis:// or rediss://');

  const businessTimeZone = get('LINGGONG_BUSINESS_TZ') ?? 'Asia/Shanghai';
  if (!isValidTimeZone(businessTimeZone))
    problems.push(`LINGGONG_BUSINESS_TZ=${businessTimeZone}: unknown time zone`);

  const secret = get('LINGGONG_SECRET') ?? (devLike ? DEV_SECRET : '');
  if (secret.length < 32) problems.push('LINGGONG_SECRET: must be set to at least 32 characters');
  if (!devLike && secret === DEV_SECRET)
    problems.push(`LINGGONG_SECRET: the development secret is refused in ${profile}`);
  const serviceToken = get('LINGGONG_SERVICE_TOKEN') ?? (devLike ? DEV_SERVICE_TOKEN : '');
  if (serviceToken.length < 24)
    problems.push('LINGGONG_SERVICE_TOKEN: must be set to at least 24 characters');
  if (!devLike && serviceToken === DEV_SERVICE_TOKEN) {
    problems.push(`LINGGONG_SERVICE_TOKEN: the development token is refused in ${profile}`);
  }

  const servicesRaw =
    options.overrides?.services ??
    get('LINGGONG_SERVICES')
      ?.split(',')
      .map((s) => s.trim());
  let services: string[] | undefined;
  if (servicesRaw && servicesRaw.length > 0 && !(servicesRaw.length === 1 && servicesRaw[0] === 'all')) {
    services = [...new Set(servicesRaw)];
    for (const s of services) {
      if (!options.knownServices.includes(s)) {
        problems.push(`services: unknown service "${s}" (known: ${options.knownServices.join(', ')})`);
      }
    }
  }

  const serviceUrls: Record<string, string> = {};
  for (const service of options.knownServices) {
    const name = `LINGGONG_${service.toUpperCase()}_URL`;
    const url = get(name);
    if (!url) continue;
    if (!/^https?:\/\/[^/]+/.test(url)) problems.push(`${name}: must be an http(s) base URL`);
    serviceUrls[service] = url.replace(/\/+$/, '');
  }

  let piiKeys: PiiKey[] = [];
  const piiSpec = get('LINGGONG_PII_KEYS');
  if (piiSpec) {
    try {
      piiKeys = parsePiiKeys(piiSpec);
      if (piiKeys.length === 0 || piiKeys.some((k) => k.key.length !== 32)) throw new Error('bad length');
    } catch {
      problems.push(
        'LINGGONG_PII_KEYS: must be id:base64key pairs of 32-byte keys (openssl rand -base64 32)',
      );
    }
  } else if (devLike) {
    piiKeys = developmentPiiKeys(secret);
  } else {
    problems.push(`LINGGONG_PII_KEYS: required in ${profile}`);
  }

  const smsProvider = oneOf(get('LINGGONG_SMS_PROVIDER') ?? 'console', 'LINGGONG_SMS_PROVIDER', [
    'console',
    'aliyun',
  ] as const);
  let sms: Config['sms'] = { provider: 'console' };
  if (smsProvider === 'aliyun') {
    const need = (n: string): string => {
      const v = get(n);
      if (!v) problems.push(`${n}: required when LINGGONG_SMS_PROVIDER=aliyun`);
      return v ?? '';
    };
    sms = {
      provider: 'aliyun',
      accessKeyId: need('LINGGONG_ALIYUN_SMS_ACCESS_KEY_ID'),
      accessKeySecret: need('LINGGONG_ALIYUN_SMS_ACCESS_KEY_SECRET'),
      signName: need('LINGGONG_ALIYUN_SMS_SIGN_NAME'),
      templateCode: need('LINGGONG_ALIYUN_SMS_TEMPLATE_CODE'),
    };
  } else if (profile === 'production') {
    problems.push('LINGGONG_SMS_PROVIDER: the console provider is for development; production needs aliyun');
  }

  const geocoderProvider = oneOf(get('LINGGONG_GEOCODER') ?? 'none', 'LINGGONG_GEOCODER', [
    'none',
    'amap',
  ] as const);
  let geocoder: Config['geocoder'] = { provider: 'none' };
  if (geocoderProvider === 'amap') {
    const key = get('LINGGONG_AMAP_KEY');
    if (!key) problems.push('LINGGONG_AMAP_KEY: required when LINGGONG_GEOCODER=amap');
    geocoder = { provider: 'amap', key: key ?? '', privateKey: get('LINGGONG_AMAP_PRIVATE_KEY') };
  }

  const searchEngine = oneOf(get('LINGGONG_SEARCH_ENGINE') ?? 'embedded', 'LINGGONG_SEARCH_ENGINE', [
    'embedded',
    'elasticsearch',
  ] as const);
  let elasticsearch: Config['search']['elasticsearch'];
  if (searchEngine === 'elasticsearch') {
    const url = get('LINGGONG_ELASTICSEARCH_URL');
    if (!url || !/^https?:\/\//.test(url)) {
      problems.push(
        'LINGGONG_ELASTICSEARCH_URL: an http(s) URL is required when LINGGONG_SEARCH_ENGINE=elasticsearch',
      );
    }
    const apiKey = get('LINGGONG_ELASTICSEARCH_API_KEY');
    const username = get('LINGGONG_ELASTICSEARCH_USERNAME');
    const password = get('LINGGONG_ELASTICSEARCH_PASSWORD');
    if (username && !password) problems.push('LINGGONG_ELASTICSEARCH_PASSWORD: required with a username');
    elasticsearch = {
      url: url ?? '',
      alias: get('LINGGONG_ELASTICSEARCH_INDEX') ?? 'linggong-jobs',
      ...(apiKey ? { auth: { apiKey } } : username ? { auth: { username, password: password ?? '' } } : {}),
    };
  }

  const storageDriver = oneOf(get('LINGGONG_STORAGE') ?? 'local', 'LINGGONG_STORAGE', [
    'local',
    's3',
  ] as const);
  let storage: Config['storage'] = {
    driver: 'local',
    dir: get('LINGGONG_STORAGE_DIR') ?? `${dataDir}/files`,
  };
  if (storageDriver === 's3') {
    const need = (n: string): string => {
      const v = get(n);
      if (!v) problems.push(`${n}: required when LINGGONG_STORAGE=s3`);
      return v ?? '';
    };
    storage = {
      driver: 's3',
      bucket: need('LINGGONG_S3_BUCKET'),
      region: get('LINGGONG_S3_REGION') ?? 'us-east-1',
      endpoint: get('LINGGONG_S3_ENDPOINT'),
      accessKeyId: need('LINGGONG_S3_ACCESS_KEY_ID'),
      secretAccessKey: need('LINGGONG_S3_SECRET_ACCESS_KEY'),
      forcePathStyle: bool('LINGGONG_S3_FORCE_PATH_STYLE', false),
      prefix: get('LINGGONG_S3_PREFIX') ?? '',
    };
  }

  const queueRedisUrl = get('LINGGONG_QUEUE_REDIS_URL') ?? redisUrl;
  if (queueRedisUrl && !/^rediss?:\/\//.test(queueRedisUrl))
    problems.push('LINGGONG_QUEUE_REDIS_URL: must start with redis://');
  const bus = oneOf(
    get('LINGGONG_EVENT_BUS') ?? (queueRedisUrl ? 'bullmq' : 'inprocess'),
    'LINGGONG_EVENT_BUS',
    ['inprocess', 'bullmq'] as const,
  );
  if (bus === 'bullmq' && !queueRedisUrl)
    problems.push('LINGGONG_EVENT_BUS=bullmq: needs LINGGONG_QUEUE_REDIS_URL or LINGGONG_REDIS_URL');

  let schedules: Record<string, string> = {};
  const schedulesRaw = get('LINGGONG_SCHEDULES');
  if (schedulesRaw) {
    try {
      schedules = parseScheduleOverrides(schedulesRaw);
    } catch (e) {
      problems.push(`LINGGONG_SCHEDULES: ${(e as Error).message}`);
    }
  }

  const config: Config = {
    profile,
    host: get('LINGGONG_HOST') ?? '127.0.0.1',
    port: int('LINGGONG_PORT', 3000, 0, 65535),
    dataDir,
    databaseUrl,
    serviceDatabaseUrls,
    redisUrl,
    redisPrefix: get('LINGGONG_REDIS_PREFIX') ?? 'linggong:',
    cacheMaxEntries: int('LINGGONG_CACHE_MAX_ENTRIES', 50_000, 1, 100_000_000),
    nearCache: bool('LINGGONG_NEAR_CACHE', true),
    businessTimeZone,
    logLevel: oneOf(get('LINGGONG_LOG_LEVEL') ?? 'info', 'LINGGONG_LOG_LEVEL', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ] as const),
    secret,
    serviceToken,
    corsOrigins: (get('LINGGONG_CORS_ORIGINS') ?? (devLike ? '*' : ''))
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    bodyLimitBytes: int('LINGGONG_BODY_LIMIT', 262_144, 1024, 50 * 1024 * 1024),
    rateLimit: {
      max: int('LINGGONG_RATE_LIMIT_MAX', 600, 1, 1_000_000),
      windowMs: int('LINGGONG_RATE_LIMIT_WINDOW_MS', 60_000, 1000, 86_400_000),
      authMax: int('LINGGONG_AUTH_RATE_LIMIT_MAX', 30, 1, 1_000_000),
    },
    trustProxy: bool('LINGGONG_TRUST_PROXY', false),
    metricsToken: get('LINGGONG_METRICS_TOKEN'),
    seedDemo: bool('LINGGONG_SEED_DEMO', profile === 'development'),
    services,
    shutdownGraceMs: int('LINGGONG_SHUTDOWN_GRACE_MS', 10_000, 0, 600_000),
    // From the environment only: a config file cannot reach glibc.
    glibcTunables: rawEnv.GLIBC_TUNABLES,
    serviceUrls,
    piiKeys,
    auth: {
      issuer: get('LINGGONG_JWT_ISSUER') ?? 'linggong',
      audience: get('LINGGONG_JWT_AUDIENCE') ?? 'linggong-api',
      accessTtlSec: int('LINGGONG_ACCESS_TOKEN_TTL_SEC', 900, 60, 86_400),
      refreshTtlSec: int('LINGGONG_REFRESH_TOKEN_TTL_SEC', 30 * 86_400, 3600, 365 * 86_400),
      keyRotationDays: int('LINGGONG_SIGNING_KEY_ROTATION_DAYS', 30, 1, 3650),
    },
    sms,
    storage,
    jobs: {
      review: oneOf(get('LINGGONG_JOB_REVIEW') ?? 'auto', 'LINGGONG_JOB_REVIEW', ['auto', 'manual'] as const),
    },
    geocoder,
    search: {
      engine: searchEngine,
      dir: get('LINGGONG_SEARCH_DIR') ?? `${dataDir}/search`,
      threads: int('LINGGONG_SEARCH_THREADS', 1, 1, 16),
      ...(elasticsearch ? { elasticsearch } : {}),
    },
    events: { bus, queueRedisUrl, concurrency: int('LINGGONG_EVENT_CONCURRENCY', 16, 1, 1000) },
    workers: bool('LINGGONG_WORKERS', true),
    schedules,
    ...stripUndefined(options.overrides ?? {}),
  };
  if (services) config.services = services;

  // One process only on embedded storage: SQLite has one writer and the bus and cache are in memory.
  const usesSqlite = [config.databaseUrl, ...Object.values(config.serviceDatabaseUrls)].some((u) =>
    u.startsWith('sqlite:'),
  );
  if (config.services && config.services.length < options.knownServices.length) {
    if (usesSqlite) {
      problems.push(
        'services: serving a subset of services (several processes) needs MySQL/MariaDB, not SQLite',
      );
    }
    if (!config.redisUrl)
      problems.push('services: serving a subset of services (several processes) needs LINGGONG_REDIS_URL');
    if (config.events.bus === 'inprocess')
      problems.push('services: several processes need LINGGONG_EVENT_BUS=bullmq');
  }
  if (profile === 'production' && usesSqlite && !bool('LINGGONG_ALLOW_SQLITE_IN_PRODUCTION', false)) {
    // Allowed for a single-machine platform, but only when said explicitly.
    problems.push(
      'LINGGONG_DATABASE_URL: SQLite in production needs LINGGONG_ALLOW_SQLITE_IN_PRODUCTION=true',
    );
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
