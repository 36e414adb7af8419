import { readdirSync, readFileSync } from 'node:fs';

// Linux /proc readers for a server process under load. CPU figures are in clock ticks of 10 ms, so
// a run needs a few seconds (thousands of requests) before a per-request figure means anything.

/** The fields of a /proc stat file after the command name, from field 3 (`state`) on. */
function statFields(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system) the process has used so far, in ms (/proc/<pid>/stat). */
export function cpuMsOf(pid: number): number {
  const fields = statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Minor page faults of the process so far (/proc/<pid>/stat, field 10). */
export function minorFaultsOf(pid: number): number {
  return Number(statFields(readFileSync(`/proc/${pid}/stat`, 'utf8'))[7]);
}

/** CPU ms per thread of the process (/proc/<pid>/task), keyed `name#tid`. */
export function threadCpuMsOf(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = statFields(stat);
      out.set(`${name}#${tid}`, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // the thread ended
    }
  }
  return out;
}

/** Resident memory of the process, in bytes. */
export function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}
