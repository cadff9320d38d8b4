/** The Bank 131 simulator process (`npm run simulator`, the compose `simulator` profile). */
import { z } from 'zod';
import { duration, loadLogLevel, parse, inlineOrFile, port, requirePem, type RequiredEnv } from './env';

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
  /** Seeds fault injection and wire variants, so a run is reproducible. */
  seed?: number;
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
  /** Empty counts as unset. */
  SIMULATOR_SEED: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().optional()),
});
const PARTNER_PUBLIC_KEY = 'SIMULATOR_PARTNER_PUBLIC_KEY';
const BANK_PRIVATE_KEY = 'SIMULATOR_BANK_PRIVATE_KEY';

/** The default webhook URL is the local gateway's: a deployment names its own. */
export const SIMULATOR_REQUIRED_ENV: RequiredEnv = [
  inlineOrFile(PARTNER_PUBLIC_KEY),
  inlineOrFile(BANK_PRIVATE_KEY),
  ['SIMULATOR_WEBHOOK_URL'],
];

export function loadSimulatorConfig(env: NodeJS.ProcessEnv = process.env): SimulatorConfig {
  const s = parse(SimulatorSchema, env, 'Bank 131 simulator');
  return {
    host: s.SIMULATOR_HOST,
    port: s.SIMULATOR_PORT,
    projectId: s.SIMULATOR_PROJECT_ID,
    partnerPublicKeyPem: requirePem(
      env,
      PARTNER_PUBLIC_KEY,
      'public',
      "the partner's public key the simulator verifies requests with",
    ),
    bankPrivateKeyPem: requirePem(
      env,
      BANK_PRIVATE_KEY,
      'private',
      'the private key the simulator signs webhooks with',
    ),
    webhookUrl: s.SIMULATOR_WEBHOOK_URL,
    processingDelayMs: s.SIMULATOR_PROCESSING_DELAY,
    confirmDeadlineMs: s.SIMULATOR_CONFIRM_DEADLINE,
    webhookRetryInitialMs: s.SIMULATOR_WEBHOOK_RETRY_INITIAL,
    webhookRetryMaxMs: s.SIMULATOR_WEBHOOK_RETRY_MAX,
    webhookRetryGiveUpMs: s.SIMULATOR_WEBHOOK_RETRY_GIVE_UP,
    wire: s.SIMULATOR_WIRE,
    seed: s.SIMULATOR_SEED,
    logLevel: loadLogLevel(env),
  };
}
