import { readFileSync } from 'node:fs';
import { isValidTimeZone } from './clock.js';
import {
  createConfigReader,
  restrictTo,
  type ConfigReader,
  type ConfigVariable,
  type Profile,
} from './config/reader.js';
import type { AnyConfigSection, SectionReader } from './config/section.js';
import { PLATFORM_VARIABLES } from './config/variables.js';
import { parseScheduleOverrides } from './jobs/scheduler.js';
import { developmentPiiKeys, parsePiiKeys, type PiiKey } from './pii.js';
import { parseSmsSettings, type SmsSettings } from './sms/sms.js';
import type { S3StorageOptions } from './storage.js';
import { readTracingSettings } from './tracing.js';

export type { Profile } from './config/reader.js';
export { PLATFORM_VARIABLES } from './config/variables.js';
export { defineConfigSection, type AnyConfigSection, type ConfigSection } from './config/section.js';

/**
 * Linggong's configuration: one object, parsed once at start from environment variables and an
 * optional JSON file (`LINGGONG_CONFIG_FILE`, same keys as the variables; the environment wins).
 * The platform's settings are fields; each service's own settings are a section it declares next to
 * its code (config/section.ts), parsed here too. Every problem is collected and reported together;
 * nothing else reads process.env.
 */
export interface Config {
  profile: Profile;
  host: string;
  port: number;
  /** Where clients reach the API (LINGGONG_PUBLIC_URL), when not at the listen address. */
  publicUrl: string | undefined;
  dataDir: string;
  /** Default database URL for every service: `sqlite:<file>` or `mysql://user:pass@host:port/db`. */
  databaseUrl: string;
  /** MySQL pool size per database URL (SQLite has one connection). */
  databasePoolSize: number;
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
  sms: SmsSettings;
  events: { bus: 'inprocess' | 'bullmq'; queueRedisUrl: string | undefined; concurrency: number };
  /** Run event consumers, jobs and schedules in this process (always on the embedded bus). */
  workers: boolean;
  /** Schedule overrides by name: 'off', 'every 10m' or 'cron 0 3 * * *'. */
  schedules: Record<string, string>;
  storage: { driver: 'local'; dir: string } | ({ driver: 's3' } & S3StorageOptions);
  /**
   * Each service's own settings by service name, as its section parsed them; a service reads its own
   * with its section: `jobConfig.of(config)`.
   */
  sections: Readonly<Record<string, unknown>>;
}

export const DEV_SECRET = 'linggong-development-secret-do-not-use-in-production';
export const DEV_SERVICE_TOKEN = 'linggong-development-service-token';

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
  /**
   * The services the build knows (their modules): their names validate --services and per-service
   * URLs, and their own sections (`module.config`) are parsed and checked with the platform's settings.
   */
  services: readonly ConfiguredService[];
}

/** What loadConfig reads of a service module: its name and its configuration section, if any. */
export interface ConfiguredService {
  readonly name: string;
  readonly config?: AnyConfigSection | undefined;
}

const sectionsOf = (services: readonly ConfiguredService[]): AnyConfigSection[] =>
  services.flatMap((s) => (s.config ? [s.config] : []));

/** A variable as `linggong config` lists it: the platform's, or a service's (named). */
export interface ListedVariable extends ConfigVariable {
  name: string;
  service?: string;
}

/** Every variable: the platform's, then each service's section's, in the order given. */
export function listConfigVariables(services: readonly ConfiguredService[]): ListedVariable[] {
  const sections = sectionsOf(services);
  return [
    ...Object.entries(PLATFORM_VARIABLES).map(([name, v]) => ({ name, ...v })),
    ...sections.flatMap((section) =>
      Object.entries(section.variables).map(([name, v]) => ({ name, service: section.service, ...v })),
    ),
  ];
}

