import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject } from 'ajv';
import formatsPlugin from 'ajv-formats';
import { DockerfileParser, type Instruction } from 'dockerfile-ast';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import {
  HorizontalPodAutoscaler,
  type IHorizontalPodAutoscaler,
} from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import { Job, type IJob } from 'kubernetes-models/batch/v1/Job';
import { Ingress, type IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import {
  PodDisruptionBudget,
  type IPodDisruptionBudget,
} from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ConfigMap, type IConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Secret, type ISecret } from 'kubernetes-models/v1/Secret';
import { Service, type IService } from 'kubernetes-models/v1/Service';
import type { IContainer } from 'kubernetes-models/v1/Container';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml, parseAllDocuments } from 'yaml';
import { tunedGlibcTunables } from '../../bin/malloc.mjs';
import { listConfigVariables, loadConfig } from '../../src/platform/config.js';
import { ALL_SERVICES } from '../../src/services/registry.js';
import { startTestPlatform } from '../support/platform.js';

/**
 * The deployment files (deploy/docker, deploy/compose, deploy/k8s), checked offline:
 * - each kustomize overlay is built by the real kustomize (`kubectl kustomize`, or a `kustomize`
 *   binary) and every object it yields is validated against the Kubernetes OpenAPI schemas that
 *   `kubernetes-models` ships (Kubernetes 1.27; those schemas allow unknown fields, so a misspelt
 *   optional field is not caught here);
 * - docker-compose.yml is validated against the Compose Specification schema that `dclint` ships,
 *   before and after interpolation with .env.example;
 * - every LINGGONG_* variable these files set is one the configuration knows, and the environment
 *   each process gets passes `loadConfig` with the clients its services call reachable by URL;
 * - the Dockerfile is parsed (`dockerfile-ast`) for its base, user, health check and malloc settings;
 * - the Ingress sends every public route of each service (read from the service's own route
 *   table) to that service's Service and no /internal/ route anywhere.
 * What needs a cluster, a Docker engine or the network (images, pulls, admission, a real rollout)
 * is not checked here.
 */

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPLOY = join(ROOT, 'deploy');
const OVERLAYS = { dev: 'development', test: 'test', staging: 'staging', prod: 'production' } as const;
const SERVICE_NAMES = ALL_SERVICES.map((m) => m.name);
/** The service that runs as one process with its own consumers (no worker, no autoscaler). */
const SINGLE_PROCESS = 'search';

type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } };

// ---------------------------------------------------------------------------------------------
// Kubernetes

/** The kustomize of this machine: kubectl's built-in one, else a standalone binary. */
function kustomizeCommand(): string[] {
  for (const candidate of [
    ['kubectl', 'kustomize'],
    ['kustomize', 'build'],
  ]) {
    try {
      execFileSync(candidate[0]!, ['version', ...(candidate[0] === 'kubectl' ? ['--client'] : [])], {
        stdio: 'ignore',
      });
      return candidate;
    } catch {
      // not installed; try the next
    }
  }
  throw new Error('kustomize not found: install kubectl (with its built-in kustomize) or kustomize');
}

