import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The wrapper harness/temporal-test-server.ts wrote: starts Temporal's Java time-skipping test server. */
    timeSkippingServerPath: string;
  }
}
