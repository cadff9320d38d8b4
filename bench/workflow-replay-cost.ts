/**
 * `npx tsx bench/workflow-replay-cost.ts [runs] [--only ours|baseline]`: the worker CPU to create and replay
 * one successful payout against one run of the benchmark's same-shape baseline (bench/baseline), alternating
 * in three rounds, and the promises each workflow creates in its sandbox: the SDK's promise hook captures a
 * stack for every one. CPU time of this process (replay runs the workflows on its main thread), so it holds
 * on a shared machine better than wall time; `--only` with `node --cpu-prof` profiles one side. Also the
 * calls into the sandbox per workflow and what one costs: the SDK gives each call a timeout (its
 * `isolateExecutionTimeout`), and Node arms a watchdog thread for every call that has one.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promiseHooks } from 'node:v8';
import { createContext, Script } from 'node:vm';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import { NO_TRACING } from '../observability/tracing';
import { workflowBundleSources } from '../workers/workflows-entry';

const ROOT = path.resolve(__dirname, '..');
/** A payout started on the current code (`payout-v2`), recorded by the replay suite. */
const OURS = 'test/histories/success~payout-success-mwwpg8fw-1.json';
/** The baseline workflow on the dev server, recorded the same way (its file name carries no workflow ID). */
const BASELINE = 'bench/baseline/history.json';
const TEST_CODEC_KEYS = 'test-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';
const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

let sandboxPromises = 0;
// A workflow's promises are the sandbox's own Promise: another constructor than this realm's.
promiseHooks.onInit((promise: Promise<unknown>) => {
  if (promise.constructor !== Promise) sandboxPromises += 1;
});

let sandboxCalls = 0;
// Counts the SDK's calls into a workflow's context (each with a timeout); the count only, the call unchanged.
const runInContext: (this: Script, ...args: Parameters<Script['runInContext']>) => unknown =
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called with its Script below
  Script.prototype.runInContext;
Script.prototype.runInContext = function (this: Script, ...args: Parameters<Script['runInContext']>) {
  if (args[1]?.timeout !== undefined) sandboxCalls += 1;
  return runInContext.apply(this, args);
};

/** µs of CPU per call into an empty context, with and without a timeout, as the SDK calls in. */
function sandboxCallCost(calls = 20_000): { timed: number; untimed: number } {
  const context = createContext({}, { microtaskMode: 'afterEvaluate' });
  const script = new Script('0');
  const cost = (options: { timeout?: number }) => {
    const cpu0 = process.cpuUsage();
    for (let i = 0; i < calls; i += 1) runInContext.call(script, context, options);
    const cpu = process.cpuUsage(cpu0);
    return (cpu.user + cpu.system) / calls;
  };
  cost({}); // warm-up
  return { untimed: cost({}), timed: cost({ timeout: 5_000 }) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 200);
  const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const sides = [
    {
      name: 'ours',
      file: OURS,
      workflowId: path.basename(OURS, '.json').replace(/^[^~]*~/, ''),
      code: (await bundleWorkflowCode({ ...workflowBundleSources({ tracing: false }), logger: quiet })).code,
    },
    {
      name: 'baseline',
      file: BASELINE,
      workflowId: 'baseline',
      code: (
        await bundleWorkflowCode({ workflowsPath: require.resolve('./baseline/workflows'), logger: quiet })
      ).code,
    },
  ]
    .filter((s) => !only || s.name === only)
    .map((s) => {
      const history = historyFromJSON(JSON.parse(readFileSync(path.join(ROOT, s.file), 'utf8')));
      const options = {
        workflowBundle: { code: s.code },
        dataConverter: dataConverterFor(TEST_CODEC_KEYS),
        sinks: NO_TRACING.sinks,
      };
      const replay = async (n: number) => {
        const histories = Array.from({ length: n }, () => ({ history, workflowId: s.workflowId }));
        for await (const r of Worker.runReplayHistories(options, histories)) if (r.error) throw r.error;
      };
      return { name: s.name, replay, cpuMs: [] as number[], promises: 0, calls: 0 };
    });
  for (const s of sides) await s.replay(30); // warm-up: JIT, the replay worker's threads
  for (let round = 0; round < 3; round += 1) {
    for (const s of round % 2 ? [...sides].reverse() : sides) {
      const p0 = sandboxPromises;
      const c0 = sandboxCalls;
      const cpu0 = process.cpuUsage();
      await s.replay(runs);
      const cpu = process.cpuUsage(cpu0);
      s.cpuMs.push((cpu.user + cpu.system) / 1000 / runs);
      s.promises = (sandboxPromises - p0) / runs;
      s.calls = (sandboxCalls - c0) / runs;
    }
  }
  for (const s of sides) {
    process.stdout.write(
      `${s.name.padEnd(8)} ${s.cpuMs.map((m) => m.toFixed(2)).join(' / ')} ms CPU per workflow (rounds in order), ` +
        `${s.promises.toFixed(0)} sandbox promises, ${s.calls.toFixed(1)} calls into the sandbox\n`,
    );
  }
  const { timed, untimed } = sandboxCallCost();
  process.stdout.write(
    `a call into a context costs ${timed.toFixed(1)} µs of CPU with a timeout (the watchdog), ` +
      `${untimed.toFixed(1)} µs without\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