/** The README's configuration table (header and one row per variable), as `npm run docs:config` writes it. */
export function configTable(services: readonly ConfiguredService[]): string {
  const rows = listConfigVariables(services).map(
    (v) => `| \`${v.name}\` | ${v.service ?? ''} | ${v.doc.replace(/\|/g, '\\|')} |`,
  );
  return ['| variable | service | meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

export function loadConfig(options: LoadConfigOptions): Config {
  const knownServices = options.services.map((s) => s.name);
  const sections = sectionsOf(options.services);
  checkDeclarations(sections, knownServices);
  const problems: string[] = [];
  const rawEnv = options.env ?? process.env;
  const env: Record<string, string | undefined> = {
    ...readConfigFile(rawEnv.LINGGONG_CONFIG_FILE, problems),
    ...rawEnv,
  };
  const reader = createConfigReader(env, problems);
  const read = restrictTo(reader, PLATFORM_VARIABLES, 'the platform configuration');
  const { get, int, bool } = read;

  const profile = read.oneOf('LINGGONG_ENV', 'development', ['development', 'test', 'staging', 'production']);
  const devLike = profile === 'development' || profile === 'test';

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

  const publicUrl = get('LINGGONG_PUBLIC_URL')?.replace(/\/+$/, '');
  if (publicUrl !== undefined && !/^https?:\/\/[^/\s]+(\/\S*)?$/.test(publicUrl))
    problems.push('LINGGONG_PUBLIC_URL: must be an http(s) URL, e.g. https://api.example.com');

  const dataDir = get('LINGGONG_DATA_DIR') ?? './data';
  const databaseUrl = dbUrl(
    'LINGGONG_DATABASE_URL',
    get('LINGGONG_DATABASE_URL') ?? `sqlite:${dataDir}/linggong.db`,
  );
  const serviceDatabaseUrls: Record<string, string> = {};
  for (const service of knownServices) {
    const name = `LINGGONG_${service.toUpperCase()}_DATABASE_URL`;
    const url = get(name);
    serviceDatabaseUrls[service] = url ? dbUrl(name, url) : databaseUrl;
  }
  for (const name of Object.keys(env)) {
    const m = /^LINGGONG_([A-Z]+)_DATABASE_URL$/.exec(name);
    if (m && !knownServices.includes(m[1]!.toLowerCase())) {
      problems.push(`${name}: there is no service named ${m[1]!.toLowerCase()}`);
    }
  }

  // Read from the environment by bin/linggong.mjs before anything else; validated here.
  const mallocTuning = rawEnv.LINGGONG_MALLOC_TUNING;
  if (mallocTuning !== undefined && mallocTuning !== 'on' && mallocTuning !== 'off')
    problems.push(`LINGGONG_MALLOC_TUNING=${mallocTuning}: must be one of on, off`);
  // Tracing starts in bin/linggong.mjs before anything else loads (tracing.ts); checked here too.
  problems.push(...readTracingSettings(rawEnv).problems);

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
      if (!knownServices.includes(s)) {
        problems.push(`services: unknown service "${s}" (known: ${knownServices.join(', ')})`);
      }
    }
  }

  const serviceUrls: Record<string, string> = {};
  for (const service of knownServices) {
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

  const queueRedisUrl = get('LINGGONG_QUEUE_REDIS_URL') ?? redisUrl;
  if (queueRedisUrl && !/^rediss?:\/\//.test(queueRedisUrl))
    problems.push('LINGGONG_QUEUE_REDIS_URL: must start with redis://');
  const bus = read.oneOf('LINGGONG_EVENT_BUS', queueRedisUrl ? 'bullmq' : 'inprocess', [
    'inprocess',
    'bullmq',
  ]);
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

  // Each section reads only its own variables, into the same list of problems.
  const parsedSections: Record<string, unknown> = {};
  for (const section of sections) {
    const sectionRead: SectionReader = {
      ...restrictTo(reader, section.variables, `the ${section.service} service's configuration`),
      profile,
      dataDir,
    };
    parsedSections[section.service] = section.parse(sectionRead);
  }

  const config: Config = {
    profile,
    host: get('LINGGONG_HOST') ?? '127.0.0.1',
    port: int('LINGGONG_PORT', 3000, 0, 65535),
    publicUrl,
    dataDir,
    databaseUrl,
    databasePoolSize: int('LINGGONG_DATABASE_POOL_SIZE', 20, 1, 500),
    serviceDatabaseUrls,
    redisUrl,
    redisPrefix: get('LINGGONG_REDIS_PREFIX') ?? 'linggong:',
    cacheMaxEntries: int('LINGGONG_CACHE_MAX_ENTRIES', 50_000, 1, 100_000_000),
    nearCache: bool('LINGGONG_NEAR_CACHE', true),
    businessTimeZone,
    logLevel: read.oneOf('LINGGONG_LOG_LEVEL', 'info', [
      'fatal',
      'error',
      'warn',
      'info',
      'debug',
      'trace',
      'silent',
    ]),
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
    sms: parseSmsSettings(read, profile),
    storage: parseStorage(read, dataDir),
    events: { bus, queueRedisUrl, concurrency: int('LINGGONG_EVENT_CONCURRENCY', 16, 1, 1000) },
    workers: bool('LINGGONG_WORKERS', true),
    schedules,
    sections: parsedSections,
    ...stripUndefined(options.overrides ?? {}),
  };
  if (services) config.services = services;

  // One process only on embedded storage: SQLite has one writer and the bus and cache are in memory.
  const usesSqlite = [config.databaseUrl, ...Object.values(config.serviceDatabaseUrls)].some((u) =>
    u.startsWith('sqlite:'),
  );
  if (config.services && config.services.length < knownServices.length) {
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

/** The variables of LINGGONG_CONFIG_FILE, a JSON object (none when it is not set). */
function readConfigFile(file: string | undefined, problems: string[]): Record<string, string> {
  if (!file) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, String(v)]));
    }
    problems.push(`LINGGONG_CONFIG_FILE ${file}: must hold a JSON object`);
  } catch (e) {
    problems.push(`LINGGONG_CONFIG_FILE ${file}: ${(e as Error).message}`);
  }
  return {};
}

