/** How every process reaches Temporal (worker, gateway, codec server's keys, the payout client). */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parse, type RequiredEnv } from './env';

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
  /** The same, read from a file, when `PAYLOAD_CODEC_KEYS` is empty. */
  PAYLOAD_CODEC_KEYS_FILE: z.string().optional(),
});

/** The default address is the local dev server's: a deployment names its own. */
export const TEMPORAL_REQUIRED_ENV: RequiredEnv = [['TEMPORAL_ADDRESS']];

export interface TemporalConfig {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls: boolean;
  codecKeys: string;
}

export function loadTemporalConfig(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const t = parse(TemporalSchema, env, 'Temporal');
  const keysFile = t.PAYLOAD_CODEC_KEYS_FILE;
  return {
    address: t.TEMPORAL_ADDRESS,
    namespace: t.TEMPORAL_NAMESPACE,
    taskQueue: t.TEMPORAL_TASK_QUEUE,
    apiKey: t.TEMPORAL_API_KEY,
    tls: t.TEMPORAL_TLS,
    codecKeys: t.PAYLOAD_CODEC_KEYS || (keysFile ? readFileSync(keysFile, 'utf8').trim() : ''),
  };
}
