// glibc malloc settings for the server process (Linux). Plain JavaScript: the launcher reads them
// before any TypeScript is loaded. Why: docs/architecture.md, "Password hashing".

/**
 * Allocations below 64 MiB are served from malloc's heap and stay there when freed, and every
 * thread allocates from the one main heap. glibc's default maps anything above 32 MiB afresh and
 * unmaps it when freed, and one scrypt hash (N=2^15, r=8) asks for just over 32 MiB: every hash
 * faulted in 8,200 fresh pages and unmapped them again, which on a virtual machine more than
 * doubled its cost. With the thresholds raised but a heap per thread, a thread whose heap could
 * not grow by 32 MiB still mapped a new one for the hash and unmapped it after (every other login
 * in a server); one heap, grown with brk, has no such limit.
 */
export const MALLOC_TUNABLES = Object.freeze({
  'glibc.malloc.mmap_threshold': String(64 * 1024 * 1024),
  'glibc.malloc.trim_threshold': String(64 * 1024 * 1024),
  'glibc.malloc.arena_max': '1',
});

/** True when this process runs on glibc (GLIBC_TUNABLES means nothing elsewhere, e.g. musl). */
export function runsOnGlibc() {
  if (process.platform !== 'linux') return false;
  const header = /** @type {{ glibcVersionRuntime?: string }} */ (process.report.getReport().header);
  return typeof header.glibcVersionRuntime === 'string';
}

/**
 * The settings of MALLOC_TUNABLES that a GLIBC_TUNABLES value lacks, as `name=value` (settings
 * already there win, whatever their value).
 * @param {string | undefined} glibcTunables
 * @returns {string[]}
 */
export function missingMallocTunables(glibcTunables) {
  const present = new Set((glibcTunables ?? '').split(':').map((s) => s.split('=')[0]));
  return Object.entries(MALLOC_TUNABLES)
    .filter(([name]) => !present.has(name))
    .map(([name, value]) => `${name}=${value}`);
}

/**
 * The GLIBC_TUNABLES value for the server: the environment's with what it lacks added, or
 * undefined when nothing is to be added (all set already, or `LINGGONG_MALLOC_TUNING=off`).
 * @param {Record<string, string | undefined>} env
 * @returns {string | undefined}
 */
export function tunedGlibcTunables(env) {
  if (env.LINGGONG_MALLOC_TUNING === 'off') return undefined;
  const missing = missingMallocTunables(env.GLIBC_TUNABLES);
  if (missing.length === 0) return undefined;
  return [env.GLIBC_TUNABLES ?? '', ...missing].filter(Boolean).join(':');
}
