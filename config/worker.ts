/** The worker process: Temporal, the Bank 131 client, the payout settings it hands each payout, metrics. */
import { z } from 'zod';
import type { Bank131ClientConfig } from '../bank131/client';
import type { PayoutSettings } from '../policy/settings';
import { duration, int, loadLogLevel, parse, inlineOrFile, port, requirePem, type RequiredEnv } from './env';
import type { BackendCallbackConfig } from '../activities/callbacks';
import { loadBackendCallbackConfig } from './callbacks';
import { loadPayoutSettings } from './payouts';
import { loadRegistryConfig, REGISTRY_DATABASE_URL, type RegistryConfig } from './registry';
import { requireProductionSecrets } from './secrets';
import { loadTemporalConfig, TEMPORAL_REQUIRED_ENV, type TemporalConfig } from './temporal';
import { loadTracingConfig, type TracingConfig } from './tracing';

const Bank131ClientSchema = z.object({
  BANK131_BASE_URL: z.url().default('http://127.0.0.1:8131'),
  BANK131_PROJECT_ID: z.string().min(1).default('demo-project'),
  BANK131_CONNECT_TIMEOUT: duration('5s'),
  BANK131_REQUEST_TIMEOUT: duration('30s'),
  BANK131_MAX_CONNECTIONS: int(64, 1),
});
const BANK131_PRIVATE_KEY = 'BANK131_PRIVATE_KEY';

export function loadBank131ClientConfig(env: NodeJS.ProcessEnv = process.env): Bank131ClientConfig {
  const b = parse(Bank131ClientSchema, env, 'Bank 131 client');
  return {
    baseUrl: b.BANK131_BASE_URL.replace(/\/+$/, ''),
    projectId: b.BANK131_PROJECT_ID,
    privateKeyPem: requirePem(
      env,
      BANK131_PRIVATE_KEY,
      'private',
      'our RSA private key that signs requests to Bank 131',
    ),
    connectTimeoutMs: b.BANK131_CONNECT_TIMEOUT,
    requestTimeoutMs: b.BANK131_REQUEST_TIMEOUT,
    maxConnections: b.BANK131_MAX_CONNECTIONS,
  };
}

const WorkerSchema = z.object({
  WORKER_METRICS_PORT: port(9464),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
  /** A bundle from scripts/build-workflow-bundle.ts (the image sets it); the workflows are bundled at start when absent. */
  WORKFLOW_BUNDLE_PATH: z.string().optional(),
});

/**
 * Worker slots, pollers and cache. Unset means the SDK default; docs/performance.md has what was measured on
 * 2 cores. The benchmark gives the baseline worker the same values.
 */
const COUNT_VARIABLES = {
  maxCachedWorkflows: 'WORKER_MAX_CACHED_WORKFLOWS',
  maxConcurrentWorkflowTaskExecutions: 'WORKER_MAX_CONCURRENT_WORKFLOW_TASKS',
  maxConcurrentActivityTaskExecutions: 'WORKER_MAX_CONCURRENT_ACTIVITIES',
  maxConcurrentLocalActivityExecutions: 'WORKER_MAX_CONCURRENT_LOCAL_ACTIVITIES',
} as const;
/**
 * Pollers go in as the SDK's poller behaviours: SDK 1.24 documents `maxConcurrentWorkflowTaskPolls` and
 * `maxConcurrentActivityTaskPolls` but reads neither, so setting those changes nothing
 * (test/integration/worker-tuning.test.ts counts the polls a worker keeps open).
 */
const POLLER_VARIABLES = {
  workflowTaskPollerBehavior: 'WORKER_WORKFLOW_POLLERS',
  activityTaskPollerBehavior: 'WORKER_ACTIVITY_POLLERS',
} as const;
const TUNING_VARIABLES = [...Object.values(COUNT_VARIABLES), ...Object.values(POLLER_VARIABLES)];

