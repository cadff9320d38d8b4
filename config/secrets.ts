/**
 * Outside a local demo, a process refuses to start with secrets that protect nothing: no payload keys (account
 * numbers would be stored in plaintext), values published in `.env.example` or the docs, an unauthenticated
 * codec server, a plain-HTTP Bank 131 URL, or a plaintext connection to Temporal. `ALLOW_INSECURE_LOCAL_DEV=1` lifts these checks; `npm start`,
 * the tests and the benchmark set it, and every process says so loudly when it is set.
 */
import { ConfigError } from './env';

export const INSECURE_LOCAL_DEV_FLAG = 'ALLOW_INSECURE_LOCAL_DEV';

/** Example values from `.env.example` and the docs; a deployment that copied one is not secret. */
const PUBLISHED_VALUES = [
  'k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
  'change-me',
  'change-me-to-a-long-random-token',
  'disabled-for-local-dev',
];

export function insecureLocalDev(env: NodeJS.ProcessEnv): boolean {
  return env[INSECURE_LOCAL_DEV_FLAG] === '1' || env[INSECURE_LOCAL_DEV_FLAG] === 'true';
}

export interface SecretCheck {
  variable: string;
  value: string | undefined;
  /** `secret`: set, and not a published example. `https`: an https URL. `tls`: set (TLS to Temporal is on). */
  rule: 'secret' | 'https' | 'tls';
}

/** Throws naming every variable that fails, unless the local-dev flag is set. */
export function requireProductionSecrets(
  env: NodeJS.ProcessEnv,
  process: string,
  checks: SecretCheck[],
): void {
  if (insecureLocalDev(env)) {
    console.warn(
      `*** ${INSECURE_LOCAL_DEV_FLAG}=1: the ${process} runs without the production secrets checks (local demo only) ***`,
    );
    return;
  }
  const problems = checks.flatMap(({ variable, value, rule }) => {
    if (rule === 'tls')
      return value
        ? []
        : [
            `${variable}: Temporal would be reached in plaintext, without a client certificate; ` +
              'give this process its profile (TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE, `npm run certs`) or TEMPORAL_TLS_*',
          ];
    if (rule === 'https')
      return value?.startsWith('https://')
        ? []
        : [`${variable}: must be an https URL (got ${value ?? 'nothing'})`];
    if (!value?.trim()) return [`${variable}: must be set`];
    if (/REPLACE-ME/i.test(value) || PUBLISHED_VALUES.some((published) => value.includes(published)))
      return [`${variable}: is the published example value; generate your own`];
    return [];
  });
  if (problems.length > 0) {
    throw new ConfigError(
      `insecure ${process} configuration:\n  ${problems.join('\n  ')}\n` +
        `  (only for a local demo on this machine: set ${INSECURE_LOCAL_DEV_FLAG}=1)`,
    );
  }
}
