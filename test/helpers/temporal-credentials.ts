/**
 * How test files connect to the server the global setup started: plaintext to the dev server; to the mTLS
 * cluster (TEMPORAL_TARGET=cluster) with the credentials it generated, one per process as in production.
 */
import { inject } from 'vitest';
import {
  connectionOptionsFor,
  readTemporalCredentials,
  stackCredentialsFrom,
  type CredentialName,
} from '../../harness/certs';
import type { StackProcess, TemporalCredential } from '../../harness/local-stack';

/** Set by test/setup/cluster-global-setup.ts only. */
export function clusterCertsDir(): string | undefined {
  return inject('temporalCertsDir') || undefined;
}

/** Connection options (`Connection.connect` / `NativeConnection.connect`) for one credential. */
export function testConnectionOptions(credential: CredentialName, address = inject('temporalAddress')) {
  const dir = clusterCertsDir();
  return dir ? connectionOptionsFor(readTemporalCredentials(dir), credential, address) : { address };
}

/** The local stack's per-process credentials (harness/local-stack.ts), or none for the dev server. */
export function testStackCredentials(): Partial<Record<StackProcess, TemporalCredential>> | undefined {
  const dir = clusterCertsDir();
  return dir ? stackCredentialsFrom(readTemporalCredentials(dir)) : undefined;
}
