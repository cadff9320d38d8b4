/**
 * Where the payout-ID registry lives (activities/payout-registry.ts): a PostgreSQL URL. The worker needs it
 * to start outside local dev: without it a payout ID is unique only while Temporal keeps its closed run.
 * A backend's payouts client may set it too (a read-only role is enough) to refuse a retired ID up front.
 */
import { z } from 'zod';
import { int, parse, withSecretFiles } from './env';

export const REGISTRY_DATABASE_URL = 'PAYOUT_REGISTRY_DATABASE_URL';

const RegistrySchema = z.object({
  [REGISTRY_DATABASE_URL]: z
    .string()
    .optional()
    .refine((v) => !v || /^postgres(ql)?:\/\//.test(v), 'must be a postgres:// URL'),
  PAYOUT_REGISTRY_MAX_CONNECTIONS: int(5, 1),
});

export interface RegistryConfig {
  /** Absent: no registry (the worker accepts that only with ALLOW_INSECURE_LOCAL_DEV=1). */
  databaseUrl?: string;
  maxConnections: number;
}

export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env): RegistryConfig {
  // A URL with a password in it: a secret, given inline or as a file.
  const r = parse(RegistrySchema, withSecretFiles(env, [REGISTRY_DATABASE_URL]), 'payout registry');
  return {
    databaseUrl: r[REGISTRY_DATABASE_URL] || undefined,
    maxConnections: r.PAYOUT_REGISTRY_MAX_CONNECTIONS,
  };
}
