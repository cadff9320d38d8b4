/** The webhook gateway process: Temporal, where it listens, and Bank 131's webhook-signing keys. */
import { z } from 'zod';
import { ConfigError, duration, int, loadLogLevel, parse, pemsFrom, port, type RequiredEnv } from './env';
import { requireProductionSecrets } from './secrets';
import { loadTemporalConfig, TEMPORAL_REQUIRED_ENV, type TemporalConfig } from './temporal';
import { loadTracingConfig, type TracingConfig } from './tracing';

export interface GatewayConfig {
  temporal: TemporalConfig;
  host: string;
  port: number;
  bodyLimitBytes: number;
  /** Bank 131's webhook-signing public keys; more than one during rotation. */
  bankPublicKeysPem: string[];
  shutdownGraceMs: number;
  /** Identical signed bodies are delivered once within this window (replays answer 200, no signal). */
  replayWindowMs: number;
  replayCacheEntries: number;
  /** Above this many webhooks being handled at once, 503 with Retry-After (the bank retries). */
  maxInFlight: number;
  /** A request (headers and body) must arrive within these, or the connection is closed. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** Each Bank 131 session's webhooks reach Temporal at most this many times per window; then 429 + Retry-After. */
  sessionRateLimit: number;
  sessionRateWindowMs: number;
  /** Sessions remembered by the rate limiter (least recently seen forgotten first). */
  sessionRateEntries: number;
  /** `/readyz` and `/metrics` live here, not on the public port; loopback unless set otherwise. */
  internalHost: string;
  internalPort: number;
  logLevel: string;
  tracing: TracingConfig;
}

const GatewaySchema = z.object({
  GATEWAY_HOST: z.string().default('127.0.0.1'),
  GATEWAY_PORT: port(8080),
  GATEWAY_BODY_LIMIT_BYTES: int(256 * 1024, 1),
  GATEWAY_SHUTDOWN_GRACE: duration('10s'),
  GATEWAY_REPLAY_WINDOW: duration('15m'),
  GATEWAY_REPLAY_CACHE_ENTRIES: int(50_000, 1),
  GATEWAY_MAX_IN_FLIGHT: int(256, 1),
  GATEWAY_HEADERS_TIMEOUT: duration('10s'),
  GATEWAY_REQUEST_TIMEOUT: duration('20s'),
  GATEWAY_SESSION_RATE_LIMIT: int(20, 1),
  GATEWAY_SESSION_RATE_WINDOW: duration('1m'),
  GATEWAY_SESSION_RATE_ENTRIES: int(50_000, 1),
  GATEWAY_INTERNAL_HOST: z.string().default('127.0.0.1'),
  GATEWAY_INTERNAL_PORT: port(9465),
});
const BANK131_PUBLIC_KEYS = 'BANK131_PUBLIC_KEYS';

export const GATEWAY_REQUIRED_ENV: RequiredEnv = [
  [BANK131_PUBLIC_KEYS, `${BANK131_PUBLIC_KEYS}_FILES`],
  ...TEMPORAL_REQUIRED_ENV,
];

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const g = parse(GatewaySchema, env, 'webhook gateway');
  const keys = pemsFrom(env, BANK131_PUBLIC_KEYS, 'public');
  if (keys.length === 0) {
    throw new ConfigError(
      'missing BANK131_PUBLIC_KEYS (or BANK131_PUBLIC_KEYS_FILES): Bank 131 public key(s) that sign webhooks',
    );
  }
  const temporal = loadTemporalConfig(env);
  requireProductionSecrets(env, 'webhook gateway', [
    { variable: 'PAYLOAD_CODEC_KEYS', value: temporal.codecKeys, rule: 'secret' },
    {
      variable: 'TEMPORAL_TLS / TEMPORAL_PROFILE',
      value: temporal.tls ? 'on' : undefined,
      rule: 'tls',
    },
  ]);
  return {
    temporal,
    host: g.GATEWAY_HOST,
    port: g.GATEWAY_PORT,
    bodyLimitBytes: g.GATEWAY_BODY_LIMIT_BYTES,
    bankPublicKeysPem: keys,
    shutdownGraceMs: g.GATEWAY_SHUTDOWN_GRACE,
    replayWindowMs: g.GATEWAY_REPLAY_WINDOW,
    replayCacheEntries: g.GATEWAY_REPLAY_CACHE_ENTRIES,
    maxInFlight: g.GATEWAY_MAX_IN_FLIGHT,
    headersTimeoutMs: g.GATEWAY_HEADERS_TIMEOUT,
    requestTimeoutMs: g.GATEWAY_REQUEST_TIMEOUT,
    sessionRateLimit: g.GATEWAY_SESSION_RATE_LIMIT,
    sessionRateWindowMs: g.GATEWAY_SESSION_RATE_WINDOW,
    sessionRateEntries: g.GATEWAY_SESSION_RATE_ENTRIES,
    internalHost: g.GATEWAY_INTERNAL_HOST,
    internalPort: g.GATEWAY_INTERNAL_PORT,
    logLevel: loadLogLevel(env),
    tracing: loadTracingConfig(env, 'bank131-webhook-gateway'),
  };
}
