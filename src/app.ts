import { mkdirSync } from 'node:fs';
import { Redis } from 'ioredis';
import { MemoryCache, NearRedisCache, RedisCache, type Cache } from './platform/cache.js';
import { createInstantFormatter, systemClock, type Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { createCursorCodec } from './platform/cursor.js';
import { openConnection, type Connection } from './platform/db/connect.js';
import { ServiceDatabase } from './platform/db/service-database.js';
import type { ReadinessCheck } from './platform/http/health.js';
import { createMetricsRegistry } from './platform/http/metrics.js';
import { hostname } from 'node:os';
import { registerDeadLetterRoutes } from './platform/events/admin.routes.js';
import { createScheduler, type Scheduler } from './platform/jobs/scheduler.js';
import { retentionSchedule } from './platform/retention.js';
import { createDeadlines, type Deadlines } from './platform/deadlines.js';
import { registerWorkflowRoutes } from './platform/workflow/admin.routes.js';
import { createWorkflowRunner, type WorkflowRunner } from './platform/workflow/runner.js';
import { watchWorkflows } from './platform/workflow/metrics.js';
import { createBullJobQueue, createInProcessJobQueue, type JobQueue } from './platform/jobs/queue.js';
import { createEventSystem, type EventSystem } from './platform/events/event-system.js';
import { createHttpServer, type App } from './platform/http/server.js';
import { createIdGenerator } from './platform/ids.js';
import { createLogger, type Logger } from './platform/log.js';
import { registerFileLinks } from './platform/http/files.js';
import { createLinkSigner, LocalFileStorage } from './platform/storage.js';
import { subscriptionsOf } from './platform/events/types.js';
import type {
  AnyServiceModule,
  ClientKey,
  ClientRegistry,
  CommandsKey,
  RemoteService,
  ServiceInstance,
} from './platform/service.js';
import { ALL_SERVICES } from './services/registry.js';

export interface BuildOptions {
  config: Config;
  clock?: Clock;
  log?: Logger;
  /** The service modules this build knows (default: all of Linggong's). */
  modules?: AnyServiceModule[];
  /** Modules this process only calls (through LINGGONG_<SERVICE>_URL) and never serves. */
  remoteModules?: AnyServiceModule[];
  /** Used instead of the default cache (Redis when configured, else in-memory), e.g. by benchmarks. */
  cache?: Cache;
  /** How long a process holds a workflow instance it drives (default 30 s); tests shorten it. */
  workflowLeaseMs?: number;
  /**
   * Whether the HTTP app gets the API: the services' routes and the admin routes (default true).
   * A worker and a one-off command answer none of it, and skip compiling its schemas; the
   * platform's own endpoints (/healthz, /readyz, /metrics) are there either way.
   */
  api?: boolean;
}

/** A built Linggong process: the HTTP app, its services' databases, and how to stop it. */
export interface Platform {
  app: App;
  config: Config;
  log: Logger;
  clock: Clock;
  services: Map<
    string,
    { module: AnyServiceModule; db: ServiceDatabase<unknown>; instance: ServiceInstance }
  >;
  events: EventSystem;
  /** The process's cache (Redis when configured, else in memory). */
  cache: Cache;
  scheduler: Scheduler;
  jobs: JobQueue;
  /** Each served service's workflow runner, by service name. */
  workflows: Map<string, { runner: WorkflowRunner; db: ServiceDatabase<unknown> }>;
  /** A service's client as this process reaches it (served here, or over HTTP by its URL). */
  client<T>(key: ClientKey<T>): T;
  /** A served service's CLI commands (undefined when the service is not served here). */
  commands<T>(key: CommandsKey<T>): T | undefined;
  migrate(direction?: 'up' | 'down'): Promise<string[]>;
  seed(): Promise<string[]>;
  /** Starts the background work: outbox relays, and (workers) event consumers and schedules. */
  startBackground(): void;
  close(): Promise<void>;
}

/**
 * The composition root: opens each distinct database once, gives every served service its
 * ServiceDatabase and adapters, builds the HTTP app and registers the services' routes.
 */
export async function buildPlatform(options: BuildOptions): Promise<Platform> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? createLogger({ level: config.logLevel });
  const ids = createIdGenerator(clock);
  const modules = options.modules ?? ALL_SERVICES;
  const served = modules.filter((m) => !config.services || config.services.includes(m.name));
  if (config.databaseUrl.startsWith('sqlite:')) mkdirSync(config.dataDir, { recursive: true });

  const connections = new Map<string, Connection>();
  const redis = config.redisUrl
    ? // Commands issued in the same event-loop turn (the cache reads and rate-limit counts of
      // concurrent requests) go out in one write: fewer syscalls per request under load.
      new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableAutoPipelining: true })
    : undefined;
  let draining = false;
  const services: Platform['services'] = new Map();
  try {
    for (const module of served) {
      const url = config.serviceDatabaseUrls[module.name] ?? config.databaseUrl;
      let connection = connections.get(url);
      if (!connection) {
        connection = openConnection(url, { poolSize: config.databasePoolSize });
        connections.set(url, connection);
      }
      const db = new ServiceDatabase<unknown>(
        module.name,
        connection,
        { clock, ids, log },
        module.migrations,
      );
      services.set(module.name, { module, db, instance: undefined as unknown as ServiceInstance });
    }
  } catch (e) {
    await Promise.allSettled([...connections.values()].map((c) => c.close()));
    redis?.disconnect();
    throw e;
  }

  // The near cache's invalidations arrive on a connection of their own (it is in subscriber mode).
  const invalidations =
    redis && config.nearCache && !options.cache
      ? redis.duplicate({ autoResubscribe: false, enableAutoPipelining: false, maxRetriesPerRequest: null })
      : undefined;
  invalidations?.on('error', (err: Error) => log.warn({ err }, 'redis invalidation connection error'));
  const cache =
    options.cache ??
    (redis
      ? invalidations
        ? new NearRedisCache(redis, invalidations, `${config.redisPrefix}cache:`, {
            maxEntries: config.cacheMaxEntries,
            log,
          })
        : new RedisCache(redis, `${config.redisPrefix}cache:`)
      : new MemoryCache(config.cacheMaxEntries));
  const links = createLinkSigner(config.secret);
  const storage =
    config.storage.driver === 's3'
      ? new (await import('./platform/s3-storage.js')).S3FileStorage(config.storage, () => clock.now())
      : new LocalFileStorage(config.storage.dir, links);
  // Services served elsewhere are reached through their remote clients (HTTP, JWKS).
  const remotes = new Map<string, RemoteService>();
  for (const module of [...modules, ...(options.remoteModules ?? [])]) {
    const baseUrl = config.serviceUrls[module.name];
    if (!services.has(module.name) && baseUrl && module.remote) {
      remotes.set(module.name, module.remote({ baseUrl, config, clock, log, cache }));
    }
  }
  const clientOf = <T>(key: ClientKey<T>): T => {
    const client = services.get(key.service)?.instance?.client ?? remotes.get(key.service)?.client;
    if (client) return client as T;
    throw new Error(
      `service "${key.service}" is not served by this process and LINGGONG_${key.service.toUpperCase()}_URL is not set`,
    );
  };
  // Each service is given only the clients it declared; the declaration is checked once all are built.
  const clientsFor = (module: AnyServiceModule): ClientRegistry => {
    const declared = new Set((module.uses ?? []).map((k) => k.service));
    return {
      get<T>(key: ClientKey<T>): T {
        if (!declared.has(key.service))
          throw new Error(`service "${module.name}" calls "${key.service}" without declaring it in uses`);
        return clientOf(key);
      },
    };
  };
  const cursors = createCursorCodec(config.secret);
  const formatInstant = createInstantFormatter(config.businessTimeZone);
  // The queue Redis is created here because jobs are defined while services are created.
  const queueRedis =
    config.events.bus === 'bullmq' && config.events.queueRedisUrl
      ? new Redis(config.events.queueRedisUrl, { maxRetriesPerRequest: null, enableReadyCheck: true })
      : undefined;
  const runWorkers = config.events.bus === 'inprocess' || config.workers;
  const jobs: JobQueue = queueRedis
    ? createBullJobQueue({
        connection: queueRedis,
        prefix: `${config.redisPrefix}bull`,
        log,
        ids,
        runWorkers,
      })
    : createInProcessJobQueue({ clock, log, ids });
  const metrics = createMetricsRegistry();
  const deadlines = new Map<string, Deadlines>();
  const workflows = new Map<string, { runner: WorkflowRunner; db: ServiceDatabase<unknown> }>();
  const owner = `${hostname()}:${process.pid}`.slice(0, 64);
  for (const entry of services.values()) {
    const serviceDeadlines = createDeadlines(entry.db, { clock, ids, log });
    deadlines.set(entry.module.name, serviceDeadlines);
    const runner = createWorkflowRunner(
      entry.db,
      { clock, ids, log, cursors },
      { owner, ...(options.workflowLeaseMs ? { leaseMs: options.workflowLeaseMs } : {}) },
    );
    workflows.set(entry.module.name, { runner, db: entry.db });
    watchWorkflows(metrics, runner);
    entry.instance = await entry.module.create({
      deadlines: serviceDeadlines,
      workflows: runner,
      jobs,
      config,
      log,
      clock,
      ids,
      db: entry.db,
      cursors,
      redis,
      cache,
      storage,
      clients: clientsFor(entry.module),
      metrics,
    });
  }
  checkClients(services, remotes);
  const verifier =
    [...services.values()].find((s) => s.instance.verifier)?.instance.verifier ??
    [...remotes.values()].find((r) => r.verifier)?.verifier;

  // Connection errors are retried by ioredis; log them rather than crash on an unhandled 'error'.
  redis?.on('error', (err: Error) => log.warn({ err }, 'redis connection error'));
  queueRedis?.on('error', (err: Error) => log.warn({ err }, 'queue redis connection error'));
  if (queueRedis) await checkQueueRedis(queueRedis, config, log);
  const known = [...modules, ...(options.remoteModules ?? [])];
  const events = createEventSystem({
    bus: config.events.bus,
    producers: [...services.values()].map((s) => s.db),
    subscriptions: known.flatMap((m) =>
      (m.consumers ?? []).flatMap(subscriptionsOf).map((s) => ({ ...s, service: m.name })),
    ),
    consumers: [...services.values()].flatMap(({ module, db, instance }) =>
      (module.consumers ?? []).flatMap((spec) => {
        const bound = instance.handlers?.find((h) => h.consumer === spec.consumer);
        if (!bound) throw new Error(`service ${module.name} declares ${spec.consumer} without a handler`);
        return subscriptionsOf(spec).map((subscription) => ({
          service: module.name,
          subscription,
          db,
          handler: bound.handler,
          ...(bound.replica ? { replica: bound.replica } : {}),
        }));
      }),
    ),
    runWorkers,
    queueRedis,
    redisPrefix: config.redisPrefix,
    concurrency: config.events.concurrency,
    clock,
    log,
    ids,
    cursors,
    formatInstant,
    metricsRegistry: metrics,
  });

  const scheduler = createScheduler({
    entries: [...services.values()].flatMap(({ module, db, instance }) => {
      const sweep = deadlines.get(module.name)!.schedule();
      const resume = workflows.get(module.name)!.runner.schedule();
      return [
        { db, spec: retentionSchedule(db, clock) },
        ...(sweep ? [{ db, spec: sweep }] : []),
        ...(resume ? [{ db, spec: resume }] : []),
        ...(instance.schedules ?? []).map((spec) => ({ db, spec })),
      ];
    }),
    clock,
    log,
    owner,
    overrides: config.schedules,
    businessTimeZone: config.businessTimeZone,
  });

  const readiness = (): ReadinessCheck[] => [
    ...[...connections.values()].map((c) => ({ name: `database:${c.dialect}`, check: () => c.ping() })),
    ...(redis ? [{ name: 'redis', check: async () => void (await redis.ping()) }] : []),
    ...(queueRedis ? [{ name: 'queue-redis', check: async () => void (await queueRedis.ping()) }] : []),
    ...[...services.values()].flatMap((s) => s.instance.readiness ?? []),
  ];
  const app = await createHttpServer({
    config,
    log,
    metrics,
    redis,
    readiness,
    verifier: () => verifier,
    isDraining: () => draining,
  });
  if (options.api !== false) {
    for (const entry of services.values()) await entry.instance.routes(app);
    if (config.storage.driver === 'local') await registerFileLinks(app, { storage, links, clock });
    if (services.size > 0) {
      await registerDeadLetterRoutes(app, events);
      await registerWorkflowRoutes(app, workflows, ids, formatInstant);
    }
  }

  return {
    app,
    config,
    log,
    clock,
    services,
    events,
    cache,
    scheduler,
    jobs,
    workflows,
    client: clientOf,
    commands<T>(key: CommandsKey<T>): T | undefined {
      return services.get(key.service)?.instance.commands as T | undefined;
    },
    startBackground() {
      events.start();
      jobs.start();
      if (runWorkers) scheduler.start();
    },
    async migrate(direction = 'up') {
      const lines: string[] = [];
      for (const { db } of services.values()) {
        const migrator = db.migrator();
        const result = direction === 'up' ? await migrator.up() : await migrator.down();
        for (const r of result.results ?? [])
          lines.push(`${db.service}: ${r.direction} ${r.migrationName} ${r.status}`);
        if (result.error)
          throw result.error instanceof Error ? result.error : new Error(JSON.stringify(result.error));
      }
      return lines;
    },
    async seed() {
      const lines: string[] = [];
      for (const { instance } of services.values()) if (instance.seed) lines.push(...(await instance.seed()));
      return lines;
    },
    async close() {
      draining = true;
      await app.close();
      await scheduler.stop();
      await jobs.stop();
      await events.stop();
      for (const { runner } of workflows.values()) await runner.close();
      for (const { instance } of services.values()) await instance.close?.();
      await Promise.allSettled([...connections.values()].map((c) => c.close()));
      if (redis) await redis.quit().catch(() => redis.disconnect());
      if (invalidations) await invalidations.quit().catch(() => invalidations.disconnect());
      if (queueRedis) await queueRedis.quit().catch(() => queueRedis.disconnect());
    },
  };
}

