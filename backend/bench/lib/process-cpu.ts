import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time of processes from /proc (Linux), to say where a load test's CPU went: the backend's
 * Node process and the PostgreSQL backends serving it share the same 2 cores.
 */
const TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on Linux for /proc/<pid>/stat

/** User + system CPU milliseconds of `pid`, or 0 when it has exited. */
export function cpuMs(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1000;
}

export function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** CPU milliseconds of every current child of `parent`, by pid. */
export function childrenCpuMs(parent: number): Map<number, number> {
  const result = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      if (parentOf(pid) === parent) result.set(pid, cpuMs(pid));
    } catch {
      // The process exited between readdir and read.
    }
  }
  return result;
}

/** CPU spent by the children of `parent` between two childrenCpuMs snapshots (new children in full). */
export function childrenCpuDelta(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
