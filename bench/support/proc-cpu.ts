/**
 * CPU time of other processes, from /proc (Linux; USER_HZ = 100): the receivers, the load generator
 * and a PostgreSQL cluster's server processes (the postmaster and every backend and helper it
 * forked), so the hub benchmark can say where each event's CPU goes. Elsewhere every figure is null.
 */
import { readFileSync, readdirSync } from 'node:fs';

const TICK_MS = 10;

interface ProcStat {
  ppid: number;
  /** utime + stime, ms. */
  ownMs: number;
  /** cutime + cstime: children that exited and were waited for (PostgreSQL's ended backends), ms. */
  childrenMs: number;
}

function readStat(pid: number): ProcStat | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(fields[1]), ownMs: (Number(fields[11]) + Number(fields[12])) * TICK_MS, childrenMs: (Number(fields[13]) + Number(fields[14])) * TICK_MS };
  } catch {
    return null;
  }
}

/** CPU ms a process has used so far, with its waited-for children; null when it is gone or not on Linux. */
export function processCpuMs(pid: number): number | null {
  const stat = readStat(pid);
  return stat ? stat.ownMs + stat.childrenMs : null;
}

function allPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** The postmaster listening on `port` (found by its command line: `postgres … -p <port>`), or null. */
export function findPostmaster(port: number): number | null {
  for (const pid of allPids()) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.endsWith('postgres')) continue;
      const at = argv.indexOf('-p');
      if (at >= 0 && argv[at + 1] === String(port)) return pid;
    } catch {
      // gone meanwhile
    }
  }
  return null;
}

/**
 * CPU ms of a PostgreSQL cluster so far: the postmaster with its ended (waited-for) children, plus
 * every process it forked that is still running. A backend that ends between two readings moves
 * from the second term to the first, so differences stay right.
 */
export function clusterCpuMs(postmaster: number): number | null {
  const root = readStat(postmaster);
  if (!root) return null;
  let total = root.ownMs + root.childrenMs;
  for (const pid of allPids()) {
    const stat = pid === postmaster ? null : readStat(pid);
    if (stat && stat.ppid === postmaster) total += stat.ownMs;
  }
  return total;
}

/** Busy CPU ms of the whole machine so far (every core), from /proc/stat. */
export function machineBusyMs(): number | null {
  try {
    const [cpu] = readFileSync('/proc/stat', 'utf8').split('\n');
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = cpu!.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) * TICK_MS;
  } catch {
    return null;
  }
}
