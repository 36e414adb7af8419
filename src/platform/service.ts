import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Cache } from './cache.js';
import type { Deadlines } from './deadlines.js';
import type { JobQueue } from './jobs/queue.js';
import type { EventHandler, Subscription } from './events/types.js';
import type { ScheduleSpec } from './jobs/scheduler.js';
import type { FileStorage } from './storage.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { CursorCodec } from './cursor.js';
import type { MigrationSet } from './db/migrator.js';
import type { ServiceDatabase } from './db/service-database.js';
import type { AccessTokenVerifier } from './http/auth.js';
import type { ReadinessCheck } from './http/health.js';
import type { App } from './http/server.js';
import type { IdGenerator } from './ids.js';
import type { Logger } from './log.js';

/**
 * What the composition root hands a service: configuration, its own database, and the platform's
 * adapters. Plain values, no container.
 */
export interface ServiceContext<DB> {
  config: Config;
  log: Logger;
  clock: Clock;
  ids: IdGenerator;
  db: ServiceDatabase<DB>;
  cursors: CursorCodec;
  redis: Redis | undefined;
  cache: Cache;
  storage: FileStorage;
  /** This service's deadlines: rows swept by a scheduled tick (register kinds in create()). */
  deadlines: Deadlines;
  /** Background jobs (define types in create(), enqueue from the service). */
  jobs: JobQueue;
  /** Typed clients of the other services (in-process or HTTP), resolved lazily. */
  clients: ClientRegistry;
  /** The process's Prometheus registry (/metrics): a service adds its own gauges here. */
  metrics: Registry;
}

/** A service as the platform sees it: its migrations and how to build it. */
export interface ServiceModule<DB = unknown> {
  name: string;
  migrations: MigrationSet;
  /** Events this service consumes (handlers come from the instance). */
  subscriptions?: Subscription[];
  create(ctx: ServiceContext<DB>): ServiceInstance;
  /** How other processes reach this service when it runs elsewhere (LINGGONG_<SERVICE>_URL). */
  remote?(ctx: RemoteContext): RemoteService;
}

export interface RemoteContext {
  baseUrl: string;
  config: Config;
  clock: Clock;
  log: Logger;
  cache: Cache;
}

export interface RemoteService {
  client?: unknown;
  verifier?: AccessTokenVerifier;
}

export interface ServiceInstance {
  /** Registers the service's public, admin and internal routes. */
  routes(app: App): Promise<void>;
  /** The implementation other services call through in one process. */
  client?: unknown;
  /** Verifies access tokens for every service's routes (the user service provides it). */
  verifier?: AccessTokenVerifier;
  /** Handlers of the module's subscriptions, by consumer name. */
  // Each service types its own handlers' transactions.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  handlers?: Record<string, EventHandler<any>>;
  /** Schedules (cron-like, run once per tick across processes) owned by the service. */
  schedules?: ScheduleSpec[];
  /** Operator commands the CLI runs in-process (e.g. create-admin). */
  commands?: { createAdmin?(phone: string, displayName: string): Promise<{ id: string }> };
  /** Checks `/readyz` runs besides the platform's (databases, Redis). */
  readiness?: ReadinessCheck[];
  /** Seeds demo data; returns lines to print once (development credentials). */
  seed?(): Promise<string[]>;
  close?(): Promise<void>;
}

/** A module of any schema, as lists of modules hold them (each module is typed by its own DB). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceModule = ServiceModule<any>;

/** Looks up another service's client by name; the typed accessors live in each service's index.ts. */
export interface ClientRegistry {
  get<T>(service: string): T;
}
