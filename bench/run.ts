/**
 * `npm run bench [-- --full | --scale | --quick | --smoke | --soak] [--n 500] [--reps 3] [--target dev|cluster]
 *  [--payouts-only | --gateway-only] [--signal-load 0.5] [--write-docs] [--profile] [--server-requests]
 *  [--[no-]registry] [--dry-run]`
 *
 * One run on one machine, against a real Temporal server: our payouts end to end (worker and gateway as
 * their own processes, the simulator with no artificial delay) and the same-shaped baseline workflow (the
 * engine's own minimum) on its own worker process, repetition by repetition, so both meet the same server
 * state. For each side: CPU per payout per process (from /proc), throughput, latency, and history events per
 * run read back from the histories. Then the gateway: saturation, and signal p99 through it vs a direct
 * signal at half the measured saturation. `--soak` runs 10 000 payouts and watches worker and gateway RSS and heap.
 * Prints a table, writes bench/results/latest.json and latest.md; `--full` (and `--write-docs`) also puts
 * the table into docs/performance.md (`--soak` into its own section there), at their own sizes only.
 */
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Client, ServiceError } from '@temporalio/client';
import { bundleWorkflowCode } from '@temporalio/worker';
import sdkPackage from '@temporalio/worker/package.json';
import autocannon from 'autocannon';
import { Pool } from 'pg';
import * as prettier from 'prettier';
import { spawnGateway, spawnService, spawnWorker, type ChildService } from '../harness/child-services';
import { demoPayoutRequest } from '../harness/demo-payout';
import { loadPayoutSettings } from '../config';
import { loadWorkerTuning, workerTuningEnv } from '../config/worker';
import { startLocalStack, type LocalStack } from '../harness/local-stack';
import { resolveTemporalCli, TEMPORAL_CLI_VERSION } from '../harness/temporal-cli';
import { loadPrivateKey, signBody } from '../bank131/signature';
import { stackCredentials, startCluster, type Cluster } from '../harness/cluster/cluster';
import { createPostgres } from '../harness/cluster/postgres';
import { CLUSTER_SERVICES } from '../harness/cluster/config';
import { freePort, startDevServer, type DevServer } from '../harness/dev-server';
import { payoutWorkflowId } from '../policy/payout-request';
import { workflowBundleSources } from '../workers/workflows-entry';
import { readyToConfirmSignal, type WebhookSignal } from '../workflows/messages';
import type { BaselineInput } from './baseline/workflows';
import { compareCpuProfiles, profileSummaryLines } from './cpu-profile';
import { historyEventCounts } from './history';
import { heapAfterGcMb, inspectorUrl, INSPECT_ARGS } from './heap-probe';
import { processTreeCpuSeconds, processUsage, type ProcessUsage } from './process-usage';
import {
  compareServerCounts,
  COUNTERS,
  countsPerRun,
  meanCounts,
  scrapeServerCounts,
  totalOf,
  type ServerCounts,
} from './server-requests';
import {
  compareHistories,
  cpuPerPayoutMs,
  docSection,
  extraHistoryEvents,
  growth,
  renderMarkdown,
  repeated,
  replaceBetweenMarkers,
  TARGETS,
  type BenchReport,
  type EventCounts,
  type ScaleRow,
} from './report';
import { evenSample, mapWithConcurrency, summarize } from './stats';

const ROOT = path.resolve(__dirname, '..');
const USAGE = `usage: npm run bench -- [--full | --scale | --quick | --smoke | --soak] [--ns 100,500] [--n N] [--reps R]
                      [--payouts-only | --gateway-only] [--signal-load 0.5] [--write-docs] [--profile] [--server-requests]
                      [--target dev|cluster] [--bank-delay 0] [--[no-]registry] [--dry-run]
  --full    the documented run (N = 100, 500, 2 000 x 3, history at a real bank's pace, gateway phases), into the docs
  --soak    10 000 payouts; worker and gateway RSS after warm-up vs at the end, heap after a full GC (own docs section)
  --quick / --smoke   N = 100 x 3 / N = 10 x 1 (CI); no flag: N = 500 x 3
  --n / --ns / --reps other sizes; with --full or --soak (or --quick, --smoke) the docs stay as they are
                      unless --write-docs is given
  --bank-delay MS     the bank answers webhooks after MS on both sides (default 0); never written to the docs
  --registry          our worker claims each payout ID in a PostgreSQL payout registry, as in production, and
                      that PostgreSQL's CPU counts as ours; on by default in the runs that write the docs
  --no-registry       the worker runs as local dev does, claiming nothing (never written to the docs)
  --dry-run           print the plan (sizes, target, registry, whether it writes the docs) and stop
See docs/performance.md for what each figure means.`;

