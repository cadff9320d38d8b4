/** The benchmark's CPU of a process tree (the cluster's PostgreSQL: a postmaster and its backends). */
import { describe, expect, it } from 'vitest';
import { treeCpuSeconds, type ProcessEntry } from '../../bench/process-usage';

const table = (rows: [pid: number, ppid: number, cpuSeconds: number][]) =>
  new Map<number, ProcessEntry>(rows.map(([pid, ppid, cpuSeconds]) => [pid, { ppid, cpuSeconds }]));

describe('CPU of a process tree', () => {
  it('adds every descendant of the root and nothing else', () => {
    const procs = table([
      [1, 0, 100], // init: not in the tree
      [10, 1, 2], // the postmaster
      [11, 10, 3], // a backend
      [12, 10, 0.5], // another
      [13, 12, 0.25], // a grandchild
      [20, 1, 7], // a sibling of the root: not in the tree
      [21, 20, 9],
    ]);
    expect(treeCpuSeconds(procs, 10)).toBeCloseTo(5.75);
    expect(treeCpuSeconds(procs, 12)).toBeCloseTo(0.75);
  });

  it('counts a child once whether it is alive or already reaped into its parent', () => {
    const alive = table([
      [10, 1, 2],
      [11, 10, 3],
    ]);
    // After the exit the kernel adds the child's 3 s to the parent's children's time.
    const reaped = table([[10, 1, 5]]);
    expect(treeCpuSeconds(alive, 10)).toBe(treeCpuSeconds(reaped, 10));
  });

  it('is 0 for a process that is gone, and stops on a parent loop', () => {
    expect(treeCpuSeconds(table([[10, 1, 2]]), 99)).toBe(0);
    expect(
      treeCpuSeconds(
        table([
          [10, 11, 1],
          [11, 10, 1],
        ]),
        10,
      ),
    ).toBe(2);
  });
});
