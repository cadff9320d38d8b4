/**
 * `npm run bench [-- --quick | --smoke] [--n 500] [--reps 3] [--target dev|cluster]`
 *
 * One run on one machine, against a real dev server: our payouts end to end (worker and gateway as their
 * own processes, the simulator with no artificial delay), the same-shaped baseline workflow (the engine's
 * ceiling), the gateway against a direct signal and against a bare Express handler, and the CPU and memory
 * our processes spend. Prints a table and writes bench/results/latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import sdkPackage from '@temporalio/worker/package.json';
import autocannon from 'autocannon';
import { spawnGateway, spawnWorker, type ChildService } from '../scripts/child-services';
import { demoPayoutRequest } from '../scripts/demo-payout';
import { DEFAULT_PAYOUT_SETTINGS, startLocalStack, type LocalStack } from '../scripts/local-stack';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../scripts/temporal-cli';
import { loadPrivateKey, signBody } from '../bank131/signature';
import { freePort, startDevServer, type DevServer } from '../temporal/dev-server';
import { workflowsEntryPath } from '../workers/workflows-entry';
import { startCluster, type Cluster } from '../harness/cluster/cluster';
import { CLUSTER_SERVICES } from '../harness/cluster/config';
import { readyToConfirmSignal, type WebhookSignal } from '../workflows/messages';
import { summarizeCpuProfile } from './cpu-profile';
import { processUsage, type ProcessUsage } from './process-usage';
import { mapWithConcurrency, spread, summarize } from './stats';

const ROOT = path.resolve(__dirname, '..');
const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    n: { type: 'string' },
    reps: { type: 'string' },
    profile: { type: 'boolean', default: false },
    /** `cluster`: against the production-shaped cluster (harness/cluster) instead of the dev server. */
    target: { type: 'string', default: 'dev' },
  },
});
if (args.target !== 'dev' && args.target !== 'cluster') throw new Error('--target is dev or cluster');
const profile = args.smoke ? 'smoke' : args.quick ? 'quick' : 'full';
const N = Number(args.n ?? { smoke: 10, quick: 100, full: 500 }[profile]);
const REPS = Number(args.reps ?? { smoke: 1, quick: 3, full: 3 }[profile]);
const SIGNALS = { smoke: 20, quick: 200, full: 500 }[profile];
const CANNON_SECONDS = { smoke: 1, quick: 3, full: 10 }[profile];
const START_CONCURRENCY = 100;

const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

