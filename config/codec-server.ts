/** The codec server process: decrypts payloads for the Temporal Web UI. */
import { z } from 'zod';
import { inlineOrFile, list, loadLogLevel, parse, port, withSecretFiles, type RequiredEnv } from './env';
import { requireProductionSecrets } from './secrets';
import { CODEC_KEYS } from './temporal';

export interface CodecServerConfig {
  host: string;
  port: number;
  codecKeys: string;
  /** Bearer token the UI (or the proxy in front of it) must send; `disabled-for-local-dev` turns the check off. */
  authToken: string;
  corsOrigins: string[];
  logLevel: string;
}

const AUTH_TOKEN = 'CODEC_SERVER_AUTH_TOKEN';

const CodecServerSchema = z.object({
  CODEC_SERVER_HOST: z.string().default('127.0.0.1'),
  CODEC_SERVER_PORT: port(8888),
  [AUTH_TOKEN]: z
    .string({ error: 'must be set (or CODEC_SERVER_AUTH_TOKEN_FILE)' })
    .min(16, 'must be at least 16 characters (or disabled-for-local-dev)'),
  CODEC_SERVER_CORS_ORIGINS: list('http://localhost:8233,http://127.0.0.1:8233'),
  // Even in a local demo: without keys it has nothing to decode with.
  [CODEC_KEYS]: z.string().min(1, 'the codec server needs the payload keys (or PAYLOAD_CODEC_KEYS_FILE)'),
});

export const CODEC_SERVER_REQUIRED_ENV: RequiredEnv = [inlineOrFile(CODEC_KEYS), inlineOrFile(AUTH_TOKEN)];

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const c = parse(CodecServerSchema, withSecretFiles(env, [CODEC_KEYS, AUTH_TOKEN]), 'codec server');
  requireProductionSecrets(env, 'codec server', [
    { variable: CODEC_KEYS, value: c[CODEC_KEYS], rule: 'secret' },
    { variable: AUTH_TOKEN, value: c[AUTH_TOKEN], rule: 'secret' },
  ]);
  return {
    host: c.CODEC_SERVER_HOST,
    port: c.CODEC_SERVER_PORT,
    codecKeys: c[CODEC_KEYS],
    authToken: c[AUTH_TOKEN],
    corsOrigins: c.CODEC_SERVER_CORS_ORIGINS,
    logLevel: loadLogLevel(env),
  };
}