/** A mistyped flag or a combination that cannot run is a usage error, not a stack trace. */
function usageError(message: string): never {
  process.stderr.write(`${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function readArgs() {
  try {
    return parseArgs({ options: OPTIONS, allowNegative: true }).values;
  } catch (err) {
    usageError(err instanceof Error ? err.message : String(err));
  }
}

const OPTIONS = {
  help: { type: 'boolean', default: false },
  quick: { type: 'boolean', default: false },
  smoke: { type: 'boolean', default: false },
  /** N = 100, 500 and 2 000, each repeated. */
  scale: { type: 'boolean', default: false },
  /** The documented measurement: --scale, the gateway phases, and the table written into the docs. */
  full: { type: 'boolean', default: false },
  /** 10 000 payouts; worker and gateway RSS after warm-up vs at the end. */
  soak: { type: 'boolean', default: false },
  n: { type: 'string' },
  /** Several N for a shorter scale run, e.g. `--ns 100,500` (the documented run is 100,500,2000). */
  ns: { type: 'string' },
  reps: { type: 'string' },
  /** Skip the gateway phases: for measuring a lever's CPU per payout quickly. */
  'payouts-only': { type: 'boolean', default: false },
  /** Only the gateway phases (saturation, then signal latency): for measuring a gateway lever quickly. */
  'gateway-only': { type: 'boolean', default: false },
  /** The signal latency phase's load as a fraction of the measured saturation (the target's is 0.5). */
  'signal-load': { type: 'string' },
  'write-docs': { type: 'boolean', default: false },
  profile: { type: 'boolean', default: false },
  /** Read the dev server's own counters (requests, database operations, tasks) per side and print the differences. */
  'server-requests': { type: 'boolean', default: false },
  /** `cluster`: against the production-shaped cluster (harness/cluster) instead of the dev server. */
  target: { type: 'string', default: 'dev' },
  /**
   * How long the bank takes to send each webhook, on both sides: the simulator's processing delay and the
   * baseline's "bank". 0 (the documented runs) lets a webhook race the workflow task it usually shares.
   */
  'bank-delay': { type: 'string', default: '0' },
  /**
   * Our worker with the payout-ID registry production requires (a private PostgreSQL started here; its CPU
   * is ours). On by default in the documented runs; without it the worker runs as local dev does, claiming
   * nothing. `--no-registry` turns it off.
   */
  registry: { type: 'boolean' },
  /** Print what the run would do (sizes, target, registry, whether it writes the docs) and stop. */
  'dry-run': { type: 'boolean', default: false },
} as const;
const args = readArgs();
if (args.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
if (args.target !== 'dev' && args.target !== 'cluster') usageError('--target is dev or cluster');
if (args['server-requests'] && args.target !== 'dev')
  usageError('--server-requests reads the dev server only');
const profile = args.smoke ? 'smoke' : args.quick ? 'quick' : args.soak ? 'soak' : 'full';
const SCALE = args.full || args.scale;
const DEFAULT_NS = SCALE ? [100, 500, 2000] : [{ smoke: 10, quick: 100, full: 500, soak: 10_000 }[profile]];
const DEFAULT_REPS = { smoke: 1, quick: 3, full: 3, soak: 1 }[profile];
const NS = args.ns ? args.ns.split(',').map(Number) : args.n ? [Number(args.n)] : DEFAULT_NS;
const REPS = args.reps === undefined ? DEFAULT_REPS : Number(args.reps);
/** --full's or --soak's own sizes and phase lengths: not shrunk by --quick or --smoke, nor set by hand. */
const DOCUMENTED_SIZES =
  (profile === 'full' || profile === 'soak') && NS.join() === DEFAULT_NS.join() && REPS === DEFAULT_REPS;
const LATENCY_REPS = args.smoke ? 1 : 3;
/** Long enough that a p99 rests on ~40 samples at the full run's rate, not on one pause. */
const LATENCY_SECONDS = { smoke: 1, quick: 3, full: 10, soak: 4 }[profile];
const CANNON_SECONDS = { smoke: 1, quick: 3, full: 5, soak: 5 }[profile];
const GATEWAY_PHASES = !args['payouts-only'] && !args.soak;
if (args['gateway-only'] && (!GATEWAY_PHASES || args['write-docs']))
  usageError('--gateway-only measures the gateway alone: not with --payouts-only, --soak or --write-docs');
if (args['signal-load'] !== undefined && !GATEWAY_PHASES)
  usageError('--signal-load sets the gateway phases, which --payouts-only and --soak skip');
const SIGNAL_LOAD = Number(args['signal-load'] ?? TARGETS.signalLoad);
if (!(SIGNAL_LOAD > 0 && SIGNAL_LOAD <= 1)) usageError('--signal-load is a fraction of saturation in (0, 1]');
const BANK_DELAY_MS = Number(args['bank-delay']);
if (!(Number.isInteger(BANK_DELAY_MS) && BANK_DELAY_MS >= 0 && BANK_DELAY_MS <= 60_000))
  usageError('--bank-delay is whole milliseconds from 0 to 60000');
if (BANK_DELAY_MS > 0 && args['write-docs'])
  usageError('--bank-delay changes the documented protocol: not with --write-docs');
/** The documented runs write their table into docs/performance.md: --full its main table, --soak its own. */
const DOCUMENTED = !args['gateway-only'] && (args.full || args.soak || args['write-docs']);
if (args.registry === false && args['write-docs'])
  usageError('--no-registry leaves out the payout registry production requires: not with --write-docs');
/** The documented runs measure what production runs, which requires the registry (7 Dec: they had not). */
const REGISTRY = args.registry ?? DOCUMENTED;
// A gateway-only run has no payout table, and a run with a bank delay or without the registry another
// protocol: none of them replaces it. Nor does a run of other sizes (`--soak --n 30000`) unless asked to by
// name: the table names its command, but the one it would replace is the run the page describes.
const SIZES_WRITTEN = DOCUMENTED_SIZES || args['write-docs'];
const WRITE_DOCS = DOCUMENTED && BANK_DELAY_MS === 0 && REGISTRY && SIZES_WRITTEN;
const START_CONCURRENCY = 100;
const SINK_WORKFLOWS = 50;
/**
 * Distinct signed bodies for the saturation phase: the gateway delivers an identical body once per window and
 * answers its copies without Temporal, so reused bodies would measure replays, not signals (the 500 reused
 * bodies before made the gateway look 4x faster than Temporal accepts signals). Enough for ~3 000 req/s.
 */
const SATURATION_BODIES = 3000 * CANNON_SECONDS;
const SATURATION_CONNECTIONS = 32;
/**
 * Histories read back per side to count events, spread over every run of the first N (all of them for small
 * N): enough that the webhook race (+5 events in an occasional run on either side) moves a side's mean by
 * under 0.01 per raced run, below the printed tenth the target is judged at. 50 from one run let one raced
 * payout flip the verdict (+4.1 on the cluster, 7 Dec).
 */
const HISTORY_SAMPLE = 600;
/**
 * The history phase's bank: each webhook this long after the init or the confirm, on both sides. A real bank's
 * come seconds later; 1.5 s was enough for none of 600 sampled runs on either side to race under load
 * (`--bank-delay 1500 --n 200 --reps 3`, 7 Dec). Runs per side: every one of them is counted.
 */
const REAL_BANK_DELAY_MS = 1500;
const BANK_PACE_RUNS = 200;
/** With --bank-delay the load runs already have a bank that slow (or slower), and their histories say it. */
const HISTORY_AT_BANK_PACE = !args.soak && !args['gateway-only'] && BANK_DELAY_MS === 0;
const SOAK_BATCH = 1000;

const log = (line: string) => process.stdout.write(`${line}\n`);
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Stops whatever a phase started, last first, also when a phase fails. */
type Cleanups = (() => Promise<unknown>)[];

/** Runs the cleanups registered so far, last first, each once (a signal and `main`'s end may both ask). */
async function runCleanups(cleanups: Cleanups): Promise<void> {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
}

/**
 * Ctrl-C or `kill` part-way: stop what the run started, then leave with the signal's exit status. Without it
 * the worker, gateway and baseline worker outlived the benchmark, holding ports and CPU that the next run
 * would measure. A second signal while stopping ends the process at once (Node's default, after `once`).
 */
function stopOnSignal(cleanups: Cleanups): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      log(`\n${signal}: stopping what the benchmark started...`);
      void runCleanups(cleanups).finally(() => process.exit(128 + os.constants.signals[signal]));
    });
}

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
  if (failures.length > 0) {
    // Say what failed: the first run's error and how many share each message.
    const byMessage = new Map<string, number>();
    for (const f of failures) {
      const m = (f instanceof Error ? `${f.name}: ${f.message}` : String(f)).slice(0, 200);
      byMessage.set(m, (byMessage.get(m) ?? 0) + 1);
    }
    const summary = [...byMessage].map(([m, c]) => `${c} × ${m}`).join('\n  ');
    throw new AggregateError(failures, `${failures.length} of ${n} runs failed:\n  ${summary}`);
  }
  const wallSeconds = (performance.now() - t0) / 1000;
  return { throughput: n / wallSeconds, latency: summarize(latencies), wallSeconds };
}

/** The mean of two records of the same numeric fields. */
function meanByKey<K extends string>(a: Record<K, number>, b: Record<K, number>): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(a) as K[]) out[k] = (a[k] + b[k]) / 2;
  return out;
}

/** One side's two runs in a repetition as one figure: their means (latency percentiles included). */
function meanFigures(a: RunFigures, b: RunFigures): RunFigures {
  const { n: na, ...la } = a.latency;
  const { n: nb, ...lb } = b.latency;
  return {
    throughput: (a.throughput + b.throughput) / 2,
    latency: { ...meanByKey(la, lb), n: na + nb },
    wallSeconds: a.wallSeconds + b.wallSeconds,
  };
}

/** CPU ms per payout spent by each named process between two readings. */
function cpuMsPerRun<K extends string>(
  before: Record<K, ProcessUsage>,
  after: Record<K, ProcessUsage>,
  runs: number,
): Record<K, number> {
  const out = {} as Record<K, number>;
  for (const k of Object.keys(before) as K[])
    out[k] = ((after[k].cpuSeconds - before[k].cpuSeconds) / runs) * 1000;
  return out;
}

/** The system under test: a Temporal server, the simulator, our worker and gateway, and the baseline worker. */
interface Bench {
  server: DevServer | Cluster;
  /**
   * Temporal's CPU and memory: the dev server (its SQLite inside it), or the cluster's five service processes
   * and its PostgreSQL (CPU only: the postmaster and every backend), whose share is also given apart.
   */
  serverUsage: () => ProcessUsage & { databaseCpuSeconds: number };
  /** With the registry (`--registry`, or by default in a run that writes the docs): its PostgreSQL. */
  registry?: Registry;
  stack: LocalStack;
  worker: ChildService;
  gateway: ChildService;
  baselineWorker: ChildService;
  baselineQueue: string;
  /** Starts the baseline's runs: the same connection as ours, without our payload codec (it has none). */
  baselineClient: Client;
  gatewayUrl: string;
  profileDirs: { worker: string; gateway: string; baselineWorker: string };
  /** With `--server-requests`: the dev server's counters now. */
  serverCounts?: () => Promise<ServerCounts>;
  /** With `--soak`: the worker's and the gateway's inspectors, for their heap after a full collection. */
  inspectors?: { worker: string; gateway: string };
}

/** BENCH_DYNAMIC_CONFIG='key=value,…': server settings to try a lever (the same server serves both sides). */
function serverDynamicConfig(): Record<string, string | number | boolean> {
  const raw = process.env.BENCH_DYNAMIC_CONFIG ?? '';
  return Object.fromEntries(
    raw
      .split(',')
      .filter(Boolean)
      .map((kv) => {
        const [k, v = ''] = kv.split('=');
        return [k!.trim(), v === 'true' ? true : v === 'false' ? false : v];
      }),
  );
}

/** Our processes in a payout's CPU: the registry's PostgreSQL reads 0 in a run without the registry. */
const OURS_PROCESSES: ('worker' | 'gateway' | 'registry' | 'temporal')[] = [
  'worker',
  'gateway',
  'registry',
  'temporal',
];
/** The baseline's processes in a run's CPU: its worker and the server's share during its batches. */
const BASELINE_PROCESSES: ('baselineWorker' | 'temporal')[] = ['baselineWorker', 'temporal'];

interface Registry {
  url: string;
  /** CPU seconds of its PostgreSQL (the postmaster and every backend) so far. */
  cpuSeconds: () => number;
  /** How many payout IDs it holds claims for. */
  claims: () => Promise<number>;
}

/** The payout registry's own PostgreSQL, private to this run; the worker migrates it when it starts. */
async function startRegistry(cleanups: Cleanups): Promise<Registry> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-registry-'));
  // As root, PostgreSQL runs as the postgres user, who must be able to enter the folder.
  chmodSync(dir, 0o755);
  const pg = createPostgres({ dir, port: await freePort(), log });
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  pg.start();
  cleanups.push(() => Promise.resolve(pg.stop()));
  const url = pg.url();
  return {
    url,
    claims: async () => {
      const db = new Pool({ connectionString: url, max: 1 });
      try {
        const { rows } = await db.query<{ n: string }>(
          'SELECT count(*) AS n FROM payout_registry.payout_ids',
        );
        return Number(rows[0]?.n);
      } finally {
        await db.end();
      }
    },
    cpuSeconds: () => {
      const postmaster = pg.pid();
      if (postmaster === undefined)
        throw new Error('the payout registry has no running PostgreSQL to measure');
      return processTreeCpuSeconds(postmaster);
    },
  };
}

async function startBench(cleanups: Cleanups): Promise<Bench> {
  const metricsPort = args['server-requests'] ? await freePort() : undefined;
  const server: DevServer | Cluster =
    args.target === 'cluster'
      ? await startCluster({
          dataDir: path.join(ROOT, '.data', 'cluster-bench'),
          reset: true,
          ports: 'free',
          log,
        })
      : await startDevServer({ dynamicConfig: serverDynamicConfig(), metricsPort });
  cleanups.push(() => server.stop());
  const serverPids =
    'services' in server ? CLUSTER_SERVICES.map((s) => server.services[s].pid!) : [server.process.pid!];
  // The cluster's persistence is part of what the server spends on a payout, as SQLite's is in the dev server.
  const databaseCpuSeconds = () => {
    if (!('services' in server)) return 0;
    const postmaster = server.postgres.pid();
    if (postmaster === undefined) throw new Error('the cluster has no running PostgreSQL to measure');
    return processTreeCpuSeconds(postmaster);
  };
  const serverUsage = () => {
    const services = serverPids.map(processUsage).reduce((a, b) => ({
      cpuSeconds: a.cpuSeconds + b.cpuSeconds,
      rssMb: a.rssMb + b.rssMb,
      peakRssMb: a.peakRssMb + b.peakRssMb,
    }));
    const database = databaseCpuSeconds();
    return { ...services, cpuSeconds: services.cpuSeconds + database, databaseCpuSeconds: database };
  };
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
    simulator: { processingDelayMs: BANK_DELAY_MS, scenariosByAmount: false },
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
    baselineWorker: path.join(ROOT, '.cache', 'profiles', `baseline-${randomUUID().slice(0, 8)}`),
  };
  const cpuProfile = (dir: string) => (args.profile ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : []);
  // Both workers get the same tuning (from this process's environment, as config/worker.ts reads it).
  const tuning = workerTuningEnv(process.env);
  // Production's default log level (info): logging is part of what a payout costs.
  // BENCH_GATEWAY_NODE_ARGS: Node flags for the gateway alone, to try a runtime lever (no baseline counterpart).
  const gatewayNodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The soak reads each process's heap after a full collection through its inspector (bench/heap-probe.ts).
  const inspect = args.soak ? INSPECT_ARGS : [];
  const gateway = await spawnGateway(stack, gatewayPort, {}, [
    ...gatewayNodeArgs,
    ...cpuProfile(profileDirs.gateway),
    ...inspect,
  ]);
  cleanups.push(() => gateway.stop());
  const registry = REGISTRY ? await startRegistry(cleanups) : undefined;
  const worker = await spawnWorker(
    stack,
    bundlePath,
    { ...tuning, ...(registry ? { PAYOUT_REGISTRY_DATABASE_URL: registry.url } : {}) },
    [...cpuProfile(profileDirs.worker), ...inspect],
  );
  cleanups.push(() => worker.stop());
  // Read now: the address is the first line, and the output kept is only its tail.
  const inspectors = args.soak
    ? { worker: inspectorUrl(worker.output()), gateway: inspectorUrl(gateway.output()) }
    : undefined;
  const baselineQueue = `baseline-${randomUUID()}`;
  const baselineWorker = await spawnService(
    'bench/baseline/worker.ts',
    {
      ...tuning,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: baselineQueue,
      // on the mTLS cluster: the worker's profile (Temporal's environment configuration)
      ...('services' in server && server.credentials
        ? { TEMPORAL_CONFIG_FILE: server.credentials.profiles, TEMPORAL_PROFILE: 'worker' }
        : {}),
    },
    /baseline worker started/,
    cpuProfile(profileDirs.baselineWorker),
  );
  cleanups.push(() => baselineWorker.stop());
  return {
    server,
    serverUsage,
    registry,
    stack,
    worker,
    gateway,
    baselineWorker,
    baselineQueue,
    baselineClient: new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
    }),
    gatewayUrl,
    profileDirs,
    serverCounts: metricsPort
      ? () => scrapeServerCounts(`http://127.0.0.1:${metricsPort}/metrics`)
      : undefined,
    inspectors,
  };
}

