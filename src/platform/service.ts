import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Cache } from './cache.js';
import type { Deadlines } from './deadlines.js';
import type { JobQueue } from './jobs/queue.js';
import type { BoundHandler, ConsumerDeclaration } from './events/types.js';
import type { ScheduleSpec } from './jobs/scheduler.js';
import type { FileStorage } from './storage.js';
import type { Clock } from './clock.js';
import type { AnyConfigSection, Config } from './config.js';
import type { CursorCodec } from './cursor.js';
import type { MigrationSet } from './db/migrator.js';
import type { ServiceDatabase } from './db/service-database.js';
import type { AccessTokenVerifier } from './http/auth.js';
import type { ReadinessCheck } from './http/health.js';
import type { App } from './http/server.js';
import type { IdGenerator } from './ids.js';
import type { Logger } from './log.js';
import type { WorkflowRunner } from './workflow/runner.js';

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
  /** This service's durable workflows (register definitions in create(), start from the service). */
  workflows: WorkflowRunner;
  /** Background jobs (define types in create(), enqueue from the service). */
  jobs: JobQueue;
  /** Clients of the services this one declares in `uses` (in-process or HTTP), resolved lazily. */
  clients: ClientRegistry;
  /** The process's Prometheus registry (/metrics): a service adds its own gauges here. */
  metrics: Registry;
}

/**
 * A service as the platform sees it: its migrations, what it consumes and calls, and how to build
 * it. `Client` is what other services call; `Commands` what the CLI runs in-process.
 */
export interface ServiceModule<DB = unknown, Client = unknown, Commands = unknown> {
  name: string;
  migrations: MigrationSet;
  /** The contract other services reach it by (`clientOf<JobClient>('job')`, from its index.ts). */
  client?: ClientKey<Client>;
  /** Clients of other services it calls: checked at start (served here or reachable by URL). */
  uses?: { readonly service: string }[];
  /** Its own configuration section (`<svc>.config.ts`), parsed with the platform's at start. */
  config?: AnyConfigSection;
  /** Events this service consumes; each consumer's handler comes from the instance. */
  consumers?: ConsumerDeclaration[];
  /** Builds the instance; async when it loads an adapter's library only when configured. */
  create(
    ctx: ServiceContext<DB>,
  ): ServiceInstance<Client, Commands> | Promise<ServiceInstance<Client, Commands>>;
  /** How other processes reach this service when it runs elsewhere (LINGGONG_<SERVICE>_URL). */
  remote?(ctx: RemoteContext): RemoteService<Client>;
}

export interface RemoteContext {
  baseUrl: string;
  config: Config;
  clock: Clock;
  log: Logger;
  cache: Cache;
}

export interface RemoteService<Client = unknown> {
  client?: Client;
  verifier?: AccessTokenVerifier;
}

/** A built service. Each field means one thing. */
export interface ServiceInstance<Client = unknown, Commands = unknown> {
  /** Registers the service's public, admin and internal routes. */
  routes(app: App): Promise<void>;
  /** The implementation of its client contract, which other services call in one process. */
  client?: Client;
  /** Operator commands the CLI runs in-process (e.g. create-admin, reindex). */
  commands?: Commands;
  /** Verifies access tokens for every service's routes (the user service provides it). */
  verifier?: AccessTokenVerifier;
  /** Handlers of the module's consumers, bound with `spec.handle(fn)`. */
  handlers?: BoundHandler[];
  /** Schedules (cron-like, run once per tick across processes) owned by the service. */
  schedules?: ScheduleSpec[];
  /** Checks `/readyz` runs besides the platform's (databases, Redis). */
  readiness?: ReadinessCheck[];
  /** Seeds demo data; returns lines to print once (development credentials). */
  seed?(): Promise<string[]>;
  close?(): Promise<void>;
}

/** A module of any schema, as lists of modules hold them (each module is typed by its own DB). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyServiceModule = ServiceModule<any, any, any>;

/**
 * A typed handle on a service's client contract: the service's index.ts exports one
 * (`export const jobClient = clientOf<JobClient>('job')`), and callers ask for it by that handle,
 * so the client's type comes from the contract, not from a cast at the call.
 */
export interface ClientKey<T> {
  readonly service: string;
  /** Phantom: carries T for the type checker only. */
  readonly _contract?: (client: T) => T;
}

export function clientOf<T>(service: string): ClientKey<T> {
  return { service };
}

/** A typed handle on a service's CLI commands, exported by its index.ts like a ClientKey. */
export interface CommandsKey<T> {
  readonly service: string;
  readonly _commands?: (commands: T) => T;
}

export function commandsOf<T>(service: string): CommandsKey<T> {
  return { service };
}

/** Another service's client, by its key; only keys the module declared in `uses` are given. */
export interface ClientRegistry {
  get<T>(key: ClientKey<T>): T;
}
