import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Set by test/setup/cluster-global-setup.ts only: see harness/cluster/control.ts. */
    clusterControlUrl: string;
    /** Set by test/setup/cluster-global-setup.ts only: the mTLS cluster's credentials (harness/certs.ts). */
    temporalCertsDir?: string;
  }
}