/** How often a wait for a run's end had to ask again (see awaitEnd). */
let resultRetries = 0;

/**
 * Waits for a run's end. With thousands of runs awaited at once, the client's long poll for the result can
 * fail ("Failed to get Workflow execution history") while the run itself is fine: ask again, and count it.
 */
async function awaitEnd<T>(wait: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await wait();
    } catch (err) {
      if (!(err instanceof ServiceError) || attempt >= 5) throw err;
      resultRetries += 1;
    }
  }
}

/** Payouts and baseline workflows run by each side, warm-up included: what a profile's time is divided by. */
const ran = { ours: 0, baseline: 0 };

let recipients = 0;
/**
 * The demo payout; with the registry, each to a recipient of its own: the registry counts payouts per
 * recipient per day (10 by default, then an operator must approve), and a business pays many people.
 */
function payoutRequest(id: string): object {
  const request = demoPayoutRequest(id);
  if (!REGISTRY) return request;
  recipients += 1;
  const account = `${request.recipient.account.slice(0, 8)}${String(recipients).padStart(12, '0')}`;
  return { ...request, recipient: { ...request.recipient, account } };
}

/** `bankDelayMs`: this batch's bank is that slow (the simulator's own delay, --bank-delay, when omitted). */
function runPayouts({ stack }: Bench, ids: string[], bankDelayMs?: number): Promise<RunFigures> {
  ran.ours += ids.length;
  return timedBatch(ids.length, async (i) => {
    const id = ids[i]!;
    if (bankDelayMs !== undefined)
      stack.simulator.setScenario(payoutWorkflowId(id), { processingDelayMs: bankDelayMs });
    await stack.payouts.startPayout(payoutRequest(id));
    return async () => {
      const r = await awaitEnd(() => stack.payouts.result(id));
      if (r.outcome !== 'succeeded') throw new Error(`payout ${id} ended ${r.outcome}`);
    };
  });
}

