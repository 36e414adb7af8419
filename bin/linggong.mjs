#!/usr/bin/env node
// Entry point of the `linggong` CLI. Runs the TypeScript sources through tsx where they are (a
// clone, development), otherwise the compiled build, dist/ (`npm run build`; the image).
//
// `linggong serve` on glibc needs malloc settings that glibc reads only when a process starts
// (bin/malloc.mjs). When GLIBC_TUNABLES lacks them, the server runs in a child process started
// with them, and this process only passes signals on and exits as the server did. With them set
// beforehand (as a container image should) or with LINGGONG_MALLOC_TUNING=off, it runs here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import module from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runsOnGlibc, tunedGlibcTunables } from './malloc.mjs';

// V8 keeps the code it compiles for the modules loaded from here on in a cache on disk (Node 22.1
// and later; NODE_DISABLE_COMPILE_CACHE=1 turns it off), so the next start of a process compiles less.
module.enableCompileCache?.();

/** Marks the server process this launcher started (it stops when the launcher goes away). */
const SUPERVISED = 'LINGGONG_SUPERVISED';
const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];

const tunables = process.argv[2] === 'serve' ? tunedGlibcTunables(process.env) : undefined;
if (tunables !== undefined && runsOnGlibc()) {
  superviseServer(tunables);
} else {
  if (process.env[SUPERVISED] === '1' && process.channel) {
    delete process.env[SUPERVISED];
    // Killed launchers leave no orphan: the server drains and stops as on SIGTERM.
    process.channel.unref();
    process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  }
  await runHere();
}

async function runHere() {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const compiled = !existsSync(`${root}src/main.ts`);
  if (!compiled) {
    const { register } = await import('tsx/esm/api');
    register();
  } else if (!existsSync(`${root}dist/main.js`)) {
    console.error('linggong: neither the sources (src/) nor a build (dist/, `npm run build`) are here');
    process.exit(1);
  }
  const source = (file) =>
    pathToFileURL(`${root}${compiled ? 'dist' : 'src'}/${file}.${compiled ? 'js' : 'ts'}`).href;
  // Tracing (LINGGONG_TRACING_*, environment only) starts before main loads Fastify: the http
  // instrumentation must patch node:http before anything imports it. Off, nothing is loaded.
  if (process.env.LINGGONG_TRACING_OTLP_URL?.trim()) {
    const { startTracing } = await import(source('platform/tracing'));
    await startTracing({
      env: process.env,
      services: servedServices(process.argv.slice(2)),
    });
  }
  await import(source('main'));
}

/**
 * The services named by --services (or LINGGONG_SERVICES), as main reads them; undefined for all.
 * @param {string[]} args
 */
function servedServices(args) {
  let list = process.env.LINGGONG_SERVICES;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--services' && args[i + 1] && !args[i + 1].startsWith('--')) list = args[i + 1];
    else if (args[i].startsWith('--services=')) list = args[i].slice('--services='.length);
  }
  const services = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return services.length === 0 || (services.length === 1 && services[0] === 'all') ? undefined : services;
}

/** @param {string} glibcTunables */
function superviseServer(glibcTunables) {
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, GLIBC_TUNABLES: glibcTunables, [SUPERVISED]: '1' },
  });
  /** @param {NodeJS.Signals} signal */
  const forward = (signal) => child.kill(signal);
  for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
  child.once('error', (e) => {
    console.error(`linggong: could not start the server process: ${e.message}`);
    process.exit(1);
  });
  child.once('exit', (code, signal) => {
    for (const s of FORWARDED_SIGNALS) process.off(s, forward);
    // End the way the server ended: its exit code, or the same signal.
    if (signal) process.kill(process.pid, signal);
    else process.exit(code ?? 1);
  });
}