interface PollerMaximum {
  type: 'simple-maximum';
  maximum: number;
}
export type WorkerTuning = { -readonly [K in keyof typeof COUNT_VARIABLES]?: number } & {
  -readonly [K in keyof typeof POLLER_VARIABLES]?: PollerMaximum;
};

const count = (min: number, message?: string) => z.coerce.number().int().min(min, message).optional();
const TuningSchema = z.object({
  ...Object.fromEntries(Object.values(COUNT_VARIABLES).map((v) => [v, count(1)])),
  WORKER_WORKFLOW_POLLERS: count(2, 'at least 2: one poll for the sticky queue, one for the shared queue'),
  WORKER_ACTIVITY_POLLERS: count(1),
});

export function loadWorkerTuning(env: NodeJS.ProcessEnv = process.env): WorkerTuning {
  const t = parse(TuningSchema, env, 'worker tuning') as Record<string, number | undefined>;
  const tuning: WorkerTuning = {};
  for (const option of Object.keys(COUNT_VARIABLES) as (keyof typeof COUNT_VARIABLES)[]) {
    const value = t[COUNT_VARIABLES[option]];
    if (value !== undefined) tuning[option] = value;
  }
  for (const option of Object.keys(POLLER_VARIABLES) as (keyof typeof POLLER_VARIABLES)[]) {
    const maximum = t[POLLER_VARIABLES[option]];
    if (maximum !== undefined) tuning[option] = { type: 'simple-maximum', maximum };
  }
  return tuning;
}

/** The tuning variables set in `env`, to hand the same tuning to another worker process. */
export function workerTuningEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(TUNING_VARIABLES.filter((v) => env[v] !== undefined).map((v) => [v, env[v]]));
}

export const WORKER_REQUIRED_ENV: RequiredEnv = [
  inlineOrFile(BANK131_PRIVATE_KEY),
  inlineOrFile(REGISTRY_DATABASE_URL),
  ...TEMPORAL_REQUIRED_ENV,
];

export interface WorkerConfig {
  temporal: TemporalConfig;
  bank131: Bank131ClientConfig;
  payouts: PayoutSettings;
  /** Signed callbacks to the backend; undefined when off. */
  callbacks?: BackendCallbackConfig;
  registry: RegistryConfig;
  metricsPort: number;
  metricsHost: string;
  workflowBundlePath?: string;
  logLevel: string;
  tuning: WorkerTuning;
  tracing: TracingConfig;
}

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const w = parse(WorkerSchema, env, 'worker');
  const temporal = loadTemporalConfig(env);
  const bank131 = loadBank131ClientConfig(env);
  const registry = loadRegistryConfig(env);
  requireProductionSecrets(env, 'worker', [
    // Not a secret, but as vital: without it payout IDs become reusable once Temporal forgets the run.
    { variable: REGISTRY_DATABASE_URL, value: registry.databaseUrl, rule: 'secret' },
    { variable: 'PAYLOAD_CODEC_KEYS', value: temporal.codecKeys, rule: 'secret' },
    { variable: 'BANK131_BASE_URL', value: bank131.baseUrl, rule: 'https' },
    {
      variable: 'TEMPORAL_TLS / TEMPORAL_PROFILE',
      value: temporal.tls ? 'on' : undefined,
      rule: 'tls',
    },
  ]);
  const callbacks = loadBackendCallbackConfig(env);
  return {
    temporal,
    bank131,
    payouts: { ...loadPayoutSettings(env), ...(callbacks ? { backendCallbacks: true } : {}) },
    callbacks,
    registry,
    metricsPort: w.WORKER_METRICS_PORT,
    metricsHost: w.WORKER_METRICS_HOST,
    workflowBundlePath: w.WORKFLOW_BUNDLE_PATH,
    logLevel: loadLogLevel(env),
    tuning: loadWorkerTuning(env),
    tracing: loadTracingConfig(env, 'bank131-payout-worker'),
  };
}
