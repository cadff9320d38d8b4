/**
 * `npm run bench [-- --quick | --smoke] [--n 500] [--reps 3] [--target dev|cluster]`
 *
 * One run on one machine, against a real dev server: our payouts end to end (worker and gateway as their
 * own processes, the simulator with no artificial delay), the same-shaped baseline workflow (the engine's
 * ceiling), the gateway against a direct signal and against a bare Express handler, and the CPU and memory
 * our processes spend. Prints a table and writes bench/results/latest.json. Phases, in order: startBench,
 * measurePayouts, measureBaseline, measureSignalLatency, measureSaturation, then buildResults and printReport.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { bundleWorkflowCode } from '@temporalio/worker';
import sdkPackage from '@temporalio/worker/package.json';
import autocannon from 'autocannon';
import { spawnGateway, spawnService, spawnWorker, type ChildService } from '../harness/child-services';
import { demoPayoutRequest } from '../harness/demo-payout';
import { loadPayoutSettings } from '../config';
import { startLocalStack, type LocalStack } from '../harness/local-stack';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../harness/temporal-cli';
import { loadPrivateKey, signBody } from '../bank131/signature';
import { stackCredentials, startCluster, type Cluster } from '../harness/cluster/cluster';
import { CLUSTER_SERVICES } from '../harness/cluster/config';
import { freePort, startDevServer, type DevServer } from '../harness/dev-server';
import { workflowBundleSources } from '../workers/workflows-entry';
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
const SINK_WORKFLOWS = 50;
const SATURATION_BODIES = 500;
const SATURATION_CONNECTIONS = 32;

const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Stops whatever a phase started, last first, also when a phase fails. */
type Cleanups = (() => Promise<unknown>)[];

interface RunFigures {
  throughput: number;
  latency: ReturnType<typeof summarize>;
  wallSeconds: number;
}

/**
 * Starts `n` runs, at most START_CONCURRENCY starts at a time, and times each from its start to its end.
 * Every run's end is awaited (a failed one is caught at once, so it cannot surface as an unhandled
 * rejection) and any failure fails the batch.
 */