function kustomizeBuild(dir: string): K8sObject[] {
  const [command, ...args] = kustomizeCommand();
  const out = execFileSync(command!, [...args, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return parseAllDocuments(out)
    .map((d) => d.toJS() as K8sObject | null)
    .filter((o): o is K8sObject => o !== null);
}

/** The schema of each kind these manifests may use; any other kind fails the test. */
const MODELS: Record<string, (o: K8sObject) => { validate(): void }> = {
  'v1/ConfigMap': (o) => new ConfigMap(o as IConfigMap),
  'v1/Secret': (o) => new Secret(o as ISecret),
  'v1/Service': (o) => new Service(o as IService),
  'apps/v1/Deployment': (o) => new Deployment(o as IDeployment),
  'batch/v1/Job': (o) => new Job(o as IJob),
  'networking.k8s.io/v1/Ingress': (o) => new Ingress(o as IIngress),
  'autoscaling/v2/HorizontalPodAutoscaler': (o) => new HorizontalPodAutoscaler(o as IHorizontalPodAutoscaler),
  'policy/v1/PodDisruptionBudget': (o) => new PodDisruptionBudget(o as IPodDisruptionBudget),
};

/** Schema problems of each object, as `Kind/name: message` (empty when all are valid). */
function schemaProblems(objects: K8sObject[]): string[] {
  return objects.flatMap((o) => {
    const model = MODELS[`${o.apiVersion}/${o.kind}`];
    if (!model) return [`${o.kind}/${o.metadata.name}: no schema for ${o.apiVersion} ${o.kind}`];
    try {
      model(o).validate();
      return [];
    } catch (e) {
      return [`${o.kind}/${o.metadata.name}: ${(e as Error).message}`];
    }
  });
}

const ofKind = <T>(objects: K8sObject[], kind: string): (T & K8sObject)[] =>
  objects.filter((o) => o.kind === kind) as (T & K8sObject)[];

/** `serve --services x --no-workers` → { command: 'serve', services: ['x'], noWorkers: true }. */
function parseArgs(args: readonly string[]): { command: string; services: string[]; noWorkers: boolean } {
  const i = args.indexOf('--services');
  return {
    command: args[0] ?? '',
    services: i >= 0 ? (args[i + 1] ?? '').split(',') : [],
    noWorkers: args.includes('--no-workers'),
  };
}

/** The environment a container of a rendered Deployment or Job gets (ConfigMaps, Secrets, env). */
function containerEnv(objects: K8sObject[], container: IContainer): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) {
    const name = source.configMapRef?.name ?? source.secretRef?.name;
    const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
    const found = objects.find((o) => o.kind === kind && o.metadata.name === name) as
      { data?: Record<string, string>; stringData?: Record<string, string> } | undefined;
    if (!found) throw new Error(`${kind} ${name} is referenced but not rendered`);
    Object.assign(env, found.data ?? {}, found.stringData ?? {});
  }
  for (const e of container.env ?? []) if (e.value !== undefined) env[e.name] = e.value;
  return env;
}

// ---------------------------------------------------------------------------------------------
// Configuration variables

/** Every variable the configuration knows, with LINGGONG_<SERVICE>_… spelled out per real service. */
const KNOWN_VARIABLES = new Set(
  listConfigVariables(ALL_SERVICES).flatMap((v) =>
    v.name.includes('<SERVICE>')
      ? SERVICE_NAMES.map((s) => v.name.replace('<SERVICE>', s.toUpperCase()))
      : [v.name],
  ),
);

const unknownVariables = (names: Iterable<string>): string[] =>
  [...new Set(names)].filter((n) => n.startsWith('LINGGONG_') && !KNOWN_VARIABLES.has(n)).sort();

/**
 * Problems of the environment of a process serving `services`: what loadConfig refuses, and the
 * clients those services call that are neither served here nor reachable by LINGGONG_<X>_URL.
 */
function environmentProblems(env: Record<string, string>, services: string[]): string[] {
  try {
    loadConfig({ services: ALL_SERVICES, env, overrides: { services } });
  } catch (e) {
    return [(e as Error).message];
  }
  return ALL_SERVICES.filter((m) => services.includes(m.name)).flatMap((m) =>
    (m.uses ?? [])
      .filter((k) => !services.includes(k.service) && !env[`LINGGONG_${k.service.toUpperCase()}_URL`])
      .map((k) => `${m.name} calls ${k.service}, but LINGGONG_${k.service.toUpperCase()}_URL is not set`),
  );
}

// ---------------------------------------------------------------------------------------------
// Routes and the Ingress

/** The routes of a Fastify route tree as `printRoutes({ commonPrefix: false })` draws it. */
function routesOfTree(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(\S+)(?: \(([^)]*)\))?/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + m[2]!;
    stack.push(path);
    if (m[3] && path !== '*') routes.push(path);
  }
  return routes;
}

/** Each service's routes, from a process that serves that service alone (its real route table). */
async function routesByService(): Promise<Map<string, string[]>> {
  const byService = new Map<string, string[]>();
  for (const module of ALL_SERVICES) {
    const others = ALL_SERVICES.filter((m) => m !== module);
    // Remote clients are only built, never called, while the routes are read.
    const env = Object.fromEntries(
      others.map((o) => [`LINGGONG_${o.name.toUpperCase()}_URL`, 'http://127.0.0.1:9']),
    );
    const p = await startTestPlatform({ modules: [module], remoteModules: others, env });
    try {
      byService.set(module.name, routesOfTree(p.app.printRoutes({ commonPrefix: false })));
    } finally {
      await p.stop();
    }
  }
  return byService;
}

/** A concrete path for a route pattern (`:id` → a sample value). */
const samplePath = (route: string): string => route.replace(/:(\w+)/g, 'x1');

