/** CPU seconds and memory of another process, from /proc (Linux). */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

export interface ProcessUsage {
  cpuSeconds: number;
  rssMb: number;
  peakRssMb: number;
}

/** The fields of `/proc/<pid>/stat` after the command name (which may contain spaces, closed by the last ')'). */
export function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

export function processUsage(pid: number): ProcessUsage {
  const fields = statFields(pid);
  const cpuSeconds = (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { cpuSeconds, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** One line of the process table: a process's parent and its CPU seconds, its reaped children's included. */
export interface ProcessEntry {
  ppid: number;
  /** utime + stime + cutime + cstime: the kernel adds a child's time to its parent's when the parent reaps it. */
  cpuSeconds: number;
}

/** `rootPid` and every process below it in `table`, each once (a stale table may hold a loop). */
export function processTree(table: ReadonlyMap<number, ProcessEntry>, rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, { ppid }] of table) {
    const siblings = children.get(ppid);
    if (siblings) siblings.push(pid);
    else children.set(ppid, [pid]);
  }
  const seen = new Set<number>();
  const pending = [rootPid];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return [...seen];
}

/**
 * CPU seconds of `rootPid` and every process below it. Each live process counts its own time and that of the
 * children it has reaped, so a child that exits between two readings moves from its own line to its parent's
 * and is counted once either way.
 */
export function treeCpuSeconds(table: ReadonlyMap<number, ProcessEntry>, rootPid: number): number {
  return processTree(table, rootPid).reduce((total, pid) => total + (table.get(pid)?.cpuSeconds ?? 0), 0);
}

/** Every process in /proc now; one that exits while it is read is left out (its time is in its parent's). */
export function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let fields: string[];
    try {
      fields = statFields(name);
    } catch {
      continue;
    }
    const ticks = [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0);
    table.set(Number(name), { ppid: Number(fields[1]), cpuSeconds: ticks / CLOCK_TICKS });
  }
  return table;
}

/** CPU seconds of a process and all its descendants (PostgreSQL: the postmaster and every backend). */
export function processTreeCpuSeconds(rootPid: number): number {
  return treeCpuSeconds(processTable(), rootPid);
}
