import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The wrapper scripts/temporal-test-server.ts wrote: starts Temporal's Java time-skipping test server. */
    timeSkippingServerPath: string;
  }
}