async function timedBatch(
  n: number,
  start: (i: number) => Promise<() => Promise<unknown>>,
): Promise<RunFigures> {
  const latencies: number[] = [];
  const failures: unknown[] = [];
  const ends: Promise<void>[] = [];
  const t0 = performance.now();
  try {
    await mapWithConcurrency(
      Array.from({ length: n }, (_, i) => i),
      START_CONCURRENCY,
      async (i) => {
        const started = performance.now();
        const wait = await start(i);
        // Waiting for the end does not hold a start slot.
        ends.push(
          wait().then(
            () => void latencies.push(performance.now() - started),
            (err: unknown) => void failures.push(err),
          ),
        );
      },
    );
  } finally {
    await Promise.all(ends);
  }
  if (failures.length > 0) throw new AggregateError(failures, `${failures.length} of ${n} runs failed`);
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
type Usage = ReturnType<typeof usageDelta>;

/** The system under test: a Temporal server, the simulator, and our worker and gateway as their own processes. */
interface Bench {
  server: DevServer | Cluster;
  /** Temporal's CPU and memory: the dev server, or the cluster's four service processes (not PostgreSQL). */
  serverUsage: () => ProcessUsage;
  stack: LocalStack;
  worker: ChildService;
  gateway: ChildService;
  gatewayUrl: string;
  profileDirs: { worker: string; gateway: string };
}

async function startBench(cleanups: Cleanups): Promise<Bench> {
  const server: DevServer | Cluster =
    args.target === 'cluster'
      ? await startCluster({
          dataDir: path.join(ROOT, '.data', 'cluster-bench'),
          reset: true,
          ports: 'free',
          log,
        })
      : await startDevServer({});
  cleanups.push(() => server.stop());
  const serverPids =
    'services' in server ? CLUSTER_SERVICES.map((s) => server.services[s].pid!) : [server.process.pid!];
  const serverUsage = () =>
    serverPids.map(processUsage).reduce((a, b) => ({
      cpuSeconds: a.cpuSeconds + b.cpuSeconds,
      rssMb: a.rssMb + b.rssMb,
      peakRssMb: a.peakRssMb + b.peakRssMb,
    }));
  const gatewayPort = await freePort();
  const gatewayUrl = `http://127.0.0.1:${gatewayPort}/webhooks/bank131`;
  const stack = await startLocalStack({
    temporalAddress: server.address,
    // the cluster runs with mTLS and the authorizer: each process with its own credential
    temporalCredentials: 'services' in server ? stackCredentials(server) : undefined,
    taskQueue: `bench-${randomUUID()}`,
    withoutWorker: true,
    withoutGateway: true,
    webhookUrl: gatewayUrl,
    settings: loadPayoutSettings({}),
    simulator: { processingDelayMs: 0, scenariosByAmount: false },
  });
  cleanups.push(() => stack.stop());
  const bundlePath = path.join(ROOT, '.cache', 'bench-workflow-bundle.js');
  mkdirSync(path.dirname(bundlePath), { recursive: true });
  writeFileSync(
    bundlePath,
    (await bundleWorkflowCode({ ...workflowBundleSources(), logger: quietLogger })).code,
  );
  const profileDirs = {
    gateway: path.join(ROOT, '.cache', 'profiles', `gateway-${randomUUID().slice(0, 8)}`),
    worker: path.join(ROOT, '.cache', 'profiles', randomUUID().slice(0, 8)),
  };
  const cpuProfile = (dir: string) => (args.profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);
  // Production's default log level (info): logging is part of what a payout costs.
  const gateway = await spawnGateway(stack, gatewayPort, {}, cpuProfile(profileDirs.gateway));
  cleanups.push(() => gateway.stop());
  const worker = await spawnWorker(stack, bundlePath, {}, cpuProfile(profileDirs.worker));
  cleanups.push(() => worker.stop());
  return { server, serverUsage, stack, worker, gateway, gatewayUrl, profileDirs };
}

/** Phase 1: our payouts end to end, and the CPU each process spends on them. */
async function measurePayouts({ serverUsage, stack, worker, gateway }: Bench) {
  const runPayouts = (n: number, tag: string) =>
    timedBatch(n, async (i) => {
      const id = `bench-${tag}-${i}`;
      await stack.payouts.startPayout(demoPayoutRequest(id));
      return async () => {
        const r = await stack.payouts.result(id);
        if (r.outcome !== 'succeeded') throw new Error(`payout ${id} ended ${r.outcome}`);
      };
    });
  log('warm-up...');
  await runPayouts(Math.min(20, N), `warm-${randomUUID().slice(0, 8)}`);
  const figures: RunFigures[] = [];
  const usage: { worker: Usage; gateway: Usage; temporal: Usage; benchAndSimulator: Usage }[] = [];
  const pids = { worker: worker.process.pid!, gateway: gateway.process.pid! };
  for (let rep = 0; rep < REPS; rep++) {
    const w0 = processUsage(pids.worker);
    const g0 = processUsage(pids.gateway);
    const t0 = serverUsage();
    const b0 = processUsage(process.pid);
    const f = await runPayouts(N, `r${rep}-${randomUUID().slice(0, 8)}`);
    const u = {
      worker: usageDelta(w0, processUsage(pids.worker), N),
      gateway: usageDelta(g0, processUsage(pids.gateway), N),
      temporal: usageDelta(t0, serverUsage(), N),
      benchAndSimulator: usageDelta(b0, processUsage(process.pid), N),
    };
    figures.push(f);
    usage.push(u);
    log(
      `  payouts rep ${rep + 1}: ${f.throughput.toFixed(1)}/s, p50 ${ms(f.latency.p50)}, p99 ${ms(f.latency.p99)}; ` +
        `CPU s/1000: worker ${u.worker.cpuSecondsPer1000.toFixed(1)}, gateway ${u.gateway.cpuSecondsPer1000.toFixed(1)}, ` +
        `temporal ${u.temporal.cpuSecondsPer1000.toFixed(1)}, bench+simulator ${u.benchAndSimulator.cpuSecondsPer1000.toFixed(1)}`,
    );
  }
  const summary = stack.simulator.ledger.summary();
  const doubleConfirms = Object.values(summary).filter((s) => s.confirmsProcessed > 1).length;
  return { figures, usage, doubleConfirms };
}

/** Phase 2: the engine's ceiling, the same workflow shape with nothing of ours in it. */
async function measureBaseline({ server, serverUsage, stack }: Bench, cleanups: Cleanups) {
  const baselineQueue = `baseline-${randomUUID()}`;
  const baselineWorker = await spawnService(
    'bench/baseline/worker.ts',
    {
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: baselineQueue,
      // on the mTLS cluster: the worker's profile (Temporal's environment configuration)
      ...('services' in server && server.credentials
        ? { TEMPORAL_CONFIG_FILE: server.credentials.profiles, TEMPORAL_PROFILE: 'worker' }
        : {}),
    },
    /baseline worker started/,
  );
  cleanups.push(() => baselineWorker.kill());
  const runBaseline = (n: number, tag: string) =>
    timedBatch(n, async (i) => {
      const handle = await stack.client.workflow.start('baselineWorkflow', {
        taskQueue: baselineQueue,
        workflowId: `baseline-${tag}-${i}`,
      });
      return () => handle.result();
    });
  await runBaseline(Math.min(20, N), `warm-${randomUUID().slice(0, 8)}`);
  const figures: RunFigures[] = [];
  const temporalCpu: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    const t0 = serverUsage();
    const f = await runBaseline(N, `r${rep}-${randomUUID().slice(0, 8)}`);
    temporalCpu.push(usageDelta(t0, serverUsage(), N).cpuSecondsPer1000);
    figures.push(f);
    log(
      `  baseline rep ${rep + 1}: ${f.throughput.toFixed(1)}/s, p50 ${ms(f.latency.p50)}, p99 ${ms(f.latency.p99)}`,
    );
  }
  baselineWorker.process.kill('SIGTERM');
  return { figures, temporalCpu };
}

