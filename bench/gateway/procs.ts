import { readdirSync, readFileSync } from 'node:fs';

// CPU accounting of the processes a topology runs, read from Linux's /proc (ticks of 10 ms: a
// figure per request needs a few thousand requests to mean anything).

interface ProcStat {
  pid: number;
  ppid: number;
  comm: string;
  /** user + system CPU so far, ms. */
  cpuMs: number;
}

function readStat(pid: number): ProcStat | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pid, ppid: Number(fields[1]), comm, cpuMs: (Number(fields[11]) + Number(fields[12])) * 10 };
  } catch {
    return undefined; // the process ended meanwhile
  }
}

function allProcesses(): ProcStat[] {
  const out: ProcStat[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) out.push(s);
  }
  return out;
}

/** Database servers on this host, counted apart (other work on the host uses them too). */
const DATABASES = new Set(['mariadbd', 'mysqld', 'redis-server']);

/**
 * CPU ms so far of every process this one started (and their children: nginx's workers), grouped
 * by `group(pid, comm)`, plus the database servers' as `mariadb+redis` and this process's as
 * `client`.
 */
export function cpuByGroup(group: (pid: number, comm: string) => string): Map<string, number> {
  const procs = allProcesses();
  const children = new Map<number, ProcStat[]>();
  for (const p of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), p]);
  const out = new Map<string, number>();
  const add = (key: string, ms: number) => out.set(key, (out.get(key) ?? 0) + ms);
  const walk = (pid: number, inherited?: string) => {
    for (const c of children.get(pid) ?? []) {
      const key = inherited ?? group(c.pid, c.comm);
      add(key, c.cpuMs);
      walk(c.pid, key);
    }
  };
  walk(process.pid);
  for (const p of procs) if (DATABASES.has(p.comm)) add('mariadb+redis', p.cpuMs);
  const self = process.cpuUsage();
  add('client', (self.user + self.system) / 1000);
  return out;
}

/** The CPU each group used between two readings, µs per request. */
export function cpuPerRequest(
  before: Map<string, number>,
  after: Map<string, number>,
  requests: number,
): Map<string, number> {
  const out = new Map<string, number>();
  for (const [key, ms] of after) out.set(key, ((ms - (before.get(key) ?? 0)) * 1000) / Math.max(1, requests));
  return out;
}
