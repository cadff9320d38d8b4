/** Signed callbacks to the backend (worker): off unless `BACKEND_CALLBACK_URL` is set. */
import { z } from 'zod';
import type { BackendCallbackConfig } from '../activities/callbacks';
import { ConfigError, duration, parse, withSecretFiles } from './env';
import { requireProductionSecrets } from './secrets';

const CallbackSchema = z.object({
  // Empty (as a compose file's `${BACKEND_CALLBACK_URL:-}` gives it) means off, like unset.
  BACKEND_CALLBACK_URL: z.preprocess((v) => (v === '' ? undefined : v), z.url().optional()),
  BACKEND_CALLBACK_TIMEOUT: duration('10s'),
});

/** The shared HMAC secret: `BACKEND_CALLBACK_SECRET`, or the file named by `BACKEND_CALLBACK_SECRET_FILE`. */
const SECRET = 'BACKEND_CALLBACK_SECRET';

export function loadBackendCallbackConfig(
  env: NodeJS.ProcessEnv = process.env,
): BackendCallbackConfig | undefined {
  const c = parse(CallbackSchema, env, 'backend callback');
  if (!c.BACKEND_CALLBACK_URL) return undefined;
  const secret = withSecretFiles(env, [SECRET])[SECRET];
  if (!secret) {
    throw new ConfigError(
      'invalid backend callback configuration: BACKEND_CALLBACK_URL is set but BACKEND_CALLBACK_SECRET (or _FILE) is not',
    );
  }
  requireProductionSecrets(env, 'worker (backend callbacks)', [
    { variable: SECRET, value: secret.length >= 32 ? secret : '', rule: 'secret' },
    { variable: 'BACKEND_CALLBACK_URL', value: c.BACKEND_CALLBACK_URL, rule: 'https' },
  ]);
  return { url: c.BACKEND_CALLBACK_URL, secret, timeoutMs: c.BACKEND_CALLBACK_TIMEOUT };
}
