/** The codec server process: decrypts payloads for the Temporal Web UI. */
import { z } from 'zod';
import { ConfigError, list, loadLogLevel, parse, port, type RequiredEnv } from './env';
import { requireProductionSecrets } from './secrets';
import { CODEC_KEY_VARIABLES, codecKeysFrom } from './temporal';

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
  ...CODEC_KEY_VARIABLES,
});

export const CODEC_SERVER_REQUIRED_ENV: RequiredEnv = [
  ['PAYLOAD_CODEC_KEYS', 'PAYLOAD_CODEC_KEYS_FILE'],
  ['CODEC_SERVER_AUTH_TOKEN'],
];

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const c = parse(CodecServerSchema, env, 'codec server');
  const codecKeys = codecKeysFrom(c.PAYLOAD_CODEC_KEYS, c.PAYLOAD_CODEC_KEYS_FILE);
  // Even in a local demo: without keys it has nothing to decode with.
  if (!codecKeys)
    throw new ConfigError(
      'invalid codec server configuration:\n  PAYLOAD_CODEC_KEYS: the codec server needs the payload keys (or PAYLOAD_CODEC_KEYS_FILE)',
    );
  requireProductionSecrets(env, 'codec server', [
    { variable: 'PAYLOAD_CODEC_KEYS', value: codecKeys, rule: 'secret' },
    { variable: 'CODEC_SERVER_AUTH_TOKEN', value: c.CODEC_SERVER_AUTH_TOKEN, rule: 'secret' },
  ]);
  return {
    host: c.CODEC_SERVER_HOST,
    port: c.CODEC_SERVER_PORT,
    codecKeys,
    authToken: c.CODEC_SERVER_AUTH_TOKEN,
    corsOrigins: c.CODEC_SERVER_CORS_ORIGINS,
    logLevel: loadLogLevel(env),
  };
}
