/**
 * The soak's heap reading: a full collection first (what was dropped is not counted), and every isolate
 * counted (the SDK's workflows live in worker threads, which the main thread's heap does not include).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { heapAfterGcMb, inspectorUrl, INSPECT_ARGS } from '../../bench/heap-probe';

/** 2 621 440 doubles in one JS array: 20 MiB of heap (a typed array's bytes would live outside it). */
const MB20 = 'Array.from({ length: 2621440 }, (_, i) => i + 0.5)';
const SCRIPT = `
const { Worker } = require('node:worker_threads');
globalThis.kept = ${MB20};
globalThis.dropped = [${MB20}, ${MB20}];
const worker = new Worker('globalThis.kept = [${MB20}, ${MB20}]; setInterval(() => {}, 1000);', { eval: true });
setTimeout(() => {
  // Unreachable from here on, and nothing allocates after it: only a collection frees these 40 MiB.
  globalThis.dropped = null;
  console.log('ready');
}, 1500);
setInterval(() => {}, 1000);
`;

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

function start(): Promise<string> {
  const proc = spawn(process.execPath, [...INSPECT_ARGS, '-e', SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child = proc;
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready:\n${output}`)), 15_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      if (output.includes('ready\n')) {
        clearTimeout(timer);
        resolve(inspectorUrl(output));
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
  });
}

describe('heapAfterGcMb', () => {
  it('counts what the main thread and a worker thread keep, and not what was dropped', async () => {
    const url = await start();
    const { totalMb, threads } = await heapAfterGcMb(url);
    expect(threads).toBe(2);
    // 20 MiB kept in the main thread + 40 in the worker, plus each isolate's own few MiB; the dropped 40
    // MiB would put it above 100.
    expect(totalMb).toBeGreaterThanOrEqual(60);
    expect(totalMb).toBeLessThan(80);
  });

  it('names what is missing when the process was started without the inspector', () => {
    expect(() => inspectorUrl('gateway listening on 8080\n')).toThrow(/no inspector address/);
  });
});