interface IngressPath {
  ingress: string;
  regex: RegExp;
  service: string;
  canary: boolean;
}

/** Every path of the rendered Ingresses as ingress-nginx uses them with use-regex: `~* ^<path>`. */
function ingressPaths(objects: K8sObject[]): IngressPath[] {
  return ofKind<IIngress>(objects, 'Ingress').flatMap((ing) => {
    const annotations = ing.metadata.annotations ?? {};
    expect(annotations['nginx.ingress.kubernetes.io/use-regex'], ing.metadata.name).toBe('true');
    return (ing.spec?.rules ?? []).flatMap((rule) =>
      (rule.http?.paths ?? []).map((p) => ({
        ingress: ing.metadata.name!,
        regex: new RegExp(`^${p.path}`, 'i'),
        service: p.backend.service!.name,
        canary: annotations['nginx.ingress.kubernetes.io/canary'] === 'true',
      })),
    );
  });
}

// ---------------------------------------------------------------------------------------------
// Compose

interface ComposeService {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test?: string[]; disable?: boolean };
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
}
interface ComposeFile {
  services: Record<string, ComposeService>;
}

const COMPOSE_DIR = join(DEPLOY, 'compose');

/** KEY=value lines of an env file (comments and blank lines skipped). */
function readEnvFile(path: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}

/**
 * Compose's interpolation of every string in `value`: ${VAR}, ${VAR:-default}, ${VAR-default},
 * ${VAR:?message}, ${VAR?message} and $$ for a literal $. A required variable without a value is
 * an error, as `docker compose` makes it.
 */