function parseStorage(read: ConfigReader, dataDir: string): Config['storage'] {
  const driver = read.oneOf('LINGGONG_STORAGE', 'local', ['local', 's3']);
  if (driver === 'local') return { driver, dir: read.get('LINGGONG_STORAGE_DIR') ?? `${dataDir}/files` };
  const because = 'when LINGGONG_STORAGE=s3';
  return {
    driver,
    bucket: read.required('LINGGONG_S3_BUCKET', because),
    region: read.get('LINGGONG_S3_REGION') ?? 'us-east-1',
    endpoint: read.get('LINGGONG_S3_ENDPOINT'),
    accessKeyId: read.required('LINGGONG_S3_ACCESS_KEY_ID', because),
    secretAccessKey: read.required('LINGGONG_S3_SECRET_ACCESS_KEY', because),
    forcePathStyle: read.bool('LINGGONG_S3_FORCE_PATH_STYLE', false),
    prefix: read.get('LINGGONG_S3_PREFIX') ?? '',
  };
}

/**
 * A variable declared twice (by the platform and a service, or by two services) or a service with
 * two sections is a mistake in the code, not in the configuration: it throws at once.
 */
function checkDeclarations(sections: readonly AnyConfigSection[], knownServices: readonly string[]): void {
  // The platform's names, with <SERVICE> spelled out for each service (LINGGONG_JOB_URL).
  const platform = new Set(
    Object.keys(PLATFORM_VARIABLES).flatMap((name) =>
      name.includes('<SERVICE>')
        ? knownServices.map((service) => name.replace('<SERVICE>', service.toUpperCase()))
        : [name],
    ),
  );
  const owners = new Map<string, string>();
  const services = new Set<string>();
  for (const section of sections) {
    const owner = `the ${section.service} service`;
    if (services.has(section.service)) throw new Error(`${owner} declares two configuration sections`);
    services.add(section.service);
    for (const name of Object.keys(section.variables)) {
      if (!/^LINGGONG_[A-Z0-9_]+$/.test(name))
        throw new Error(`${owner} declares ${name}: not a LINGGONG_ name`);
      const other = platform.has(name) ? 'the platform' : owners.get(name);
      if (other) throw new Error(`${name} is declared by both ${other} and ${owner}`);
      owners.set(name, owner);
    }
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