function runBaseline(
  { baselineClient, baselineQueue }: Bench,
  ids: string[],
  bankDelayMs = BANK_DELAY_MS,
): Promise<RunFigures> {
  ran.baseline += ids.length;
  const input: BaselineInput = { bankDelayMs };
  return timedBatch(ids.length, async (i) => {
    const handle = await baselineClient.workflow.start('baselineWorkflow', {
      taskQueue: baselineQueue,
      workflowId: ids[i]!,
      args: [input],
    });
    return () => awaitEnd(() => handle.result());
  });
}

const batchIds = (prefix: string, n: number) => {
  const tag = randomUUID().slice(0, 8);
  return Array.from({ length: n }, (_, i) => `${prefix}-${tag}-${i}`);
};

/** Event counts by type of a sample of histories, read back from the server. */
function historyEvents({ stack }: Bench, workflowIds: string[]): Promise<EventCounts[]> {
  return mapWithConcurrency(evenSample(workflowIds, HISTORY_SAMPLE), 8, (id) =>
    historyEventCounts(stack.client, id),
  );
}

/**
 * Phase 1: for each N, repetition by repetition, our payouts and the baseline's workflows (ours, baseline,
 * baseline, ours), with the CPU each process spent on them. History events are read back from every run of
 * the first N, once its repetitions are done.
 */
