/**
 * How every process reaches Temporal (worker, gateway, the payout client and CLI): Temporal's own environment
 * configuration (@temporalio/envconfig), so a deployment uses the variables and TOML profiles every Temporal
 * SDK and the `temporal` CLI read: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS,
 * TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH / _SERVER_CA_CERT_PATH / _SERVER_NAME (or the _DATA variants),
 * TEMPORAL_GRPC_META_*, and TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE for a profile (variables override it).
 * What is ours stays here: the task queue and the payload codec keys.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { TLSConfig } from '@temporalio/common/lib/internal-non-workflow';
import { z } from 'zod';
import { ConfigError, parse, withSecretFiles, type RequiredEnv } from './env';

const TemporalSchema = z.object({
  TEMPORAL_TASK_QUEUE: z.string().default('payouts'),
  /** `id:base64key` pairs, comma-separated; the first is used to encrypt. Empty = payloads stored in plaintext. */
  PAYLOAD_CODEC_KEYS: z.string().default(''),
});

/** The payload keys, in every process that holds them: `PAYLOAD_CODEC_KEYS` or the file `…_FILE` names. */
export const CODEC_KEYS = 'PAYLOAD_CODEC_KEYS';

/** The default address is the local dev server's: a deployment names its own, directly or in a profile. */
export const TEMPORAL_REQUIRED_ENV: RequiredEnv = [['TEMPORAL_ADDRESS', 'TEMPORAL_PROFILE']];

export const DEFAULT_TEMPORAL_ADDRESS = '127.0.0.1:7233';

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  /** A bearer token (the JWT the server's claim mapper reads, or a Temporal Cloud API key). */
  apiKey?: string;
  /** TLS as the SDK takes it: certificates already read; `false`/absent is plaintext (the dev server). */
  tls?: TLSConfig | boolean;
  /** Extra gRPC headers (TEMPORAL_GRPC_META_*). */
  metadata?: Record<string, string>;
  codecKeys: string;
}

function connectConfig(env: NodeJS.ProcessEnv) {
  const vars = Object.fromEntries(
    Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
  try {
    // No file named and none at the default path (~/.config/temporalio/temporal.toml): variables only.
    return loadClientConnectConfig({ overrideEnvVars: vars, configFileStrict: true });
  } catch (err) {
    const where = vars.TEMPORAL_CONFIG_FILE ? ` (TEMPORAL_CONFIG_FILE=${vars.TEMPORAL_CONFIG_FILE})` : '';
    const profile = vars.TEMPORAL_PROFILE ? `, TEMPORAL_PROFILE=${vars.TEMPORAL_PROFILE}` : '';
    throw new ConfigError(
      `invalid Temporal configuration${where}${profile}: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const t = parse(TemporalSchema, withSecretFiles(env, [CODEC_KEYS]), 'Temporal');
  const { namespace, connectionOptions: c } = connectConfig(env);
  return {
    address: c.address ?? DEFAULT_TEMPORAL_ADDRESS,
    namespace: namespace ?? 'default',
    taskQueue: t.TEMPORAL_TASK_QUEUE,
    apiKey: typeof c.apiKey === 'string' ? c.apiKey : undefined,
    tls: c.tls ?? undefined,
    metadata: c.metadata as Record<string, string> | undefined, // envconfig fills it from strings only
    codecKeys: t.PAYLOAD_CODEC_KEYS,
  };
}
