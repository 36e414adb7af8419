// The commands of `linggong` (src/main.ts reads the command line and answers help itself).
import { createServer, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { missingMallocTunables, runsOnGlibc } from '../../bin/malloc.mjs';
import { buildPlatform, type Platform } from '../app.js';
import type { CommandsKey } from '../platform/service.js';
import { ConfigError, listConfigVariables, loadConfig, type Config } from '../platform/config.js';
import { contextUsesFrames } from '../platform/context.js';
import { stopTracing } from '../platform/tracing.js';
import { DatabaseLockedError } from '../platform/db/process-lock.js';
import { paymentCommands } from '../services/payment/index.js';
import { orderCommands } from '../services/order/index.js';
import { searchCommands } from '../services/search/index.js';
import { DISPLAY_NAME_RULE, userCommands } from '../services/user/index.js';
import { isMainlandMobile } from '../platform/schemas.js';
import { checkText } from '../platform/text.js';
import { ALL_SERVICES } from '../services/registry.js';
import { HELP, type Parsed } from './usage.js';

function configFrom(flags: Parsed['flags']): Config {
  const overrides: Partial<Config> = {};
  if (typeof flags.services === 'string') overrides.services = flags.services.split(',').map((s) => s.trim());
  if (typeof flags.port === 'string') overrides.port = Number(flags.port);
  if (typeof flags.host === 'string') overrides.host = flags.host;
  if (flags.workers === true) overrides.workers = true;
  if (flags['no-workers'] === true) overrides.workers = false;
  return loadConfig({ services: ALL_SERVICES, overrides });
}

async function serve(flags: Parsed['flags']): Promise<void> {
  const config = configFrom(flags);
  const platform = await buildPlatform({ config });
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    platform.log.info({ signal }, 'shutting down: draining in-flight requests');
    const timer = setTimeout(() => {
      platform.log.error('shutdown grace period over, exiting');
      process.exit(1);
    }, config.shutdownGraceMs);
    timer.unref();
    await platform.close();
    await stopTracing();
    platform.log.info('stopped');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  try {
    const missing = runsOnGlibc() ? missingMallocTunables(config.glibcTunables) : [];
    if (missing.length > 0) {
      platform.log.warn(
        { missing },
        'GLIBC_TUNABLES lacks malloc settings: every password hash maps and faults in 32 MiB afresh (docs/architecture.md, "Password hashing")',
      );
    }
    if ((config.profile === 'staging' || config.profile === 'production') && !contextUsesFrames()) {
      platform.log.warn(
        { node: process.version },
        'this Node carries request contexts with an async hook on every async resource; production should run Node 24 LTS (README, "Node.js in production")',
      );
    }
    for (const line of await platform.migrate('up')) platform.log.info(line);
    if (config.seedDemo) {
      const lines = await platform.seed();
      if (lines.length > 0)
        console.log(`\nDemo data (printed once):\n${lines.map((l) => `  ${l}`).join('\n')}\n`);
    }
    const address = await platform.app.listen({ host: config.host, port: config.port });
    platform.startBackground();
    console.log(
      `Linggong is serving ${[...platform.services.keys()].join(', ') || 'no services'} (${config.profile})\n` +
        `  API:      ${address}/api/v1\n  Docs:     ${address}/docs\n  OpenAPI:  ${address}/openapi.json\n` +
        `  Health:   ${address}/healthz  ${address}/readyz\n  Metrics:  ${address}/metrics\n` +
        `Press Ctrl-C to stop.`,
    );
  } catch (e) {
    await platform.close().catch(() => undefined);
    throw e;
  }
}

/** The endpoints a worker answers: the probes and the metrics, nothing of the API. */
const WORKER_ENDPOINTS = new Set(['/healthz', '/readyz', '/metrics']);

async function worker(flags: Parsed['flags']): Promise<void> {
  const config = configFrom({ ...flags, workers: true });
  const platform = await buildPlatform({ config, api: false });
  // The platform's own handlers answer, through inject: the same readiness checks, metrics token
  // and problem+json answers as a serve process, on a listener that routes nothing else.
  const ops = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const problem = (status: number, code: string, title: string, detail: string): void => {
      res.writeHead(status, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({ type: `urn:linggong:error:${code}`, title, status, code, detail, instance: path }),
      );
    };
    if (req.method !== 'GET' || !WORKER_ENDPOINTS.has(path)) {
      problem(404, 'ROUTE_NOT_FOUND', 'Not Found', 'A worker answers /healthz, /readyz and /metrics only');
      return;
    }
    void platform.app
      .inject({ method: 'GET', url: req.url!, headers: req.headers })
      .then((r) => {
        res.writeHead(r.statusCode, r.headers as OutgoingHttpHeaders);
        res.end(r.rawPayload);
      })
      .catch((e: unknown) => {
        platform.log.error({ err: e, path }, 'worker: an operations endpoint failed');
        problem(500, 'INTERNAL', 'Internal Server Error', 'The operations endpoint failed; see the log');
      });
  });
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    ops.close();
    await platform.close();
    await stopTracing();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await platform.migrate('up');
  await new Promise<void>((resolve, reject) => {
    ops.once('error', reject);
    ops.listen(config.port, config.host, resolve);
  });
  platform.startBackground();
  const { port } = ops.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  console.log(
    `Linggong worker running for ${[...platform.services.keys()].join(', ')}.\n` +
      `  Health:   http://${host}:${port}/healthz  http://${host}:${port}/readyz\n` +
      `  Metrics:  http://${host}:${port}/metrics\nPress Ctrl-C to stop.`,
  );
}