async function measureScale(bench: Bench) {
  const pids = {
    worker: bench.worker.process.pid!,
    gateway: bench.gateway.process.pid!,
    baselineWorker: bench.baselineWorker.process.pid!,
    bench: process.pid,
  };
  const read = () => {
    const temporal = bench.serverUsage();
    return {
      worker: processUsage(pids.worker),
      gateway: processUsage(pids.gateway),
      baselineWorker: processUsage(pids.baselineWorker),
      temporal,
      /** Included in `temporal`, printed apart: the cluster's PostgreSQL (0 on the dev server). */
      database: { cpuSeconds: temporal.databaseCpuSeconds, rssMb: 0, peakRssMb: 0 },
      /** The payout registry's PostgreSQL, ours (0 in a run without the registry). */
      registry: { cpuSeconds: bench.registry?.cpuSeconds() ?? 0, rssMb: 0, peakRssMb: 0 },
      benchAndSimulator: processUsage(pids.bench),
    };
  };
  log('warm-up...');
  await runPayouts(bench, batchIds('bench-warm', 20));
  await runBaseline(bench, batchIds('baseline-warm', 20));
  const rows: ScaleRow[] = [];
  /** With `--server-requests`: the server's counters per run, each batch of each side. */
  const serverCounts = { ours: [] as ServerCounts[], baseline: [] as ServerCounts[] };
  let histories: { ours: EventCounts[]; baseline: EventCounts[] } | undefined;
  /** The first N's workflow IDs, every run of every repetition, whose histories are counted. */
  const counted = { ours: [] as string[], baseline: [] as string[] };
  for (const n of NS) {
    type PerProcess = Record<keyof ReturnType<typeof read>, number>;
    const reps: {
      ours: PerProcess;
      baseline: PerProcess;
      f: RunFigures;
      b: RunFigures;
    }[] = [];
    for (let rep = 0; rep < REPS; rep++) {
      // Ours, baseline, baseline, ours: whichever side runs second meets a busier server (with the order only
      // alternating, the CPU ratio read ~0.18 higher in the repetitions where ours ran second), so each side
      // runs in both positions and a repetition's figures are the mean of its two runs.
      const ourIds = [batchIds(`bench-n${n}-r${rep}a`, n), batchIds(`bench-n${n}-r${rep}b`, n)] as const;
      const baseIds = [
        batchIds(`baseline-n${n}-r${rep}a`, n),
        batchIds(`baseline-n${n}-r${rep}b`, n),
      ] as const;
      const measured = async (side: keyof typeof serverCounts, run: () => Promise<RunFigures>) => {
        const countsBefore = await bench.serverCounts?.();
        const before = read();
        const figures = await run();
        const cpu = cpuMsPerRun(before, read(), n);
        if (countsBefore) serverCounts[side].push(countsPerRun(countsBefore, await bench.serverCounts!(), n));
        return { figures, cpu };
      };
      const o1 = await measured('ours', () => runPayouts(bench, ourIds[0]));
      const b1 = await measured('baseline', () => runBaseline(bench, baseIds[0]));
      const b2 = await measured('baseline', () => runBaseline(bench, baseIds[1]));
      const o2 = await measured('ours', () => runPayouts(bench, ourIds[1]));
      const ours = meanByKey(o1.cpu, o2.cpu);
      const baseline = meanByKey(b1.cpu, b2.cpu);
      const f = meanFigures(o1.figures, o2.figures);
      const b = meanFigures(b1.figures, b2.figures);
      reps.push({ ours, baseline, f, b });
      if (!histories) {
        counted.ours.push(...ourIds[0], ...ourIds[1]);
        counted.baseline.push(...baseIds[0], ...baseIds[1]);
        if (rep === REPS - 1)
          histories = {
            ours: await historyEvents(bench, counted.ours.map(payoutWorkflowId)),
            baseline: await historyEvents(bench, counted.baseline),
          };
      }
      const ofRegistry = (side: PerProcess) =>
        bench.registry ? `, registry ${side.registry.toFixed(1)}` : '';
      const ofWhichDb = (side: PerProcess) =>
        'services' in bench.server ? ` of which PostgreSQL ${side.database.toFixed(1)}` : '';
      const oursCpu = cpuPerPayoutMs(ours, OURS_PROCESSES);
      const baseCpu = cpuPerPayoutMs(baseline, BASELINE_PROCESSES);
      log(
        `  N=${n} rep ${rep + 1}: ours ${f.throughput.toFixed(1)}/s p99 ${ms(f.latency.p99)}, CPU ${oursCpu.toFixed(1)} ms/payout ` +
          `(worker ${ours.worker.toFixed(1)}, gateway ${ours.gateway.toFixed(1)}${ofRegistry(ours)}, server ${ours.temporal.toFixed(1)}${ofWhichDb(ours)}; ` +
          `bench+simulator ${ours.benchAndSimulator.toFixed(1)}) | baseline ${b.throughput.toFixed(1)}/s p99 ${ms(b.latency.p99)}, ` +
          `CPU ${baseCpu.toFixed(1)} ms (worker ${baseline.baselineWorker.toFixed(1)}, server ${baseline.temporal.toFixed(1)}${ofWhichDb(baseline)}; ` +
          `bench ${baseline.benchAndSimulator.toFixed(1)}) | ` +
          `CPU ratio ${(oursCpu / baseCpu).toFixed(2)}`,
      );
    }
    const med = (xs: number[]) => repeated(xs).median;
    rows.push({
      n,
      oursCpuMs: repeated(reps.map((r) => cpuPerPayoutMs(r.ours, OURS_PROCESSES))),
      baselineCpuMs: repeated(reps.map((r) => cpuPerPayoutMs(r.baseline, BASELINE_PROCESSES))),
      cpuRatio: repeated(
        reps.map(
          (r) => cpuPerPayoutMs(r.ours, OURS_PROCESSES) / cpuPerPayoutMs(r.baseline, BASELINE_PROCESSES),
        ),
      ),
      cpuByProcessMs: {
        worker: med(reps.map((r) => r.ours.worker)),
        gateway: med(reps.map((r) => r.ours.gateway)),
        ...(bench.registry ? { registry: med(reps.map((r) => r.ours.registry)) } : {}),
        temporal: med(reps.map((r) => r.ours.temporal)),
        baselineWorker: med(reps.map((r) => r.baseline.baselineWorker)),
        baselineTemporal: med(reps.map((r) => r.baseline.temporal)),
      },
      throughput: repeated(reps.map((r) => r.f.throughput)),
      baselineThroughput: repeated(reps.map((r) => r.b.throughput)),
      throughputRatio: repeated(reps.map((r) => r.f.throughput / r.b.throughput)),
      p99Ms: repeated(reps.map((r) => r.f.latency.p99)),
      baselineP99Ms: repeated(reps.map((r) => r.b.latency.p99)),
    });
  }
  if (bench.serverCounts)
    reportServerCounts(meanCounts(serverCounts.ours), meanCounts(serverCounts.baseline));
  return { rows, histories: histories! };
}

