import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fixtureArgs } from './serve.js';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Runs a fixture script (`test/fixtures/….ts`, see fixtureArgs) in a child process with `env` and
 * SIGKILLs it as soon as its output shows `marker`; rejects if it exits first or never shows it.
 */
export function runUntilKilled(
  script: string,
  env: Record<string, string>,
  marker: string,
  timeoutMs = 60_000,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, fixtureArgs(script), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} never printed ${marker}:\n${out}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      out += d.toString();
      if (out.includes(marker)) {
        clearTimeout(timer);
        child.kill('SIGKILL');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`${script} exited with ${code} before the kill:\n${out}`));
    });
  });
}