async function withPlatform<T>(flags: Parsed['flags'], fn: (p: Platform) => Promise<T>): Promise<T> {
  const config = { ...configFrom(flags), logLevel: 'warn' as const };
  const platform = await buildPlatform({ config, api: false });
  try {
    return await fn(platform);
  } finally {
    await platform.close();
  }
}

/**
 * Runs `fn` with a service's CLI commands on its migrated database; exit code 2, saying `missing`,
 * when this process does not serve the service (--services).
 */
async function withCommands<C>(
  flags: Parsed['flags'],
  key: CommandsKey<C>,
  missing: string,
  fn: (commands: C, p: Platform) => Promise<number>,
): Promise<number> {
  return withPlatform(flags, async (p) => {
    const commands = p.commands(key);
    if (!commands) {
      console.error(missing);
      return 2;
    }
    await p.migrate('up');
    return fn(commands, p);
  });
}

async function dlq(positional: string[], flags: Parsed['flags']): Promise<number> {
  const [action, service, id] = positional;
  return withPlatform(flags, async (p) => {
    if (action === 'list') {
      const name = typeof flags.service === 'string' ? flags.service : undefined;
      for (const [svc, store] of p.events.deadLetterStores) {
        if (name && svc !== name) continue;
        const page = await store.list({
          state: typeof flags.state === 'string' ? flags.state : 'open',
          limit: 100,
        });
        for (const d of page.items)
          console.log(
            `${svc}\t${d.id}\t${d.consumer}\t${d.eventType}\t${d.attempts}\t${d.error.slice(0, 80)}`,
          );
      }
      return 0;
    }
    if (!service || !id || !['show', 'replay', 'discard'].includes(action ?? '')) {
      console.error(HELP.dlq);
      return 2;
    }
    if (action === 'show') {
      const d = await p.events.deadLetterStores.get(service)?.get(id);
      if (!d) {
        console.error('no such dead letter');
        return 1;
      }
      console.log(JSON.stringify(d, null, 2));
      return 0;
    }
    const result =
      action === 'replay'
        ? await p.events.replay(service, id, null)
        : await p.events.discard(service, id, null);
    console.log(`${result.id} is now ${result.state}`);
    return 0;
  });
}

async function reindex(flags: Parsed['flags']): Promise<number> {
  const missing =
    'reindex needs the search service in this process (and the job service or LINGGONG_JOB_URL)';
  return withCommands(flags, searchCommands, missing, async (search) => {
    const before = await search.status();
    if (before.needsReindex) console.log(`The current index cannot be used: ${before.needsReindex}`);
    const started = performance.now();
    const tty = process.stdout.isTTY === true;
    const phases = ['indexing', 'compacting', 'writing', 'done'];
    let lastLine = 0;
    const { documents } = await search.reindex(({ phase, documents: n }) => {
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? Math.round(n / seconds) : 0;
      if (tty) {
        // A bar over the phases (the number of jobs is not known up front) and a running count.
        const step = Math.max(0, phases.indexOf(phase));
        const width = 24;
        const filled = Math.round(((step + (phase === 'indexing' ? 0.5 : 1)) / phases.length) * width);
        const bar = '█'.repeat(filled) + '░'.repeat(width - filled);
        process.stdout.write(
          `\r${bar} ${phase.padEnd(10)} ${n.toLocaleString('en-US')} jobs  ${rate.toLocaleString('en-US')}/s  ${seconds.toFixed(1)} s `,
        );
      } else if (phase !== 'indexing' || performance.now() - lastLine > 2000) {
        lastLine = performance.now();
        console.log(`reindex: ${phase} ${n} jobs (${seconds.toFixed(1)} s)`);
      }
    });
    if (tty) process.stdout.write('\n');
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `Search index rebuilt: ${documents.toLocaleString('en-US')} open jobs in ${seconds.toFixed(1)} s.`,
    );
    return 0;
  });
}

