import { SMS_VARIABLES } from '../sms/sms.js';
import type { ConfigVariables } from './reader.js';

/**
 * Every variable the platform reads, with its documentation; with the services' sections, what
 * `linggong config` prints and the README lists (listConfigVariables).
 */
export const PLATFORM_VARIABLES: ConfigVariables = {
  LINGGONG_ENV: { doc: 'Profile: development | test | staging | production (default development)' },
  LINGGONG_CONFIG_FILE: { doc: 'Optional JSON file with any of these keys; environment variables win' },
  LINGGONG_HOST: { doc: 'Listen address (default 127.0.0.1)' },
  LINGGONG_PORT: { doc: 'Listen port (default 3000)' },
  LINGGONG_PUBLIC_URL: {
    doc: 'Base URL clients reach the API at, e.g. behind a gateway; the API description names it (default the listen address)',
    example: 'https://api.example.com',
  },
  LINGGONG_DATA_DIR: { doc: 'Folder for the SQLite file, local uploads and the lock file (default ./data)' },
  LINGGONG_DATABASE_URL: {
    doc: 'Database of every service (default sqlite:<dataDir>/linggong.db)',
    example: 'mysql://linggong:secret@127.0.0.1:3306/linggong',
  },
  'LINGGONG_<SERVICE>_DATABASE_URL': {
    doc: 'Database of one service, e.g. LINGGONG_USER_DATABASE_URL; defaults to LINGGONG_DATABASE_URL',
  },
  LINGGONG_DATABASE_POOL_SIZE: {
    doc: 'MySQL connections per database URL in each process (default 20; 1–500): size it to the concurrent requests a process serves',
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
  LINGGONG_NEAR_CACHE: {
    doc: 'With Redis: keep what was read in process memory too, invalidated by Redis (default true)',
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
  ...SMS_VARIABLES,
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
  LINGGONG_SHUTDOWN_GRACE_MS: { doc: 'How long shutdown waits for in-flight requests (default 10000)' },
  LINGGONG_TRACING_OTLP_URL: {
    doc: 'OpenTelemetry: the OTLP/HTTP traces endpoint (JSON), e.g. http://otel-collector:4318/v1/traces; tracing is off when unset (environment only, read at process start)',
  },
  LINGGONG_TRACING_SAMPLE_RATIO: {
    doc: 'Share of new traces recorded, 0 to 1 (default 1); a request arriving in a trace follows its sampled flag (environment only, read at process start)',
  },
  LINGGONG_MALLOC_TUNING: {
    doc: 'on | off: `serve` with its glibc malloc settings (default on; environment only; "Password hashing" in docs/architecture.md)',
  },
};
