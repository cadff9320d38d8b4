/**
 * All configuration comes from the environment, is validated once with zod at process start, and is
 * passed down explicitly. Defaults run the local demo; secrets come from env or from a file named in env.
 */
import { readFileSync } from 'node:fs';
import ms from 'ms';
import { z } from 'zod';

export type ProcessName = 'worker' | 'gateway' | 'client' | 'simulator' | 'codec-server';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((value, ctx) => {
      const parsed = /^\d+$/.test(value) ? Number(value) : ms(value as ms.StringValue);
      if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed <= 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not a duration: "${value}" (use e.g. 500ms, 30s, 15m, 3h)`,
        });
        return z.NEVER;
      }
      return parsed;
    });
const int = (fallback: number, min = 0) => z.coerce.number().int().min(min).default(fallback);
const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
const list = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((v) =>
      v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );

/** PEM from `NAME` (literal, `\n` escapes allowed) or from the file at `NAME_FILE`. */
function pemFrom(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const inline = env[name];
  if (inline) return inline.replace(/\\n/g, '\n');
  const file = env[`${name}_FILE`];
  if (file) return readFileSync(file, 'utf8');
  return undefined;
}

/** Several PEMs (key rotation): `NAME` holds PEMs back to back, `NAME_FILES` a comma-separated list of paths. */
function pemsFrom(env: NodeJS.ProcessEnv, name: string): string[] {
  const pems: string[] = [];
  const inline = env[name]?.replace(/\\n/g, '\n');
  if (inline) pems.push(...(inline.match(/-----BEGIN [A-Z ]+-----[\s\S]+?-----END [A-Z ]+-----/g) ?? []));
  for (const file of (env[`${name}_FILES`] ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    pems.push(readFileSync(file, 'utf8'));
  }
  return pems;
}

const TemporalSchema = z.object({
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('payouts'),
  TEMPORAL_API_KEY: z.string().optional(),
  TEMPORAL_TLS: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  /** `id:base64key` pairs, comma-separated; the first is used to encrypt. Empty = payloads stored in plaintext. */
  PAYLOAD_CODEC_KEYS: z.string().default(''),
});

const PolicySchema = z.object({
  PAYOUT_CURRENCIES: list('rub'),
  PAYOUT_MIN_AMOUNT: int(100, 1),
  PAYOUT_MAX_AMOUNT: int(100_000_000, 1),
  PAYOUT_APPROVAL_THRESHOLD: int(10_000_000, 1),
  PAYOUT_UNVERIFIED_DETAILS: z.enum(['review', 'cancel']).default('review'),
  PAYOUT_APPROVAL_TIMEOUT: duration('3h'),
  PAYOUT_READY_TIMEOUT: duration('30m'),
  PAYOUT_FINISH_TIMEOUT: duration('2h'),
  PAYOUT_RECONCILE_INITIAL_INTERVAL: duration('30s'),
  PAYOUT_RECONCILE_MAX_INTERVAL: duration('15m'),
  PAYOUT_RECONCILE_MAX_DURATION: duration('72h'),
  PAYOUT_BANK_CALL_TIMEOUT: duration('45s'),
});

const Bank131ClientSchema = z.object({
  BANK131_BASE_URL: z.url().default('http://127.0.0.1:8131'),
  BANK131_PROJECT_ID: z.string().min(1).default('demo-project'),
  BANK131_CONNECT_TIMEOUT: duration('5s'),
  BANK131_REQUEST_TIMEOUT: duration('30s'),
  BANK131_MAX_CONNECTIONS: int(64, 1),
});

const LogSchema = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

function parse<T extends z.ZodType>(schema: T, env: NodeJS.ProcessEnv, what: string): z.output<T> {
  const result = schema.safeParse(env);
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  ${i.path.join('.') || '(env)'}: ${i.message}`);
    throw new ConfigError(`invalid ${what} configuration:\n${lines.join('\n')}`);
  }
  return result.data;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function requirePem(env: NodeJS.ProcessEnv, name: string, purpose: string): string {
  const pem = pemFrom(env, name);
  if (!pem) throw new ConfigError(`missing ${name} (or ${name}_FILE): ${purpose}`);
  return pem;
}

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls: boolean;
  codecKeys: string;
}