async function ledgerCheck(positional: string[], flags: Parsed['flags']): Promise<number> {
  if (positional[0] !== 'check') {
    console.error(HELP.ledger);
    return 2;
  }
  const missing = 'ledger check needs the payment service in this process';
  return withCommands(flags, paymentCommands, missing, async (payment, p) => {
    const started = performance.now();
    // With the order service here, every ended order's escrow must be empty too.
    const orders = p.commands(orderCommands);
    const problems = await payment.checkLedger(orders ? { finalOrderIds: orders.finalOrderIds() } : {});
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (problems.length === 0) {
      console.log(`Ledger check: clean (${seconds} s).`);
      return 0;
    }
    for (const problem of problems) console.log(`${problem.code}: ${problem.message}`);
    console.log(`Ledger check: ${problems.length} problem(s) (${seconds} s).`);
    return 1;
  });
}

/** Runs a command other than help; answers its exit code, or -1 for one that keeps running. */
export async function runCommand({ command, positional, flags }: Parsed): Promise<number> {
  switch (command) {
    case 'serve':
      await serve(flags);
      return -1; // keeps running
    case 'worker':
      await worker(flags);
      return -1;
    case 'dlq':
      return dlq(positional, flags);
    case 'migrate': {
      const action = positional[0];
      if (action !== 'up' && action !== 'down' && action !== 'status') {
        console.error(HELP.migrate);
        return 2;
      }
      await withPlatform(flags, async (p) => {
        if (action === 'status') {
          for (const { db } of p.services.values()) {
            for (const m of await db.migrator().status()) {
              console.log(
                `${m.service.padEnd(14)} ${m.name.padEnd(48)} ${m.executedAt ? m.executedAt.toISOString() : 'pending'}`,
              );
            }
          }
        } else {
          const lines = await p.migrate(action);
          console.log(lines.length ? lines.join('\n') : 'Nothing to do.');
        }
      });
      return 0;
    }
    case 'seed':
      await withPlatform(flags, async (p) => {
        await p.migrate('up');
        const lines = await p.seed();
        console.log(lines.length ? lines.join('\n') : 'Demo data already present.');
      });
      return 0;
    case 'reindex':
      return reindex(flags);
    case 'ledger':
      return ledgerCheck(positional, flags);
    case 'create-admin': {
      const phone = flags.phone;
      if (typeof phone !== 'string') {
        console.error(HELP['create-admin']);
        return 2;
      }
      if (!isMainlandMobile(phone)) {
        console.error(`create-admin: ${phone} is not a mainland China mobile number (e.g. 13800000000)`);
        return 2;
      }
      const name = checkText(typeof flags.name === 'string' ? flags.name : '管理员', DISPLAY_NAME_RULE);
      if ('problem' in name) {
        console.error(
          `create-admin: --name breaks the rule of display names (${name.problem}: ` +
            `${DISPLAY_NAME_RULE.minLength} to ${DISPLAY_NAME_RULE.maxLength} visible characters, no control characters)`,
        );
        return 2;
      }
      const missing = 'create-admin needs the user service in this process';
      return withCommands(flags, userCommands, missing, async (admin) => {
        const user = await admin.createAdmin(phone, name.value);
        console.log(`Admin account ${user.id} is ready; sign in with an SMS code sent to that phone.`);
        return 0;
      });
    }
    case 'config':
      for (const v of listConfigVariables(ALL_SERVICES)) {
        console.log(`${v.name}${v.service ? ` (${v.service} service)` : ''}\n    ${v.doc}`);
      }
      return 0;
    default:
      return 2;
  }
}

/** Prints why a command failed, plainly for the failures a user can fix; answers the exit code. */
export function reportFailure(e: unknown): number {
  if (e instanceof ConfigError) {
    console.error(e.message);
    return 2;
  }
  if (e instanceof DatabaseLockedError) {
    console.error(e.message);
    return 2;
  }
  const missing = missingDatabase(e);
  if (missing !== undefined) {
    const create = missing
      ? `create it (CREATE DATABASE \`${missing}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci)`
      : 'create it';
    console.error(
      `The database "${missing || 'named in LINGGONG_DATABASE_URL'}" does not exist: ${create} or point ` +
        'LINGGONG_DATABASE_URL (or LINGGONG_<SERVICE>_DATABASE_URL) at one that does.',
    );
    return 2;
  }
  console.error(e);
  return 1;
}

/**
 * The name of the MySQL/MariaDB database an error says is missing (ER_BAD_DB_ERROR; '' when the
 * message does not name it), or undefined for any other error.
 */
function missingDatabase(e: unknown): string | undefined {
  if ((e as { code?: unknown } | null)?.code !== 'ER_BAD_DB_ERROR') return undefined;
  return /Unknown database '([^']+)'/.exec((e as Error).message)?.[1] ?? '';
}