/**
 * Phase 1b: what a payout records when the bank is as slow as a real one, against the baseline with its "bank"
 * as slow. With the simulator answering in 0 ms, a webhook sometimes lands after its wait began (+5 events for
 * that run), and the gateway's hop loses that race more often than the baseline's in-process signal; a real
 * bank sends its webhooks seconds after the init and the confirm, when both sides are already waiting. After
 * the load runs, so their CPU figures are untouched; every history of the phase is counted.
 */
async function measureHistoryAtBankPace(bench: Bench) {
  const runs = Math.min(BANK_PACE_RUNS, 2 * NS[0]!);
  log(`history with the bank's webhooks ${REAL_BANK_DELAY_MS} ms late on both sides, ${runs} runs each...`);
  const ours = batchIds('bench-bank-pace', runs);
  const baseline = batchIds('baseline-bank-pace', runs);
  await runPayouts(bench, ours, REAL_BANK_DELAY_MS);
  await runBaseline(bench, baseline, REAL_BANK_DELAY_MS);
  return {
    ours: await historyEvents(bench, ours.map(payoutWorkflowId)),
    baseline: await historyEvents(bench, baseline),
  };
}

/** Payouts the simulator saw confirmed more than once, over the whole run: must be none. */
function doubleConfirms({ stack }: Bench): number {
  return Object.values(stack.simulator.ledger.summary()).filter((s) => s.confirmsProcessed > 1).length;
}

/** Prints what the server did per payout against per baseline run, from its own counters, largest differences first. */
function reportServerCounts(ours: ServerCounts, baseline: ServerCounts): void {
  log('\nThe server per payout vs per baseline run (its counters, mean over every batch of each side):');
  for (const counter of COUNTERS)
    log(`  ${counter}: ${totalOf(ours, counter).toFixed(1)} vs ${totalOf(baseline, counter).toFixed(1)}`);
  for (const d of compareServerCounts(ours, baseline)) {
    const diff = d.ours - d.baseline;
    log(
      `  ${diff >= 0 ? '+' : ''}${diff.toFixed(2)}  ${d.key} (${d.ours.toFixed(2)} vs ${d.baseline.toFixed(2)})`,
    );
  }
}

/**
 * `--soak`: payouts in batches; RSS after the first (warm-up) batch vs after the last, and after each batch
 * also the heap left after a full collection, which tells a leak from garbage not yet collected and from a
 * heap grown into its old generation (RSS cannot).
 */
async function measureSoak(bench: Bench, total: number) {
  const rss = () => ({
    worker: processUsage(bench.worker.process.pid!).rssMb,
    gateway: processUsage(bench.gateway.process.pid!).rssMb,
  });
  const inspectors = bench.inspectors!;
  // Between batches, after the batch's CPU and RSS are read: the collections are counted in neither.
  const heap = async () => ({
    worker: (await heapAfterGcMb(inspectors.worker)).totalMb,
    gateway: (await heapAfterGcMb(inspectors.gateway)).totalMb,
  });
  const cpu = () =>
    processUsage(bench.worker.process.pid!).cpuSeconds +
    processUsage(bench.gateway.process.pid!).cpuSeconds +
    (bench.registry?.cpuSeconds() ?? 0) +
    bench.serverUsage().cpuSeconds;
  let afterWarmUp = rss();
  const cpuPerBatch: number[] = [];
  // Every batch's RSS, printed whole: two end points alone hide how much RSS swings from batch to batch.
  const series = { worker: [] as number[], gateway: [] as number[] };
  const heapSeries = { worker: [] as number[], gateway: [] as number[] };
  for (let done = 0, batch = 0; done < total; batch++) {
    const n = Math.min(SOAK_BATCH, total - done);
    const c0 = cpu();
    const f = await runPayouts(bench, batchIds(`soak-${batch}`, n));
    cpuPerBatch.push(((cpu() - c0) / n) * 1000);
    done += n;
    const now = rss();
    if (batch === 0) afterWarmUp = now;
    series.worker.push(now.worker);
    series.gateway.push(now.gateway);
    const live = await heap();
    heapSeries.worker.push(live.worker);
    heapSeries.gateway.push(live.gateway);
    log(
      `  soak ${done}/${total}: ${f.throughput.toFixed(1)}/s, p99 ${ms(f.latency.p99)}, CPU ${cpuPerBatch.at(-1)!.toFixed(1)} ms/payout, ` +
        `RSS worker ${now.worker.toFixed(0)} MB, gateway ${now.gateway.toFixed(0)} MB; ` +
        `heap after GC worker ${live.worker.toFixed(1)} MB, gateway ${live.gateway.toFixed(1)} MB`,
    );
  }
  // The last batch's reading, taken like every other before its collection (which would shrink RSS).
  const end = { worker: series.worker.at(-1)!, gateway: series.gateway.at(-1)! };
  return {
    payouts: total,
    workerRssMb: growth(afterWarmUp.worker, end.worker),
    gatewayRssMb: growth(afterWarmUp.gateway, end.gateway),
    rssSeriesMb: series,
    heapSeriesMb: heapSeries,
    batch: SOAK_BATCH,
    cpuMsPerPayoutFirst: cpuPerBatch[0]!,
    cpuMsPerPayoutLast: cpuPerBatch.at(-1)!,
  };
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

async function postWebhook(url: string, w: ReturnType<Sinks['webhook']>): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-partner-sign': w.signature },
    body: w.raw,
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`gateway answered ${res.status}`);
}