export interface PolicyConfig {
  currencies: string[];
  minAmount: number;
  maxAmount: number;
  approvalThreshold: number;
  /**
   * What to do when `ready_to_confirm` states no fact we can check (no comparable recipient identifier, no
   * readable amount): ask an operator, or cancel. Optional because settings are recorded in workflow
   * history: payouts started before it existed replay with the default, `review`.
   */
  unverifiedDetails?: 'review' | 'cancel';
}

export interface PayoutTimeouts {
  approvalTimeoutMs: number;
  readyTimeoutMs: number;
  finishTimeoutMs: number;
  reconcileInitialIntervalMs: number;
  reconcileMaxIntervalMs: number;
  reconcileMaxDurationMs: number;
  /** One Bank 131 call attempt (activity start-to-close); above the HTTP timeout, and how long a crashed worker's call waits before retrying. */
  bankCallTimeoutMs: number;
}

/** What the worker hands each payout workflow (recorded in its history, so replays see the same values). */
export interface PayoutSettings {
  policy: PolicyConfig;
  timeouts: PayoutTimeouts;
}

export interface Bank131ClientConfig {
  baseUrl: string;
  projectId: string;
  privateKeyPem: string;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  maxConnections: number;
}

export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const t = parse(TemporalSchema, env, 'Temporal');
  const keysFile = env.PAYLOAD_CODEC_KEYS_FILE;
  return {
    address: t.TEMPORAL_ADDRESS,
    namespace: t.TEMPORAL_NAMESPACE,
    taskQueue: t.TEMPORAL_TASK_QUEUE,
    apiKey: t.TEMPORAL_API_KEY,
    tls: t.TEMPORAL_TLS,
    codecKeys: t.PAYLOAD_CODEC_KEYS || (keysFile ? readFileSync(keysFile, 'utf8').trim() : ''),
  };
}

export function loadPayoutSettings(env: NodeJS.ProcessEnv = process.env): PayoutSettings {
  const p = parse(PolicySchema, env, 'payout policy');
  const settings: PayoutSettings = {
    policy: {
      currencies: p.PAYOUT_CURRENCIES.map((c) => c.toLowerCase()),
      minAmount: p.PAYOUT_MIN_AMOUNT,
      maxAmount: p.PAYOUT_MAX_AMOUNT,
      approvalThreshold: p.PAYOUT_APPROVAL_THRESHOLD,
      unverifiedDetails: p.PAYOUT_UNVERIFIED_DETAILS,
    },
    timeouts: {
      approvalTimeoutMs: p.PAYOUT_APPROVAL_TIMEOUT,
      readyTimeoutMs: p.PAYOUT_READY_TIMEOUT,
      finishTimeoutMs: p.PAYOUT_FINISH_TIMEOUT,
      reconcileInitialIntervalMs: p.PAYOUT_RECONCILE_INITIAL_INTERVAL,
      reconcileMaxIntervalMs: p.PAYOUT_RECONCILE_MAX_INTERVAL,
      reconcileMaxDurationMs: p.PAYOUT_RECONCILE_MAX_DURATION,
      bankCallTimeoutMs: p.PAYOUT_BANK_CALL_TIMEOUT,
    },
  };
  if (settings.policy.minAmount > settings.policy.maxAmount) {
    throw new ConfigError(
      'invalid payout policy configuration: PAYOUT_MIN_AMOUNT is above PAYOUT_MAX_AMOUNT',
    );
  }
  if (settings.timeouts.reconcileInitialIntervalMs > settings.timeouts.reconcileMaxIntervalMs) {
    throw new ConfigError(
      'invalid payout policy configuration: PAYOUT_RECONCILE_INITIAL_INTERVAL is above PAYOUT_RECONCILE_MAX_INTERVAL',
    );
  }
  return settings;
}

