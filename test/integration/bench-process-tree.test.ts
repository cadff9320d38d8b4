/**
 * The benchmark's CPU of a real process tree, read from /proc: a parent whose child burns CPU, as PostgreSQL's
 * backends do for the postmaster. The parent's own figure misses the child; the tree's has it, alive or reaped.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { processTreeCpuSeconds, processUsage } from '../../bench/process-usage';

// The child spins until it has used 600 ms of CPU and exits; the parent waits for it (so the kernel reaps it
// into the parent's children's time), then reports and idles until it is stopped.
const CHILD = 'while (process.cpuUsage().user < 600000);';
const PARENT = `
const { spawn } = require('node:child_process');
const child = spawn(process.execPath, ['-e', ${JSON.stringify(CHILD)}]);
process.stdout.write('child ' + child.pid + '\\n');
child.on('exit', () => process.stdout.write('reaped\\n'));
setInterval(() => {}, 1000);
`;

describe('CPU of a process tree', () => {
  it("counts a child's CPU while it runs and after it is reaped; the parent's own figure does not", async () => {
    const parent = spawn(process.execPath, ['-e', PARENT], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      let out = '';
      parent.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      const seen = (text: string) =>
        new Promise<void>((resolve) => {
          const check = () => (out.includes(text) ? resolve() : setTimeout(check, 10));
          check();
        });
      await seen('child ');
      const start = processTreeCpuSeconds(parent.pid!);
      const parentStart = processUsage(parent.pid!).cpuSeconds;
      let whileRunning = 0;
      while (whileRunning < 0.2 && !out.includes('reaped')) {
        await new Promise((r) => setTimeout(r, 10));
        whileRunning = processTreeCpuSeconds(parent.pid!) - start;
      }
      expect(out, 'the child was still running when its CPU was read').not.toContain('reaped');
      await seen('reaped');
      const afterReaped = processTreeCpuSeconds(parent.pid!) - start;
      const parentOwn = processUsage(parent.pid!).cpuSeconds - parentStart;

      expect(whileRunning).toBeGreaterThanOrEqual(0.2);
      expect(afterReaped).toBeGreaterThan(0.5);
      // What the benchmark read before for the cluster's PostgreSQL: the parent's own time, without the child's.
      expect(parentOwn).toBeLessThan(0.1);
    } finally {
      parent.kill('SIGKILL');
      await once(parent, 'exit');
    }
  });
});
