/**
 * Password hashing with and without the glibc malloc settings `linggong serve` runs with
 * (bin/malloc.mjs): the user service's own hashPassword, in child processes started with and
 * without GLIBC_TUNABLES, taking turns. Per hash: wall time, CPU time in user and kernel mode,
 * minor page faults; and the event loop's delay meanwhile.
 *
 *   npm run bench:passwords -- --hashes 40 --rounds 3
 */
import { execFileSync, fork } from 'node:child_process';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { resolve as resolvePath } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { runsOnGlibc, tunedGlibcTunables } from '../../bin/malloc.mjs';
import {
  PASSWORD_HASH_CONCURRENCY,
  PASSWORD_HASH_SETTINGS,
  hashPassword,
} from '../../src/services/user/passwords.js';
import { minorFaultsOf } from '../http/proc.js';

interface Figures {
  hashes: number;
  wallMs: number;
  userMs: number;
  systemMs: number;
  minorFaults: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
}

const { values } = parseArgs({
  options: {
    hashes: { type: 'string', default: '40' },
    warmup: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    child: { type: 'boolean', default: false },
  },
});
const hashes = Number(values.hashes);
const warmup = Number(values.warmup);

/** Hashes `warmup` passwords, then measures `hashes` more, one after another. */
async function measure(): Promise<Figures> {
  for (let i = 0; i < warmup; i++) await hashPassword(`warm-up ${i}`);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  const faults = minorFaultsOf(process.pid);
  const cpu = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < hashes; i++) await hashPassword(`password ${i}`);
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  delay.disable();
  return {
    hashes,
    wallMs: wall / hashes,
    userMs: used.user / 1000 / hashes,
    systemMs: used.system / 1000 / hashes,
    minorFaults: (minorFaultsOf(process.pid) - faults) / hashes,
    loopDelayP99Ms: delay.percentile(99) / 1e6,
    loopDelayMaxMs: delay.max / 1e6,
  };
}

function runChild(env: NodeJS.ProcessEnv): Promise<Figures> {
  return new Promise((resolve, reject) => {
    const args = [process.argv[1]!, '--child', '--hashes', String(hashes), '--warmup', String(warmup)];
    const child = fork(resolvePath('bin/run-ts.mjs'), args, {
      env,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    child.once('message', (m) => resolve(m as Figures));
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`bench child exited with ${String(code)}`));
    });
  });
}

const fmt = (n: number, digits = 1) => n.toFixed(digits);
const line = (label: string, f: Figures) =>
  `  ${label.padEnd(24)} ${fmt(f.wallMs).padStart(6)} ms/hash   user ${fmt(f.userMs).padStart(6)} ms   ` +
  `kernel ${fmt(f.systemMs).padStart(5)} ms   ${fmt(f.minorFaults, 0).padStart(5)} page faults   ` +
  `event loop delay p99 ${fmt(f.loopDelayP99Ms, 2)} ms, max ${fmt(f.loopDelayMaxMs, 2)} ms`;

async function main(): Promise<void> {
  if (values.child) {
    process.send!(await measure());
    return;
  }
  if (!runsOnGlibc()) {
    console.log('Not on glibc: GLIBC_TUNABLES changes nothing here, so there is nothing to compare.');
    return;
  }
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const { N, r, p } = PASSWORD_HASH_SETTINGS;
  const glibc = execFileSync('ldd', ['--version'], { encoding: 'utf8' }).split('\n')[0];
  console.log(
    `Linggong password hashing (scrypt N=2^${Math.log2(N)}, r=${r}, p=${p}; ${PASSWORD_HASH_CONCURRENCY} at a time): ` +
      `${hashes} hashes after ${warmup} of warm-up, per process and round`,
  );
  console.log(
    `  machine: ${availableParallelism()} cores (${cpu}), ${fmt(totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${glibc}`,
  );
  const { GLIBC_TUNABLES: _unset, ...untuned } = process.env;
  const tuned = { ...untuned, GLIBC_TUNABLES: tunedGlibcTunables({}) };
  console.log(`  tuned: GLIBC_TUNABLES=${tuned.GLIBC_TUNABLES}`);
  for (let round = 1; round <= Number(values.rounds); round++) {
    console.log(`round ${round}`);
    console.log(line('glibc defaults', await runChild(untuned)));
    console.log(line('linggong serve settings', await runChild(tuned)));
  }
}

await main();