export function loadBank131ClientConfig(env: NodeJS.ProcessEnv = process.env): Bank131ClientConfig {
  const b = parse(Bank131ClientSchema, env, 'Bank 131 client');
  return {
    baseUrl: b.BANK131_BASE_URL.replace(/\/+$/, ''),
    projectId: b.BANK131_PROJECT_ID,
    privateKeyPem: requirePem(
      env,
      'BANK131_PRIVATE_KEY',
      'our RSA private key that signs requests to Bank 131',
    ),
    connectTimeoutMs: b.BANK131_CONNECT_TIMEOUT,
    requestTimeoutMs: b.BANK131_REQUEST_TIMEOUT,
    maxConnections: b.BANK131_MAX_CONNECTIONS,
  };
}

export function loadLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return parse(LogSchema, env, 'logging').LOG_LEVEL;
}

export interface WorkerConfig {
  temporal: TemporalConfig;
  bank131: Bank131ClientConfig;
  payouts: PayoutSettings;
  metricsPort: number;
  metricsHost: string;
  logLevel: string;
}

const WorkerSchema = z.object({
  WORKER_METRICS_PORT: port(9464),
  WORKER_METRICS_HOST: z.string().default('127.0.0.1'),
});

export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const w = parse(WorkerSchema, env, 'worker');
  return {
    temporal: loadTemporalConfig(env),
    bank131: loadBank131ClientConfig(env),
    payouts: loadPayoutSettings(env),
    metricsPort: w.WORKER_METRICS_PORT,
    metricsHost: w.WORKER_METRICS_HOST,
    logLevel: loadLogLevel(env),
  };
}

export interface GatewayConfig {
  temporal: TemporalConfig;
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Bank 131's webhook-signing public keys; more than one during rotation. */
  bankPublicKeysPem: string[];
  shutdownGraceMs: number;
  logLevel: string;
}

const GatewaySchema = z.object({
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port(8080),
  GATEWAY_BODY_LIMIT_BYTES: int(256 * 1024, 1),
  GATEWAY_SHUTDOWN_GRACE: duration('10s'),
});

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const g = parse(GatewaySchema, env, 'webhook gateway');
  const keys = pemsFrom(env, 'BANK131_PUBLIC_KEYS');
  if (keys.length === 0) {
    throw new ConfigError(
      'missing BANK131_PUBLIC_KEYS (or BANK131_PUBLIC_KEYS_FILES): Bank 131 public key(s) that sign webhooks',
    );
  }
  return {
    temporal: loadTemporalConfig(env),
    host: g.GATEWAY_HOST,
    port: g.GATEWAY_PORT,
    bodyLimitBytes: g.GATEWAY_BODY_LIMIT_BYTES,
    bankPublicKeysPem: keys,
    shutdownGraceMs: g.GATEWAY_SHUTDOWN_GRACE,
    logLevel: loadLogLevel(env),
  };
}

export interface SimulatorConfig {
  host: string;
  port: number;
  projectId: string;
  /** Our (the partner's) public key: the simulator checks every request's signature with it. */
  partnerPublicKeyPem: string;
  /** The simulator's own private key: it signs webhooks with it, as the bank does. */
  bankPrivateKeyPem: string;
  webhookUrl: string;
  /** Delay between confirm and the payout's final status. */
  processingDelayMs: number;
  /** The bank cancels a session not confirmed in this time (240 minutes on the real platform). */
  confirmDeadlineMs: number;
  webhookRetryInitialMs: number;
  webhookRetryMaxMs: number;
  /** The bank stops redelivering a webhook after this long. */
  webhookRetryGiveUpMs: number;
  /** `random`: each payout's answers and webhooks use a wire variant drawn from the seed (default: one shape). */
  wire?: 'default' | 'random';
  logLevel: string;
}