/** Phase 2: saturation, signed webhooks through the gateway vs a bare Express handler vs direct signals. */
async function measureSaturation(bench: Bench, sinks: Sinks, cleanups: Cleanups, first: number) {
  const bodies = Array.from({ length: SATURATION_BODIES }, (_, i) => sinks.webhook(first + i));
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
      total: result.requests.total,
      non2xx: result.non2xx,
      errors: result.errors,
    };
  };
  const gateway = await cannon(bench.gatewayUrl);
  if (gateway.total > bodies.length)
    log(`  (the gateway got ${gateway.total} requests for ${bodies.length} bodies: some were replays)`);
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
        await directSignal(bench, bodies[k++ % bodies.length]!, `saturation-${k}`);
        sent += 1;
      }
    }),
  );
  return { gateway, bareExpress, directSignals: { requestsPerSecond: sent / CANNON_SECONDS } };
}

/**
 * Open loop: `count` calls, one every 1/rate s whatever the answers, each timed from its send. A closed
 * loop would slow down with the system and hide its queueing.
 */
async function paced(rate: number, count: number, call: (i: number) => Promise<void>): Promise<number[]> {
  const latencies: number[] = [];
  const calls: Promise<void>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const sent = performance.now();
    calls.push(call(i).then(() => void latencies.push(performance.now() - sent)));
  }
  await Promise.all(calls);
  return latencies;
}

/**
 * Phase 3: signal latency at a moderate load, SIGNAL_LOAD (half unless asked) of the lower of the two
 * measured saturations: the same rate through the gateway and directly, to the same workflows,
 * alternating, LATENCY_REPS times.
 */
async function measureSignalLatency(bench: Bench, sinks: Sinks, saturationRate: number, first: number) {
  const rate = Math.max(10, Math.round(saturationRate * SIGNAL_LOAD));
  const count = rate * LATENCY_SECONDS;
  const gatewayP99: number[] = [];
  const directP99: number[] = [];
  let next = first;
  for (let rep = 0; rep < LATENCY_REPS; rep++) {
    // Sign before the clock starts: the bank's signing is not the gateway's cost.
    const hooks = Array.from({ length: count }, () => sinks.webhook(next++));
    const g = summarize(await paced(rate, count, (i) => postWebhook(bench.gatewayUrl, hooks[i]!)));
    const d = summarize(
      await paced(rate, count, (i) => directSignal(bench, hooks[i]!, `direct-${rep}-${i}`)),
    );
    gatewayP99.push(g.p99);
    directP99.push(d.p99);
    log(
      `  signals at ${rate}/s rep ${rep + 1}: gateway p50 ${ms(g.p50)} p99 ${ms(g.p99)} | direct p50 ${ms(d.p50)} p99 ${ms(d.p99)}`,
    );
  }
  return {
    rate,
    load: SIGNAL_LOAD,
    gatewayP99Ms: repeated(gatewayP99),
    directP99Ms: repeated(directP99),
    p99Ratio: repeated(gatewayP99.map((g, i) => g / directP99[i]!)),
  };
}

function configOfBothSides(): BenchReport['config'] {
  loadWorkerTuning(process.env); // a bad value fails here, with the variable's name
  const set = Object.entries(workerTuningEnv(process.env)).map(([k, v]) => `${k}=${v}`);
  const tuned = {
    'worker tuning': `${set.length > 0 ? set.join(', ') : 'SDK defaults (no WORKER_* set)'}, ${os.cpus().length} CPUs`,
    // The same server serves both sides; each side is charged what it spent during its own batches.
    'server CPU':
      args.target === 'cluster'
        ? 'the five Temporal services and PostgreSQL (the postmaster and every backend)'
        : 'the dev server process (its SQLite database inside it)',
  };
  const pacedPhase = HISTORY_AT_BANK_PACE ? ` (${REAL_BANK_DELAY_MS} ms in the history phase)` : '';
  return {
    ours: {
      process: 'worker + webhook gateway, each its own Node process',
      'payout registry': REGISTRY
        ? 'PostgreSQL, its own instance: each payout claims its ID there (its CPU counted as ours)'
        : 'none (as local dev: payout IDs not claimed, each payout logs a warning instead)',
      ...tuned,
      'log level': 'info',
      'payload codec': 'AES-256-GCM',
      workflow: 'payoutWorkflow (1 local activity, 4 activities, 2 signals, 2 timers on the happy path)',
      'signals from': 'simulator webhook → gateway (signed HTTP, verified) → signal',
      bank: `simulator in the bench process, ${BANK_DELAY_MS} ms processing delay${pacedPhase}, RSA-signed both ways`,
    },
    baseline: {
      process: 'one Node worker process',
      'payout registry': 'none: its claim activity returns at once',
      ...tuned,
      'log level': 'SDK default (no per-workflow lines)',
      'payload codec': 'none',
      workflow: 'baselineWorkflow (1 local activity, 4 activities, 2 signals, 2 timers)',
      'signals from': 'the baseline worker, client.signal straight after its activity',
      bank: `none: activities return at once; the "bank" signals after ${BANK_DELAY_MS} ms${pacedPhase}`,
    },
  };
}

