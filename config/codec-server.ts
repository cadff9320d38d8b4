/** The codec server process: decrypts payloads for the Temporal Web UI. */
import { z } from 'zod';
import { list, loadLogLevel, parse, port, type RequiredEnv } from './env';
import { requireProductionSecrets } from './secrets';

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

export const CODEC_SERVER_REQUIRED_ENV: RequiredEnv = [['PAYLOAD_CODEC_KEYS'], ['CODEC_SERVER_AUTH_TOKEN']];

export function loadCodecServerConfig(env: NodeJS.ProcessEnv = process.env): CodecServerConfig {
  const c = parse(CodecServerSchema, env, 'codec server');
  requireProductionSecrets(env, 'codec server', [
    { variable: 'PAYLOAD_CODEC_KEYS', value: c.PAYLOAD_CODEC_KEYS, rule: 'secret' },
    { variable: 'CODEC_SERVER_AUTH_TOKEN', value: c.CODEC_SERVER_AUTH_TOKEN, rule: 'secret' },
  ]);
  return {
    host: c.CODEC_SERVER_HOST,
    port: c.CODEC_SERVER_PORT,
    codecKeys: c.PAYLOAD_CODEC_KEYS,
    authToken: c.CODEC_SERVER_AUTH_TOKEN,
    corsOrigins: c.CODEC_SERVER_CORS_ORIGINS,
    logLevel: loadLogLevel(env),
  };
}