/** Running workflows that take signals (no worker needed to accept one), and signed webhooks for them. */
interface Sinks {
  workflowIds: string[];
  webhook(i: number): { raw: string; signature: string; workflowId: string; sessionId: string };
}

async function startSinks({ stack }: Bench, cleanups: Cleanups): Promise<Sinks> {
  const sinkQueue = `sink-${randomUUID()}`;
  const workflowIds = await Promise.all(
    Array.from({ length: SINK_WORKFLOWS }, async (_, i) => {
      const workflowId = `payout-bench-sink-${randomUUID().slice(0, 8)}-${i}`;
      await stack.client.workflow.start('sinkWorkflow', { taskQueue: sinkQueue, workflowId });
      return workflowId;
    }),
  );
  cleanups.push(() =>
    Promise.all(
      workflowIds.map((id) =>
        stack.client.workflow
          .getHandle(id)
          .terminate('bench done')
          .catch(() => undefined),
      ),
    ),
  );
  const bankKey = loadPrivateKey(stack.keys.bank.privateKeyPem);
  const webhook = (i: number) => {
    const workflowId = workflowIds[i % workflowIds.length]!;
    const sessionId = `ps_${1_000_000 + i}`;
    const raw = JSON.stringify({
      type: 'ready_to_confirm',
      session: {
        id: sessionId,
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
    return { raw, signature: signBody(Buffer.from(raw), bankKey), workflowId, sessionId };
  };
  return { workflowIds, webhook };
}

/** The signal our gateway would send for a webhook, sent straight from this process. */
function directSignal(
  { stack }: Bench,
  w: ReturnType<Sinks['webhook']>,
  dedupKey: string,
  nextAction = false,
) {
  const payload: WebhookSignal = {
    type: 'ready_to_confirm',
    dedupKey,
    receivedAt: new Date().toISOString(),
    session: {
      sessionId: w.sessionId,
      status: 'in_progress',
      ...(nextAction ? { nextAction: 'confirm' as const } : {}),
    },
  };
  return stack.client.workflow.getHandle(w.workflowId).signal(readyToConfirmSignal, payload);
}

/** Phase 3: one webhook through the gateway vs the same signal sent directly, to the same workflows. */
async function measureSignalLatency(bench: Bench, sinks: Sinks) {
  const viaGateway: number[] = [];
  const direct: number[] = [];
  await mapWithConcurrency(
    Array.from({ length: SIGNALS }, (_, i) => i),
    8,
    async (i) => {
      const w = sinks.webhook(i);
      const t0 = performance.now();
      const res = await fetch(bench.gatewayUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-partner-sign': w.signature },
        body: w.raw,
      });
      await res.arrayBuffer();
      if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
      viaGateway.push(performance.now() - t0);
      const t1 = performance.now();
      await directSignal(bench, w, `direct-${i}`, true);
      direct.push(performance.now() - t1);
    },
  );
  return { viaGateway: summarize(viaGateway), direct: summarize(direct) };
}

/** Phase 4: saturation, signed webhooks through the gateway vs a bare Express handler vs direct signals. */
async function measureSaturation(bench: Bench, sinks: Sinks, cleanups: Cleanups) {
  const bodies = Array.from({ length: SATURATION_BODIES }, (_, i) => sinks.webhook(SIGNALS + i));
  const cannon = async (url: string) => {
    let k = 0;
    const result = await autocannon({
      url,
      connections: SATURATION_CONNECTIONS,
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
  const gateway = await cannon(bench.gatewayUrl);
  const bare = await spawnService('bench/bare-express.ts', { PORT: '0' }, /bare express listening (\d+)/);
  cleanups.push(() => bare.kill());
  const barePort = /bare express listening (\d+)/.exec(bare.output())![1]!;
  const bareExpress = await cannon(`http://127.0.0.1:${barePort}/webhooks/bank131`);
  bare.process.kill('SIGTERM');
  // The same load as direct signals from this process: if the gateway roughly matches it, the ceiling is
  // Temporal accepting signals, not the gateway.
  let sent = 0;
  let k = 0;
  const until = performance.now() + CANNON_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: SATURATION_CONNECTIONS }, async () => {
      while (performance.now() < until) {
        await directSignal(bench, sinks.webhook(SIGNALS + (k++ % bodies.length)), `saturation-${k}`);
        sent += 1;
      }
    }),
  );
  return { gateway, bareExpress, directSignals: { requestsPerSecond: sent / CANNON_SECONDS } };
}

type Payouts = Awaited<ReturnType<typeof measurePayouts>>;
type Baseline = Awaited<ReturnType<typeof measureBaseline>>;
type Signals = Awaited<ReturnType<typeof measureSignalLatency>>;
type Saturation = Awaited<ReturnType<typeof measureSaturation>>;

function buildResults(ours: Payouts, baseline: Baseline, signals: Signals, saturation: Saturation) {
  const { viaGateway, direct } = signals;
  return {
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
      throughputPerSecond: spread(ours.figures.map((r) => r.throughput)),
      latencyMs: {
        p50: spread(ours.figures.map((r) => r.latency.p50)),
        p95: spread(ours.figures.map((r) => r.latency.p95)),
        p99: spread(ours.figures.map((r) => r.latency.p99)),
      },
      doubleConfirms: ours.doubleConfirms,
    },
    baseline: {
      throughputPerSecond: spread(baseline.figures.map((r) => r.throughput)),
      latencyMs: {
        p50: spread(baseline.figures.map((r) => r.latency.p50)),
        p99: spread(baseline.figures.map((r) => r.latency.p99)),
      },
    },
    throughputRatioToBaseline: spread(
      ours.figures.map((r, i) => r.throughput / baseline.figures[i]!.throughput),
    ),
    gateway: {
      signalLatencyMs: {
        viaGateway,
        direct,
        p99Ratio: viaGateway.p99 / direct.p99,
        p50Ratio: viaGateway.p50 / direct.p50,
      },
      saturation: {
        ...saturation,
        ratio: saturation.gateway.requestsPerSecond / saturation.bareExpress.requestsPerSecond,
        ratioToDirectSignals:
          saturation.gateway.requestsPerSecond / saturation.directSignals.requestsPerSecond,
      },
    },
    resources: {
      worker: {
        cpuSecondsPer1000Payouts: spread(ours.usage.map((u) => u.worker.cpuSecondsPer1000)),
        peakRssMb: Math.max(...ours.usage.map((u) => u.worker.peakRssMb)),
      },
      gateway: {
        cpuSecondsPer1000Payouts: spread(ours.usage.map((u) => u.gateway.cpuSecondsPer1000)),
        peakRssMb: Math.max(...ours.usage.map((u) => u.gateway.peakRssMb)),
      },
      temporalServer: {
        cpuSecondsPer1000Payouts: spread(ours.usage.map((u) => u.temporal.cpuSecondsPer1000)),
        cpuSecondsPer1000BaselineWorkflows: spread(baseline.temporalCpu),
      },
      benchAndSimulator: {
        cpuSecondsPer1000Payouts: spread(ours.usage.map((u) => u.benchAndSimulator.cpuSecondsPer1000)),
      },
    },
  };
}
type Results = ReturnType<typeof buildResults>;

function printReport(results: Results): void {
  const row = (name: string, value: string, target = '') =>
    log(`${name.padEnd(44)} ${value.padEnd(36)} ${target}`);
  const sp = (s: { median: number; min: number; max: number }, f = (x: number) => x.toFixed(1)) =>
    `${f(s.median)} (${f(s.min)}–${f(s.max)})`;
  const { viaGateway, direct } = results.gateway.signalLatencyMs;
  const { saturation } = results.gateway;
  log('');
  log(`${'figure'.padEnd(44)} ${'median (min–max)'.padEnd(36)} target`);
  row('payouts/s end to end', sp(results.payouts.throughputPerSecond));
  row(
    'payout latency p50 / p95 / p99 (ms)',
    `${results.payouts.latencyMs.p50.median.toFixed(0)} / ${results.payouts.latencyMs.p95.median.toFixed(0)} / ${results.payouts.latencyMs.p99.median.toFixed(0)}`,
  );
  row('baseline workflows/s (same shape)', sp(results.baseline.throughputPerSecond));
  row(
    'throughput ratio ours / baseline',
    sp(results.throughputRatioToBaseline, (x) => x.toFixed(2)),
    '>= 0.8',
  );
  row('signal p50: gateway / direct (ms)', `${viaGateway.p50.toFixed(1)} / ${direct.p50.toFixed(1)}`);
  row(
    'signal p99: gateway / direct (ms)',
    `${viaGateway.p99.toFixed(1)} / ${direct.p99.toFixed(1)} = ${(viaGateway.p99 / direct.p99).toFixed(2)}x`,
    '<= 1.5x',
  );
  row(
    'gateway req/s at saturation (signed)',
    `${saturation.gateway.requestsPerSecond.toFixed(0)} (non-2xx ${saturation.gateway.non2xx})`,
  );
  row('bare Express req/s', `${saturation.bareExpress.requestsPerSecond.toFixed(0)}`);
  row('gateway / bare Express', saturation.ratio.toFixed(3));
  row('direct signals/s, same connections', saturation.directSignals.requestsPerSecond.toFixed(0));
  row('gateway / direct signals', saturation.ratioToDirectSignals.toFixed(2));
  row('worker CPU s per 1000 payouts', sp(results.resources.worker.cpuSecondsPer1000Payouts));
  row('gateway CPU s per 1000 payouts', sp(results.resources.gateway.cpuSecondsPer1000Payouts));
  row(
    'peak RSS worker / gateway (MB)',
    `${results.resources.worker.peakRssMb.toFixed(0)} / ${results.resources.gateway.peakRssMb.toFixed(0)}`,
  );
  row('double confirms', String(results.payouts.doubleConfirms), '0');
}

async function main(): Promise<void> {
  log(`bench profile=${profile} N=${N} reps=${REPS} target=${args.target}`);
  resolveTemporalCli((l) => log(l));
  const cleanups: Cleanups = [];
  try {
    const bench = await startBench(cleanups);
    const payouts = await measurePayouts(bench);
    await bench.worker.stop();
    if (args.profile) reportProfile(bench.profileDirs.worker, 'worker');
    const baseline = await measureBaseline(bench, cleanups);
    const sinks = await startSinks(bench, cleanups);
    const signals = await measureSignalLatency(bench, sinks);
    const saturation = await measureSaturation(bench, sinks, cleanups);
    if (args.profile) {
      await bench.gateway.stop();
      reportProfile(bench.profileDirs.gateway, 'gateway');
    }

    const results = buildResults(payouts, baseline, signals, saturation);
    const outDir = path.join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(results, null, 2));
    printReport(results);
    log(`\nwritten to ${path.relative(ROOT, path.join(outDir, 'latest.json'))}`);
    if (results.payouts.doubleConfirms > 0) process.exitCode = 1;
  } finally {
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
