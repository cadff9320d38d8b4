/**
 * The local demo (`npm start`, `npm run temporal`): where it keeps its state on this machine (git-ignored),
 * and its settings. The payout CLI reads the demo's payload key from here, so a terminal next to `npm start`
 * can decode its payloads.
 */
import path from 'node:path';
import { z } from 'zod';
import { LOG_LEVELS, parse, port } from './env';
import { loadTracingConfig, type TracingConfig } from './tracing';

export const PROJECT_ROOT = path.resolve(__dirname, '..');
export const LOCAL_DATA_DIR = path.join(PROJECT_ROOT, '.data');
/** The demo's codec key outlives one run: the SQLite history it encrypted is kept too. */
export const DEMO_CODEC_KEYS_FILE = path.join(LOCAL_DATA_DIR, 'demo-codec-keys');
export const DEMO_TEMPORAL_DB_FILE = path.join(LOCAL_DATA_DIR, 'temporal.sqlite');

const DevServerSchema = z.object({
  TEMPORAL_PORT: port(7233),
  TEMPORAL_UI_PORT: port(8233),
  TEMPORAL_DB_FILE: z.string().default(DEMO_TEMPORAL_DB_FILE),
  TEMPORAL_UI_CODEC_ENDPOINT: z.string().optional(),
});

export interface DevServerConfig {
  port: number;
  uiPort: number;
  dbFilename: string;
  uiCodecEndpoint?: string;
}

/** `npm run temporal`: the dev server alone. */
export function loadDevServerConfig(env: NodeJS.ProcessEnv = process.env): DevServerConfig {
  const d = parse(DevServerSchema, env, 'Temporal dev server');
  return {
    port: d.TEMPORAL_PORT,
    uiPort: d.TEMPORAL_UI_PORT,
    dbFilename: d.TEMPORAL_DB_FILE,
    uiCodecEndpoint: d.TEMPORAL_UI_CODEC_ENDPOINT,
  };
}

const DemoSchema = z.object({
  /** Overrides the demo's own key in `DEMO_CODEC_KEYS_FILE`. */
  PAYLOAD_CODEC_KEYS: z.string().default(''),
  CODEC_SERVER_PORT: port(8888),
  GATEWAY_PORT: port(8080),
  GATEWAY_INTERNAL_PORT: port(9465),
  WORKER_METRICS_PORT: port(9464),
  SIMULATOR_PORT: port(8131),
  LOG_LEVEL: z.enum(LOG_LEVELS).default('warn'),
  /** `1`: stop once the demo payout finished (the CLI test and CI smoke runs). */
  DEMO_EXIT_AFTER_PAYOUT: z.string().default(''),
});

export interface DemoConfig {
  codecKeys?: string;
  codecServerPort: number;
  gatewayPort: number;
  gatewayInternalPort: number;
  workerMetricsPort: number;
  simulatorPort: number;
  logLevel: string;
  exitAfterPayout: boolean;
  tracing: TracingConfig;
}

/** `npm start`: the whole service on this machine (scripts/start.ts). */
export function loadDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const d = parse(DemoSchema, env, 'local demo');
  return {
    codecKeys: d.PAYLOAD_CODEC_KEYS || undefined,
    codecServerPort: d.CODEC_SERVER_PORT,
    gatewayPort: d.GATEWAY_PORT,
    gatewayInternalPort: d.GATEWAY_INTERNAL_PORT,
    workerMetricsPort: d.WORKER_METRICS_PORT,
    simulatorPort: d.SIMULATOR_PORT,
    logLevel: d.LOG_LEVEL,
    exitAfterPayout: d.DEMO_EXIT_AFTER_PAYOUT === '1',
    tracing: loadTracingConfig(env, 'bank131-payouts-demo'),
  };
}

const ClusterUiSchema = z.object({
  TEMPORAL_UI_PORT: port(8233),
  CODEC_SERVER_PORT: port(8888),
  /** The workers' keys; the demo's own key (`DEMO_CODEC_KEYS_FILE`) when empty, as `npm start` uses. */
  PAYLOAD_CODEC_KEYS: z.string().default(''),
  CODEC_SERVER_AUTH_TOKEN: z
    .string()
    .default('')
    .refine((t) => t === '' || t.length >= 16, 'must be at least 16 characters (or unset on loopback)'),
  TEMPORAL_CODEC_PASS_ACCESS_TOKEN: z.enum(['true', 'false']).default('false'),
});

export interface ClusterUiConfig {
  uiPort: number;
  codecPort: number;
  codecKeys?: string;
  /** Unset: the codec server runs without a token, on loopback only (harness/cluster/ui.ts refuses otherwise). */
  codecAuthToken?: string;
  codecPassAccessToken: boolean;
}

/** `npm run cluster`: the Temporal UI and the codec server beside the cluster (compose's temporal-ui, codec-server). */
export function loadClusterUiConfig(env: NodeJS.ProcessEnv = process.env): ClusterUiConfig {
  const c = parse(ClusterUiSchema, env, 'cluster UI');
  return {
    uiPort: c.TEMPORAL_UI_PORT,
    codecPort: c.CODEC_SERVER_PORT,
    codecKeys: c.PAYLOAD_CODEC_KEYS || undefined,
    codecAuthToken: c.CODEC_SERVER_AUTH_TOKEN || undefined,
    codecPassAccessToken: c.TEMPORAL_CODEC_PASS_ACCESS_TOKEN === 'true',
  };
}