function interpolate(value: unknown, vars: Record<string, string>, missing: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?)([-?])([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (all, name?: string, colon?: string, op?: string, arg?: string, bare?: string) => {
        if (all === '$$') return '$';
        if (bare) return vars[bare] ?? '';
        const v = vars[name!];
        const unset = v === undefined || (colon === ':' && v === '');
        if (op === '?' && unset) missing.push(`${name}: ${arg}`);
        if (op === '-' && unset) return arg ?? '';
        return v ?? '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => interpolate(v, vars, missing));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, interpolate(v, vars, missing)]));
  }
  return value;
}

function composeSchemaValidator() {
  type FormatsPlugin = (ajv: Ajv) => Ajv;
  const addFormats =
    (formatsPlugin as unknown as { default?: FormatsPlugin }).default ??
    (formatsPlugin as unknown as FormatsPlugin);
  // The Compose Specification schema (draft-07) as dclint ships it.
  const { $schema, ...schema } = JSON.parse(
    readFileSync(join(ROOT, 'node_modules/dclint/schemas/compose.schema.json'), 'utf8'),
  ) as Record<string, unknown>;
  // It names draft-07 by an https URL Ajv does not know; Ajv's default draft is draft-07.
  expect($schema).toMatch(/draft-07/);
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

const formatErrors = (errors: ErrorObject[] | null | undefined): string[] =>
  (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);

// ---------------------------------------------------------------------------------------------

describe('Kubernetes manifests (deploy/k8s)', () => {
  const rendered = new Map<string, K8sObject[]>();
  let routes: Map<string, string[]>;

  beforeAll(async () => {
    for (const dir of ['base', ...Object.keys(OVERLAYS).map((o) => `overlays/${o}`)]) {
      rendered.set(dir, kustomizeBuild(join(DEPLOY, 'k8s', dir)));
    }
    routes = await routesByService();
  }, 120_000);

  it.each(['base', ...Object.keys(OVERLAYS).map((o) => `overlays/${o}`)])(
    '%s builds with kustomize and every object is valid against the Kubernetes schemas',
    (dir) => {
      const objects = rendered.get(dir)!;
      expect(objects.length).toBeGreaterThan(0);
      expect(schemaProblems(objects)).toEqual([]);
      const names = objects.map((o) => `${o.kind}/${o.metadata.name}`);
      expect(names.length, 'no object is rendered twice').toBe(new Set(names).size);
    },
  );

  it('a schema problem is reported (the validation can fail)', () => {
    const deployment = structuredClone(ofKind<IDeployment>(rendered.get('base')!, 'Deployment')[0]!);
    deployment.spec!.template.spec!.containers[0]!.ports = [{ containerPort: 'http' as unknown as number }];
    expect(schemaProblems([deployment])).toEqual([
      expect.stringMatching(/containerPort must be integer/) as string,
    ]);
  });

  it.each(Object.entries(OVERLAYS))(
    'overlay %s runs the %s profile in its own namespace on a pinned image',
    (overlay, profile) => {
      const objects = rendered.get(`overlays/${overlay}`)!;
      const config = ofKind<IConfigMap>(objects, 'ConfigMap').find(
        (c) => c.metadata.name === 'linggong-config',
      )!;
      expect(config.data?.LINGGONG_ENV).toBe(profile);
      expect(new Set(objects.map((o) => o.metadata.namespace)).size).toBe(1);
      expect(objects[0]!.metadata.namespace).toBeTruthy();
      for (const d of [...ofKind<IDeployment>(objects, 'Deployment'), ...ofKind<IJob>(objects, 'Job')]) {
        for (const c of d.spec!.template.spec!.containers) {
          expect(c.image, `${d.metadata.name}`).toMatch(/:[\w.-]+$/);
          expect(c.image, `${d.metadata.name}`).not.toMatch(/:latest$/);
        }
      }
    },
  );

  it.each(['base', ...Object.keys(OVERLAYS).map((o) => `overlays/${o}`)])(
    '%s: per service HTTP processes with probes, drain and limits, one worker, and search as one process',
    (dir) => {
      const objects = rendered.get(dir)!;
      const deployments = ofKind<IDeployment>(objects, 'Deployment');
      const hpas = ofKind<IHorizontalPodAutoscaler>(objects, 'HorizontalPodAutoscaler');
      const pdbs = ofKind<IPodDisruptionBudget>(objects, 'PodDisruptionBudget');
      const services = ofKind<IService>(objects, 'Service');
      const config = ofKind<IConfigMap>(objects, 'ConfigMap').find(
        (c) => c.metadata.name === 'linggong-config',
      )!;
      const graceSeconds = Number(config.data?.LINGGONG_SHUTDOWN_GRACE_MS) / 1000;
      expect(graceSeconds).toBeGreaterThan(0);

      const roles = new Map<string, { http: number; worker: number }>();
      for (const d of deployments) {
        const pod = d.spec!.template;
        const [container, ...more] = pod.spec!.containers;
        expect(more, d.metadata.name).toEqual([]);
        const args = parseArgs(container!.args ?? []);
        expect(args.services).toHaveLength(1);
        const service = args.services[0]!;
        expect(SERVICE_NAMES).toContain(service);
        const role = d.metadata.labels?.['linggong.dev/role'];
        const seen = roles.get(service) ?? { http: 0, worker: 0 };
        if (role === 'http') seen.http++;
        if (role === 'worker') seen.worker++;
        roles.set(service, seen);

        // Every process: non-root, read-only root, the writable folders on emptyDir, limits.
        expect(pod.spec!.securityContext?.runAsNonRoot, d.metadata.name).toBe(true);
        expect(pod.spec!.securityContext?.runAsUser).not.toBe(0);
        expect(container!.securityContext?.readOnlyRootFilesystem, d.metadata.name).toBe(true);
        expect(container!.securityContext?.allowPrivilegeEscalation).toBe(false);
        const emptyDirs = new Set((pod.spec!.volumes ?? []).filter((v) => v.emptyDir).map((v) => v.name));
        const writable = (container!.volumeMounts ?? [])
          .filter((m) => emptyDirs.has(m.name))
          .map((m) => m.mountPath);
        expect(writable.sort(), d.metadata.name).toEqual(['/app/data', '/tmp']);
        expect(container!.resources?.requests?.cpu, d.metadata.name).toBeDefined();
        expect(container!.resources?.requests?.memory).toBeDefined();
        expect(container!.resources?.limits?.memory).toBeDefined();

        // Every process answers its probes and metrics (a worker on its operations port).
        expect(container!.readinessProbe?.httpGet?.path, d.metadata.name).toBe('/readyz');
        expect(container!.livenessProbe?.httpGet?.path, d.metadata.name).toBe('/healthz');
        expect(container!.startupProbe?.httpGet?.path, d.metadata.name).toBe('/healthz');
        expect(pod.metadata?.annotations?.['prometheus.io/scrape']).toBe('true');
        expect(pod.metadata?.annotations?.['prometheus.io/path']).toBe('/metrics');
        if (role === 'worker') {
          expect(args.command, d.metadata.name).toBe('worker');
          expect(d.spec!.replicas, 'one worker per service').toBe(1);
          continue;
        }
        // HTTP processes (main and canary).
        expect(args.command, d.metadata.name).toBe('serve');
        expect(args.noWorkers, d.metadata.name).toBe(service !== SINGLE_PROCESS);
        const preStop = container!.lifecycle?.preStop?.exec?.command ?? [];
        expect(preStop[0], d.metadata.name).toBe('sleep');
        const sleep = Number(preStop[1]);
        expect(sleep).toBeGreaterThan(0);
        // The kubelet kills at the grace period: the preStop sleep and the app's own drain fit in it.
        expect(pod.spec!.terminationGracePeriodSeconds, d.metadata.name).toBeGreaterThanOrEqual(
          sleep + graceSeconds,
        );

        if (role === 'http') {
          const selected = services.filter((s) =>
            Object.entries(s.spec?.selector ?? {}).every(([k, v]) => pod.metadata?.labels?.[k] === v),
          );
          expect(
            selected.map((s) => s.metadata.name),
            d.metadata.name,
          ).toEqual([d.metadata.name]);
          const budget = pdbs.filter((p) =>
            Object.entries(p.spec?.selector?.matchLabels ?? {}).every(
              ([k, v]) => pod.metadata?.labels?.[k] === v,
            ),
          );
          expect(budget, `${d.metadata.name} has one disruption budget`).toHaveLength(1);
          const hpa = hpas.filter((h) => h.spec!.scaleTargetRef.name === d.metadata.name);
          if (service === SINGLE_PROCESS) {
            expect(hpa, 'search is one process').toEqual([]);
            expect(d.spec!.replicas).toBe(1);
          } else {
            expect(hpa, `${d.metadata.name} has an autoscaler`).toHaveLength(1);
            expect(d.spec!.replicas, 'the autoscaler owns the count').toBeUndefined();
          }
        }
      }
      for (const service of SERVICE_NAMES) {
        expect(roles.get(service), service).toEqual({ http: 1, worker: service === SINGLE_PROCESS ? 0 : 1 });
      }
    },
  );

  it.each(['base', ...Object.keys(OVERLAYS).map((o) => `overlays/${o}`)])(
    '%s: the migration Job runs `migrate up` with the environment of the services',
    (dir) => {
      const objects = rendered.get(dir)!;
      const [job, ...more] = ofKind<IJob>(objects, 'Job');
      expect(more).toEqual([]);
      const container = job!.spec!.template.spec!.containers[0]!;
      expect(container.args).toEqual(['migrate', 'up']);
      expect(job!.spec!.template.spec!.restartPolicy).toBe('Never');
      const env = containerEnv(objects, container);
      expect(environmentProblems(env, SERVICE_NAMES)).toEqual([]);
      // Every service's database is named explicitly (none falls back to the default).
      for (const s of SERVICE_NAMES)
        expect(env[`LINGGONG_${s.toUpperCase()}_DATABASE_URL`], s).toMatch(/^mysql:\/\//);
    },
  );

  it.each(['base', ...Object.keys(OVERLAYS).map((o) => `overlays/${o}`)])(
    '%s: every LINGGONG_* variable is known and each process gets a configuration that loads',
    (dir) => {
      const objects = rendered.get(dir)!;
      const names = [
        ...ofKind<IConfigMap>(objects, 'ConfigMap').flatMap((c) => Object.keys(c.data ?? {})),
        ...ofKind<ISecret>(objects, 'Secret').flatMap((s) => [
          ...Object.keys(s.stringData ?? {}),
          ...Object.keys(s.data ?? {}),
        ]),
        ...[...ofKind<IDeployment>(objects, 'Deployment'), ...ofKind<IJob>(objects, 'Job')].flatMap((d) =>
          d.spec!.template.spec!.containers.flatMap((c) => (c.env ?? []).map((e) => e.name)),
        ),
      ];
      expect(names.filter((n) => n.startsWith('LINGGONG_')).length).toBeGreaterThan(10);
      expect(unknownVariables(names)).toEqual([]);
      for (const d of ofKind<IDeployment>(objects, 'Deployment')) {
        const container = d.spec!.template.spec!.containers[0]!;
        const { services } = parseArgs(container.args ?? []);
        expect(environmentProblems(containerEnv(objects, container), services), d.metadata.name).toEqual([]);
      }
    },
  );

  it('every public route of each service reaches its Service through the Ingress, no /internal/ route does', () => {
    // Routes every process has (health, metrics, docs, admin of events) are the platform's.
    const all = [...routes.values()];
    const common = new Set(all[0]!.filter((r) => all.every((list) => list.includes(r))));
    expect(common).toContain('/healthz');
    let publicRoutes = 0;
    for (const overlay of ['base', 'overlays/prod']) {
      const objects = rendered.get(overlay)!;
      const paths = ingressPaths(objects).filter((p) => !p.canary);
      const serviceNames = new Set(ofKind<IService>(objects, 'Service').map((s) => s.metadata.name));
      for (const p of paths) expect(serviceNames, p.ingress).toContain(p.service);
      const targets = (path: string) => [
        ...new Set(paths.filter((p) => p.regex.test(path)).map((p) => p.service)),
      ];

      for (const [service, list] of routes) {
        for (const route of list.filter((r) => !common.has(r))) {
          const path = samplePath(route);
          if (route.startsWith('/internal/')) {
            expect(targets(path), route).toEqual([]);
          } else {
            expect(targets(path), `${route} (${service})`).toEqual([`linggong-${service}`]);
            publicRoutes++;
          }
        }
        // The platform's admin routes of one service's events and workflows go to that service.
        expect(targets(`/api/v1/admin/dead-letters/${service}/x1`)).toEqual([`linggong-${service}`]);
        expect(targets(`/api/v1/admin/workflows/${service}/x1/retry`)).toEqual([`linggong-${service}`]);
      }
      // The API description of the whole platform is the user service's to answer, as at the gateway.
      for (const r of ['/docs/', '/openapi.json']) expect(targets(r), r).toEqual(['linggong-user']);
      for (const r of ['/healthz', '/readyz', '/metrics', '/internal/v1/anything'])
        expect(targets(r), r).toEqual([]);
    }
    expect(publicRoutes).toBeGreaterThan(100);
  });

  it('the prod overlay has an ingress-nginx canary for the same host and paths as the main Ingress', () => {
    const objects = rendered.get('overlays/prod')!;
    const ingresses = ofKind<IIngress>(objects, 'Ingress');
    const canaries = ingresses.filter(
      (i) => i.metadata.annotations?.['nginx.ingress.kubernetes.io/canary'] === 'true',
    );
    expect(canaries.length).toBeGreaterThan(0);
    const main = ingresses.filter((i) => !canaries.includes(i));
    const routed = new Set(
      main.flatMap((i) => i.spec!.rules!.flatMap((r) => r.http!.paths.map((p) => `${r.host} ${p.path}`))),
    );
    for (const canary of canaries) {
      expect(
        Number(canary.metadata.annotations?.['nginx.ingress.kubernetes.io/canary-weight']),
      ).toBeGreaterThan(0);
      for (const rule of canary.spec!.rules!) {
        for (const p of rule.http!.paths) {
          expect(routed, 'a canary path pairs with a main path').toContain(`${rule.host} ${p.path}`);
          const backend = ofKind<IService>(objects, 'Service').find(
            (s) => s.metadata.name === p.backend.service!.name,
          );
          expect(backend?.spec?.selector?.['linggong.dev/role']).toBe('canary');
        }
      }
    }
  });
});

describe('docker compose (deploy/compose)', () => {
  const raw = readFileSync(join(COMPOSE_DIR, 'docker-compose.yml'), 'utf8');
  const compose = parseYaml(raw, { merge: true }) as ComposeFile;
  const envExample = readEnvFile(join(COMPOSE_DIR, '.env.example'));
  const missing: string[] = [];
  const interpolated = interpolate(compose, envExample, missing) as ComposeFile;
  const validate = composeSchemaValidator();

  it('is valid against the Compose Specification schema, as written and once interpolated', () => {
    expect(validate(compose) ? [] : formatErrors(validate.errors)).toEqual([]);
    expect(validate(interpolated) ? [] : formatErrors(validate.errors)).toEqual([]);
  });

  it('the schema check can fail', () => {
    const broken = structuredClone(compose);
    broken.services.user!.depends_on = { migrate: { condition: 'service_finished' } };
    expect(validate(broken)).toBe(false);
  });

  it('.env.example gives every variable the file requires', () => {
    expect(missing).toEqual([]);
    const withoutSecret = { ...envExample };
    delete withoutSecret.LINGGONG_SECRET;
    const missingNow: string[] = [];
    interpolate(compose, withoutSecret, missingNow);
    expect(missingNow.some((m) => m.startsWith('LINGGONG_SECRET'))).toBe(true);
  });

  it('runs per service HTTP processes and a worker, search as one process, all after the migration', () => {
    const services = interpolated.services;
    expect(services.migrate?.command).toEqual(['migrate', 'up']);
    const seen = new Map<string, string[]>();
    for (const [name, s] of Object.entries(services)) {
      if (!s.command || !['serve', 'worker'].includes(s.command[0]!)) continue;
      const args = parseArgs(s.command);
      expect(args.services, name).toHaveLength(1);
      const service = args.services[0]!;
      expect(SERVICE_NAMES).toContain(service);
      seen.set(service, [...(seen.get(service) ?? []), name]);
      expect(s.depends_on?.migrate?.condition, name).toBe('service_completed_successfully');
      if (args.command === 'serve') {
        // The gateway's upstreams (deploy/nginx/upstreams/compose.conf) name the service itself.
        expect(name).toBe(service);
        expect(args.noWorkers, name).toBe(service !== SINGLE_PROCESS);
      }
      // A worker answers /healthz on its operations port like a serve process.
      expect(s.healthcheck?.disable, `${name} keeps the image's /healthz check`).not.toBe(true);
      expect(s.read_only, name).toBe(true);
      expect(s.tmpfs?.sort(), name).toEqual(['/app/data', '/tmp']);
    }
    for (const service of SERVICE_NAMES) {
      expect(seen.get(service)?.length, service).toBe(service === SINGLE_PROCESS ? 1 : 2);
    }
  });

  it('every dependency exists and waits on a health check where it asks for one', () => {
    const services = interpolated.services;
    const dockerfileHasHealthcheck = /^HEALTHCHECK /m.test(
      readFileSync(join(DEPLOY, 'docker/Dockerfile'), 'utf8'),
    );
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = services[dep];
        expect(target, `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') {
          const own = target!.healthcheck?.test !== undefined;
          const image = target!.image === envExample.IMAGE && dockerfileHasHealthcheck;
          expect(own || image, `${dep} has a health check`).toBe(true);
          expect(target!.healthcheck?.disable, dep).not.toBe(true);
        }
      }
    }
  });

  it('Redis keeps queues: AOF on and no eviction', () => {
    const command = interpolated.services.redis!.command!.join(' ');
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
  });

  it('MySQL gets a database per service and each service is pointed at its own', () => {
    const script = readFileSync(join(COMPOSE_DIR, 'mysql/init/01-linggong-databases.sh'), 'utf8');
    const listed = /for service in ([a-z ]+); do/.exec(script)?.[1]?.split(' ');
    expect(listed?.sort()).toEqual([...SERVICE_NAMES].sort());
    const env = interpolated.services.user!.environment!;
    for (const s of SERVICE_NAMES) {
      expect(new URL(env[`LINGGONG_${s.toUpperCase()}_DATABASE_URL`]!).pathname).toBe(`/linggong_${s}`);
    }
  });

  it('every bind-mounted file exists, and the gateway has every file its nginx configuration includes', () => {
    const mounts = Object.values(interpolated.services).flatMap((s) => s.volumes ?? []);
    for (const m of mounts) {
      const source = m.split(':')[0]!;
      if (source.startsWith('.')) expect(existsSync(resolve(COMPOSE_DIR, source)), source).toBe(true);
    }
    const gateway = interpolated.services.gateway!;
    const inside = new Set((gateway.volumes ?? []).map((v) => relative('/etc/nginx', v.split(':')[1]!)));
    const nginxDir = join(DEPLOY, 'nginx');
    for (const file of ['nginx.conf', 'linggong.conf']) expect(inside).toContain(file);
    const pending = ['nginx.conf'];
    const checked = new Set<string>();
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (checked.has(file)) continue;
      checked.add(file);
      const mount = (gateway.volumes ?? []).find((v) => relative('/etc/nginx', v.split(':')[1]!) === file);
      expect(mount, `${file} is mounted`).toBeDefined();
      const text = readFileSync(resolve(COMPOSE_DIR, mount!.split(':')[0]!), 'utf8');
      for (const m of text.matchAll(/^\s*include\s+([^;\s]+);/gm)) pending.push(m[1]!);
      // Certificates come from the TLS volume.
      for (const m of text.matchAll(/^\s*ssl_certificate(?:_key)?\s+([^;\s]+);/gm)) {
        expect(inside.has(dirname(m[1]!)), m[1]).toBe(true);
      }
    }
    expect(checked.size).toBeGreaterThan(2);
    expect(existsSync(nginxDir)).toBe(true);
  });

  it('every LINGGONG_* variable is known and each Linggong process gets a configuration that loads', () => {
    const names = Object.values(compose.services).flatMap((s) => Object.keys(s.environment ?? {}));
    names.push(...Object.keys(envExample));
    expect(unknownVariables(names)).toEqual([]);
    let processes = 0;
    for (const [name, s] of Object.entries(interpolated.services)) {
      if (!s.command || !['serve', 'worker', 'migrate'].includes(s.command[0]!)) continue;
      const services = s.command[0] === 'migrate' ? SERVICE_NAMES : parseArgs(s.command).services;
      expect(environmentProblems(s.environment ?? {}, services), name).toEqual([]);
      processes++;
    }
    expect(processes).toBe(1 + 2 * SERVICE_NAMES.length - 1);
  });
});

describe('the image (deploy/docker/Dockerfile)', () => {
  const text = readFileSync(join(DEPLOY, 'docker/Dockerfile'), 'utf8');
  const dockerfile = DockerfileParser.parse(text);
  const instructions = dockerfile.getInstructions();
  const lastFrom = instructions.map((i) => i.getKeyword()).lastIndexOf('FROM');
  const runtime = instructions.slice(lastFrom);
  const args = Object.fromEntries(
    dockerfile.getInitialARGs().flatMap((a) => {
      const p = a.getProperty();
      return p ? [[p.getName(), p.getValue() ?? '']] : [];
    }),
  );
  const keyword = (k: string): Instruction[] => runtime.filter((i) => i.getKeyword() === k);
  const envOf = (): Record<string, string> =>
    Object.fromEntries(
      dockerfile
        .getENVs()
        .filter((e) => e.getRange().start.line >= runtime[0]!.getRange().start.line)
        .flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue() ?? ''])),
    );

  it('is several stages and runs on Node 24 (bookworm-slim)', () => {
    expect(lastFrom).toBeGreaterThan(0);
    const image = runtime[0]!
      .getArgumentsContent()!
      .split(/\s+/)[0]!
      .replace(/\$\{(\w+)\}/g, (_, n: string) => args[n] ?? '');
    expect(image).toBe('node:24-bookworm-slim');
  });

  it('runs as a user other than root', () => {
    const users = keyword('USER');
    expect(users.length).toBeGreaterThan(0);
    const user = users.at(-1)!.getArgumentsContent()!.split(':')[0]!;
    expect(['root', '0', '']).not.toContain(user);
  });

  it('sets the malloc settings `linggong serve` wants, and listens on every interface', () => {
    const env = envOf();
    expect(env.GLIBC_TUNABLES).toBe(tunedGlibcTunables({}));
    expect(env.LINGGONG_HOST).toBe('0.0.0.0');
    expect(unknownVariables(Object.keys(env))).toEqual([]);
  });

  it('checks its health on /healthz and starts `linggong serve`', () => {
    const [check] = keyword('HEALTHCHECK');
    expect(check?.getArgumentsContent()).toMatch(/CMD .*\/healthz/);
    expect(keyword('ENTRYPOINT').at(-1)?.getArgumentsContent()).toBe('["node", "bin/linggong.mjs"]');
    expect(keyword('CMD').at(-1)?.getArgumentsContent()).toBe('["serve"]');
    expect(keyword('EXPOSE').at(-1)?.getArgumentsContent()).toBe('3000');
  });

  it('copies only files that exist and that its ignore file lets into the context', () => {
    const ignore = readFileSync(join(DEPLOY, 'docker/Dockerfile.dockerignore'), 'utf8');
    // COPY --from=<stage> copies from an earlier stage, not from the context.
    const copies = dockerfile.getCOPYs().filter((c) => c.getFromFlag() === null);
    expect(copies.length).toBeGreaterThan(0);
    for (const copy of copies) {
      const parts = copy.getArguments().map((a) => a.getValue());
      for (const source of parts.slice(0, -1)) {
        expect(existsSync(join(ROOT, source)), source).toBe(true);
        expect(ignore, `${source} is let in`).toMatch(
          new RegExp(`^!${source.replace(/[.*]/g, '\\$&')}(/\\*\\*)?$`, 'm'),
        );
      }
    }
  });
});