const COMMAND = `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();

/** What this run will do: its first lines, and all that `--dry-run` prints. */
function plan(): string {
  return [
    `bench ${COMMAND}: N=${NS.join('/')} reps=${REPS} target=${args.target} registry=${REGISTRY ? 'on' : 'off'}`,
    WRITE_DOCS
      ? 'writes docs/performance.md'
      : `leaves docs/performance.md as it is${DOCUMENTED && !SIZES_WRITTEN ? ' (not the documented sizes: --write-docs writes them)' : ''}`,
  ].join('\n');
}

async function main(): Promise<void> {
  log(plan());
  resolveTemporalCli((l) => log(l));
  const cleanups: Cleanups = [];
  stopOnSignal(cleanups);
  try {
    const bench = await startBench(cleanups);
    const report: BenchReport = {
      command: COMMAND,
      when: new Date().toISOString(),
      target: args.target,
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model,
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        platform: `${os.platform()} ${os.release()}`,
        // Set BENCH_MACHINE_SHARED=1 when other work ran on the machine: the docs must say so.
        shared: process.env.BENCH_MACHINE_SHARED === '1',
      },
      versions: {
        node: process.version,
        'Temporal SDK': sdkPackage.version,
        'Temporal server':
          args.target === 'cluster' ? 'temporal-server 1.29.1' : `CLI ${TEMPORAL_CLI_VERSION}`,
      },
      config: configOfBothSides(),
      scale: [],
      doubleConfirms: 0,
    };
    if (args.soak) {
      report.soak = await measureSoak(bench, NS[0]!);
      report.doubleConfirms = doubleConfirms(bench);
    } else if (!args['gateway-only']) {
      const scale = await measureScale(bench);
      report.scale = scale.rows;
      report.history = {
        ...compareHistories(scale.histories.ours, scale.histories.baseline),
        bankDelayMs: BANK_DELAY_MS,
      };
      if (HISTORY_AT_BANK_PACE) {
        const paced = await measureHistoryAtBankPace(bench);
        report.historyAtBankPace = {
          ...compareHistories(paced.ours, paced.baseline),
          bankDelayMs: REAL_BANK_DELAY_MS,
        };
      }
      report.doubleConfirms = doubleConfirms(bench);
    }
    await bench.worker.stop();
    if (bench.registry) {
      // The registry's CPU is a payout's only if the worker really claimed each one there.
      const claimed = await bench.registry.claims();
      if (claimed !== ran.ours)
        throw new Error(
          `the payout registry holds ${claimed} claims for the ${ran.ours} payouts this run started`,
        );
      log(`payout registry: each of the ${ran.ours} payouts claimed its ID there`);
    }
    if (args.profile && !args['gateway-only']) {
      await bench.baselineWorker.stop();
      const ours = reportProfile(bench.profileDirs.worker, 'worker');
      const theirs = reportProfile(bench.profileDirs.baselineWorker, 'baseline worker');
      if (ours && theirs) reportProfileDifference(ours, theirs);
    }
    if (GATEWAY_PHASES) {
      const sinks = await startSinks(bench, cleanups);
      const saturation = await measureSaturation(bench, sinks, cleanups, 0);
      const rate = Math.min(saturation.gateway.requestsPerSecond, saturation.directSignals.requestsPerSecond);
      log(
        `  saturation: gateway ${saturation.gateway.requestsPerSecond.toFixed(0)}/s (non-2xx ${saturation.gateway.non2xx}), ` +
          `direct ${saturation.directSignals.requestsPerSecond.toFixed(0)}/s, bare Express ${saturation.bareExpress.requestsPerSecond.toFixed(0)}/s`,
      );
      const latency = await measureSignalLatency(bench, sinks, rate, SATURATION_BODIES);
      report.signals = {
        ...latency,
        saturation: {
          gateway: saturation.gateway.requestsPerSecond,
          direct: saturation.directSignals.requestsPerSecond,
          bareExpress: saturation.bareExpress.requestsPerSecond,
        },
      };
    }
    if (args.profile) {
      await bench.gateway.stop();
      reportProfile(bench.profileDirs.gateway, 'gateway');
    }

    const markdown = renderMarkdown(report);
    const outDir = path.join(ROOT, 'bench', 'results');
    mkdirSync(outDir, { recursive: true });
    writeFileSync(path.join(outDir, 'latest.json'), JSON.stringify(report, null, 2));
    writeFileSync(path.join(outDir, 'latest.md'), `${markdown}\n`);
    log(`\n${markdown}\n`);
    if (resultRetries > 0) log(`(waits for a run's end asked again ${resultRetries} times)`);
    log(`written to bench/results/latest.json and latest.md`);
    if (WRITE_DOCS) {
      const docPath = path.join(ROOT, 'docs', 'performance.md');
      const section = docSection(args.target, args.soak);
      const doc = replaceBetweenMarkers(readFileSync(docPath, 'utf8'), markdown, section);
      // Formatted as `npm run format:check` expects, so a generated table never fails CI.
      const options = (await prettier.resolveConfig(docPath)) ?? {};
      writeFileSync(docPath, await prettier.format(doc, { ...options, filepath: docPath }));
      log('and into docs/performance.md');
    }
    if (report.doubleConfirms > 0) process.exitCode = 1;
    for (const h of [report.history, report.historyAtBankPace])
      if (h && extraHistoryEvents(h) > TARGETS.extraHistoryEvents)
        log(`history events per payout above the target with the bank answering after ${h.bankDelayMs} ms`);
  } finally {
    await runCleanups(cleanups);
  }
}

/** Prints where a child process spent its CPU; V8 writes the profile when the process exits. */
function reportProfile(dir: string, who: string): string | undefined {
  const files = readdirSync(dir).map((f) => path.join(dir, f));
  const main = files.sort((a, b) => statSync(b).size - statSync(a).size)[0]; // the main thread's is the largest
  if (!main) return undefined;
  const heading = (ms: number) => `\n${who} CPU profile (${ms.toFixed(0)} ms on the main thread; self time):`;
  for (const line of profileSummaryLines(main, heading)) log(line);
  log(`  profile: ${path.relative(ROOT, main)}\n`);
  return main;
}

/** Our worker's main thread against the baseline worker's, per payout: where the difference goes. */
function reportProfileDifference(ours: string, theirs: string): void {
  const d = compareCpuProfiles({ file: ours, payouts: ran.ours }, { file: theirs, payouts: ran.baseline });
  log(
    `worker vs baseline worker, main thread, ms per payout (wall-clock samples): ` +
      `${d.totals[0].toFixed(1)} vs ${d.totals[1].toFixed(1)}; largest differences:`,
  );
  for (const r of d.rows)
    log(
      `  ${(r.ours - r.theirs).toFixed(2).padStart(6)}  ${r.owner} (${r.ours.toFixed(2)} vs ${r.theirs.toFixed(2)})`,
    );
  log('');
}

const quietLogger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

if (args['dry-run']) log(plan());
else
  main().then(
    () => process.exit(process.exitCode ?? 0),
    (err: unknown) => {
      process.stderr.write(
        `bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
      );
      process.exit(1);
    },
  );
