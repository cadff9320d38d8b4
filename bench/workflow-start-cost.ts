/**
 * `npx tsx bench/workflow-start-cost.ts [runs] [--tracing]`: the worker CPU one payout workflow costs to create and run
 * its recorded success history, measured by replaying that history `runs` times in one replay worker
 * (each replay builds the workflow afresh, module initialisation included, as a new payout does). CPU time
 * of this process, so it holds on a shared machine better than wall time. `--tracing` measures the traced
 * bundle (the OpenTelemetry workflow interceptor in, its spans dropped as with tracing off).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { bundleWorkflowCode, Runtime, DefaultLogger, Worker } from '@temporalio/worker';
import { dataConverterFor } from '../codec/data-converter';
import { NO_TRACING } from '../observability/tracing';
import { workflowBundleSources } from '../workers/workflows-entry';

const HISTORY = 'test/histories/success~payout-success-mwvtwcol-1.json';
const TEST_CODEC_KEYS = 'test-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const tracing = args.includes('--tracing');
  const runs = Number(args.find((a) => /^\d+$/.test(a)) ?? 300);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };
  const { code } = await bundleWorkflowCode({ ...workflowBundleSources({ tracing }), logger: quiet });
  const file = path.resolve(__dirname, '..', HISTORY);
  const history = historyFromJSON(JSON.parse(readFileSync(file, 'utf8')));
  const workflowId = path.basename(file, '.json').replace(/^[^~]*~/, '');
  const histories = (n: number) => Array.from({ length: n }, () => ({ history, workflowId }));
  const options = {
    workflowBundle: { code },
    dataConverter: dataConverterFor(TEST_CODEC_KEYS),
    sinks: NO_TRACING.sinks,
  };
  // Warm-up: JIT, the replay worker's threads.
  for await (const r of Worker.runReplayHistories(options, histories(30))) if (r.error) throw r.error;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for await (const r of Worker.runReplayHistories(options, histories(runs))) if (r.error) throw r.error;
  const cpu = process.cpuUsage(cpu0);
  const cpuMs = (cpu.user + cpu.system) / 1000 / runs;
  process.stdout.write(
    `${runs} replays of ${path.basename(file)}${tracing ? ' (traced bundle)' : ''}: ${cpuMs.toFixed(2)} ms CPU per workflow ` +
      `(${((performance.now() - t0) / runs).toFixed(2)} ms wall)\n`,
  );
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