const SimulatorSchema = z.object({
  SIMULATOR_HOST: z.string().default('127.0.0.1'),
  SIMULATOR_PORT: port(8131),
  SIMULATOR_PROJECT_ID: z.string().default('demo-project'),
  SIMULATOR_WEBHOOK_URL: z.url().default('http://127.0.0.1:8080/webhooks/bank131'),
  SIMULATOR_PROCESSING_DELAY: duration('200ms'),
  SIMULATOR_CONFIRM_DEADLINE: duration('240m'),
  SIMULATOR_WEBHOOK_RETRY_INITIAL: duration('1s'),
  SIMULATOR_WEBHOOK_RETRY_MAX: duration('15m'),
  SIMULATOR_WEBHOOK_RETRY_GIVE_UP: duration('30m'),
  SIMULATOR_WIRE: z.enum(['default', 'random']).default('default'),
});

export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const s = parse(SimulatorSchema, env, 'Bank 131 simulator');
  return {
    host: s.SIMULATOR_HOST,
    port: s.SIMULATOR_PORT,
    projectId: s.SIMULATOR_PROJECT_ID,
    partnerPublicKeyPem: requirePem(
      env,
      'SIMULATOR_PARTNER_PUBLIC_KEY',
      "the partner's public key the simulator verifies requests with",
    ),
    bankPrivateKeyPem: requirePem(
      env,
      'SIMULATOR_BANK_PRIVATE_KEY',
      'the private key the simulator signs webhooks with',
    ),
    webhookUrl: s.SIMULATOR_WEBHOOK_URL,
    processingDelayMs: s.SIMULATOR_PROCESSING_DELAY,
    confirmDeadlineMs: s.SIMULATOR_CONFIRM_DEADLINE,
    webhookRetryInitialMs: s.SIMULATOR_WEBHOOK_RETRY_INITIAL,
    webhookRetryMaxMs: s.SIMULATOR_WEBHOOK_RETRY_MAX,
    webhookRetryGiveUpMs: s.SIMULATOR_WEBHOOK_RETRY_GIVE_UP,
    wire: s.SIMULATOR_WIRE,
    logLevel: loadLogLevel(env),
  };
}

export interface CodecServerConfig {
  host: string;
  port: number;
  codecKeys: string;
  /** Bearer token the UI (or the proxy in front of it) must send; `disabled-for-local-dev` turns the check off. */
  authToken: string;
  corsOrigins: string[];
  logLevel: string;
}

const CodecServerSchema = z.object({
  CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  CODEC_SERVER_PORT: port(8888),
  CODEC_SERVER_AUTH_TOKEN: z.string().min(16, 'must be at least 16 characters (or disabled-for-local-dev)'),
  CODEC_SERVER_CORS_ORIGINS: list('http://localhost:8233,http://127.0.0.1:8233'),
  PAYLOAD_CODEC_KEYS: z.string().min(1, 'the codec server needs the payload keys'),
});

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const c = parse(CodecServerSchema, env, 'codec server');
  return {
    host: c.CODEC_SERVER_HOST,
    port: c.CODEC_SERVER_PORT,
    codecKeys: c.PAYLOAD_CODEC_KEYS,
    authToken: c.CODEC_SERVER_AUTH_TOKEN,
    corsOrigins: c.CODEC_SERVER_CORS_ORIGINS,
    logLevel: loadLogLevel(env),
  };
}

/** Variables each process cannot start without (checked against docker-compose.yml by a test). */
export const REQUIRED_ENV: Record<ProcessName, string[][]> = {
  worker: [['BANK131_PRIVATE_KEY', 'BANK131_PRIVATE_KEY_FILE'], ['TEMPORAL_ADDRESS']],
  gateway: [['BANK131_PUBLIC_KEYS', 'BANK131_PUBLIC_KEYS_FILES'], ['TEMPORAL_ADDRESS']],
  client: [['TEMPORAL_ADDRESS']],
  simulator: [
    ['SIMULATOR_PARTNER_PUBLIC_KEY', 'SIMULATOR_PARTNER_PUBLIC_KEY_FILE'],
    ['SIMULATOR_BANK_PRIVATE_KEY', 'SIMULATOR_BANK_PRIVATE_KEY_FILE'],
    ['SIMULATOR_WEBHOOK_URL'],
  ],
  'codec-server': [['PAYLOAD_CODEC_KEYS'], ['CODEC_SERVER_AUTH_TOKEN']],
};
