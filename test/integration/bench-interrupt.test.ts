/**
 * A benchmark stopped part-way (Ctrl-C, `kill`) stops what it started before it leaves: a worker, gateway or
 * Temporal server left behind would hold ports and CPU that the next run then measures as its own.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { processTable, processTree, statFields } from '../../bench/process-usage';

const ROOT = path.resolve(__dirname, '../..');

/** Every process below `root`, now. */
const descendants = (root: number) => processTree(processTable(), root).filter((pid) => pid !== root);

/** Running or asleep; not when gone or a zombie waiting to be reaped. */
function alive(pid: number): boolean {
  try {
    return statFields(pid)[0] !== 'Z';
  } catch {
    return false;
  }
}

describe('npm run bench: interrupted', () => {
  it('SIGTERM part-way: the server, worker, gateway and baseline worker it started are stopped, exit 143', async () => {
    const run = spawn(
      process.execPath,
      ['--import', 'tsx', 'bench/run.ts', '--n', '200', '--reps', '1', '--payouts-only'],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const exited = new Promise<number | null>((resolve) => run.once('exit', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no warm-up in time:\n${output}`)), 120_000);
      const onData = (d: Buffer) => {
        output += d.toString();
        if (output.includes('warm-up...')) {
          clearTimeout(timer);
          resolve();
        }
      };
      run.stdout.on('data', onData);
      run.stderr.on('data', onData);
    });
    const started = descendants(run.pid!);
    expect(started.length, 'a server, a worker, a gateway and a baseline worker').toBeGreaterThanOrEqual(4);
    run.kill('SIGTERM');
    expect(await exited, output).toBe(143);
    expect(output).toContain('SIGTERM: stopping what the benchmark started');
    const deadline = Date.now() + 15_000;
    while (started.some(alive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(started.filter(alive), 'left running').toEqual([]);
  }, 180_000);
});