function spawnChild(
  file: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', file], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      out = (out + d.toString()).slice(-16_384);
      const m = ready.exec(out);
      if (m) resolve({ child, line: m[0] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited ${code}: ${out}`)));
  });
}

interface RunFigures {
  throughput: number;
  latency: ReturnType<typeof summarize>;
  wallSeconds: number;
}

async function timedBatch(
  n: number,
  start: (i: number) => Promise<() => Promise<unknown>>,
): Promise<RunFigures> {
  const latencies: number[] = [];
  const t0 = performance.now();
  await mapWithConcurrency(
    Array.from({ length: n }, (_, i) => i),
    START_CONCURRENCY,
    async (i) => {
      const started = performance.now();
      const wait = await start(i);
      // Waiting for the end does not hold a start slot.
      void wait().then(() => latencies.push(performance.now() - started));
    },
  );
  while (latencies.length < n) await new Promise((r) => setTimeout(r, 20));
  const wallSeconds = (performance.now() - t0) / 1000;
  return { throughput: n / wallSeconds, latency: summarize(latencies), wallSeconds };
}

function usageDelta(before: ProcessUsage, after: ProcessUsage, payouts: number) {
  return {
    cpuSecondsPer1000: ((after.cpuSeconds - before.cpuSeconds) / payouts) * 1000,
    rssMb: after.rssMb,
    peakRssMb: after.peakRssMb,
  };
}

async function main(): Promise<void> {
  log(`bench profile=${profile} N=${N} reps=${REPS} target=${args.target}`);
  resolveTemporalCli((l) => log(l));
  const server: DevServer | Cluster =
    args.target === 'cluster'
      ? await startCluster({
          dataDir: path.join(ROOT, '.data', 'cluster-bench'),
          reset: true,
          ports: 'free',
          log,
        })
      : await startDevServer({});
  const cleanups: (() => Promise<unknown>)[] = [() => server.stop()];
  const children: ChildProcess[] = [];
  try {
    const gatewayPort = await freePort();
    const stack: LocalStack = await startLocalStack({
      temporalAddress: server.address,
      taskQueue: `bench-${randomUUID()}`,
      withoutWorker: true,
      withoutGateway: true,
      webhookUrl: `http://127.0.0.1:${gatewayPort}/webhooks/bank131`,
      settings: DEFAULT_PAYOUT_SETTINGS,
      simulator: { processingDelayMs: 0, scenariosByAmount: false },
    });
    cleanups.push(() => stack.stop());
    const bundlePath = path.join(ROOT, '.cache', 'bench-workflow-bundle.js');
    mkdirSync(path.dirname(bundlePath), { recursive: true });
    writeFileSync(
      bundlePath,
      (await bundleWorkflowCode({ workflowsPath: workflowsEntryPath(), logger: quietLogger })).code,
    );
    // Production's default log level (info): logging is part of what a payout costs.
    const gatewayProfileDir = path.join(ROOT, '.cache', 'profiles', `gateway-${randomUUID().slice(0, 8)}`);
    const gateway: ChildService = await spawnGateway(
      stack,
      gatewayPort,
      {},
      args.profile ? ['--cpu-prof', `--cpu-prof-dir=${gatewayProfileDir}`] : [],
    );
    const profileDir = path.join(ROOT, '.cache', 'profiles', randomUUID().slice(0, 8));
    const worker: ChildService = await spawnWorker(
      stack,
      bundlePath,
      {},
      args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [],
    );
    cleanups.push(
      () => worker.stop(),
      () => gateway.stop(),
    );

    const runPayouts = (n: number, tag: string) =>
      timedBatch(n, async (i) => {
        const id = `bench-${tag}-${i}`;
        await stack.payouts.startPayout(demoPayoutRequest(id));
        return async () => {
          const r = await stack.payouts.result(id);
          if (r.outcome !== 'succeeded') throw new Error(`payout ${id} ended ${r.outcome}`);
        };
      });

    // 1. Our payouts end to end.
    log('warm-up...');
    await runPayouts(Math.min(20, N), `warm-${randomUUID().slice(0, 8)}`);
    const ours: RunFigures[] = [];
    type Usage = ReturnType<typeof usageDelta>;
    const usage: { worker: Usage; gateway: Usage; temporal: Usage; benchAndSimulator: Usage }[] = [];
    // The cluster's CPU and memory: its four service processes together (PostgreSQL is not counted).
    const serverPids =
      'services' in server ? CLUSTER_SERVICES.map((s) => server.services[s].pid!) : [server.process.pid!];
    const serverUsage = () =>
      serverPids.map(processUsage).reduce((a, b) => ({
        cpuSeconds: a.cpuSeconds + b.cpuSeconds,
        rssMb: a.rssMb + b.rssMb,
        peakRssMb: a.peakRssMb + b.peakRssMb,
      }));
    for (let rep = 0; rep < REPS; rep++) {
      const w0 = processUsage(worker.process.pid!);
      const g0 = processUsage(gateway.process.pid!);
      const t0 = serverUsage();
      const b0 = processUsage(process.pid);
      const figures = await runPayouts(N, `r${rep}-${randomUUID().slice(0, 8)}`);
      usage.push({
        worker: usageDelta(w0, processUsage(worker.process.pid!), N),
        gateway: usageDelta(g0, processUsage(gateway.process.pid!), N),
        temporal: usageDelta(t0, serverUsage(), N),
        benchAndSimulator: usageDelta(b0, processUsage(process.pid), N),
      });
      ours.push(figures);
      const u = usage.at(-1)!;
      log(
        `  payouts rep ${rep + 1}: ${figures.throughput.toFixed(1)}/s, p50 ${ms(figures.latency.p50)}, p99 ${ms(figures.latency.p99)}; ` +
          `CPU s/1000: worker ${u.worker.cpuSecondsPer1000.toFixed(1)}, gateway ${u.gateway.cpuSecondsPer1000.toFixed(1)}, ` +
          `temporal ${u.temporal.cpuSecondsPer1000.toFixed(1)}, bench+simulator ${u.benchAndSimulator.cpuSecondsPer1000.toFixed(1)}`,
      );
    }
    const summary = stack.simulator.ledger.summary();
    const doubleConfirms = Object.values(summary).filter((s) => s.confirmsProcessed > 1).length;
    await worker.stop();
    if (args.profile) reportProfile(profileDir, 'worker');

    // 2. The engine's ceiling: the same shape with nothing of ours in it.
    const baselineQueue = `baseline-${randomUUID()}`;
    const baselineWorker = await spawnChild(
      'bench/baseline/worker.ts',
      { TEMPORAL_ADDRESS: server.address, TEMPORAL_TASK_QUEUE: baselineQueue },
      /baseline worker started/,
    );
    children.push(baselineWorker.child);
    const runBaseline = (n: number, tag: string) =>
      timedBatch(n, async (i) => {
        const handle = await stack.client.workflow.start('baselineWorkflow', {
          taskQueue: baselineQueue,
          workflowId: `baseline-${tag}-${i}`,
        });
        return () => handle.result();
      });
    await runBaseline(Math.min(20, N), `warm-${randomUUID().slice(0, 8)}`);
    const baseline: RunFigures[] = [];
    const baselineTemporalCpu: number[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      const t0 = serverUsage();
      const figures = await runBaseline(N, `r${rep}-${randomUUID().slice(0, 8)}`);
      baselineTemporalCpu.push(usageDelta(t0, serverUsage(), N).cpuSecondsPer1000);
      baseline.push(figures);
      log(
        `  baseline rep ${rep + 1}: ${figures.throughput.toFixed(1)}/s, p50 ${ms(figures.latency.p50)}, p99 ${ms(figures.latency.p99)}`,
      );
    }
    baselineWorker.child.kill('SIGTERM');

    // 3. Gateway vs a direct signal, to the same running workflows (no worker needed to accept a signal).
    const sinkQueue = `sink-${randomUUID()}`;
    const sinks = await Promise.all(
      Array.from({ length: 50 }, async (_, i) => {
        const workflowId = `payout-bench-sink-${randomUUID().slice(0, 8)}-${i}`;
        await stack.client.workflow.start('sinkWorkflow', { taskQueue: sinkQueue, workflowId });
        return workflowId;
      }),
    );
    const bankKey = loadPrivateKey(stack.keys.bank.privateKeyPem);
    const webhook = (i: number) => {
      const workflowId = sinks[i % sinks.length]!;
      const raw = JSON.stringify({
        type: 'ready_to_confirm',
        session: {
          id: `ps_${1_000_000 + i}`,
          status: 'in_progress',
          next_action: 'confirm',
          payments: [
            {
              id: `po_${i}`,
              status: 'pending',
              amount_details: { amount: 150_000, currency: 'rub' },
              metadata: workflowId,
            },
          ],
        },
      });
      return {
        raw,
        signature: signBody(Buffer.from(raw), bankKey),
        workflowId,
        sessionId: `ps_${1_000_000 + i}`,
      };
    };
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}/webhooks/bank131`;
    const viaGateway: number[] = [];
    const direct: number[] = [];
    await mapWithConcurrency(
      Array.from({ length: SIGNALS }, (_, i) => i),
      8,
      async (i) => {
        const w = webhook(i);
        const t0 = performance.now();
        const res = await fetch(gatewayUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-partner-sign': w.signature },
          body: w.raw,
        });
        await res.arrayBuffer();
        if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
        viaGateway.push(performance.now() - t0);
        const payload: WebhookSignal = {
          type: 'ready_to_confirm',
          dedupKey: `direct-${i}`,
          receivedAt: new Date().toISOString(),
          session: { sessionId: w.sessionId, status: 'in_progress', nextAction: 'confirm' },
        };
        const t1 = performance.now();
        await stack.client.workflow.getHandle(w.workflowId).signal(readyToConfirmSignal, payload);
        direct.push(performance.now() - t1);
      },
    );
    const gatewayLatency = summarize(viaGateway);
    const directLatency = summarize(direct);

    // 4. Saturation: signed webhooks through the gateway vs a bare Express handler.
    const bodies = Array.from({ length: 500 }, (_, i) => webhook(SIGNALS + i));
    const cannon = async (url: string) => {
      let k = 0;
      const result = await autocannon({
        url,
        connections: 32,
        duration: CANNON_SECONDS,
        requests: [
          {
            method: 'POST',
            setupRequest: (req) => {
              const b = bodies[k++ % bodies.length]!;
              return {
                ...req,
                body: b.raw,
                headers: { 'content-type': 'application/json', 'x-partner-sign': b.signature },
              };
            },
          },
        ],
      });
      return {
        requestsPerSecond: result.requests.average,
        p99Ms: result.latency.p99,
        non2xx: result.non2xx,
        errors: result.errors,
      };
    };
    const gatewaySaturation = await cannon(gatewayUrl);
    const bare = await spawnChild('bench/bare-express.ts', { PORT: '0' }, /bare express listening (\d+)/);
    children.push(bare.child);
    const barePort = /(\d+)$/.exec(bare.line)![1]!;
    const bareSaturation = await cannon(`http://127.0.0.1:${barePort}/webhooks/bank131`);
    bare.child.kill('SIGTERM');
    // The same load as direct signals from this process: if the gateway roughly matches it, the ceiling is
    // Temporal accepting signals, not the gateway.
    let sent = 0;
    let k = 0;
    const until = performance.now() + CANNON_SECONDS * 1000;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < until) {
          const w = webhook(SIGNALS + (k++ % bodies.length));
          const payload: WebhookSignal = {
            type: 'ready_to_confirm',
            dedupKey: `saturation-${k}`,
            receivedAt: new Date().toISOString(),
            session: { sessionId: w.sessionId, status: 'in_progress' },
          };
          await stack.client.workflow.getHandle(w.workflowId).signal(readyToConfirmSignal, payload);
          sent += 1;
        }
      }),
    );
    const directSaturation = { requestsPerSecond: sent / CANNON_SECONDS };
    if (args.profile) {
      await gateway.stop();
      reportProfile(gatewayProfileDir, 'gateway');
    }
    await Promise.all(
      sinks.map((id) =>
        stack.client.workflow
          .getHandle(id)
          .terminate('bench done')
          .catch(() => undefined),
      ),
    );

    // Report.
    const oursThroughput = spread(ours.map((r) => r.throughput));
    const baseThroughput = spread(baseline.map((r) => r.throughput));
    const ratio = spread(ours.map((r, i) => r.throughput / baseline[i]!.throughput));
    const results = {
      profile,
      target: args.target,
      when: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
      },
      versions: {
        node: process.version,
        temporalCli: TEMPORAL_CLI_VERSION,
        temporalSdk: sdkPackage.version,
      },
      n: N,
      repetitions: REPS,
      payouts: {
        throughputPerSecond: oursThroughput,
        latencyMs: {
          p50: spread(ours.map((r) => r.latency.p50)),
          p95: spread(ours.map((r) => r.latency.p95)),
          p99: spread(ours.map((r) => r.latency.p99)),
        },
        doubleConfirms,
      },
      baseline: {
        throughputPerSecond: baseThroughput,
        latencyMs: {
          p50: spread(baseline.map((r) => r.latency.p50)),
          p99: spread(baseline.map((r) => r.latency.p99)),
        },
      },
      throughputRatioToBaseline: ratio,
      gateway: {
        signalLatencyMs: {
          viaGateway: gatewayLatency,
          direct: directLatency,
          p99Ratio: gatewayLatency.p99 / directLatency.p99,
          p50Ratio: gatewayLatency.p50 / directLatency.p50,
        },
        saturation: {
          gateway: gatewaySaturation,
          bareExpress: bareSaturation,
          directSignals: directSaturation,
          ratio: gatewaySaturation.requestsPerSecond / bareSaturation.requestsPerSecond,
          ratioToDirectSignals: gatewaySaturation.requestsPerSecond / directSaturation.requestsPerSecond,
        },
      },
      resources: {
        worker: {
          cpuSecondsPer1000Payouts: spread(usage.map((u) => u.worker.cpuSecondsPer1000)),
          peakRssMb: Math.max(...usage.map((u) => u.worker.peakRssMb)),
        },
        gateway: {
          cpuSecondsPer1000Payouts: spread(usage.map((u) => u.gateway.cpuSecondsPer1000)),
          peakRssMb: Math.max(...usage.map((u) => u.gateway.peakRssMb)),
        },
        temporalServer: {
          cpuSecondsPer1000Payouts: spread(usage.map((u) => u.temporal.cpuSecondsPer1000)),
          cpuSecondsPer1000BaselineWorkflows: spread(baselineTemporalCpu),
        },
        benchAndSimulator: {
          cpuSecondsPer1000Payouts: spread(usage.map((u) => u.benchAndSimulator.cpuSecondsPer1000)),
        },
      },
    };
    const outDir = path.join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2));

    const row = (name: string, value: string, target = '') =>
      log(`${name.padEnd(44)} ${value.padEnd(36)} ${target}`);
    const sp = (s: { median: number; min: number; max: number }, f = (x: number) => x.toFixed(1)) =>
      `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
    log('');
    log(`${'figure'.padEnd(44)} ${'median (min–max)'.padEnd(36)} target`);
    row('payouts/s end to end', sp(oursThroughput));
    row(
      'payout latency p50 / p95 / p99 (ms)',
      `${results.payouts.latencyMs.p50.median.toFixed(0)} / ${results.payouts.latencyMs.p95.median.toFixed(0)} / ${results.payouts.latencyMs.p99.median.toFixed(0)}`,
    );
    row('baseline workflows/s (same shape)', sp(baseThroughput));
    row(
      'throughput ratio ours / baseline',
      sp(ratio, (x) => x.toFixed(2)),
      '>= 0.8',
    );
    row(
      'signal p50: gateway / direct (ms)',
      `${gatewayLatency.p50.toFixed(1)} / ${directLatency.p50.toFixed(1)}`,
    );
    row(
      'signal p99: gateway / direct (ms)',
      `${gatewayLatency.p99.toFixed(1)} / ${directLatency.p99.toFixed(1)} = ${(gatewayLatency.p99 / directLatency.p99).toFixed(2)}x`,
      '<= 1.5x',
    );
    row(
      'gateway req/s at saturation (signed)',
      `${gatewaySaturation.requestsPerSecond.toFixed(0)} (non-2xx ${gatewaySaturation.non2xx})`,
    );
    row('bare Express req/s', `${bareSaturation.requestsPerSecond.toFixed(0)}`);
    row('gateway / bare Express', results.gateway.saturation.ratio.toFixed(3));
    row('direct signals/s, same connections', directSaturation.requestsPerSecond.toFixed(0));
    row('gateway / direct signals', results.gateway.saturation.ratioToDirectSignals.toFixed(2));
    row('worker CPU s per 1000 payouts', sp(results.resources.worker.cpuSecondsPer1000Payouts));
    row('gateway CPU s per 1000 payouts', sp(results.resources.gateway.cpuSecondsPer1000Payouts));
    row(
      'peak RSS worker / gateway (MB)',
      `${results.resources.worker.peakRssMb.toFixed(0)} / ${results.resources.gateway.peakRssMb.toFixed(0)}`,
    );
    row('double confirms', String(doubleConfirms), '0');
    log(`\nwritten to ${path.relative(ROOT, path.join(outDir, 'latest.json'))}`);
    if (doubleConfirms > 0) process.exitCode = 1;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  }
}

/** Prints where a child process spent its CPU; V8 writes the profile when the process exits. */
function reportProfile(dir: string, who: string): void {
  const files = readdirSync(dir).map((f) => path.join(dir, f));
  const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]; // the main thread's is the largest
  if (!main) return;
  const p = summarizeCpuProfile(main);
  log(`\n${who} CPU profile (${p.totalMs.toFixed(0)} ms on the main thread; self time):`);
  for (const [k, v] of p.byOwner) log(`  ${v.toFixed(1).padStart(5)}%  ${k}`);
  log('  hottest functions:');
  for (const [k, v] of p.byFunction.slice(0, 8)) log(`  ${v.toFixed(1).padStart(5)}%  ${k}`);
  log(`  profile: ${path.relative(ROOT, main)}\n`);
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    process.stderr.write(
      `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(1);
  },
);