/**
 * Every client a served service declares in `uses` must be reachable: served by this process or
 * configured by URL. Refused at start, so a missing LINGGONG_<SERVICE>_URL is not found at the
 * first call.
 */
function checkClients(services: Platform['services'], remotes: Map<string, RemoteService>): void {
  const missing: string[] = [];
  for (const { module } of services.values()) {
    for (const key of module.uses ?? []) {
      const reachable = services.get(key.service)?.instance.client ?? remotes.get(key.service)?.client;
      if (!reachable)
        missing.push(
          `service "${module.name}" calls "${key.service}", which this process does not serve: ` +
            `serve it here too or set LINGGONG_${key.service.toUpperCase()}_URL`,
        );
    }
  }
  if (missing.length > 0) throw new Error(missing.join('\n'));
}

/**
 * Queues must not lose jobs to eviction and should survive a restart: the queue Redis needs
 * `maxmemory-policy noeviction` and AOF. Refused in staging/production, a warning elsewhere.
 */
async function checkQueueRedis(redis: Redis, config: Config, log: Logger): Promise<void> {
  const problems: string[] = [];
  try {
    const [, policy] = (await redis.config('GET', 'maxmemory-policy')) as [string, string];
    const [, aof] = (await redis.config('GET', 'appendonly')) as [string, string];
    if (policy !== 'noeviction') problems.push(`maxmemory-policy is ${policy}, needs noeviction`);
    if (aof !== 'yes') problems.push('appendonly is off, needs AOF (appendonly yes, appendfsync everysec)');
  } catch (e) {
    problems.push(`could not read its configuration (${(e as Error).message})`);
  }
  if (problems.length === 0) return;
  const message = `queue Redis: ${problems.join('; ')}`;
  if (config.profile === 'production' || config.profile === 'staging') throw new Error(message);
  log.warn(message);
}
