import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

// Temporal's native worker must not share a process between test files: the `forks` pool, one file at a time
// for everything that talks to the server.
// TEMPORAL_TARGET=cluster (`npm run test:cluster`) swaps the dev server for the production-shaped cluster
// (harness/cluster) and runs only the `cluster` project: the end-to-end, gateway and fault suites against it.
const clusterTarget = process.env.TEMPORAL_TARGET === 'cluster';
const onTarget = (projects: TestProjectInlineConfiguration[]) =>
  projects.filter((project) => (project.test?.name === 'cluster') === clusterTarget);

export default defineConfig({
  test: {
    pool: 'forks',
    projects: onTarget([
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts', 'test/contract/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-global-setup.ts'],
          setupFiles: ['test/setup/quiet-runtime.ts'],
          fileParallelism: false,
          testTimeout: 90_000,
          hookTimeout: 120_000,
        },
      },
      {
        // Workflow logic at production timeouts (hours, days) in seconds: Temporal's Java time-skipping test
        // server, stub activities. One file at a time: each starts its own server and worker.
        extends: true,
        test: {
          name: 'workflows',
          include: ['test/workflows/**/*.test.ts'],
          globalSetup: ['test/setup/time-skipping-global-setup.ts'],
          setupFiles: ['test/setup/quiet-runtime.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          include: ['test/faults/**/*.test.ts'],
          globalSetup: ['test/setup/temporal-global-setup.ts'],
          setupFiles: ['test/setup/quiet-runtime.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'cluster',
          include: [
            'test/integration/payout-e2e.test.ts',
            'test/integration/webhook-gateway*.test.ts',
            'test/faults/**/*.test.ts',
            'test/cluster/**/*.test.ts',
          ],
          globalSetup: ['test/setup/cluster-global-setup.ts'],
          setupFiles: ['test/setup/quiet-runtime.ts'],
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 180_000,
        },
      },
    ]),
  },
});
